/**
 * fuseActivations: an activation directly after a float Conv, Gemm or MatMul runs on the producer's
 * output while it is still in cache (clamps even inside the GEMM epilogue). The producer gets the
 * attributes `activation` (the activation's op type) and `activation_params` (Clip [min, max],
 * LeakyRelu [alpha], HardSigmoid [alpha, beta], otherwise empty), writes the activation's output, and
 * the activation node goes. Only when the producer's output has no other reader and is not a graph
 * output, and never twice.
 */
import type { IrGraph, IrNode } from '../ir.js';
import {
  consumerIndex,
  floatAttribute,
  graphOutputNames,
  isOnnxDomain,
  knownElemType,
  producerIndex,
  removeNodes,
  scalarFloat32,
} from './graph-queries.js';

const PRODUCERS = new Set(['Conv', 'Gemm', 'MatMul']);
const FLOAT32_MAX = 3.4028234663852886e38;

/** The parameters the fused activation needs, or null when this node cannot be fused. */
function activationParams(g: IrGraph, act: IrNode): number[] | null {
  switch (act.opType) {
    case 'Relu':
    case 'HardSwish':
    case 'Sigmoid':
    case 'Tanh':
      return [];
    case 'LeakyRelu':
      return [floatAttribute(act, 'alpha', 0.01)];
    case 'HardSigmoid':
      return [floatAttribute(act, 'alpha', 0.2), floatAttribute(act, 'beta', 0.5)];
    case 'Clip': {
      if (act.opset < 11) {
        // Opset 6 bounds are attributes defaulting to the float range.
        return [floatAttribute(act, 'min', -FLOAT32_MAX), floatAttribute(act, 'max', FLOAT32_MAX)];
      }
      // Opset 11+: optional scalar inputs; they must be constants to be baked into the producer.
      const bound = (index: number, fallback: number): number | null => {
        const name = act.inputs[index] ?? '';
        return name === '' ? fallback : scalarFloat32(g, name);
      };
      const min = bound(1, -Infinity);
      const max = bound(2, Infinity);
      return min === null || max === null ? null : [min, max];
    }
    default:
      return null;
  }
}

export function fuseActivations(g: IrGraph): void {
  const producers = producerIndex(g);
  const uses = consumerIndex(g);
  const outputs = graphOutputNames(g);
  const dead = new Set<IrNode>();
  for (const act of g.nodes) {
    if (!isOnnxDomain(act) || act.outputs.length !== 1 || act.outputs[0] === '') continue;
    const params = activationParams(g, act);
    if (!params) continue;
    const x = act.inputs[0] ?? '';
    const producer = producers.get(x);
    if (!producer || dead.has(producer) || !isOnnxDomain(producer) || !PRODUCERS.has(producer.opType)) continue;
    if (producer.outputs[0] !== x || outputs.has(x) || uses.get(x)?.length !== 1) continue;
    if (producer.attributes.has('activation')) continue;
    // The fused kernels are float32. Conv and Gemm exist only for float types, so an unknown type is
    // float32 in practice (and native checks); MatMul also takes integers, so its type must be known.
    const elemType = knownElemType(g, x, producers);
    if (elemType !== 'float32' && (elemType !== null || producer.opType === 'MatMul')) continue;

    const y = act.outputs[0]!;
    producer.attributes.set('activation', { type: 'string', value: act.opType });
    producer.attributes.set('activation_params', { type: 'floats', value: params });
    producer.outputs = [y, ...producer.outputs.slice(1)];
    if (!g.types.has(y) && g.types.has(x)) g.types.set(y, g.types.get(x)!);
    g.types.delete(x);
    producers.delete(x);
    producers.set(y, producer);
    dead.add(act);
  }
  removeNodes(g, dead);
}
