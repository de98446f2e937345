/**
 * A CPU tensor shaped like onnxruntime-common's: `type`, `data`, `dims`, `size`, `dispose()`. It is
 * a plain holder (no copies); operators read `data` directly and pass it (or a subarray view of
 * it) to the native addon, so the constructor checks everything an operator later relies on.
 */
import { describeValue, formatDims } from './errors.js';
import { releaseResultBuffer } from './result-memory.js';

/** Element types, named as in onnxruntime-common (strings are not supported). */
export type TensorType =
  | 'float32'
  | 'float16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** Storage of each type; float16 holds IEEE half bits, as in onnxruntime-common. */
export interface TensorDataTypeMap {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  /** 0 / 1 per element, as onnxruntime-common holds bool tensors. */
  bool: Uint8Array;
}

export type TensorData = TensorDataTypeMap[TensorType];

/**
 * The tensor type a TypedArray stands for when no type is given: Uint16Array means float16 and
 * Uint8Array uint8 (pass the type string for 'uint16' or 'bool').
 */
export type TensorTypeOf<D extends TensorData> = D extends Float32Array
  ? 'float32'
  : D extends Float64Array
    ? 'float64'
    : D extends Uint16Array
      ? 'float16'
      : D extends Int16Array
        ? 'int16'
        : D extends Int32Array
          ? 'int32'
          : D extends Uint32Array
            ? 'uint32'
            : D extends Int8Array
              ? 'int8'
              : D extends Uint8Array
                ? 'uint8'
                : D extends BigInt64Array
                  ? 'int64'
                  : D extends BigUint64Array
                    ? 'uint64'
                    : never;

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

const ARRAY_OF_TYPE: { readonly [T in TensorType]: TypedArrayConstructor } = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** The TypedArray class holding each type's elements. */
export function arrayTypeOf(type: TensorType): TypedArrayConstructor {
  return ARRAY_OF_TYPE[type];
}

/** Integer range of each integer type, used to check plain-number data. */
const INTEGER_RANGE: { readonly [T in TensorType]?: readonly [number, number] } = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int8: [-128, 127],
  uint8: [0, 255],
  bool: [0, 1],
};

export function isTensorType(value: unknown): value is TensorType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ARRAY_OF_TYPE, value);
}

function typeOfData(data: unknown): TensorType | undefined {
  // Order matters only for subclasses (e.g. Buffer is a Uint8Array): exact classes are disjoint.
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint16Array) return 'float16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}

function checkDims(dims: unknown, length: number): number[] {
  if (!Array.isArray(dims)) throw new TypeError(`Tensor: dims must be an array of integers, got ${describeValue(dims)}`);
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d: unknown = dims[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`Tensor: dims[${i}] must be a non-negative safe integer, got ${describeValue(d)}`);
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) throw new RangeError(`Tensor: dims ${formatDims(dims)} hold more than 2^53 elements`);
  if (size !== length) {
    throw new RangeError(`Tensor: dims ${formatDims(dims)} hold ${size} elements but data has ${length}`);
  }
  return dims.slice();
}

/** Converts a plain number array to the type's storage, refusing values the type would silently wrap. */
function fromNumbers(type: TensorType, values: readonly unknown[]): TensorData {
  if (type === 'float16') {
    throw new TypeError('Tensor: float16 data must be a Uint16Array of half bits, not a number array');
  }
  if (type === 'int64' || type === 'uint64') {
    const out = type === 'int64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'bigint') out[i] = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v) && (type === 'int64' || v >= 0)) out[i] = BigInt(v);
      else throw new TypeError(`Tensor: data[${i}] must be a bigint or a safe integer${type === 'uint64' ? ' >= 0' : ''}, got ${describeValue(v)}`);
    }
    return out;
  }
  if (type === 'bool') values = values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  const range = INTEGER_RANGE[type];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new TypeError(`Tensor: data[${i}] must be a number, got ${describeValue(v)}`);
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw new RangeError(`Tensor: data[${i}] = ${describeValue(v)} is not an integer in the ${type} range [${range[0]}, ${range[1]}]`);
    }
  }
  return (ARRAY_OF_TYPE[type] as Float32ArrayConstructor).from(values as number[]) as TensorData;
}

class TensorImpl<T extends TensorType = TensorType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly size: number;
  #data: TensorDataTypeMap[T] | undefined;

  constructor(typeOrData: unknown, dataOrDims?: unknown, maybeDims?: unknown) {
    let type: TensorType;
    let data: TensorData;
    let dims: unknown;
    if (typeof typeOrData === 'string') {
      if (!isTensorType(typeOrData)) {
        throw new TypeError(`Tensor: type must be one of ${Object.keys(ARRAY_OF_TYPE).join(', ')}, got ${describeValue(typeOrData)}`);
      }
      type = typeOrData;
      if (Array.isArray(dataOrDims)) {
        data = fromNumbers(type, dataOrDims);
      } else {
        const expected = ARRAY_OF_TYPE[type];
        if (!(dataOrDims instanceof expected)) {
          throw new TypeError(`Tensor: type '${type}' needs its data as a ${expected.name}, got ${describeValue(dataOrDims)}`);
        }
        data = dataOrDims;
      }
      dims = maybeDims;
    } else {
      const inferred = typeOfData(typeOrData);
      if (inferred === undefined) {
        throw new TypeError(
          `Tensor: data must be a TypedArray (Float32Array, Float64Array, Uint16Array for float16, Int8Array, Uint8Array, Int16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array), got ${describeValue(typeOrData)}`,
        );
      }
      type = inferred;
      data = typeOrData as TensorData;
      dims = dataOrDims;
    }
    const checkedDims = checkDims(dims ?? [data.length], data.length);
    this.type = type as T;
    this.#data = data as TensorDataTypeMap[T];
    this.dims = Object.freeze(checkedDims);
    this.size = data.length;
  }

  /** The values; throws once the tensor is disposed of. */
  get data(): TensorDataTypeMap[T] {
    const data = this.#data;
    if (data === undefined) throw new Error('Tensor: the tensor is disposed');
    return data;
  }

  /** 'cpu' while the tensor holds its data, 'none' after dispose(), as in onnxruntime-common. */
  get location(): 'cpu' | 'none' {
    return this.#data === undefined ? 'none' : 'cpu';
  }

  /**
   * Lets go of the data. For a result of run() or runSync() the memory goes back to octet at once,
   * for the next run to write, instead of when JavaScript collects the tensor: the ArrayBuffer is
   * detached, so other views of it (reshape(), `data` kept aside) become empty. A run still using
   * the memory (as a feed or fetch) keeps it until it ends. Data the caller supplied is only dropped.
   */
  dispose(): void {
    const data = this.#data;
    if (data === undefined) return;
    this.#data = undefined;
    releaseResultBuffer(data.buffer as ArrayBuffer);
  }

  /** Same data, new dims (no copy), like onnxruntime-common's reshape. */
  reshape(dims: readonly number[]): Tensor<T> {
    return new TensorImpl<T>(this.type, this.data, dims);
  }
}

/** Construct signatures: the element type follows the `type` argument, or the TypedArray given. */
export interface TensorConstructor {
  new <T extends TensorType>(type: T, data: TensorDataTypeMap[T] | readonly number[], dims?: readonly number[]): Tensor<T>;
  new <D extends TensorData>(data: D, dims?: readonly number[]): Tensor<TensorTypeOf<D>>;
  readonly prototype: Tensor;
}

export type Tensor<T extends TensorType = TensorType> = TensorImpl<T>;
// A class at run time (instanceof works); typed through TensorConstructor so `new Tensor(u8)` is Tensor<'uint8'>.
export const Tensor: TensorConstructor = TensorImpl as unknown as TensorConstructor;

/** A tensor whose type is one of `types` (narrowing helper for the operators). */
export function isTensorOf<T extends TensorType>(value: unknown, types: readonly T[]): value is Tensor<T> {
  return value instanceof TensorImpl && (types as readonly string[]).includes(value.type);
}
