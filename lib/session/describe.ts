/**
 * What each node of a planned graph runs as, for users who want to see where a quantized model
 * still computes in float: int8 kernels, the quantize / dequantize steps at the borders, float
 * operators that are the Q/DQ fallback (they read a DequantizeLinear or feed a QuantizeLinear), and
 * plain float operators.
 */
import { knownElemType, producerIndex, consumerIndex } from '../graph/passes/graph-queries.js';
import type { IrGraph } from '../graph/ir.js';

export type KernelKind = 'int8' | 'quantize' | 'dequantize' | 'fallback' | 'float';

export interface NodeDescription {
  name: string;
  opType: string;
  /** '' for ai.onnx. */
  domain: string;
  kernel: KernelKind;
}

const INT8_OPERATORS = new Set([
  'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearGlobalAveragePool',
  'QLinearAveragePool', 'QLinearLookup', 'QLinearConcat', 'QLinearLeakyRelu', 'QLinearSigmoid', 'QLinearSoftmax',
]);
const BYTES = new Set(['uint8', 'int8']);

export function describeGraph(g: IrGraph): NodeDescription[] {
  const producers = producerIndex(g);
  const uses = consumerIndex(g);
  const isOp = (name: string, op: string) => producers.get(name)?.opType === op;
  return g.nodes.map((node) => {
    let kernel: KernelKind;
    if (node.opType === 'QuantizeLinear' || node.opType === 'DynamicQuantizeLinear') kernel = 'quantize';
    else if (node.opType === 'DequantizeLinear') kernel = 'dequantize';
    else if (INT8_OPERATORS.has(node.opType)) kernel = 'int8';
    else if (BYTES.has(knownElemType(g, node.inputs[0] ?? '', producers) ?? '')) kernel = 'int8';  // MaxPool, Reshape... on the bytes
    else {
      const readsDq = node.inputs.some((v) => v !== '' && isOp(v, 'DequantizeLinear'));
      const feedsQ = node.outputs.some((v) => (uses.get(v) ?? []).some((u) => u.node.opType === 'QuantizeLinear'));
      kernel = readsDq || feedsQ ? 'fallback' : 'float';
    }
    return { name: node.name, opType: node.opType, domain: node.domain, kernel };
  });
}
