/**
 * What QDQ fusion asks of a graph: the DequantizeLinear behind a value (with constant parameters),
 * the QuantizeLinear that is a value's only reader, and whether two quantizations are the same.
 */
import type { InitializerTensor, OnnxElemType } from '../../onnx/model.js';
import type { IrGraph, IrNode } from '../ir.js';
import { isOnnxDomain, type ValueUse } from './graph-queries.js';
import type { QuantParams } from './lookup-tables.js';

/** A DequantizeLinear's operands, when its scale and zero point are constants. */
export interface Dequantized {
  node: IrNode;
  /** The quantized value (constant for weights, a tensor for activations). */
  q: string;
  scale: Float32Array;
  /** '' when absent (zero of q's type). */
  zeroPoint: string;
  axis: number;
}

export const BYTE_TYPES = new Set<OnnxElemType>(['uint8', 'int8']);

export function dequantized(g: IrGraph, producers: Map<string, IrNode>, value: string): Dequantized | null {
  const node = producers.get(value);
  if (!node || !isOnnxDomain(node) || node.opType !== 'DequantizeLinear') return null;
  const [q = '', scaleName = '', zeroPoint = ''] = node.inputs;
  const scale = g.constants.get(scaleName);
  if (!scale || scale.type !== 'float32' || !(scale.data instanceof Float32Array)) return null;
  if (zeroPoint !== '' && !g.constants.has(zeroPoint)) return null;
  if (node.attributes.has('block_size')) return null;
  const axisAttr = node.attributes.get('axis');
  const axis = axisAttr?.type === 'int' ? Number(axisAttr.value) : 1;
  return { node, q, scale: scale.data, zeroPoint, axis };
}

/** The QuantizeLinear that is the only reader of `value`, with constant per-tensor parameters. */
export function soleQuantizer(g: IrGraph, uses: Map<string, ValueUse[]>, outputs: Set<string>, value: string): IrNode | null {
  const readers = uses.get(value) ?? [];
  if (readers.length !== 1 || outputs.has(value)) return null;
  const q = readers[0]!.node;
  if (!isOnnxDomain(q) || q.opType !== 'QuantizeLinear' || readers[0]!.index !== 0) return null;
  const [, scale = '', zeroPoint = ''] = q.inputs;
  const s = g.constants.get(scale);
  if (!s || s.type !== 'float32' || s.data.length !== 1 || !g.constants.has(zeroPoint)) return null;
  if (g.constants.get(zeroPoint)!.data.length !== 1 || q.attributes.has('output_dtype')) return null;
  return q;
}

export function elemTypeOf(g: IrGraph, value: string): OnnxElemType | null {
  return g.constants.get(value)?.type ?? g.types.get(value)?.elemType ?? null;
}

/** The quantized value's type: its zero point's (the same by definition), else what the graph says. */
export function quantizedType(g: IrGraph, d: Dequantized): OnnxElemType | null {
  return d.zeroPoint !== '' ? g.constants.get(d.zeroPoint)!.type : elemTypeOf(g, d.q);
}

/** Quantized per-tensor activation parameters: a scalar scale and zero point of a byte type. */
export function perTensor(g: IrGraph, d: Dequantized | null): d is Dequantized {
  if (!d || d.scale.length !== 1) return false;
  const type = quantizedType(g, d);
  if (!type || !BYTE_TYPES.has(type)) return false;
  return d.zeroPoint === '' || g.constants.get(d.zeroPoint)!.data.length === 1;
}

/** Weight parameters: a byte constant, scale per tensor or per entry of `axis` (of `channels`). */
export function weightsOk(g: IrGraph, d: Dequantized | null, axis: number, channels: number): d is Dequantized {
  if (!d) return false;
  const w = g.constants.get(d.q);
  if (!w || !BYTE_TYPES.has(w.type)) return false;
  if (d.scale.length === 1) return true;
  const rank = w.dims.length;
  return d.scale.length === channels && (d.axis === axis || d.axis === axis - rank);
}

/** The parameters of a per-tensor DQ (see perTensor). */
export function paramsOfDq(g: IrGraph, d: Dequantized): QuantParams {
  const zp = d.zeroPoint === '' ? 0 : Number(g.constants.get(d.zeroPoint)!.data[0]);
  return { scale: d.scale[0]!, zeroPoint: zp, type: quantizedType(g, d)! };
}

/** The parameters of a QuantizeLinear accepted by soleQuantizer. */
export function paramsOfQ(g: IrGraph, q: IrNode): QuantParams {
  const zp = g.constants.get(q.inputs[2]!)!;
  return { scale: Number(g.constants.get(q.inputs[1]!)!.data[0]), zeroPoint: Number(zp.data[0]), type: zp.type };
}

export function sameParams(a: QuantParams, b: QuantParams): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.type === b.type;
}

export type AddConstant = (base: string, t: Omit<InitializerTensor, 'name'>) => string;
