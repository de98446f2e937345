/**
 * The QDQ groups fuseQdq (fuse-qdq.ts) turns into int8 operators, one builder per kind of group: each
 * checks that its kernel computes exactly what the float group defines and returns the replacement
 * nodes, or null to leave the group as the Q/DQ fallback.
 */
import type { OnnxElemType } from '../../onnx/model.js';
import { allocateTensorData } from '../../onnx/tensor-proto.js';
import type { IrGraph, IrNode } from '../ir.js';
import { floatAttribute, isOnnxDomain, NameAllocator, scalarFloat32, type ValueUse } from './graph-queries.js';
import { lookupTable, quantize, unaryFunction, type QuantParams } from './lookup-tables.js';
import {
  dequantized,
  paramsOfDq,
  paramsOfQ,
  perTensor,
  quantizedType,
  sameParams,
  soleQuantizer,
  weightsOk,
  type AddConstant,
  type Dequantized,
} from './qdq-queries.js';

/** Operators that only move, select or compare values: they commute with any increasing requantization. */
export const BYTE_MOVERS = new Set(['MaxPool', 'GlobalMaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Slice', 'DepthToSpace', 'SpaceToDepth']);

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** What the builders share: the graph, its indexes (kept current by fuseQdq) and name/constant makers. */
export interface Context {
  g: IrGraph;
  producers: Map<string, IrNode>;
  uses: Map<string, ValueUse[]>;
  outputs: Set<string>;
  names: NameAllocator;
  addConstant: AddConstant;
}

export interface QuantizedOutput {
  q: IrNode;
  /** A Relu / Clip between the operator and q, now folded into it. */
  activation: IrNode | null;
  /** output_min / output_max attributes when the activation narrows the type's range. */
  range: [string, number][] | null;
}

/** The QuantizeLinear reading `node`'s output, directly or through a Relu / Clip (constant bounds). */
export function quantizedOutput(c: Context, node: IrNode): QuantizedOutput | null {
  const { g } = c;
  const y = node.outputs[0] ?? '';
  const direct = soleQuantizer(g, c.uses, c.outputs, y);
  if (direct) return { q: direct, activation: null, range: null };
  const readers = c.uses.get(y) ?? [];
  if (readers.length !== 1 || c.outputs.has(y)) return null;
  const act = readers[0]!.node;
  if (!isOnnxDomain(act) || readers[0]!.index !== 0 || (act.opType !== 'Relu' && act.opType !== 'Clip')) return null;
  let lo = 0, hi = Infinity;
  if (act.opType === 'Clip') {
    if (act.opset < 11) {
      lo = floatAttribute(act, 'min', -Infinity);
      hi = floatAttribute(act, 'max', Infinity);
    } else {
      const bound = (i: number, fallback: number) => ((act.inputs[i] ?? '') === '' ? fallback : scalarFloat32(g, act.inputs[i]!));
      const min = bound(1, -Infinity), max = bound(2, Infinity);
      if (min === null || max === null) return null;
      lo = min;
      hi = max;
    }
  }
  const q = soleQuantizer(g, c.uses, c.outputs, act.outputs[0] ?? '');
  if (!q) return null;
  const p = paramsOfQ(g, q);
  const [tmin, tmax] = p.type === 'int8' ? [-128, 127] : [0, 255];
  const qlo = lo === -Infinity ? tmin : quantize(lo, p);
  const qhi = hi === Infinity ? tmax : quantize(hi, p);
  const range: [string, number][] = [];
  if (qlo > tmin) range.push(['output_min', qlo]);
  if (qhi < tmax) range.push(['output_max', qhi]);
  return { q, activation: act, range: range.length ? range : null };
}

function newNode(c: Context, base: IrNode, fields: Pick<IrNode, 'opType' | 'domain' | 'inputs' | 'outputs'> & Partial<IrNode>): IrNode {
  return {
    id: c.g.nextId++,
    name: base.name,
    opset: fields.domain === '' ? Math.max(base.opset, 10) : 1,
    attributes: new Map(),
    ...fields,
  };
}

/** A zero point input: the DQ's own, or a zero of the quantized type when it has none. */
function zeroPointOf(c: Context, d: Dequantized, type: OnnxElemType, count: number, base: string): string {
  if (d.zeroPoint !== '') return d.zeroPoint;
  const data = type === 'int8' ? allocateTensorData(Int8Array, count) : allocateTensorData(Uint8Array, count);
  return c.addConstant(`${base}_zero_point`, { type, dims: count === 1 ? [] : [count], data });
}

/** x_q, x_scale, x_zero_point of a per-tensor DQ. */
function activationInputs(c: Context, d: Dequantized, base: string): string[] {
  return [d.q, d.node.inputs[1]!, zeroPointOf(c, d, quantizedType(c.g, d)!, 1, base)];
}

export function convGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  const [xName = '', wName = '', bName = ''] = node.inputs;
  const x = dequantized(g, c.producers, xName);
  const w = dequantized(g, c.producers, wName);
  const wConst = g.constants.get(w?.q ?? '');
  const m = wConst?.dims[0] ?? 0;
  if (!perTensor(g, x) || !weightsOk(g, w, 0, m) || !wConst) return null;
  const bias = bName === '' ? '' : int32Bias(c, bName, x.scale[0]!, w.scale, m, `${node.name}_B_quantized`);
  if (bias === null) return null;
  return newNode(c, node, {
    opType: 'QLinearConv',
    domain: '',
    inputs: [
      ...activationInputs(c, x, `${node.name}_x`),
      w.q, w.node.inputs[1]!, zeroPointOf(c, w, wConst.type, w.scale.length, `${node.name}_w`),
      q.inputs[1]!, q.inputs[2]!, ...(bias === '' ? [] : [bias]),
    ],
    outputs: [q.outputs[0]!],
    attributes: new Map(node.attributes),
  });
}

export function matmulGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  const [aName = '', bName = ''] = node.inputs;
  const a = dequantized(g, c.producers, aName);
  const b = dequantized(g, c.producers, bName);
  const bConst = g.constants.get(b?.q ?? '');
  if (!perTensor(g, a) || !bConst || bConst.dims.length !== 2 || !weightsOk(g, b, 1, bConst.dims[1]!)) return null;
  return newNode(c, node, {
    opType: 'QLinearMatMul',
    domain: '',
    inputs: [...activationInputs(c, a, `${node.name}_a`), b.q, b.node.inputs[1]!, zeroPointOf(c, b, bConst.type, b.scale.length, `${node.name}_b`), q.inputs[1]!, q.inputs[2]!],
    outputs: [q.outputs[0]!],
  });
}

/**
 * Gemm with a DQ'd A (per tensor) and a constant DQ'd B (per tensor, or per output column) as QGemm:
 * alpha = beta = 1 when there is a C (QGemm scales C with the product), transA = 0. Its output is
 * quantized when one QuantizeLinear reads it, else float32.
 */
export function gemmGroup(c: Context, node: IrNode, q: IrNode | null): IrNode | null {
  const { g } = c;
  const [aName = '', bName = '', cName = ''] = node.inputs;
  if (floatAttribute(node, 'transA', 0) !== 0) return null;
  if (cName !== '' && (floatAttribute(node, 'alpha', 1) !== 1 || floatAttribute(node, 'beta', 1) !== 1)) return null;
  const transB = floatAttribute(node, 'transB', 0) !== 0;
  const a = dequantized(g, c.producers, aName);
  const b = dequantized(g, c.producers, bName);
  const bConst = g.constants.get(b?.q ?? '');
  if (!perTensor(g, a) || !bConst || bConst.dims.length !== 2) return null;
  const n = transB ? bConst.dims[0]! : bConst.dims[1]!;
  if (!weightsOk(g, b, transB ? 0 : 1, n)) return null;
  let bias = '';
  if (cName !== '') {
    const cShape = g.constants.get(cName)?.dims ?? g.constants.get(dequantized(g, c.producers, cName)?.q ?? '')?.dims;
    if (!cShape || cShape.reduce((x, y) => x * y, 1) !== n) return null;  // one value per column only
    const made = int32Bias(c, cName, a.scale[0]!, b.scale, n, `${node.name}_C_quantized`);
    if (made === null) return null;
    bias = made;
  }
  const attributes = new Map(node.attributes);
  attributes.delete('beta');
  return newNode(c, node, {
    opType: 'QGemm',
    domain: 'com.microsoft',
    inputs: [
      ...activationInputs(c, a, `${node.name}_a`),
      b.q, b.node.inputs[1]!, zeroPointOf(c, b, bConst.type, b.scale.length, `${node.name}_b`),
      bias, ...(q ? [q.inputs[1]!, q.inputs[2]!] : []),
    ],
    outputs: [q ? q.outputs[0]! : node.outputs[0]!],
    attributes,
  });
}

/** Add / Mul of two per-tensor quantized values of one type, into that type. */
export function binaryGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  const a = dequantized(g, c.producers, node.inputs[0] ?? '');
  const b = dequantized(g, c.producers, node.inputs[1] ?? '');
  if (!perTensor(g, a) || !perTensor(g, b)) return null;
  const type = quantizedType(g, a);
  if (quantizedType(g, b) !== type || paramsOfQ(g, q).type !== type) return null;
  return newNode(c, node, {
    opType: node.opType === 'Add' ? 'QLinearAdd' : 'QLinearMul',
    domain: 'com.microsoft',
    inputs: [...activationInputs(c, a, `${node.name}_a`), ...activationInputs(c, b, `${node.name}_b`), q.inputs[1]!, q.inputs[2]!],
    outputs: [q.outputs[0]!],
  });
}

export function poolGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  const x = dequantized(g, c.producers, node.inputs[0] ?? '');
  if (!perTensor(g, x) || paramsOfQ(g, q).type !== quantizedType(g, x)) return null;
  const dilations = node.attributes.get('dilations');
  if (dilations?.type === 'ints' && dilations.value.some((d) => Number(d) !== 1)) return null;  // QLinearAveragePool has none
  return newNode(c, node, {
    opType: node.opType === 'GlobalAveragePool' ? 'QLinearGlobalAveragePool' : 'QLinearAveragePool',
    domain: 'com.microsoft',
    inputs: [...activationInputs(c, x, `${node.name}_x`), q.inputs[1]!, q.inputs[2]!],
    outputs: [q.outputs[0]!],
    attributes: new Map(node.attributes),
  });
}

/** A QLinearLookup node from `input` (quantized with `from`) to `output` (quantized with `to`). */
function lookupNode(c: Context, base: IrNode, input: string, output: string, f: (x: number) => number, from: QuantParams, to: QuantParams): IrNode {
  const table = lookupTable(f, from, to);
  const name = c.addConstant(`${base.name}_table`, { type: to.type, dims: [256], data: table });
  return newNode(c, base, { opType: 'QLinearLookup', domain: 'octet', inputs: [input, name], outputs: [output] });
}

/** DQ → elementwise f → Q as one table. */
export function lookupGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  const x = dequantized(g, c.producers, node.inputs[0] ?? '');
  if (!perTensor(g, x)) return null;
  let clip: { min: number; max: number } | undefined;
  if (node.opType === 'Clip') {
    if (node.opset < 11) clip = { min: floatAttribute(node, 'min', -Infinity), max: floatAttribute(node, 'max', Infinity) };
    else {
      const bound = (i: number, fallback: number) => ((node.inputs[i] ?? '') === '' ? fallback : scalarFloat32(g, node.inputs[i]!));
      const min = bound(1, -Infinity), max = bound(2, Infinity);
      if (min === null || max === null) return null;
      clip = { min, max };
    }
  } else if (node.inputs.filter((v) => v !== '').length !== 1) {
    return null;
  }
  if (node.opType === 'Gelu' && node.attributes.get('approximate')?.type === 'string' && node.attributes.get('approximate')!.value !== 'none') return null;
  const f = unaryFunction(node.opType, (name, fallback) => floatAttribute(node, name, fallback), clip);
  if (!f) return null;
  return lookupNode(c, node, x.q, q.outputs[0]!, f, paramsOfDq(g, x), paramsOfQ(g, q));
}

/**
 * DQ(x) → Add / Sub / Mul / Div with a float32 scalar constant → Q: a function of one quantized value,
 * so a table (float32 arithmetic as the float operator does it, the constant on either side).
 */
export function scalarOperandGroup(c: Context, node: IrNode, q: IrNode): IrNode | null {
  const { g } = c;
  if (node.inputs.length !== 2) return null;
  const constSide = node.inputs.findIndex((v) => g.constants.has(v));
  if (constSide < 0) return null;
  const k = scalarFloat32(g, node.inputs[constSide]!);
  const x = dequantized(g, c.producers, node.inputs[1 - constSide] ?? '');
  if (k === null || !perTensor(g, x)) return null;
  const f32 = Math.fround;
  const apply: Record<string, (a: number, b: number) => number> = {
    Add: (a, b) => f32(a + b), Sub: (a, b) => f32(a - b), Mul: (a, b) => f32(a * b), Div: (a, b) => f32(a / b),
  };
  const op = apply[node.opType];
  if (!op) return null;
  const f = constSide === 1 ? (v: number) => op(v, k) : (v: number) => op(k, v);
  return lookupNode(c, node, x.q, q.outputs[0]!, f, paramsOfDq(g, x), paramsOfQ(g, q));
}

/**
 * DQ → a value mover → Q: the mover on the bytes (its other inputs unchanged), then a table only when
 * the output's quantization differs. Movers of one input only (Concat and Pad need more care).
 */
export function moverGroup(c: Context, node: IrNode, q: IrNode): IrNode[] | null {
  const { g } = c;
  const x = dequantized(g, c.producers, node.inputs[0] ?? '');
  if (!perTensor(g, x)) return null;
  const from = paramsOfDq(g, x), to = paramsOfQ(g, q);
  const moved: IrNode = { ...node, id: g.nextId++, inputs: [x.q, ...node.inputs.slice(1)], attributes: new Map(node.attributes) };
  if (node.opType === 'Pad' && stringAttribute(node, 'mode', 'constant') === 'constant') {
    // The pad value as a byte of x's quantization (byteModeAllowed checked it is on the grid).
    const byte = padByte(c, node)!;
    if (node.opset < 11) moved.attributes.set('value', { type: 'float', value: byte });
    else {
      while (moved.inputs.length < 3) moved.inputs.push('');
      const data = from.type === 'int8' ? Int8Array.of(byte) : Uint8Array.of(byte);
      moved.inputs[2] = c.addConstant(`${node.name}_pad_value`, { type: from.type, dims: [], data });
    }
  }
  if (sameParams(from, to)) {
    moved.outputs = [q.outputs[0]!, ...node.outputs.slice(1)];
    return [moved];
  }
  // MaxPool's optional Indices output stays as it is; the bytes go through the table after.
  const bytes = c.names.fresh(`${node.outputs[0]}_bytes`);
  g.types.set(bytes, { elemType: from.type, shape: g.types.get(node.outputs[0]!)?.shape ?? null });
  moved.outputs = [bytes, ...node.outputs.slice(1)];
  return [moved, lookupNode(c, node, bytes, q.outputs[0]!, (v) => v, from, to)];
}

function stringAttribute(node: IrNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

/**
 * Whether Resize / Upsample / Pad give the same values on the bytes: nearest-neighbour resizing only
 * picks input values (unless crop-and-resize extrapolates a float); Pad's edge and reflect modes only
 * copy them, and its constant mode needs a pad value exactly on x's quantization grid (the byte is
 * then made by moverGroup).
 */
export function byteModeAllowed(c: Context, node: IrNode): boolean {
  if (node.opType === 'Resize' || node.opType === 'Upsample') {
    return stringAttribute(node, 'mode', 'nearest') === 'nearest' && stringAttribute(node, 'coordinate_transformation_mode', 'half_pixel') !== 'tf_crop_and_resize';
  }
  const mode = stringAttribute(node, 'mode', 'constant');
  if (mode !== 'constant') return mode === 'edge' || mode === 'reflect';
  return padByte(c, node) !== null;
}

/** Pad's constant value as a byte of x's quantization, or null when it is not on the grid. */
function padByte(c: Context, node: IrNode): number | null {
  const { g } = c;
  const x = dequantized(g, c.producers, node.inputs[0] ?? '');
  if (!perTensor(g, x)) return null;
  let value = 0;
  if (node.opset < 11) value = floatAttribute(node, 'value', 0);
  else if ((node.inputs[2] ?? '') !== '') {
    const v = scalarFloat32(g, node.inputs[2]!);
    if (v === null) return null;
    value = v;
  }
  const p = paramsOfDq(g, x);
  const q = quantize(value, p);
  return Math.fround(Math.fround(q - p.zeroPoint) * p.scale) === Math.fround(value) ? q : null;
}

/** Concat of DQ'd inputs: each input's bytes (through a table where its quantization differs), concatenated. */
export function concatGroup(c: Context, node: IrNode, q: IrNode): IrNode[] | null {
  const { g } = c;
  const to = paramsOfQ(g, q);
  const inputs = node.inputs.map((v) => dequantized(g, c.producers, v));
  if (!inputs.every((d): d is Dequantized => perTensor(g, d))) return null;
  const nodes: IrNode[] = [];
  const parts = inputs.map((d) => {
    const from = paramsOfDq(g, d);
    if (sameParams(from, to)) return d.q;
    const bytes = c.names.fresh(`${d.q}_requantized`);
    g.types.set(bytes, { elemType: to.type, shape: g.types.get(d.q)?.shape ?? null });
    nodes.push(lookupNode(c, node, d.q, bytes, (v) => v, from, to));
    return bytes;
  });
  nodes.push({ ...node, id: g.nextId++, inputs: parts, outputs: [q.outputs[0]!], attributes: new Map(node.attributes) });
  return nodes;
}

/** QuantizeLinear of a DQ'd value: nothing when the parameters agree, else a requantization table. */
export function requantizeGroup(c: Context, node: IrNode): { nodes: IrNode[]; quantizer: IrNode | null } | null {
  const { g } = c;
  const x = dequantized(g, c.producers, node.inputs[0] ?? '');
  if (!perTensor(g, x) || c.outputs.has(node.outputs[0]!)) return null;
  const [, scale = '', zp = ''] = node.inputs;
  const s = g.constants.get(scale);
  const z = g.constants.get(zp);
  if (!s || s.type !== 'float32' || s.data.length !== 1 || !z || z.data.length !== 1 || node.attributes.has('output_dtype')) return null;
  const to: QuantParams = { scale: Number(s.data[0]), zeroPoint: Number(z.data[0]), type: z.type };
  const from = paramsOfDq(g, x);
  if (sameParams(from, to)) {
    // Readers of the Q's output read the original bytes.
    for (const use of c.uses.get(node.outputs[0]!) ?? []) use.node.inputs[use.index] = x.q;
    return { nodes: [], quantizer: null };
  }
  return { nodes: [lookupNode(c, node, x.q, node.outputs[0]!, (v) => v, from, to)], quantizer: null };
}

/**
 * The bias as int32 at scale x_scale·w_scale[m]: a DQ'd int32 constant at exactly that scale is used
 * as it is (the quantizer made it so); another DQ'd or float constant bias is requantized to it.
 * null when the bias is not a constant.
 */
function int32Bias(c: Context, name: string, xScale: number, wScale: Float32Array, m: number, base: string): string | null {
  const { g } = c;
  const target = (i: number) => Math.fround(xScale * wScale[wScale.length === 1 ? 0 : i]!);
  let values: Float64Array;
  const d = dequantized(g, c.producers, name);
  if (d) {
    const bq = g.constants.get(d.q);
    if (!bq || bq.data.length !== m || (d.scale.length !== 1 && d.scale.length !== m)) return null;
    const zp = d.zeroPoint === '' ? null : g.constants.get(d.zeroPoint)!;
    const zeroAt = (i: number) => (zp ? Number(zp.data[zp.data.length === 1 ? 0 : i]) : 0);
    const scaleAt = (i: number) => d.scale[d.scale.length === 1 ? 0 : i]!;
    let exact = bq.type === 'int32';
    for (let i = 0; exact && i < m; i++) exact = zeroAt(i) === 0 && scaleAt(i) === target(i);
    if (exact) return d.q;
    values = Float64Array.from({ length: m }, (_, i) => (Number(bq.data[i]) - zeroAt(i)) * scaleAt(i));
  } else {
    const b = g.constants.get(name);
    if (!b || b.type !== 'float32' || b.data.length !== m) return null;
    values = Float64Array.from(b.data as Float32Array);
  }
  const out = allocateTensorData(Int32Array, m);
  for (let i = 0; i < m; ++i) out[i] = Math.max(-2147483648, Math.min(2147483647, roundHalfEven(values[i]! / target(i))));
  return c.addConstant(base, { type: 'int32', dims: [m], data: out });
}

