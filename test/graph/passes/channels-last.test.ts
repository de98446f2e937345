// applyChannelsLast: which regions switch to NHWC, which boundary nodes appear, and that the graph
// computes the same numbers afterwards (a small float64 interpreter that honours channels_last and
// reads Resize parameters per axis like the ONNX spec) with every value's shape in g.types matching
// what it computes.
import { describe, expect, it } from 'vitest';
import type { IrGraph, IrNode } from '../../../lib/graph/ir.js';
import { applyChannelsLast } from '../../../lib/graph/passes/index.js';
import { Rng } from '../../helpers/random.js';
import { buildGraph, copyGraph, f32, float, floats, i64, int, ints, n, str, tensor, type GraphSpec } from './ir-builder.js';

interface T {
  dims: number[];
  data: Float64Array;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const stridesOf = (dims: number[]) => dims.map((_, i) => size(dims.slice(i + 1)));

function attrInt(node: IrNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.type === 'int' ? Number(a.value) : fallback;
}
function attrInts(node: IrNode, name: string, fallback: number[]): number[] {
  const a = node.attributes.get(name);
  return a?.type === 'ints' ? a.value.map(Number) : fallback;
}
function attrFloat(node: IrNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.type === 'float' ? a.value : fallback;
}
function attrString(node: IrNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

function broadcast(a: T, b: T, f: (x: number, y: number) => number): T {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((d, i) => Math.max(d, db[i]!));
  const [sa, sb, so] = [stridesOf(da), stridesOf(db), stridesOf(dims)];
  const data = new Float64Array(size(dims));
  for (let k = 0; k < data.length; ++k) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < rank; ++i) {
      const c = Math.floor(k / so[i]!) % dims[i]!;
      if (da[i] !== 1) ia += c * sa[i]!;
      if (db[i] !== 1) ib += c * sb[i]!;
    }
    data[k] = f(a.data[ia]!, b.data[ib]!);
  }
  return { dims, data };
}

function transpose(x: T, perm: number[]): T {
  const dims = perm.map((p) => x.dims[p]!);
  const s = stridesOf(x.dims);
  const so = stridesOf(dims);
  const data = new Float64Array(x.data.length);
  for (let k = 0; k < data.length; ++k) {
    let src = 0;
    for (let i = 0; i < dims.length; ++i) src += (Math.floor(k / so[i]!) % dims[i]!) * s[perm[i]!]!;
    data[k] = x.data[src]!;
  }
  return { dims, data };
}

const toNchw = (x: T, last: boolean) => (last ? transpose(x, [0, 3, 1, 2]) : x);
const fromNchw = (x: T, last: boolean) => (last ? transpose(x, [0, 2, 3, 1]) : x);

/** Where one axis samples: per output index, taps (index, weight); index -1 = extrapolate. */
interface AxisSampling {
  index: number[][];
  weight: number[][];
}

/**
 * Resize (10-19) / Upsample (7-9), nearest and linear, any rank: parameters per axis as the spec
 * gives them (scales / sizes / roi along `axes`), computed on the tensor as laid out. Linear runs one
 * pass per axis, innermost first, skipping axes sampled as the identity (like the native operator).
 */
function resize(node: IrNode, inputs: (T | undefined)[]): T {
  const x = inputs[0]!;
  const rank = x.dims.length;
  const upsample = node.opType === 'Upsample';
  const opset = node.opset;
  const mode = attrString(node, 'mode', 'nearest');
  const coordinate = !upsample && opset >= 11 ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const nearestMode = !upsample && opset >= 11 ? attrString(node, 'nearest_mode', 'round_prefer_floor') : 'simple';
  const axes = !upsample && opset >= 18 && node.attributes.has('axes') ? attrInts(node, 'axes', []).map((a) => (a + rank) % rank) : x.dims.map((_, i) => i);
  const given = (t: T | undefined) => (t && t.data.length > 0 ? Array.from(t.data) : null);
  let scales: number[] | null;
  let sizes: number[] | null = null;
  let roi: number[] | null = null;
  if (upsample) scales = opset >= 9 ? given(inputs[1]) : node.attributes.get('scales')!.value as number[];
  else if (opset < 11) scales = given(inputs[1]);
  else [roi, scales, sizes] = [given(inputs[1]), given(inputs[2]), given(inputs[3])];
  const scale = x.dims.map(() => 1);
  const outDims = [...x.dims];
  const start = x.dims.map(() => 0);
  const end = x.dims.map(() => 1);
  axes.forEach((a, i) => {
    if (scales) [scale[a], outDims[a]] = [scales[i]!, Math.floor(x.dims[a]! * scales[i]!)];
    else [scale[a], outDims[a]] = [sizes![i]! / x.dims[a]!, sizes![i]!];
    if (roi) [start[a], end[a]] = [roi[i]!, roi[axes.length + i]!];
  });
  const sampling = x.dims.map((inSize, a): AxisSampling => {
    const out = outDims[a]!;
    const s = scale[a]!;
    const index: number[][] = [];
    const weight: number[][] = [];
    for (let o = 0; o < out; ++o) {
      if (mode === 'nearest' && s === 1 && out === inSize) {
        index.push([o]);
        weight.push([1]);
        continue;
      }
      let c: number;
      if (coordinate === 'asymmetric') c = o / s;
      else if (coordinate === 'align_corners') c = out === 1 ? 0 : (o * (inSize - 1)) / (out - 1);
      else if (coordinate === 'tf_crop_and_resize') c = out > 1 ? start[a]! * (inSize - 1) + (o * (end[a]! - start[a]!) * (inSize - 1)) / (out - 1) : 0.5 * (start[a]! + end[a]!) * (inSize - 1);
      else c = (o + 0.5) / s - 0.5; // half_pixel
      if (coordinate === 'tf_crop_and_resize' && (c < 0 || c > inSize - 1)) {
        index.push([-1]);
        weight.push([1]);
        continue;
      }
      if (mode === 'nearest') {
        const f = Math.floor(c);
        const i = nearestMode === 'floor' || nearestMode === 'simple' ? f : f + (c - f > 0.5 ? 1 : 0);
        index.push([Math.min(Math.max(i, 0), inSize - 1)]);
        weight.push([1]);
      } else {
        const xc = Math.min(Math.max(c, 0), inSize - 1);
        const f = Math.floor(xc);
        index.push([f, Math.min(f + 1, inSize - 1)]);
        weight.push([1 - (xc - f), xc - f]);
      }
    }
    return { index, weight };
  });
  const extrapolation = attrFloat(node, 'extrapolation_value', 0);
  if (mode === 'nearest') {
    const so = stridesOf(outDims);
    const si = stridesOf(x.dims);
    const data = new Float64Array(size(outDims));
    for (let k = 0; k < data.length; ++k) {
      let src = 0;
      for (let a = 0; a < rank && src >= 0; ++a) {
        const i = sampling[a]!.index[Math.floor(k / so[a]!) % outDims[a]!]![0]!;
        src = i < 0 ? -1 : src + i * si[a]!;
      }
      data[k] = src < 0 ? extrapolation : x.data[src]!;
    }
    return { dims: outDims, data };
  }
  let cur = x;
  for (let a = rank - 1; a >= 0; --a) {
    const { index, weight } = sampling[a]!;
    const identity = outDims[a] === x.dims[a] && index.every((ix, o) => ix.every((i, t) => (i === o && weight[o]![t] === 1) || weight[o]![t] === 0));
    if (identity) continue;
    const dims = [...cur.dims];
    dims[a] = outDims[a]!;
    const inner = size(cur.dims.slice(a + 1));
    const data = new Float64Array(size(dims));
    for (let k = 0; k < data.length; ++k) {
      const o = Math.floor(k / inner) % dims[a]!;
      const outer = Math.floor(k / (inner * dims[a]!));
      const base = outer * cur.dims[a]! * inner + (k % inner);
      let acc = weight[o]![0]! * cur.data[base + index[o]![0]! * inner]!;
      for (let t = 1; t < index[o]!.length; ++t) acc = acc + weight[o]![t]! * cur.data[base + index[o]![t]! * inner]!;
      data[k] = acc;
    }
    cur = { dims, data };
  }
  return cur;
}

/** ConvTranspose (group 1, symmetric pads, no output_padding) in NCHW; W is [C, M, kh, kw]. */
function convTranspose(node: IrNode, X: T, W: T, B: T | undefined): T {
  const [nb, c, h, w] = X.dims as [number, number, number, number];
  const [, m, kh, kw] = W.dims as [number, number, number, number];
  const [sh, sw] = attrInts(node, 'strides', [1, 1]) as [number, number];
  const p = attrInts(node, 'pads', [0, 0, 0, 0])[0]!;
  const [oh, ow] = [(h - 1) * sh - 2 * p + kh, (w - 1) * sw - 2 * p + kw];
  const out = new Float64Array(nb * m * oh * ow);
  for (let b = 0; b < nb; ++b)
    for (let o = 0; o < m; ++o) {
      for (let k = 0; k < oh * ow; ++k) out[(b * m + o) * oh * ow + k] = B ? B.data[o]! : 0;
      for (let ci = 0; ci < c; ++ci)
        for (let i = 0; i < h; ++i)
          for (let j = 0; j < w; ++j)
            for (let u = 0; u < kh; ++u)
              for (let v = 0; v < kw; ++v) {
                const [yy, xx] = [i * sh - p + u, j * sw - p + v];
                if (yy >= 0 && yy < oh && xx >= 0 && xx < ow) out[((b * m + o) * oh + yy) * ow + xx] += X.data[((b * c + ci) * h + i) * w + j]! * W.data[((ci * m + o) * kh + u) * kw + v]!;
              }
    }
  return { dims: [nb, m, oh, ow], data: out };
}

/** Conv (group 1, stride 1, symmetric pads), MaxPool (no pads), GAP, BN — computed in NCHW. */
function run(node: IrNode, inputs: (T | undefined)[]): T {
  const last = attrInt(node, 'channels_last', 0) === 1;
  const [x, y] = inputs;
  switch (node.opType) {
    case 'Conv': {
      const X = toNchw(x!, last);
      const W = y!;
      const B = inputs[2];
      const [nb, c, h, w] = X.dims as [number, number, number, number];
      const [m, , kh, kw] = W.dims as [number, number, number, number];
      const p = attrInts(node, 'pads', [0, 0, 0, 0])[0]!;
      const [oh, ow] = [h + 2 * p - kh + 1, w + 2 * p - kw + 1];
      const out = new Float64Array(nb * m * oh * ow);
      for (let b = 0; b < nb; ++b)
        for (let o = 0; o < m; ++o)
          for (let i = 0; i < oh; ++i)
            for (let j = 0; j < ow; ++j) {
              let acc = 0;
              for (let ci = 0; ci < c; ++ci)
                for (let u = 0; u < kh; ++u)
                  for (let v = 0; v < kw; ++v) {
                    const [yy, xx] = [i + u - p, j + v - p];
                    if (yy >= 0 && yy < h && xx >= 0 && xx < w) acc += X.data[((b * c + ci) * h + yy) * w + xx]! * W.data[((o * c + ci) * kh + u) * kw + v]!;
                  }
              out[((b * m + o) * oh + i) * ow + j] = acc + (B ? B.data[o]! : 0);
            }
      return fromNchw({ dims: [nb, m, oh, ow], data: out }, last);
    }
    case 'ConvTranspose':
      return fromNchw(convTranspose(node, toNchw(x!, last), y!, inputs[2]), last);
    case 'Resize':
    case 'Upsample':
      return resize(node, inputs);
    case 'MaxPool': {
      const X = toNchw(x!, last);
      const [nb, c, h, w] = X.dims as [number, number, number, number];
      const [kh, kw] = attrInts(node, 'kernel_shape', []) as [number, number];
      const [sh, sw] = attrInts(node, 'strides', [1, 1]) as [number, number];
      const [oh, ow] = [Math.floor((h - kh) / sh) + 1, Math.floor((w - kw) / sw) + 1];
      const out = new Float64Array(nb * c * oh * ow);
      for (let bc = 0; bc < nb * c; ++bc)
        for (let i = 0; i < oh; ++i)
          for (let j = 0; j < ow; ++j) {
            let best = -Infinity;
            for (let u = 0; u < kh; ++u) for (let v = 0; v < kw; ++v) best = Math.max(best, X.data[(bc * h + i * sh + u) * w + j * sw + v]!);
            out[(bc * oh + i) * ow + j] = best;
          }
      return fromNchw({ dims: [nb, c, oh, ow], data: out }, last);
    }
    case 'GlobalAveragePool': {
      const X = toNchw(x!, last);
      const [nb, c, h, w] = X.dims as [number, number, number, number];
      const out = new Float64Array(nb * c);
      for (let bc = 0; bc < nb * c; ++bc) {
        let acc = 0;
        for (let k = 0; k < h * w; ++k) acc += X.data[bc * h * w + k]!;
        out[bc] = acc / (h * w);
      }
      return fromNchw({ dims: [nb, c, 1, 1], data: out }, last);
    }
    case 'BatchNormalization': {
      const X = toNchw(x!, last);
      const [scale, bias, mean, variance] = inputs.slice(1) as T[];
      const [, c, h, w] = X.dims as [number, number, number, number];
      const data = X.data.map((v, k) => {
        const ch = Math.floor(k / (h * w)) % c;
        return ((v - mean!.data[ch]!) / Math.sqrt(variance!.data[ch]! + 1e-5)) * scale!.data[ch]! + bias!.data[ch]!;
      });
      return fromNchw({ dims: X.dims, data }, last);
    }
    case 'QuantizeLinear':
    case 'DequantizeLinear': {
      // Per tensor, or per channel along `axis` of the tensor as it is laid out.
      const axis = (attrInt(node, 'axis', 1) + x!.dims.length) % x!.dims.length;
      const [scale, zp] = inputs.slice(1) as T[];
      const inner = size(x!.dims.slice(axis + 1));
      const at = (t: T | undefined, k: number, fallback: number) => (!t ? fallback : t.data.length === 1 ? t.data[0]! : t.data[Math.floor(k / inner) % x!.dims[axis]!]!);
      const roundEven = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
      const data = x!.data.map((v, k) =>
        node.opType === 'QuantizeLinear' ? Math.min(255, Math.max(0, roundEven(v / at(scale, k, 1)) + at(zp, k, 0))) : (v - at(zp, k, 0)) * at(scale, k, 1),
      );
      return { dims: x!.dims, data };
    }
    case 'Relu':
      return { dims: x!.dims, data: x!.data.map((v) => Math.max(v, 0)) };
    case 'Sigmoid':
      return { dims: x!.dims, data: x!.data.map((v) => 1 / (1 + Math.exp(-v))) };
    case 'HardSigmoid': {
      const [alpha, beta] = [attrFloat(node, 'alpha', 0.2), attrFloat(node, 'beta', 0.5)];
      return { dims: x!.dims, data: x!.data.map((v) => Math.max(0, Math.min(1, alpha * v + beta))) };
    }
    case 'Softmax': // stands in for "an operator the layout pass does not adapt"; any non-elementwise map will do
      return { dims: x!.dims, data: x!.data.map((v, k) => v * (k % 7)) };
    case 'Add':
      return broadcast(x!, y!, (a, b) => a + b);
    case 'Mul':
      return broadcast(x!, y!, (a, b) => a * b);
    case 'Sub':
      return broadcast(x!, y!, (a, b) => a - b);
    case 'Max':
      return broadcast(x!, y!, (a, b) => Math.max(a, b));
    case 'PRelu':
      return broadcast(x!, y!, (a, b) => (a < 0 ? a * b : a));
    case 'Transpose':
      return transpose(x!, attrInts(node, 'perm', []));
    case 'Squeeze':
    case 'Unsqueeze': {
      const given = y ? Array.from(y.data) : attrInts(node, 'axes', []);
      if (node.opType === 'Squeeze') {
        const axes = given.map((a) => (a + x!.dims.length) % x!.dims.length);
        return { dims: x!.dims.filter((_, i) => !axes.includes(i)), data: x!.data };
      }
      const rank = x!.dims.length + given.length;
      const axes = given.map((a) => (a + rank) % rank);
      const rest = [...x!.dims];
      return { dims: Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!)), data: x!.data };
    }
    case 'Reshape':
      return { dims: Array.from(y!.data), data: x!.data };
    case 'Flatten': {
      const axis = attrInt(node, 'axis', 1);
      return { dims: [size(x!.dims.slice(0, axis)), size(x!.dims.slice(axis))], data: x!.data };
    }
    case 'Concat': {
      const parts = inputs as T[];
      const axis = (attrInt(node, 'axis', 0) + parts[0]!.dims.length) % parts[0]!.dims.length;
      const outer = size(parts[0]!.dims.slice(0, axis));
      const dims = [...parts[0]!.dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
      const data: number[] = [];
      for (let o = 0; o < outer; ++o) {
        for (const p of parts) {
          const chunk = size(p.dims.slice(axis));
          data.push(...p.data.subarray(o * chunk, (o + 1) * chunk));
        }
      }
      return { dims, data: Float64Array.from(data) };
    }
    case 'Gemm': {
      const [m, k] = x!.dims as [number, number];
      const nn = y!.dims[1]!;
      const C = inputs[2]!;
      const out = new Float64Array(m * nn);
      for (let i = 0; i < m; ++i)
        for (let j = 0; j < nn; ++j) {
          let acc = 0;
          for (let q = 0; q < k; ++q) acc += x!.data[i * k + q]! * y!.data[q * nn + j]!;
          out[i * nn + j] = acc + C.data[j]!;
        }
      return { dims: [m, nn], data: out };
    }
    default:
      throw new Error(`test interpreter: no ${node.opType}`);
  }
}

/** Runs g; checks every computed value's shape against g.types. */
function evaluate(g: IrGraph, feeds: Map<string, T>): Map<string, T> {
  const values = new Map<string, T>(feeds);
  for (const [name, c] of g.constants) values.set(name, { dims: [...c.dims], data: Float64Array.from(c.data as ArrayLike<number | bigint>, Number) });
  for (const node of g.nodes) {
    const out = run(node, node.inputs.map((v) => (v === '' ? undefined : values.get(v))));
    const name = node.outputs[0]!;
    expect(g.types.get(name)?.shape, `shape of '${name}'`).toEqual(out.dims);
    values.set(name, out);
  }
  return values;
}

function randomTensor(rng: Rng, dims: number[]): T {
  return { dims, data: Float64Array.from({ length: size(dims) }, () => rng.next() * 2 - 1) };
}

function randomF32(rng: Rng, name: string, dims: number[]) {
  return f32(name, dims, Array.from({ length: size(dims) }, () => Math.round((rng.next() * 2 - 1) * 64) / 64));
}

/** Applies the pass to a copy and checks outputs (names, shapes, values) are unchanged. */
function convertAndCompare(spec: GraphSpec, rng: Rng, given: Map<string, T> = new Map()): IrGraph {
  const original = buildGraph(spec);
  const g = copyGraph(original);
  applyChannelsLast(g);
  expect(g.outputs).toEqual(original.outputs);
  const feeds = new Map(original.inputs.map((i) => [i.name, given.get(i.name) ?? randomTensor(rng, i.type.shape as number[])]));
  const before = evaluate(original, feeds);
  const after = evaluate(g, feeds);
  for (const o of original.outputs) {
    expect(after.get(o.name)!.dims).toEqual(before.get(o.name)!.dims);
    expect(Array.from(after.get(o.name)!.data)).toEqual(Array.from(before.get(o.name)!.data));
  }
  return g;
}

const transposes = (g: IrGraph) => g.nodes.filter((x) => x.opType === 'Transpose');

describe('applyChannelsLast', () => {
  const rng = new Rng(2024);

  it('Conv→Relu→Conv→Add→GlobalAveragePool→Flatten→Gemm: one transpose in, a reshape out, same output', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [2, 3, 6, 5]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1', 'B1'], ['c1'], { pads: ints([1, 1, 1, 1]) }, { name: 'conv1' }),
          n('Relu', ['c1'], ['r1']),
          n('Conv', ['r1', 'W2'], ['c2'], { pads: ints([1, 1, 1, 1]) }, { name: 'conv2' }),
          n('Add', ['c2', 'r1'], ['s']),
          n('GlobalAveragePool', ['s'], ['gp'], {}, { name: 'gap' }),
          n('Flatten', ['gp'], ['f']),
          n('Gemm', ['f', 'Wg', 'Cg'], ['Y']),
        ],
        constants: [randomF32(rng, 'W1', [4, 3, 3, 3]), randomF32(rng, 'B1', [4]), randomF32(rng, 'W2', [4, 4, 3, 3]), randomF32(rng, 'Wg', [4, 2]), randomF32(rng, 'Cg', [2])],
        types: { c1: [[2, 4, 6, 5]], r1: [[2, 4, 6, 5]], c2: [[2, 4, 6, 5]], s: [[2, 4, 6, 5]], gp: [[2, 4, 1, 1]], f: [[2, 4]], Y: [[2, 2]] },
      },
      rng,
    );
    const t = transposes(g);
    expect(t).toHaveLength(1);
    expect(t[0]!.inputs).toEqual(['X']);
    expect(t[0]!.attributes.get('perm')).toEqual(ints([0, 2, 3, 1]));
    expect(g.nodes.filter((x) => x.opType === 'Reshape')).toHaveLength(1);
    for (const name of ['conv1', 'conv2', 'gap']) expect(g.nodes.find((x) => x.name === name)!.attributes.get('channels_last')).toEqual(int(1));
    expect(g.types.get('c1')!.shape).toEqual([2, 6, 5, 4]);
    expect(g.types.get('gp')!.shape).toEqual([2, 4, 1, 1]);
    expect(g.types.get('Y')!.shape).toEqual([2, 2]);
  });

  it('adapts per-channel and broadcast constants, BN, MaxPool and Concat, and transposes values leaving mid-region', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 2, 6, 6]]],
        outputs: ['Y', 'Z'],
        nodes: [
          n('Conv', ['X', 'W'], ['c'], { pads: ints([1, 1, 1, 1]) }),
          n('Mul', ['c', 'K'], ['m']),
          n('Sigmoid', ['m'], ['Z']),
          n('BatchNormalization', ['m', 'scale', 'beta', 'mean', 'var'], ['b'], {}, { name: 'bn' }),
          n('MaxPool', ['b'], ['p'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, { name: 'pool' }),
          n('Concat', ['p', 'Kc'], ['cat'], { axis: int(1) }, { name: 'concat' }),
          n('Conv', ['cat', 'W2'], ['c2']),
          n('Add', ['c2', 'Kw'], ['Y']),
        ],
        constants: [
          randomF32(rng, 'W', [4, 2, 3, 3]),
          randomF32(rng, 'K', [4, 1, 1]),
          randomF32(rng, 'scale', [4]),
          randomF32(rng, 'beta', [4]),
          randomF32(rng, 'mean', [4]),
          f32('var', [4], [0.5, 1, 2, 4]),
          randomF32(rng, 'Kc', [1, 2, 3, 3]),
          randomF32(rng, 'W2', [5, 6, 1, 1]),
          randomF32(rng, 'Kw', [3]),
        ],
        types: {
          c: [[1, 4, 6, 6]], m: [[1, 4, 6, 6]], Z: [[1, 4, 6, 6]], b: [[1, 4, 6, 6]], p: [[1, 4, 3, 3]],
          cat: [[1, 6, 3, 3]], c2: [[1, 5, 3, 3]], Y: [[1, 5, 3, 3]],
        },
      },
      rng,
    );
    expect(transposes(g).map((t) => t.attributes.get('perm'))).toEqual([ints([0, 2, 3, 1]), ints([0, 3, 1, 2]), ints([0, 3, 1, 2])]);
    const mul = g.nodes.find((x) => x.opType === 'Mul')!;
    expect(g.constants.get(mul.inputs[1]!)!.dims).toEqual([4]);
    const add = g.nodes.find((x) => x.opType === 'Add')!;
    expect(g.constants.get(add.inputs[1]!)!.dims).toEqual([3, 1]);
    expect(g.nodes.find((x) => x.name === 'concat')!.attributes.get('axis')).toEqual(int(3));
    expect(g.nodes.find((x) => x.name === 'bn')!.attributes.get('channels_last')).toEqual(int(1));
    expect(g.nodes.find((x) => x.name === 'pool')!.attributes.get('channels_last')).toEqual(int(1));
    // Graph outputs keep their NCHW types; the values inside carry NHWC shapes.
    expect(g.types.get('Y')!.shape).toEqual([1, 5, 3, 3]);
    expect(g.types.get('Z')!.shape).toEqual([1, 4, 6, 6]);
    expect(g.types.get('b')!.shape).toEqual([1, 6, 6, 4]);
  });

  it('carries per-tensor and per-channel QuantizeLinear / DequantizeLinear into the region', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 3, 5, 4]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1']),
          n('QuantizeLinear', ['c1', 'sc', 'zc'], ['q1'], { axis: int(1) }, { name: 'q_channel' }),
          n('DequantizeLinear', ['q1', 'sc', 'zc'], ['d1'], { axis: int(-3) }, { name: 'dq_channel' }),
          n('QuantizeLinear', ['d1', 'st', 'zt'], ['q2'], {}, { name: 'q_tensor' }),
          n('DequantizeLinear', ['q2', 'st', 'zt'], ['d2'], {}, { name: 'dq_tensor' }),
          n('Conv', ['d2', 'W2'], ['Y']),
        ],
        constants: [
          randomF32(rng, 'W1', [4, 3, 1, 1]),
          f32('sc', [4], [0.01, 0.02, 0.015, 0.03]),
          tensor('zc', 'uint8', [4], Uint8Array.of(128, 120, 130, 127)),
          f32('st', [], [0.02]),
          tensor('zt', 'uint8', [], Uint8Array.of(128)),
          randomF32(rng, 'W2', [2, 4, 1, 1]),
        ],
        types: { c1: [[1, 4, 5, 4]], q1: [[1, 4, 5, 4], 'uint8'], d1: [[1, 4, 5, 4]], q2: [[1, 4, 5, 4], 'uint8'], d2: [[1, 4, 5, 4]], Y: [[1, 2, 5, 4]] },
      },
      rng,
    );
    expect(transposes(g)).toHaveLength(2);
    expect(g.nodes.find((x) => x.name === 'q_channel')!.attributes.get('axis')).toEqual(int(3));
    expect(g.nodes.find((x) => x.name === 'dq_channel')!.attributes.get('axis')).toEqual(int(3));
    expect(g.nodes.find((x) => x.name === 'q_tensor')!.attributes.has('axis')).toBe(false);
    expect(g.types.get('q1')).toEqual({ elemType: 'uint8', shape: [1, 5, 4, 4] });
  });

  it('leaves graphs without a 2-D Conv alone', () => {
    const spec: GraphSpec = {
      inputs: [['X', [1, 2, 4, 4]], ['S', [1, 2, 5]]],
      outputs: ['Y', 'Z'],
      nodes: [n('Relu', ['X'], ['r']), n('Add', ['r', 'r'], ['Y']), n('Conv', ['S', 'W1d'], ['Z'])],
      constants: [f32('W1d', [3, 2, 3])],
      types: { r: [[1, 2, 4, 4]], Y: [[1, 2, 4, 4]], Z: [[1, 3, 3]] },
    };
    const g = buildGraph(spec);
    applyChannelsLast(g);
    expect(g).toEqual(buildGraph(spec));
  });

  it('does not convert when the boundary needs as many transposes as the convolutions would do', () => {
    const specs: GraphSpec[] = [
      {
        inputs: [['X', [1, 2, 4, 4]]],
        outputs: ['A', 'B', 'C'],
        nodes: [n('Conv', ['X', 'W'], ['c']), n('Relu', ['c'], ['A']), n('Sigmoid', ['c'], ['B']), n('Relu', ['c'], ['C'])],
        constants: [f32('W', [3, 2, 1, 1])],
        types: { c: [[1, 3, 4, 4]], A: [[1, 3, 4, 4]], B: [[1, 3, 4, 4]], C: [[1, 3, 4, 4]] },
      },
      {
        // A lone Conv between NCHW tensors: two transposes either way.
        inputs: [['X', [1, 2, 4, 4]]],
        outputs: ['Y'],
        nodes: [n('Conv', ['X', 'W'], ['c']), n('Relu', ['c'], ['Y'])],
        constants: [f32('W', [3, 2, 1, 1])],
        types: { c: [[1, 3, 4, 4]], Y: [[1, 3, 4, 4]] },
      },
    ];
    for (const spec of specs) {
      const g = buildGraph(spec);
      applyChannelsLast(g);
      expect(g).toEqual(buildGraph(spec));
    }
  });

  it('converts separate regions separately, around an operator it cannot adapt', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 2, 5, 5]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1']),
          n('Relu', ['c1'], ['r1']),
          n('Conv', ['r1', 'W2'], ['c2']),
          n('Softmax', ['c2'], ['sm'], { axis: int(1) }),
          n('Conv', ['sm', 'W3'], ['c3']),
          n('Conv', ['c3', 'W3'], ['Y']),
        ],
        constants: [randomF32(rng, 'W1', [3, 2, 1, 1]), randomF32(rng, 'W2', [3, 3, 3, 3]), randomF32(rng, 'W3', [3, 3, 1, 1])],
        types: { c1: [[1, 3, 5, 5]], r1: [[1, 3, 5, 5]], c2: [[1, 3, 3, 3]], sm: [[1, 3, 3, 3]], c3: [[1, 3, 3, 3]], Y: [[1, 3, 3, 3]] },
      },
      rng,
    );
    expect(transposes(g)).toHaveLength(4);
    expect(g.nodes.find((x) => x.opType === 'Softmax')!.inputs).toEqual(['c2']);
    expect(g.types.get('c2')!.shape).toEqual([1, 3, 3, 3]);
  });

  it('uses a Reshape for an entering tensor whose transpose moves no data, and keeps a non-constant lower-rank operand out', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [2, 3, 1, 1]], ['bias', [4, 1, 1]]],
        outputs: ['Y'],
        nodes: [n('Conv', ['X', 'W'], ['c']), n('Add', ['c', 'bias'], ['Y'])],
        constants: [randomF32(rng, 'W', [4, 3, 1, 1])],
        types: { c: [[2, 4, 1, 1]], Y: [[2, 4, 1, 1]] },
      },
      rng,
    );
    expect(transposes(g)).toHaveLength(0);
    expect(g.nodes.map((x) => x.opType)).toEqual(['Reshape', 'Conv', 'Reshape', 'Add']);
  });

  it('keeps elementwise ops on broadcasting 4-D operands in the region (squeeze-and-excitation), with 4-D constants of any broadcast shape', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 3, 6, 5]], ['Z', [1, 1, 6, 5]], ['V', [1, 4, 1, 5]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1', 'B1'], ['c1'], { pads: ints([1, 1, 1, 1]) }),
          n('Relu', ['c1'], ['r1']),
          n('GlobalAveragePool', ['r1'], ['gp']),
          n('Conv', ['gp', 'Wse1', 'Bse1'], ['s1']),
          n('Relu', ['s1'], ['s2']),
          n('Conv', ['s2', 'Wse2', 'Bse2'], ['s3']),
          n('HardSigmoid', ['s3'], ['s4'], { alpha: float(0.1666667), beta: float(0.5) }),
          n('Mul', ['r1', 's4'], ['m'], {}, { name: 'se_mul' }),
          n('Sub', ['m', 'Z'], ['d'], {}, { name: 'sub_z' }),
          n('Max', ['V', 'd'], ['e'], {}, { name: 'max_v' }),
          n('Add', ['e', 'Kh'], ['f'], {}, { name: 'add_h' }),
          n('PRelu', ['f', 'slope'], ['pr'], {}, { name: 'prelu' }),
          n('Conv', ['pr', 'W2'], ['Y']),
        ],
        constants: [
          randomF32(rng, 'W1', [4, 3, 3, 3]),
          randomF32(rng, 'B1', [4]),
          randomF32(rng, 'Wse1', [2, 4, 1, 1]),
          randomF32(rng, 'Bse1', [2]),
          randomF32(rng, 'Wse2', [4, 2, 1, 1]),
          randomF32(rng, 'Bse2', [4]),
          randomF32(rng, 'Kh', [1, 1, 6, 1]),
          randomF32(rng, 'slope', [4, 1, 1]),
          randomF32(rng, 'W2', [2, 4, 1, 1]),
        ],
        types: {
          c1: [[1, 4, 6, 5]], r1: [[1, 4, 6, 5]], gp: [[1, 4, 1, 1]], s1: [[1, 2, 1, 1]], s2: [[1, 2, 1, 1]], s3: [[1, 4, 1, 1]],
          s4: [[1, 4, 1, 1]], m: [[1, 4, 6, 5]], d: [[1, 4, 6, 5]], e: [[1, 4, 6, 5]], f: [[1, 4, 6, 5]], pr: [[1, 4, 6, 5]], Y: [[1, 2, 6, 5]],
        },
      },
      rng,
    );
    // X and V enter by Transpose, Z ([1,1,6,5]: C = 1) by Reshape, Y leaves by Transpose; nothing else.
    const t = transposes(g);
    expect(t.map((x) => [x.inputs[0], x.attributes.get('perm')])).toEqual([
      ['X', ints([0, 2, 3, 1])],
      ['V', ints([0, 2, 3, 1])],
      [expect.any(String), ints([0, 3, 1, 2])],
    ]);
    expect(g.nodes.filter((x) => x.opType === 'Reshape').map((x) => x.inputs[0])).toEqual(['Z']);
    expect(g.types.get('s4')!.shape).toEqual([1, 1, 1, 4]);
    expect(g.types.get('m')!.shape).toEqual([1, 6, 5, 4]);
    expect(g.types.get('e')!.shape).toEqual([1, 6, 5, 4]);
    expect(g.nodes.find((x) => x.name === 'se_mul')!.inputs).toEqual(['r1', 's4']);
    const add = g.nodes.find((x) => x.name === 'add_h')!;
    expect(g.constants.get(add.inputs[1]!)!.dims).toEqual([6, 1, 1]);
    const prelu = g.nodes.find((x) => x.name === 'prelu')!;
    expect(g.constants.get(prelu.inputs[1]!)!.dims).toEqual([4]);
  });

  it('carries Resize (10, 11, 13, 18 with axes) and Upsample (7, 9) into the region with permuted scales, sizes and roi', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 2, 3, 4]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1']),
          n('Resize', ['c1', '', 'sc1'], ['r1'], { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }, { name: 'nearest11', opset: 11 }),
          n('Resize', ['r1', '', '', 'sz2'], ['r2'], { mode: str('linear') }, { name: 'linear13', opset: 13 }),
          n('Resize', ['r2', '', 'sc3'], ['r3'], { mode: str('linear'), coordinate_transformation_mode: str('align_corners'), axes: ints([3, -2]) }, { name: 'axes18', opset: 18 }),
          n(
            'Resize',
            ['r3', 'roi4', '', 'sz4'],
            ['r4'],
            { mode: str('nearest'), coordinate_transformation_mode: str('tf_crop_and_resize'), extrapolation_value: float(7.5) },
            { name: 'crop11', opset: 11 },
          ),
          n('Upsample', ['r4', 'sc5'], ['u1'], { mode: str('nearest') }, { name: 'upsample9', opset: 9 }),
          n('Upsample', ['u1'], ['u2'], { mode: str('linear'), scales: floats([1, 1, 1, 2]) }, { name: 'upsample7', opset: 7 }),
          n('Resize', ['u2', 'sc6'], ['u3'], { mode: str('linear') }, { name: 'linear10', opset: 10 }),
          n('Conv', ['u3', 'W2'], ['Y']),
        ],
        constants: [
          randomF32(rng, 'W1', [3, 2, 1, 1]),
          f32('sc1', [4], [1, 1, 2, 3]),
          i64('sz2', [4], [1, 3, 7, 9]),
          f32('sc3', [2], [1.5, 0.5]),
          f32('roi4', [8], [0, 0, 0.2, 0.1, 1, 1, 0.9, 1.3]),
          i64('sz4', [4], [1, 2, 5, 6]),
          f32('sc5', [4], [1, 1, 2, 2]),
          f32('sc6', [4], [1, 1, 2, 1]),
          randomF32(rng, 'W2', [2, 2, 1, 1]),
        ],
        types: {
          c1: [[1, 3, 3, 4]], r1: [[1, 3, 6, 12]], r2: [[1, 3, 7, 9]], r3: [[1, 3, 3, 13]], r4: [[1, 2, 5, 6]],
          u1: [[1, 2, 10, 12]], u2: [[1, 2, 10, 24]], u3: [[1, 2, 20, 24]], Y: [[1, 2, 20, 24]],
        },
      },
      rng,
    );
    expect(transposes(g)).toHaveLength(2);
    const node = (name: string) => g.nodes.find((x) => x.name === name)!;
    const values = (name: string) => Array.from(g.constants.get(name)!.data as ArrayLike<number | bigint>, Number);
    expect(values(node('nearest11').inputs[2]!)).toEqual([1, 2, 3, 1]);
    expect(values(node('linear13').inputs[3]!)).toEqual([1, 7, 9, 3]);
    expect(node('axes18').attributes.get('axes')).toEqual(ints([2, 1]));
    expect(node('axes18').inputs[2]).toBe('sc3');
    expect(values(node('crop11').inputs[1]!)).toEqual([0, 0.2, 0.1, 0, 1, 0.9, 1.3, 1].map(Math.fround));
    expect(values(node('upsample9').inputs[1]!)).toEqual([1, 2, 2, 1]);
    expect(node('upsample7').attributes.get('scales')).toEqual(floats([1, 1, 2, 1]));
    expect(values(node('linear10').inputs[1]!)).toEqual([1, 2, 1, 1]);
    expect(g.types.get('r3')!.shape).toEqual([1, 3, 13, 3]);
    expect(g.types.get('u3')!.shape).toEqual([1, 20, 24, 2]);
  });

  it('leaves a Resize in NCHW when linear resizes N or C, or when its scales are not constant', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 2, 3, 4]], ['S', [4]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1']),
          n('Relu', ['c1'], ['r1']),
          n('Conv', ['r1', 'W2'], ['c2']),
          n('Resize', ['c2', '', 'scC'], ['rc'], { mode: str('linear') }, { name: 'linear_c', opset: 13 }),
          n('Resize', ['rc', '', 'S'], ['rs'], { mode: str('nearest') }, { name: 'runtime_scales', opset: 13 }),
          n('Conv', ['rs', 'W3'], ['c3']),
          n('Relu', ['c3'], ['r3']),
          n('Conv', ['r3', 'W4'], ['Y']),
        ],
        constants: [
          randomF32(rng, 'W1', [3, 2, 1, 1]),
          randomF32(rng, 'W2', [3, 3, 1, 1]),
          f32('scC', [4], [1, 2, 1, 1.5]),
          randomF32(rng, 'W3', [2, 6, 1, 1]),
          randomF32(rng, 'W4', [2, 2, 1, 1]),
        ],
        types: { c1: [[1, 3, 3, 4]], r1: [[1, 3, 3, 4]], c2: [[1, 3, 3, 4]], rc: [[1, 6, 3, 6]], rs: [[1, 6, 3, 6]], c3: [[1, 2, 3, 6]], r3: [[1, 2, 3, 6]], Y: [[1, 2, 3, 6]] },
      },
      rng,
      new Map([['S', { dims: [4], data: Float64Array.of(1, 1, 1, 1) }]]),
    );
    expect(transposes(g)).toHaveLength(4);
    expect(g.nodes.find((x) => x.name === 'linear_c')!.inputs).toEqual(['c2', '', 'scC']);
    expect(g.nodes.find((x) => x.name === 'runtime_scales')!.inputs).toEqual(['rc', '', 'S']);
    expect(g.types.get('rc')!.shape).toEqual([1, 6, 3, 6]);
  });

  it('treats ConvTranspose like Conv', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 3, 4, 5]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1'], { pads: ints([1, 1, 1, 1]) }),
          n('ConvTranspose', ['c1', 'Wt1', 'Bt1'], ['t1'], { strides: ints([2, 2]) }, { name: 'up1' }),
          n('Relu', ['t1'], ['t2']),
          n('ConvTranspose', ['t2', 'Wt2'], ['t3'], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, { name: 'up2' }),
          n('Sigmoid', ['t3'], ['Y']),
        ],
        constants: [randomF32(rng, 'W1', [4, 3, 3, 3]), randomF32(rng, 'Wt1', [4, 3, 2, 2]), randomF32(rng, 'Bt1', [3]), randomF32(rng, 'Wt2', [3, 1, 3, 3])],
        types: { c1: [[1, 4, 4, 5]], t1: [[1, 3, 8, 10]], t2: [[1, 3, 8, 10]], t3: [[1, 1, 15, 19]], Y: [[1, 1, 15, 19]] },
      },
      rng,
    );
    // X enters by Transpose; Y ([1,1,15,19]: C = 1) leaves by Reshape.
    expect(transposes(g).map((x) => x.inputs[0])).toEqual(['X']);
    expect(g.nodes.filter((x) => x.opType === 'Reshape')).toHaveLength(1);
    for (const name of ['up1', 'up2']) expect(g.nodes.find((x) => x.name === name)!.attributes.get('channels_last')).toEqual(int(1));
    expect(g.types.get('t2')!.shape).toEqual([1, 8, 10, 3]);
  });

  it('folds an inserted Transpose into a neighbouring chain of layout ops that keeps the element order', () => {
    const g = convertAndCompare(
      {
        inputs: [['X', [1, 3, 1, 8]], ['P', [1, 8, 4]]],
        outputs: ['Y1', 'Y2', 'Y3', 'Y4', 'Y5'],
        nodes: [
          n('Conv', ['X', 'W1'], ['c1']),
          n('Relu', ['c1'], ['r1']),
          n('Conv', ['r1', 'W2'], ['c2']),
          // [1,5,1,8] → [1,5,8] → [1,8,5]: the NHWC tensor [1,1,8,5] in the same order.
          n('Reshape', ['c2', 'shape3'], ['f']),
          n('Transpose', ['f'], ['Y1'], { perm: ints([0, 2, 1]) }, { name: 'model_t1' }),
          n('Squeeze', ['c2', 'axis2'], ['q']),
          n('Transpose', ['q'], ['tq'], { perm: ints([0, 2, 1]) }, { name: 'model_t2' }),
          n('Softmax', ['tq'], ['Y2']),
          // Readers that need NCHW: the exit Transpose stays for them.
          n('Softmax', ['c2'], ['Y3']),
          n('Flatten', ['c2'], ['fl'], { axis: int(1) }),
          n('Softmax', ['fl'], ['Y5']),
          // [1,8,4] → [1,1,8,4] → [1,4,1,8] → entry [1,1,8,4]: a Reshape of P.
          n('Unsqueeze', ['P', 'axis1'], ['pu']),
          n('Transpose', ['pu'], ['pt'], { perm: ints([0, 3, 1, 2]) }, { name: 'model_t3' }),
          n('Conv', ['pt', 'W3'], ['c3']),
          n('Relu', ['c3'], ['r3']),
          n('Conv', ['r3', 'W4'], ['Y4']),
        ],
        constants: [
          randomF32(rng, 'W1', [4, 3, 1, 1]),
          randomF32(rng, 'W2', [5, 4, 1, 1]),
          i64('shape3', [3], [1, 5, 8]),
          i64('axis2', [1], [2]),
          i64('axis1', [1], [1]),
          randomF32(rng, 'W3', [2, 4, 1, 1]),
          randomF32(rng, 'W4', [2, 2, 1, 1]),
        ],
        types: {
          c1: [[1, 4, 1, 8]], r1: [[1, 4, 1, 8]], c2: [[1, 5, 1, 8]], f: [[1, 5, 8]], Y1: [[1, 8, 5]], q: [[1, 5, 8]], tq: [[1, 8, 5]], Y2: [[1, 8, 5]],
          Y3: [[1, 5, 1, 8]], fl: [[1, 40]], Y5: [[1, 40]], pu: [[1, 1, 8, 4]], pt: [[1, 4, 1, 8]], c3: [[1, 2, 1, 8]], r3: [[1, 2, 1, 8]], Y4: [[1, 2, 1, 8]],
        },
      },
      rng,
    );
    // Left: X's entry, c2's exit (for Softmax and Flatten) and Y4's exit; the model's three Transposes are gone.
    expect(transposes(g).map((x) => x.attributes.get('perm'))).toEqual([ints([0, 2, 3, 1]), ints([0, 3, 1, 2]), ints([0, 3, 1, 2])]);
    const producer = (v: string) => g.nodes.find((x) => x.outputs.includes(v))!;
    expect(producer('Y1').opType).toBe('Reshape');
    expect(producer('tq').opType).toBe('Reshape');
    expect(g.nodes.some((x) => ['Squeeze', 'Unsqueeze'].includes(x.opType) || (x.opType === 'Reshape' && x.inputs[0] === 'c2'))).toBe(false);
    expect(producer('Y1').inputs[0]).toBe(producer('tq').inputs[0]);
    expect(g.nodes.find((x) => x.opType === 'Flatten')!.inputs).toEqual(['c2']);
    const entry = g.nodes.find((x) => x.opType === 'Reshape' && x.inputs[0] === 'P')!;
    expect(g.types.get(entry.outputs[0]!)!.shape).toEqual([1, 1, 8, 4]);
  });
});
