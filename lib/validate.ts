/**
 * Argument checks shared by the operators. Each one either returns the value in the form the native
 * addon wants (float32 scale, Int32Array zero points, a plain thread count) or throws a TypeError
 * (wrong kind of value) / RangeError (right kind, wrong value) naming the operator and the argument.
 * Argument names in messages are the ONNX ones (a_scale, y_zero_point, ...).
 */
import { describeValue, formatDims, rangeError, typeError, withArticle } from './errors.js';
import { float16BitsToFloat32 } from './float16.js';
import { Tensor, isTensorOf, type TensorType } from './tensor.js';

export type QuantizedType = 'uint8' | 'int8';

export const QUANTIZED_RANGE: { readonly [T in QuantizedType]: readonly [number, number] } = {
  uint8: [0, 255],
  int8: [-128, 127],
};

function listTypes(types: readonly string[]): string {
  return types.length === 1 ? types[0]! : `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
}

/** `value` must be a Tensor of one of `types`. */
export function expectTensor<T extends TensorType>(op: string, name: string, value: unknown, types: readonly T[]): Tensor<T> {
  if (isTensorOf(value, types)) return value;
  throw typeError(op, `${name} must be ${withArticle(listTypes(types))} Tensor, got ${describeValue(value)}`);
}

/** A tensor holding one value: dims [] or [1] (ONNX scalars are often stored as 1-element vectors). */
export function isScalarLike(t: Tensor): boolean {
  return t.size === 1 && t.dims.length <= 1;
}

/** Element i of a float32/float16 tensor as a float32 number. */
export function floatAt(t: Tensor<'float32' | 'float16'>, i: number): number {
  return t.type === 'float16' ? float16BitsToFloat32(t.data[i]!) : t.data[i]!;
}

function checkScaleValue(op: string, name: string, raw: number, what: string): number {
  const value = Math.fround(raw);
  if (!(value > 0) || value === Infinity) {
    const shown = Number.isNaN(raw) || value === raw ? describeValue(raw) : `${describeValue(raw)} (${describeValue(value)} as float32)`;
    throw rangeError(op, `${name} must be a positive finite float32 ${what}, got ${shown}`);
  }
  return value;
}

/** A scale given as a number or a float32/float16 scalar tensor; returns it as a float32 number. */
export function readScalarScale(op: string, name: string, value: unknown): number {
  if (typeof value === 'number') return checkScaleValue(op, name, value, 'scalar');
  const t = expectScaleTensor(op, name, value);
  if (!isScalarLike(t)) throw rangeError(op, `${name} must be a scalar (dims [] or [1]), got dims ${formatDims(t.dims)}`);
  return checkScaleValue(op, name, floatAt(t, 0), 'scalar');
}

function expectScaleTensor(op: string, name: string, value: unknown): Tensor<'float32' | 'float16'> {
  if (isTensorOf(value, ['float32', 'float16'] as const)) return value;
  throw typeError(op, `${name} must be a number or a float32 or float16 Tensor, got ${describeValue(value)}`);
}

/**
 * A scale that is a scalar or a 1-D vector of `length` values (per channel). Returns the values as
 * float32 (the tensor's own data when it already is, no copy) and whether it is per channel.
 */
export function readScaleVector(op: string, name: string, value: unknown, length: number, what: string): { values: Float32Array; perChannel: boolean } {
  if (typeof value === 'number') return { values: Float32Array.of(checkScaleValue(op, name, value, 'scalar')), perChannel: false };
  const t = expectScaleTensor(op, name, value);
  if (isScalarLike(t)) return { values: Float32Array.of(checkScaleValue(op, name, floatAt(t, 0), 'scalar')), perChannel: false };
  if (t.dims.length !== 1 || t.size !== length) {
    throw rangeError(op, `${name} must be a scalar or a 1-D tensor of ${length} values (${what}), got dims ${formatDims(t.dims)}`);
  }
  for (let i = 0; i < t.size; i++) {
    const v = floatAt(t, i);
    // The element's name is only formatted for a bad value: this loop runs on every call.
    if (!(Math.fround(v) > 0) || Math.fround(v) === Infinity) checkScaleValue(op, `${name}[${i}]`, v, 'value');
  }
  const values = t.type === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data, float16BitsToFloat32);
  return { values, perChannel: true };
}

function checkZeroPointValue(op: string, name: string, value: number, type: QuantizedType | 'int32'): number {
  const [lo, hi] = type === 'int32' ? [-2147483648, 2147483647] : QUANTIZED_RANGE[type];
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw rangeError(op, `${name} must be an integer in the ${type} range [${lo}, ${hi}], got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A zero point of element type `type` (it must match the quantized tensor it belongs to): a number,
 * a scalar tensor, or — when `vectorLength` is given — a 1-D tensor of that many values.
 * Returns the values as an Int32Array (1 or vectorLength values), the form the addon takes.
 */
export function readZeroPoint(
  op: string,
  name: string,
  value: unknown,
  type: QuantizedType | 'int32',
  owner: string,
  vector?: { length: number; what: string },
): Int32Array {
  if (typeof value === 'number') return Int32Array.of(checkZeroPointValue(op, name, value, type));
  if (!(value instanceof Tensor)) throw typeError(op, `${name} must be a number or ${withArticle(type)} Tensor, got ${describeValue(value)}`);
  if (value.type !== type) throw typeError(op, `${name} must be ${withArticle(type)} Tensor like ${owner}, got ${withArticle(value.type)} Tensor`);
  // value.type === type (an 8-bit or int32 type), so its data holds plain numbers.
  const data = value.data as Int32Array;
  if (isScalarLike(value)) return Int32Array.of(data[0]!);
  if (vector && value.dims.length === 1 && value.size === vector.length) return Int32Array.from(data);
  const allowed = vector ? `a scalar or a 1-D tensor of ${vector.length} values (${vector.what})` : 'a scalar (dims [] or [1])';
  throw rangeError(op, `${name} must be ${allowed}, got dims ${formatDims(value.dims)}`);
}

/** The ONNX type a quantized output takes from its zero point (uint8 when it is a plain number or absent). */
export function zeroPointOutputType(op: string, name: string, value: unknown): QuantizedType {
  if (value === undefined || value === null || typeof value === 'number') return 'uint8';
  return expectTensor(op, name, value, ['uint8', 'int8'] as const).type;
}

/** `attrs` must be absent or a plain object. */
export function readAttrs<A extends object>(op: string, attrs: unknown): Partial<A> {
  if (attrs === undefined || attrs === null) return {};
  if (typeof attrs !== 'object' || Array.isArray(attrs)) throw typeError(op, `attrs must be an object, got ${describeValue(attrs)}`);
  return attrs as Partial<A>;
}

/**
 * attrs.out: a Tensor the caller provides for the result (reused across calls, it spares the
 * allocation — and on most systems the page faults — of a fresh output each time). It must have the
 * result's type and dims exactly.
 */
export function readOutputTensor<T extends TensorType>(op: string, value: unknown, type: T, dims: readonly number[]): Tensor<T> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Tensor) || value.type !== type) {
    throw typeError(op, `attrs.out must be ${withArticle(type)} Tensor, got ${describeValue(value)}`);
  }
  if (value.dims.length !== dims.length || value.dims.some((d, i) => d !== dims[i])) {
    throw rangeError(op, `attrs.out must have dims ${formatDims(dims)}, got ${formatDims(value.dims)}`);
  }
  return value as Tensor<T>;
}

/** Most threads one call may ask for (the native thread pool's own limit). */
export const MAX_THREADS = 1024;

/** A thread count: absent, or an integer in [1, MAX_THREADS]. */
export function readThreads(op: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw typeError(op, `${name} must be a positive integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw rangeError(op, `${name} must be a positive integer (at most ${MAX_THREADS}), got ${describeValue(value)}`);
  }
  return value;
}

/** An axis in [-rank, rank), returned non-negative. */
export function normalizeAxis(op: string, name: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw typeError(op, `${name} must be an integer, got ${describeValue(axis)}`);
  if (axis < -rank || axis >= rank) throw rangeError(op, `${name} must be in [${-rank}, ${rank - 1}] for a rank-${rank} input, got ${axis}`);
  return axis < 0 ? axis + rank : axis;
}
