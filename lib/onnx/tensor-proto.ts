/**
 * TensorProto → InitializerTensor: raw_data (little-endian, copied into an aligned buffer), the typed
 * repeated fields (float_data, int32_data, int64_data, double_data, uint64_data, string_data) and
 * external data (data_location EXTERNAL, location/offset/length read from a file next to the model).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { onnx as P } from 'onnx-proto';
import type { InitializerTensor, OnnxElemType, TensorData } from './model.js';
import { bytesToString, onnx, plainBytes, toBigInt, toSafeNumber, type DecodeContext } from './proto.js';

/** ONNX TensorProto.DataType → element type name (all types ONNX defines up to IR 11). */
const ELEM_TYPES: readonly OnnxElemType[] = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn',
  'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1', 'float8e8m0',
];

/** Element type name of an ONNX DataType code; throws TypeError for codes ONNX does not define. */
export function elemTypeName(code: number, where: string): OnnxElemType {
  const name = Number.isInteger(code) ? ELEM_TYPES[code] : undefined;
  if (name === undefined) throw new TypeError(`${where}: unknown ONNX data type ${code}`);
  return name;
}

type NumericCtor =
  | Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** How each decodable type is stored, and which repeated field carries it when raw_data is absent. */
interface Layout {
  ctor: NumericCtor;
  field: 'floatData' | 'int32Data' | 'int64Data' | 'doubleData' | 'uint64Data';
  /** For int32_data-carried types: the accepted value range. */
  min?: number;
  max?: number;
}

const LAYOUTS: Partial<Record<OnnxElemType, Layout>> = {
  float32: { ctor: Float32Array, field: 'floatData' },
  float64: { ctor: Float64Array, field: 'doubleData' },
  int8: { ctor: Int8Array, field: 'int32Data', min: -128, max: 127 },
  uint8: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
  int16: { ctor: Int16Array, field: 'int32Data', min: -32768, max: 32767 },
  uint16: { ctor: Uint16Array, field: 'int32Data', min: 0, max: 65535 },
  int32: { ctor: Int32Array, field: 'int32Data' },
  int64: { ctor: BigInt64Array, field: 'int64Data' },
  uint32: { ctor: Uint32Array, field: 'uint64Data' },
  uint64: { ctor: BigUint64Array, field: 'uint64Data' },
  bool: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 1 },
  // 16-bit floats as their bit patterns; int32_data carries the bits in its low 16 bits.
  float16: { ctor: Uint16Array, field: 'int32Data', min: 0, max: 65535 },
  bfloat16: { ctor: Uint16Array, field: 'int32Data', min: 0, max: 65535 },
  // 8-bit floats as their bit patterns.
  float8e4m3fn: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
  float8e4m3fnuz: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
  float8e5m2: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
  float8e5m2fnuz: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
  float8e8m0: { ctor: Uint8Array, field: 'int32Data', min: 0, max: 255 },
};

const littleEndianHost = endianness() === 'LE';

/** Number of elements of `dims`, checking every dim is a non-negative safe integer. */
export function elementCount(dims: readonly number[], where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${where}: invalid dimension ${d} in dims [${dims.join(',')}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new RangeError(`${where}: element count of dims [${dims.join(',')}] is beyond the safe integer range`);
  return n;
}

/** Reads [offset, offset+length) of an external-data file (length undefined: to the end). */
function readExternal(t: P.ITensorProto, name: string, ctx: DecodeContext, where: string): Uint8Array {
  const entries = new Map<string, string>();
  for (const e of t.externalData ?? []) entries.set(e.key ?? '', e.value ?? '');
  const location = entries.get('location');
  if (!location) throw new Error(`${where}: external data without a 'location' entry`);
  if (ctx.baseDir === undefined) {
    throw new Error(`${where}: external data '${location}' needs the model's folder; read the model from a path or pass options.baseDir`);
  }
  const normalized = normalize(location);
  if (isAbsolute(location) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
    throw new Error(`${where}: external data location '${location}' must be a relative path inside the model's folder`);
  }
  const parseEntry = (key: string): number | undefined => {
    const v = entries.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new RangeError(`${where}: external data ${key} '${v}' is not a non-negative integer`);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new RangeError(`${where}: external data ${key} ${v} is beyond the safe integer range`);
    return n;
  };
  const offset = parseEntry('offset') ?? 0;
  const length = parseEntry('length');
  const file = join(ctx.baseDir, normalized);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new Error(`${where}: cannot open external data file ${file}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const want = length ?? size - offset;
    if (offset > size || offset + want > size) {
      const needs = length === undefined ? `offset ${offset}` : `bytes [${offset}, ${offset + length})`;
      throw new RangeError(`${where}: external data file ${file} is too short: needs ${needs} but has ${size} bytes`);
    }
    const out = new Uint8Array(new ArrayBuffer(want + TENSOR_SLACK_BYTES), 0, want);  // viewed, not copied, by fromRaw
    let done = 0;
    while (done < want) {
      const n = readSync(fd, out, done, want - done, offset + done);
      if (n <= 0) throw new RangeError(`${where}: external data file ${file} ended early at byte ${offset + done}`);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every decoded tensor's buffer has this many spare bytes after its data: vector kernels may read (never
 * write) up to one 64-byte vector past a constant's end, so native can use these buffers in place
 * instead of copying each initializer (lib/session hands them over as they are).
 */
export const TENSOR_SLACK_BYTES = 64;

/** Typed array of `count` elements with TENSOR_SLACK_BYTES spare bytes after it (zeroed). */
export function allocateTensorData<T extends NumericCtor>(ctor: T, count: number): InstanceType<T> {
  return new ctor(new ArrayBuffer(count * ctor.BYTES_PER_ELEMENT + TENSOR_SLACK_BYTES), 0, count) as InstanceType<T>;
}

/** Bytes a protobuf varint of `n` takes. */
function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/**
 * Typed view of raw tensor bytes. When they lie in model bytes we own, the data is moved back (by
 * less than one element) onto an element boundary, over its own field tag and length, which were
 * already decoded and which nothing else refers to, and viewed where it is; otherwise it is copied
 * into a new aligned buffer. Either way TENSOR_SLACK_BYTES readable bytes follow it.
 */
function fromRaw(bytes: Uint8Array, layout: Layout, count: number, where: string, owned?: Uint8Array): TensorData {
  const size = layout.ctor.BYTES_PER_ELEMENT;
  if (bytes.length !== count * size) {
    throw new RangeError(`${where}: raw data has ${bytes.length} bytes, expected ${count * size} (${count} elements of ${size} bytes)`);
  }
  if (!littleEndianHost && size > 1) throw new Error(`${where}: big-endian hosts are not supported`);
  if (owned !== undefined && bytes.buffer === owned.buffer && bytes.length > 0) {
    const shift = bytes.byteOffset % size;
    const header = 1 + varintLength(bytes.length);  // raw_data's tag byte and length varint
    const start = bytes.byteOffset - shift;
    if (shift <= header && start >= owned.byteOffset && start + bytes.length + TENSOR_SLACK_BYTES <= owned.byteOffset + owned.byteLength) {
      if (shift > 0) new Uint8Array(owned.buffer).copyWithin(start, bytes.byteOffset, bytes.byteOffset + bytes.length);
      return new layout.ctor(owned.buffer as ArrayBuffer, start, count);
    }
  }
  const copy = new Uint8Array(bytes.length + TENSOR_SLACK_BYTES);
  copy.set(bytes);
  return new layout.ctor(copy.buffer, 0, count);
}

/** Copies a repeated field into the layout's typed array, checking count and value ranges. */
function fromField(t: P.ITensorProto, type: OnnxElemType, layout: Layout, count: number, where: string): TensorData {
  const values = (t[layout.field] ?? []) as unknown[];
  if (values.length !== count) {
    throw new RangeError(`${where}: ${fieldName(layout.field)} has ${values.length} values, expected ${count} for dims [${dimsOf(t, where).join(',')}]`);
  }
  const buffer = new ArrayBuffer(count * layout.ctor.BYTES_PER_ELEMENT + TENSOR_SLACK_BYTES);
  if (layout.ctor === BigInt64Array || layout.ctor === BigUint64Array) {
    const unsigned = layout.ctor === BigUint64Array;
    const out = unsigned ? new BigUint64Array(buffer, 0, count) : new BigInt64Array(buffer, 0, count);
    for (let i = 0; i < count; i++) out[i] = toBigInt(values[i], unsigned);
    return out;
  }
  const out = new layout.ctor(buffer, 0, count) as Exclude<TensorData, BigInt64Array | BigUint64Array | string[]>;
  if (layout.field === 'uint64Data') {
    // uint32 in uint64_data.
    for (let i = 0; i < count; i++) {
      const v = toBigInt(values[i], true);
      if (v > 0xffffffffn) throw new RangeError(`${where}: uint64_data[${i}] = ${v} is out of range for ${type}`);
      out[i] = Number(v);
    }
    return out;
  }
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (layout.min !== undefined && (v < layout.min || v > layout.max!)) {
      throw new RangeError(`${where}: ${fieldName(layout.field)}[${i}] = ${v} is out of range for ${type}`);
    }
    out[i] = v;
  }
  return out;
}

const FIELD_NAMES: Record<Layout['field'], string> = {
  floatData: 'float_data', int32Data: 'int32_data', int64Data: 'int64_data', doubleData: 'double_data', uint64Data: 'uint64_data',
};
function fieldName(field: Layout['field']): string {
  return FIELD_NAMES[field];
}

function dimsOf(t: P.ITensorProto, where: string): number[] {
  return (t.dims ?? []).map((d, i) => {
    try {
      return toSafeNumber(d, `dims[${i}]`);
    } catch (e) {
      throw new RangeError(`${where}: ${(e as Error).message}`);
    }
  });
}

/**
 * Decodes one TensorProto. `label` describes it in errors ("initializer 'w'", "attribute 'value' of
 * node 'c'"); `ctx` names the model and locates external data.
 */
export function decodeTensor(t: P.ITensorProto, ctx: DecodeContext, label?: string): InitializerTensor {
  const name = t.name ?? '';
  const where = `${ctx.source}: ${label ?? `tensor '${name}'`}`;
  const type = elemTypeName(t.dataType ?? 0, where);
  const dims = dimsOf(t, where);
  const count = elementCount(dims, where);
  if (t.segment) throw new TypeError(`${where}: segmented tensors are not supported`);
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  if (type === 'string') {
    if (external) throw new TypeError(`${where}: string tensors cannot use external data`);
    const values = t.stringData ?? [];
    if (values.length !== count) throw new RangeError(`${where}: string_data has ${values.length} values, expected ${count} for dims [${dims.join(',')}]`);
    return { name, type, dims, data: values.map((v) => bytesToString(v)) };
  }
  const layout = LAYOUTS[type];
  if (!layout) throw new TypeError(`${where}: unsupported data type ${type} (${t.dataType})`);
  let data: TensorData;
  if (external) {
    const bytes = readExternal(t, name, ctx, where);
    data = fromRaw(bytes, layout, count, where, new Uint8Array(bytes.buffer as ArrayBuffer));
  }
  else if (t.rawData != null && (t.rawData.length > 0 || Object.prototype.hasOwnProperty.call(t, 'rawData'))) {
    data = fromRaw(t.rawData, layout, count, where, ctx.ownedBytes);
  } else data = fromField(t, type, layout, count, where);
  if (type === 'bool') {
    const b = data as Uint8Array;
    for (let i = 0; i < b.length; i++) if (b[i] > 1) b[i] = 1;
  }
  return { name, type, dims, data };
}

/** Decodes the bytes of a serialized TensorProto (e.g. a test_data_set_*\/input_*.pb file). */
export function readTensor(bytes: Uint8Array, options: { source?: string; baseDir?: string } = {}): InitializerTensor {
  const source = options.source ?? '<bytes>';
  let t: P.TensorProto;
  try {
    t = onnx.TensorProto.decode(plainBytes(bytes));
  } catch (e) {
    throw new Error(`${source}: cannot decode TensorProto: ${(e as Error).message}`);
  }
  return decodeTensor(t, { source, baseDir: options.baseDir });
}
