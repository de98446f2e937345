/**
 * Tensor data helpers shared by shape rules and evaluators: allocating the array an element type is
 * stored in (the conventions of lib/onnx: int64 as BigInt64Array, bool as 0/1 Uint8Array, float16 as
 * bits in a Uint16Array), reading integer parameters, and element sizes for the overflow check.
 */
import type { InitializerTensor, OnnxElemType, TensorData } from '../../onnx/model.js';

/** An array of any element type, read and written by index (copies between tensors of one type). */
export type AnyArray = { length: number; [index: number]: number | bigint | string };

/** Bytes per element (int4/uint4 count as half a byte). */
export const ELEMENT_BYTES: Partial<Record<OnnxElemType, number>> = {
  float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, bool: 1, float16: 2, float64: 8,
  uint32: 4, uint64: 8, complex64: 8, complex128: 16, bfloat16: 2, float8e4m3fn: 1, float8e4m3fnuz: 1,
  float8e5m2: 1, float8e5m2fnuz: 1, uint4: 0.5, int4: 0.5, float4e2m1: 0.5, float8e8m0: 1,
  // A string has no fixed size; count a pointer so the byte cap still bounds the element count.
  string: 8,
};

export const INTEGER_TYPES: readonly OnnxElemType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];

/** A zeroed array for `count` elements of `type`; undefined for types the evaluators do not store. */
export function allocate(type: OnnxElemType, count: number): TensorData | undefined {
  switch (type) {
    case 'float32': return new Float32Array(count);
    case 'float64': return new Float64Array(count);
    case 'int8': return new Int8Array(count);
    case 'uint8': case 'bool': case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz': case 'float8e8m0':
      return new Uint8Array(count);
    case 'int16': return new Int16Array(count);
    case 'uint16': case 'float16': case 'bfloat16': return new Uint16Array(count);
    case 'int32': return new Int32Array(count);
    case 'uint32': return new Uint32Array(count);
    case 'int64': return new BigInt64Array(count);
    case 'uint64': return new BigUint64Array(count);
    case 'string': return new Array<string>(count).fill('');
    default: return undefined;
  }
}

/** True for the types whose data is a BigInt64Array / BigUint64Array. */
export function isBigIntType(type: OnnxElemType): boolean {
  return type === 'int64' || type === 'uint64';
}

/**
 * The values of an integer tensor as numbers. int64 values beyond ±2^53 become the nearest double,
 * which is exact enough for the clamped parameters (Slice's INT64_MAX "to the end") that use them.
 */
export function integerValues(t: InitializerTensor): number[] {
  if (!INTEGER_TYPES.includes(t.type)) throw new TypeError(`expected an integer tensor, got ${t.type}`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The values of a numeric tensor (int, float, bool) as numbers; float16 is not decoded (not needed). */
export function numericValues(t: InitializerTensor): number[] {
  if (t.type === 'string') throw new TypeError('expected a numeric tensor, got string');
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
