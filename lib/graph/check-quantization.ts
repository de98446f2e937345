/**
 * checkQuantization: the quantization parameters of a model, checked once at create() where they are
 * constants, so that a bad file fails with a message naming the node instead of computing garbage:
 * scales must be float32, positive and finite; zero points must have their tensor's type and one
 * value per scale; per-channel vectors must have one value per channel; QLinearConv's bias int32 of
 * one value per output channel. (Native code checks the same again when it builds each operator.)
 */
import type { InitializerTensor, OnnxElemType } from '../onnx/model.js';
import type { IrGraph, IrNode } from './ir.js';
import { normalizeDomain, operatorLabel } from './operators.js';

/** Which inputs of an operator are scales, and which zero point goes with which tensor. */
interface QuantSignature {
  scales: number[];
  /** [zero point input, the input whose type it must have (-1: any byte type), its scale input]. */
  zeroPoints: [number, number, number][];
  /** Scales that may hold one value per channel: [scale input, tensor input, axis of that tensor]. */
  perChannel?: [number, number, number][];
  /** An int32 bias input and the tensor whose axis 0 it follows. */
  bias?: [number, number];
}

const BYTES: OnnxElemType[] = ['uint8', 'int8'];

const SIGNATURES: Record<string, QuantSignature> = {
  '::QuantizeLinear': { scales: [1], zeroPoints: [[2, -1, 1]] },
  '::DequantizeLinear': { scales: [1], zeroPoints: [[2, 0, 1]] },
  '::QLinearConv': { scales: [1, 4, 6], zeroPoints: [[2, 0, 1], [5, 3, 4], [7, -1, 6]], perChannel: [[4, 3, 0]], bias: [8, 3] },
  '::QLinearMatMul': { scales: [1, 4, 6], zeroPoints: [[2, 0, 1], [5, 3, 4], [7, -1, 6]] },
  '::ConvInteger': { scales: [], zeroPoints: [[2, 0, -1], [3, 1, -1]] },
  '::MatMulInteger': { scales: [], zeroPoints: [[2, 0, -1], [3, 1, -1]] },
  'com.microsoft::QGemm': { scales: [1, 4, 7], zeroPoints: [[2, 0, 1], [5, 3, 4], [8, -1, 7]] },
  'com.microsoft::QLinearAdd': { scales: [1, 4, 6], zeroPoints: [[2, 0, 1], [5, 3, 4], [7, 0, 6]] },
  'com.microsoft::QLinearMul': { scales: [1, 4, 6], zeroPoints: [[2, 0, 1], [5, 3, 4], [7, 0, 6]] },
  'com.microsoft::QLinearGlobalAveragePool': { scales: [1, 3], zeroPoints: [[2, 0, 1], [4, 0, 3]] },
  'com.microsoft::QLinearAveragePool': { scales: [1, 3], zeroPoints: [[2, 0, 1], [4, 0, 3]] },
  'com.microsoft::QLinearLeakyRelu': { scales: [1, 3], zeroPoints: [[2, 0, 1], [4, 0, 3]] },
  'com.microsoft::QLinearSigmoid': { scales: [1, 3], zeroPoints: [[2, 0, 1], [4, 0, 3]] },
  'com.microsoft::QLinearSoftmax': { scales: [1, 3], zeroPoints: [[2, 0, 1], [4, -1, 3]] },
};

function signatureOf(node: IrNode): QuantSignature | undefined {
  if (node.domain === 'com.microsoft' && node.opType === 'QLinearConcat') {
    // Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input.
    const sig: QuantSignature = { scales: [0], zeroPoints: [[1, -1, 0]] };
    for (let i = 2; i + 2 < node.inputs.length; i += 3) {
      sig.scales.push(i + 1);
      sig.zeroPoints.push([i + 2, i, i + 1]);
    }
    return sig;
  }
  return SIGNATURES[`${normalizeDomain(node.domain)}::${node.opType}`];
}

function typeOf(g: IrGraph, name: string): OnnxElemType | undefined {
  return g.constants.get(name)?.type ?? g.types.get(name)?.elemType;
}

function formatValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

export function checkQuantization(g: IrGraph): void {
  for (const node of g.nodes) {
    const sig = signatureOf(node);
    if (!sig) continue;
    const where = `node '${node.name}' (${operatorLabel(node.domain, node.opType)})`;
    const input = (i: number) => (i >= 0 && i < node.inputs.length ? node.inputs[i]! : '');
    const constant = (i: number): InitializerTensor | undefined => (input(i) === '' ? undefined : g.constants.get(input(i)));
    const label = (i: number) => `input ${i} '${input(i)}'`;

    if (normalizeDomain(node.domain) === '' && node.opType === 'DequantizeLinear') {
      const xType = typeOf(g, input(0));
      if (xType !== undefined && !['uint8', 'int8', 'int32'].includes(xType)) {
        throw new TypeError(`${where}: ${label(0)} must be uint8, int8 or int32 (quantized data), got ${xType}`);
      }
    }
    for (const i of sig.scales) {
      const s = constant(i);
      if (!s) continue;
      if (s.type !== 'float32') throw new TypeError(`${where}: ${label(i)} is a scale and must be float32, got ${s.type}`);
      const data = s.data as Float32Array;
      for (let k = 0; k < data.length; k++) {
        if (!(data[k]! > 0) || !Number.isFinite(data[k]!)) {
          throw new RangeError(`${where}: ${label(i)} is a scale and must be positive and finite, got ${formatValue(data[k]!)}${data.length > 1 ? ` at index ${k}` : ''}`);
        }
      }
    }
    for (const [zi, ti, si] of sig.zeroPoints) {
      if (input(zi) === '') continue;
      const zType = typeOf(g, input(zi));
      const owner = ti >= 0 ? typeOf(g, input(ti)) : undefined;
      if (zType !== undefined && owner !== undefined && zType !== owner) {
        throw new TypeError(`${where}: ${label(zi)} is the zero point of ${label(ti)} and must have its type ${owner}, got ${zType}`);
      }
      if (zType !== undefined && ti < 0 && !BYTES.includes(zType) && normalizeDomain(node.domain) !== '') {
        throw new TypeError(`${where}: ${label(zi)} must be uint8 or int8, got ${zType}`);
      }
      const z = constant(zi);
      const s = si >= 0 ? constant(si) : undefined;
      if (z && s && z.data.length !== s.data.length && !(z.data.length === 1 && s.data.length === 1)) {
        throw new RangeError(`${where}: ${label(zi)} has ${z.data.length} values but its scale ${label(si)} has ${s.data.length}`);
      }
    }
    for (const [si, ti, axis] of sig.perChannel ?? []) {
      const s = constant(si);
      const dims = constant(ti)?.dims ?? g.types.get(input(ti))?.shape;
      const channels = dims?.[axis];
      if (s && s.data.length !== 1 && typeof channels === 'number' && s.data.length !== channels) {
        throw new RangeError(`${where}: ${label(si)} has ${s.data.length} values; per channel it needs ${channels} (axis ${axis} of ${label(ti)})`);
      }
    }
    if (sig.bias) {
      const [bi, ti] = sig.bias;
      if (input(bi) !== '') {
        const type = typeOf(g, input(bi));
        if (type !== undefined && type !== 'int32') throw new TypeError(`${where}: ${label(bi)} is the bias and must be int32, got ${type}`);
        const b = constant(bi);
        const m = (constant(ti)?.dims ?? g.types.get(input(ti))?.shape)?.[0];
        if (b && typeof m === 'number' && b.data.length !== m) throw new RangeError(`${where}: ${label(bi)} has ${b.data.length} values, one per output channel needs ${m}`);
      }
    }
  }
}
