/**
 * Evaluators of data-movement operators. They copy elements by index, so they work for every element
 * type (typed arrays and string arrays alike); the parameter arithmetic is the shape rules' own.
 */
import type { TensorData } from '../../onnx/model.js';
import { broadcastStrides, sizeOf, stridesOf } from '../broadcast.js';
import type { NodeContext, TensorType } from '../shapes/context.js';
import { concatAxis, gatherAxis, sliceDims, splitSizes, transposePerm } from '../shapes/tensor.js';
import { allocate, integerValues, type AnyArray } from './data.js';
import type { Evaluator } from './types.js';

function data(c: NodeContext, i: number): AnyArray {
  return c.value(i)!.data as AnyArray;
}

function output(type: TensorType): AnyArray | undefined {
  return allocate(type.elemType, sizeOf(type.shape)) as AnyArray | undefined;
}

/**
 * dst[n] = src[base + Σ index_d · strides_d] for every output index (row-major over `shape`): one
 * walk covers Slice (strides scaled by steps), Transpose (permuted strides) and Expand (zero strides).
 */
export function stridedCopy(src: AnyArray, dst: AnyArray, shape: readonly number[], base: number, strides: readonly number[]): void {
  const count = sizeOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  let offset = base;
  for (let n = 0; n < count; n++) {
    dst[n] = src[offset]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      offset += strides[d]!;
      if (index[d]! < shape[d]!) break;
      offset -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

/** Reshape-like operators keep the data (constants are immutable, so sharing it is safe). */
const passThrough: Evaluator = { run: (c) => [c.value(0)!.data] };

const slice: Evaluator = {
  run(c, [out]) {
    const dims = sliceDims(c);
    const strides = stridesOf(c.shape(0));
    const dst = output(out!);
    if (!dst) return undefined;
    const base = dims.reduce((acc, d, i) => acc + d.start * strides[i]!, 0);
    stridedCopy(data(c, 0), dst, out!.shape, base, dims.map((d, i) => d.step * strides[i]!));
    return [dst as TensorData];
  },
};

const transpose: Evaluator = {
  run(c, [out]) {
    const strides = stridesOf(c.shape(0));
    const dst = output(out!);
    if (!dst) return undefined;
    stridedCopy(data(c, 0), dst, out!.shape, 0, transposePerm(c).map((p) => strides[p]!));
    return [dst as TensorData];
  },
};

const expand: Evaluator = {
  run(c, [out]) {
    const dst = output(out!);
    if (!dst) return undefined;
    stridedCopy(data(c, 0), dst, out!.shape, 0, broadcastStrides(c.shape(0), out!.shape));
    return [dst as TensorData];
  },
};

const tile: Evaluator = {
  run(c, [out]) {
    const input = c.shape(0);
    const strides = stridesOf(input);
    const src = data(c, 0);
    const dst = output(out!);
    if (!dst) return undefined;
    const shape = out!.shape;
    const index = new Array<number>(shape.length).fill(0);
    for (let n = 0; n < dst.length; n++) {
      let offset = 0;
      for (let d = 0; d < shape.length; d++) offset += (index[d]! % input[d]!) * strides[d]!;
      dst[n] = src[offset]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d]! < shape[d]!) break;
        index[d] = 0;
      }
    }
    return [dst as TensorData];
  },
};

const concat: Evaluator = {
  run(c, [out]) {
    const axis = concatAxis(c);
    const dst = output(out!);
    if (!dst) return undefined;
    const shape = out!.shape;
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    const rowOut = shape[axis]! * inner;
    let at = 0;
    for (let i = 0; i < c.node.inputs.length; i++) {
      if (!c.has(i)) continue;
      const src = data(c, i);
      const row = c.shape(i)[axis]! * inner;
      for (let o = 0; o < outer; o++) for (let k = 0; k < row; k++) dst[o * rowOut + at + k] = src[o * row + k]!;
      at += row;
    }
    return [dst as TensorData];
  },
};

const split: Evaluator = {
  run(c, outs) {
    const { axis, sizes } = splitSizes(c);
    const input = c.shape(0);
    const src = data(c, 0);
    const outer = sizeOf(input.slice(0, axis));
    const inner = sizeOf(input.slice(axis + 1));
    const rowIn = input[axis]! * inner;
    let at = 0;
    const results: TensorData[] = [];
    for (let k = 0; k < sizes.length; k++) {
      const dst = output(outs[k]!);
      if (!dst) return undefined;
      const row = sizes[k]! * inner;
      for (let o = 0; o < outer; o++) for (let j = 0; j < row; j++) dst[o * row + j] = src[o * rowIn + at + j]!;
      at += row;
      results.push(dst as TensorData);
    }
    return results;
  },
};

const gather: Evaluator = {
  run(c, [out]) {
    const axis = gatherAxis(c);
    const input = c.shape(0);
    const dim = input[axis]!;
    const indices = integerValues(c.value(1)!).map((v) => {
      if (v < -dim || v >= dim) throw c.rangeError(`index ${v} is out of range [${-dim}, ${dim - 1}] for axis ${axis} of data shape [${input.join(',')}]`);
      return v < 0 ? v + dim : v;
    });
    const src = data(c, 0);
    const dst = output(out!);
    if (!dst) return undefined;
    const outer = sizeOf(input.slice(0, axis));
    const inner = sizeOf(input.slice(axis + 1));
    let n = 0;
    for (let o = 0; o < outer; o++) {
      for (const index of indices) {
        const from = (o * dim + index) * inner;
        for (let k = 0; k < inner; k++) dst[n++] = src[from + k]!;
      }
    }
    return [dst as TensorData];
  },
};

export const movementEvaluators: Record<string, Evaluator> = {
  Identity: passThrough,
  Reshape: passThrough,
  Flatten: passThrough,
  Squeeze: passThrough,
  Unsqueeze: passThrough,
  Slice: slice,
  Transpose: transpose,
  Expand: expand,
  Tile: tile,
  Concat: concat,
  Split: split,
  Gather: gather,
};
