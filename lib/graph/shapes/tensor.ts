/**
 * Shape rules of data-movement and shape operators (Concat, Split, Slice, Gather, Reshape, Transpose,
 * Squeeze/Unsqueeze, Expand, Tile, Pad, DepthToSpace, Shape, ConstantOfShape, Range, ...). The
 * parameter arithmetic (Slice's clamped ranges, Split's chunk sizes, Pad's amounts) is exported so the
 * evaluators (lib/graph/evaluate/) compute exactly the same thing.
 */
import type { InitializerTensor, OnnxElemType } from '../../onnx/model.js';
import { formatShape, sizeOf, tryBroadcastShapes } from '../broadcast.js';
import type { NodeContext, ShapeRule, TensorType } from './context.js';

const INDEX_TYPES: readonly OnnxElemType[] = ['int32', 'int64'];

const same: ShapeRule = (c) => [{ ...c.input(0), shape: [...c.shape(0)] }];

// ---- Concat / Split ----

export function concatAxis(c: NodeContext): number {
  // Concat-1 defaults the axis to 1; from opset 4 it is required.
  const axis = c.int('axis') ?? (c.opset < 4 ? 1 : undefined);
  if (axis === undefined) throw c.typeError("attribute 'axis' is required");
  return c.axis(axis, c.shape(c.node.inputs.findIndex((n) => n !== '')).length);
}

const concat: ShapeRule = (c) => {
  const positions = c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
  if (positions.length === 0) throw c.typeError('needs at least one input');
  const elemType = c.sameType(positions[0]!, ...positions.slice(1));
  const first = c.shape(positions[0]!);
  const axis = concatAxis(c);
  const out = [...first];
  out[axis] = 0;
  for (const i of positions) {
    const s = c.shape(i);
    if (s.length !== first.length || s.some((d, k) => k !== axis && d !== first[k])) {
      throw c.rangeError(`${c.label(i)} shape ${formatShape(s)} does not match ${formatShape(first)} except on axis ${axis}`);
    }
    out[axis] += s[axis]!;
  }
  return [{ elemType, shape: out }];
};

/** Split's axis and the size of each output along it. */
export function splitSizes(c: NodeContext): { axis: number; sizes: number[] } {
  const x = c.shape(0);
  const axis = c.axis(c.int('axis', 0), x.length);
  const dim = x[axis]!;
  const count = c.node.outputs.length;
  let sizes: number[] | undefined;
  if (c.opset >= 13) {
    if (c.has(1)) {
      c.requireType(1, ['int64'], `${c.label(1)} (split)`);
      sizes = c.intParam(1, 'split');
    }
  } else if (c.opset === 1 && c.has(1)) {
    // Split-1 takes the sizes as an attribute or as input 1.
    sizes = c.intParam(1, 'split');
  } else {
    sizes = c.ints('split');
  }
  if (sizes !== undefined && sizes.length > 0) {
    if (sizes.length !== count) throw c.rangeError(`split [${sizes.join(',')}] has ${sizes.length} entries but the node has ${count} outputs`);
    if (sizes.some((s) => s < 0)) throw c.rangeError(`split [${sizes.join(',')}] has a negative size`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== dim) throw c.rangeError(`split [${sizes.join(',')}] sums to ${total}, but axis ${axis} of ${formatShape(x)} has ${dim}`);
    return { axis, sizes };
  }
  const numOutputs = c.opset >= 18 ? c.int('num_outputs') : undefined;
  if (numOutputs !== undefined) {
    if (numOutputs !== count) throw c.rangeError(`num_outputs ${numOutputs} does not match the node's ${count} outputs`);
    // Chunks of ceil(dim / n); the last one takes what is left (smaller when uneven).
    const chunk = Math.ceil(dim / count);
    const last = dim - chunk * (count - 1);
    if (last < 0) throw c.rangeError(`axis ${axis} of size ${dim} cannot be split into ${count} chunks of ${chunk}`);
    return { axis, sizes: [...new Array<number>(count - 1).fill(chunk), last] };
  }
  if (count === 0 || dim % count !== 0) {
    throw c.rangeError(`axis ${axis} of size ${dim} does not split evenly into ${count} outputs (give 'split' sizes)`);
  }
  return { axis, sizes: new Array<number>(count).fill(dim / count) };
}

const split: ShapeRule = (c) => {
  const x = c.input(0);
  const { axis, sizes } = splitSizes(c);
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return { elemType: x.elemType, shape };
  });
};

// ---- Slice ----

/** Per input dim: the first element, the step and the count Slice takes. */
export interface SliceDim {
  start: number;
  step: number;
  count: number;
}

/** Slice's resolved ranges (ONNX clamping), one per input dim (untouched dims take everything). */
export function sliceDims(c: NodeContext): SliceDim[] {
  const x = c.shape(0);
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (c.opset < 10) {
    starts = c.ints('starts') ?? [];
    ends = c.ints('ends') ?? [];
    axes = c.ints('axes');
  } else {
    c.sameType(1, 2, 3, 4);
    starts = c.intParam(1, 'starts');
    ends = c.intParam(2, 'ends');
    axes = c.has(3) ? c.intParam(3, 'axes') : undefined;
    steps = c.has(4) ? c.intParam(4, 'steps') : undefined;
  }
  if (starts.length !== ends.length) throw c.rangeError(`starts [${starts.join(',')}] and ends [${ends.join(',')}] differ in length`);
  const n = starts.length;
  const normalized = c.axes(axes ?? Array.from({ length: n }, (_, i) => i), x.length);
  if (normalized.length !== n) throw c.rangeError(`axes [${axes!.join(',')}] must have ${n} entries like starts`);
  if (steps !== undefined && steps.length !== n) throw c.rangeError(`steps [${steps.join(',')}] must have ${n} entries like starts`);
  const dims: SliceDim[] = x.map((d) => ({ start: 0, step: 1, count: d }));
  for (let k = 0; k < n; k++) {
    const axis = normalized[k]!;
    const dim = x[axis]!;
    const step = steps?.[k] ?? 1;
    if (step === 0) throw c.rangeError(`steps must not be 0 (axis ${axis})`);
    let start = starts[k]!;
    let end = ends[k]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    dims[axis] = { start: count === 0 ? 0 : start, step, count };
  }
  return dims;
}

const slice: ShapeRule = (c) => [{ elemType: c.input(0).elemType, shape: sliceDims(c).map((d) => d.count) }];

// ---- Gather ----

export function gatherAxis(c: NodeContext): number {
  const x = c.shape(0);
  if (x.length === 0) throw c.rangeError('data must have rank >= 1, got a scalar');
  return c.axis(c.int('axis', 0), x.length);
}

const gather: ShapeRule = (c) => {
  const x = c.input(0);
  c.requireType(1, INDEX_TYPES, `${c.label(1)} (indices)`);
  const axis = gatherAxis(c);
  return [{ elemType: x.elemType, shape: [...x.shape.slice(0, axis), ...c.shape(1), ...x.shape.slice(axis + 1)] }];
};

const gatherElements: ShapeRule = (c) => {
  const x = c.input(0);
  c.requireType(1, INDEX_TYPES, `${c.label(1)} (indices)`);
  const indices = c.shape(1);
  if (indices.length !== x.shape.length) {
    throw c.rangeError(`indices shape ${formatShape(indices)} must have the rank of data shape ${formatShape(x.shape)}`);
  }
  gatherAxis(c);
  return [{ elemType: x.elemType, shape: [...indices] }];
};

// ---- Reshape family ----

/** Reshape's output shape: 0 copies the input dim (unless allowzero), -1 takes what is left. */
export function reshapeTarget(c: NodeContext, input: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  const total = sizeOf(input);
  const out: number[] = [];
  let inferred = -1;
  target.forEach((s, i) => {
    if (s === 0 && !allowZero) {
      if (i >= input.length) throw c.rangeError(`shape [${target.join(',')}] copies dim ${i} (0), but the input ${formatShape(input)} has rank ${input.length}`);
      out.push(input[i]!);
    } else if (s === -1) {
      if (inferred >= 0) throw c.rangeError(`shape [${target.join(',')}] has more than one -1`);
      inferred = i;
      out.push(1);
    } else if (s < -1 || !Number.isSafeInteger(s)) {
      throw c.rangeError(`shape [${target.join(',')}] has an invalid dim ${s}`);
    } else {
      out.push(s);
    }
  });
  const known = sizeOf(out);
  if (inferred >= 0) {
    if (known === 0 || total % known !== 0) {
      throw c.rangeError(`cannot reshape ${formatShape(input)} (${total} elements) to [${target.join(',')}]: the -1 dim has no integer size`);
    }
    out[inferred] = total / known;
  } else if (known !== total) {
    throw c.rangeError(`cannot reshape ${formatShape(input)} (${total} elements) to [${target.join(',')}] (${known} elements)`);
  }
  return out;
}

const reshape: ShapeRule = (c) => {
  const x = c.input(0);
  let target: number[];
  if (c.opset < 5 && !c.has(1)) {
    // Reshape-1: the shape is an attribute.
    const attr = c.ints('shape');
    if (attr === undefined) throw c.typeError("attribute 'shape' is required before opset 5");
    target = attr;
  } else {
    c.requireType(1, ['int64'], `${c.label(1)} (shape)`);
    target = c.intParam(1, 'shape');
  }
  const allowZero = c.opset >= 14 && c.int('allowzero', 0) === 1;
  return [{ elemType: x.elemType, shape: reshapeTarget(c, x.shape, target, allowZero) }];
};

const flatten: ShapeRule = (c) => {
  const x = c.input(0);
  const rank = x.shape.length;
  let axis = c.int('axis', 1);
  if (axis < -rank || axis > rank) throw c.rangeError(`axis ${axis} is out of range [${-rank}, ${rank}]`);
  if (axis < 0) axis += rank;
  return [{ elemType: x.elemType, shape: [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))] }];
};

export function transposePerm(c: NodeContext): number[] {
  const rank = c.shape(0).length;
  const perm = c.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw c.rangeError(`perm [${perm.join(',')}] is not a permutation of the ${rank} input dims`);
  }
  return perm;
}

const transpose: ShapeRule = (c) => {
  const x = c.input(0);
  return [{ elemType: x.elemType, shape: transposePerm(c).map((p) => x.shape[p]!) }];
};

function axesOf(c: NodeContext): number[] | undefined {
  if (c.opset >= 13) {
    if (!c.has(1)) return undefined;
    c.requireType(1, ['int64'], `${c.label(1)} (axes)`);
    return c.intParam(1, 'axes');
  }
  return c.ints('axes');
}

const squeeze: ShapeRule = (c) => {
  const x = c.input(0);
  const axesGiven = axesOf(c);
  let axes: number[];
  // No axes (or an empty list, as onnxruntime reads it): every size-1 dim goes.
  if (axesGiven === undefined || axesGiven.length === 0) {
    axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    axes = c.axes(axesGiven, x.shape.length);
    for (const a of axes) {
      if (x.shape[a] !== 1) throw c.rangeError(`cannot squeeze axis ${a} of shape ${formatShape(x.shape)}: its size is ${x.shape[a]}, not 1`);
    }
  }
  return [{ elemType: x.elemType, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
};

const unsqueeze: ShapeRule = (c) => {
  const x = c.input(0);
  const given = axesOf(c);
  if (given === undefined) throw c.typeError(c.opset >= 13 ? 'input 1 (axes) is required' : "attribute 'axes' is required");
  const rank = x.shape.length + given.length;
  const axes = c.axes(given, rank);
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[next++]!);
  return [{ elemType: x.elemType, shape: out }];
};

// ---- Expand / Tile / Pad ----

const expand: ShapeRule = (c) => {
  const x = c.input(0);
  c.requireType(1, ['int64'], `${c.label(1)} (shape)`);
  const target = c.intParam(1, 'shape');
  if (target.some((d) => d < 0)) throw c.rangeError(`shape [${target.join(',')}] has a negative dim`);
  const out = tryBroadcastShapes([x.shape, target]);
  if (!out) throw c.rangeError(`input shape ${formatShape(x.shape)} cannot be expanded to [${target.join(',')}]`);
  return [{ elemType: x.elemType, shape: out }];
};

/** Tile-1: `tiles` copies along the one dim `axis` (inputs 1 and 2, one value each). */
function tile1Repeats(c: NodeContext, rank: number): number[] {
  const tiles = c.intParam(1, 'tiles');
  const axis = c.intParam(2, 'axis');
  if (tiles.length !== 1 || axis.length !== 1) {
    throw c.rangeError(`tiles [${tiles.join(',')}] and axis [${axis.join(',')}] must hold one value each`);
  }
  const repeats = new Array<number>(rank).fill(1);
  repeats[c.axis(axis[0]!, rank)] = tiles[0]!;
  return repeats;
}

const tile: ShapeRule = (c) => {
  const x = c.input(0);
  let repeats: number[];
  if (c.opset < 6) {
    repeats = tile1Repeats(c, x.shape.length);
  } else {
    c.requireType(1, ['int64'], `${c.label(1)} (repeats)`);
    repeats = c.intParam(1, 'repeats');
  }
  if (repeats.length !== x.shape.length) {
    throw c.rangeError(`repeats [${repeats.join(',')}] must have one entry per input dim of ${formatShape(x.shape)}`);
  }
  if (repeats.some((r) => r < 0)) throw c.rangeError(`repeats [${repeats.join(',')}] must be non-negative`);
  return [{ elemType: x.elemType, shape: x.shape.map((d, i) => d * repeats[i]!) }];
};

/** Pad amounts for every dim: [begin_0..begin_r-1, end_0..end_r-1] (negative crops). */
export function padAmounts(c: NodeContext): number[] {
  const x = c.shape(0);
  const rank = x.length;
  let pads: number[];
  let axes: number[];
  if (c.opset < 11) {
    pads = c.ints('pads') ?? c.ints('paddings') ?? [];
    axes = Array.from({ length: rank }, (_, i) => i);
  } else {
    c.requireType(1, ['int64'], `${c.label(1)} (pads)`);
    pads = c.intParam(1, 'pads');
    if (c.opset >= 18 && c.has(3)) axes = c.axes(c.intParam(3, 'axes'), rank);
    else axes = Array.from({ length: rank }, (_, i) => i);
  }
  if (pads.length !== 2 * axes.length) {
    throw c.rangeError(`pads [${pads.join(',')}] must have ${2 * axes.length} values (begin and end for ${axes.length} axes)`);
  }
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, k) => {
    full[a] = pads[k]!;
    full[rank + a] = pads[axes.length + k]!;
  });
  return full;
}

const pad: ShapeRule = (c) => {
  const x = c.input(0);
  const mode = c.string('mode', 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw c.rangeError(`mode must be constant, reflect, edge or wrap, got '${mode}'`);
  if (c.opset >= 11 && c.has(2)) c.sameType(0, 2);
  const pads = padAmounts(c);
  const rank = x.shape.length;
  const shape = x.shape.map((d, i) => d + pads[i]! + pads[rank + i]!);
  if (shape.some((d) => d < 0)) throw c.rangeError(`pads [${pads.join(',')}] crop more than the input shape ${formatShape(x.shape)}`);
  return [{ elemType: x.elemType, shape }];
};

// ---- Depth/space ----

function blocksize(c: NodeContext): number {
  const b = c.int('blocksize');
  if (b === undefined) throw c.typeError("attribute 'blocksize' is required");
  if (!Number.isInteger(b) || b < 1) throw c.rangeError(`blocksize must be positive, got ${b}`);
  return b;
}

const depthToSpace: ShapeRule = (c) => {
  const [n, ch, h, w] = c.requireRank(0, 4, `${c.label(0)} (input)`) as [number, number, number, number];
  const b = blocksize(c);
  if (ch % (b * b) !== 0) throw c.rangeError(`channels ${ch} are not divisible by blocksize² = ${b * b}`);
  const mode = c.string('mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') throw c.rangeError(`mode must be DCR or CRD, got '${mode}'`);
  return [{ elemType: c.input(0).elemType, shape: [n, ch / (b * b), h * b, w * b] }];
};

const spaceToDepth: ShapeRule = (c) => {
  const [n, ch, h, w] = c.requireRank(0, 4, `${c.label(0)} (input)`) as [number, number, number, number];
  const b = blocksize(c);
  if (h % b !== 0 || w % b !== 0) throw c.rangeError(`spatial dims ${h}x${w} are not divisible by blocksize ${b}`);
  return [{ elemType: c.input(0).elemType, shape: [n, ch * b * b, h / b, w / b] }];
};

// ---- Shape-producing operators ----

/** The [start, end) range of dims Shape returns (opset 15 start/end, clamped). */
export function shapeRange(c: NodeContext): [number, number] {
  const rank = c.shape(0).length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = c.opset >= 15 ? clamp(c.int('start', 0)) : 0;
  const end = c.opset >= 15 ? clamp(c.int('end', rank)) : rank;
  return [start, Math.max(start, end)];
}

const shape: ShapeRule = (c) => {
  const [start, end] = shapeRange(c);
  return [{ elemType: 'int64', shape: [end - start] }];
};

const size: ShapeRule = () => [{ elemType: 'int64', shape: [] }];

/** ConstantOfShape's fill value: the `value` attribute (one element) or float32 0. */
export function constantOfShapeValue(c: NodeContext): InitializerTensor {
  const v = c.tensor('value');
  if (!v) return { name: '', type: 'float32', dims: [1], data: new Float32Array(1) };
  if (v.data.length !== 1) throw c.rangeError(`attribute 'value' must hold one element, got ${v.data.length}`);
  return v;
}

const constantOfShape: ShapeRule = (c) => {
  c.requireType(0, ['int64'], `${c.label(0)} (shape)`);
  const s = c.shape(0);
  if (s.length !== 1) throw c.rangeError(`${c.label(0)} (shape) must be 1-D, got shape ${formatShape(s)}`);
  const dims = c.intParam(0, 'shape');
  if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) throw c.rangeError(`shape [${dims.join(',')}] has a negative dim`);
  return [{ elemType: constantOfShapeValue(c).type, shape: dims }];
};

const RANGE_TYPES: readonly OnnxElemType[] = ['float32', 'float64', 'int16', 'int32', 'int64'];

/** Range's element count, computed like the spec's ceil((limit - start) / delta) in the input type. */
export function rangeCount(c: NodeContext): number {
  const type = c.sameType(0, 1, 2);
  if (!RANGE_TYPES.includes(type)) throw c.typeError(`inputs must be one of ${RANGE_TYPES.join(', ')}, got ${type}`);
  for (const i of [0, 1, 2]) {
    if (sizeOf(c.shape(i)) !== 1 || c.shape(i).length > 1) throw c.rangeError(`${c.label(i)} must be a scalar, got shape ${formatShape(c.shape(i))}`);
  }
  const [start, limit, delta] = [0, 1, 2].map((i) => c.param(i, ['start', 'limit', 'delta'][i]!).data[0]!) as (number | bigint)[];
  let count: number;
  if (typeof start === 'bigint') {
    const d = delta as bigint;
    if (d === 0n) throw c.rangeError('delta must not be 0');
    const span = (limit as bigint) - start;
    // Ceiling division with BigInt (which truncates toward zero).
    let q = span / d;
    if (q * d !== span && (span > 0n) === (d > 0n)) q += 1n;
    count = Number(q < 0n ? 0n : q);
  } else {
    const d = delta as number;
    if (d === 0) throw c.rangeError('delta must not be 0');
    // The difference is formed in the input type (float32 rounds it) and divided in double, as onnxruntime does.
    const span = type === 'float32' ? Math.fround((limit as number) - start) : (limit as number) - start;
    count = Math.max(0, Math.ceil(span / d));
  }
  if (!Number.isSafeInteger(count)) throw c.rangeError(`the range has ${count} elements`);
  return count;
}

const range: ShapeRule = (c) => [{ elemType: c.input(0).elemType, shape: [rangeCount(c)] }];

const dropout: ShapeRule = (c) => {
  const x = c.input(0);
  const mask: TensorType = { elemType: c.opset >= 10 ? 'bool' : x.elemType, shape: [...x.shape] };
  return [{ elemType: x.elemType, shape: [...x.shape] }, mask];
};

export const tensorRules: Record<string, ShapeRule> = {
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  Shape: shape,
  Size: size,
  ConstantOfShape: constantOfShape,
  Range: range,
  Identity: same,
  Dropout: dropout,
};
