/**
 * Numpy-style (ONNX "multidirectional") broadcasting: shapes are aligned on their last dims; each
 * pair of dims must be equal or one of them 1. Also the unidirectional form (one shape must stretch to
 * another, e.g. Gemm's C, PRelu's slope) and the strides an evaluator walks an input with.
 */
import type { OnnxDim } from '../onnx/model.js';

/** "[2,3]" for error messages. */
export function formatShape(shape: readonly OnnxDim[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** The broadcast of concrete shapes, or null when two dims differ and neither is 1. */
export function tryBroadcastShapes(shapes: readonly (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const offset = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[offset + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[offset + i] = d;
      else return null;
    }
  }
  return out;
}

/** The broadcast of concrete shapes; throws TypeError naming them when they are not broadcastable. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const out = tryBroadcastShapes(shapes);
  if (!out) throw new TypeError(`shapes ${shapes.map((s) => formatShape(s)).join(', ')} are not broadcastable`);
  return out;
}

/**
 * The broadcast of possibly symbolic shapes (create time): a dim is known when the operands agree or
 * the other is 1; two different symbols give null (unknown). Null when two fixed dims conflict.
 */
export function broadcastDims(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] | null {
  const rank = Math.max(a.length, b.length);
  const out: OnnxDim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)]! : 1;
    const y = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)]! : 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (typeof x === 'number' && typeof y === 'number') return null;
    else out.push(typeof x === 'number' ? x : typeof y === 'number' ? y : null);
  }
  return out;
}

/** True when `from` stretches to exactly `to` (ONNX unidirectional broadcasting). */
export function isUnidirectionalBroadcastable(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[offset + i]);
}

/** Row-major strides (elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Element count of a concrete shape (1 for a scalar). */
/** Whether two shapes are equal, dim for dim (a loop: run() calls it for every feed). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Strides (elements) to read an input of shape `input` while walking `output` (its broadcast): 0 on
 * the dims the input stretches along, so offset = Σ index[i]·strides[i].
 */
export function broadcastStrides(input: readonly number[], output: readonly number[]): number[] {
  const own = stridesOf(input);
  const offset = output.length - input.length;
  return output.map((_, i) => (i < offset || input[i - offset] === 1 ? 0 : own[i - offset]!));
}

/** For every element of `output` (row-major), the flat index into each input (broadcast). */
export function broadcastOffsets(inputs: readonly (readonly number[])[], output: readonly number[]): Int32Array[] {
  const count = sizeOf(output);
  const all = inputs.map((shape) => {
    const strides = broadcastStrides(shape, output);
    const offsets = new Int32Array(count);
    const index = new Array<number>(output.length).fill(0);
    let flat = 0;
    for (let n = 0; n < count; n++) {
      offsets[n] = flat;
      // Odometer increment, adjusting the flat input offset as dims roll over.
      for (let d = output.length - 1; d >= 0; d--) {
        index[d]!++;
        flat += strides[d]!;
        if (index[d]! < output[d]!) break;
        flat -= strides[d]! * output[d]!;
        index[d] = 0;
      }
    }
    return offsets;
  });
  return all;
}
