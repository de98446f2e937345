/**
 * Access to onnx-proto (protobufjs code generated from ONNX's onnx.proto) and the int64 conversions
 * its decoded messages need: int64 fields arrive as Long objects (or plain numbers).
 */
import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

const requireHere = createRequire(import.meta.url);
export const { onnx } = requireHere('onnx-proto') as { onnx: typeof OnnxNamespace };
// The protobufjs runtime onnx-proto's generated code uses (resolved from onnx-proto, so it is the same copy).
type ProtoReader = Exclude<Parameters<typeof OnnxNamespace.ModelProto.decode>[0], Uint8Array>;
const protobuf = createRequire(requireHere.resolve('onnx-proto'))('protobufjs/minimal') as { Reader: { create(buffer: Uint8Array): ProtoReader } };

/** Where a decode happens: names the model in error messages and locates external data. */
export interface DecodeContext {
  /** The model path, or '<bytes>' when reading from memory. */
  source: string;
  /** Folder external-data locations are resolved against; undefined when unknown. */
  baseDir: string | undefined;
  /**
   * The model bytes when they are ours to rearrange (read from a file here, or handed over): raw
   * tensor data is then aligned in place and viewed rather than copied, so a model's weights are held
   * once, not twice.
   */
  ownedBytes?: Uint8Array;
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

/** A protobuf int64/uint64 value (Long, number, bigint or decimal string) as an exact bigint. */
export function toBigInt(v: unknown, unsigned = false): bigint {
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`not an integer: ${v}`);
    out = BigInt(v);
  } else if (typeof v === 'string') out = BigInt(v);
  else if (isLongLike(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    out = (v.unsigned ?? unsigned) ? bits : BigInt.asIntN(64, bits);
  } else if (v === null || v === undefined) out = 0n;
  else throw new TypeError(`not an int64 value: ${typeof v}`);
  return unsigned ? BigInt.asUintN(64, out) : out;
}

/** An int64 field as a number when it is a safe integer, else as a bigint. */
export function toIntValue(v: unknown): number | bigint {
  const b = toBigInt(v);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** An int64 field that must be a safe integer (dims, offsets, versions); `what` names it in the RangeError. */
export function toSafeNumber(v: unknown, what: string): number {
  const n = toIntValue(v);
  if (typeof n === 'bigint') throw new RangeError(`${what} is ${n}, beyond the safe integer range`);
  return n;
}

/** True when a decoded message has the field set (protobufjs puts defaults on the prototype). */
export function has(message: object | null | undefined, field: string): boolean {
  return message != null && Object.prototype.hasOwnProperty.call(message, field);
}

const utf8 = new TextDecoder('utf-8');
export function bytesToString(b: Uint8Array | string | null | undefined): string {
  if (b == null) return '';
  return typeof b === 'string' ? b : utf8.decode(b);
}

/**
 * A protobuf reader over `bytes` for decoding a model. Strings (node, value and operator names: a few
 * per node) are decoded natively from a Buffer view of the same memory, bounds-checked like every
 * other field. protobufjs' own decoder for plain arrays builds each string from an array of char codes,
 * which for a graph of a few hundred nodes was over a megabyte of short-lived garbage, and its
 * Buffer reader truncates a string running past the end silently (see plainBytes).
 */
export function modelReader(bytes: Uint8Array): ProtoReader {
  const plain = plainBytes(bytes);
  const text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  const reader = protobuf.Reader.create(plain);
  reader.string = function readString(this: ProtoReader): string {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.len) throw new RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
    this.pos = end;
    return text.toString('utf8', start, end);
  };
  return reader;
}

/**
 * The bytes as a plain Uint8Array view (no copy). protobufjs decodes Node Buffers with a reader whose
 * string() silently truncates a string running past the end of the input; the plain-array reader
 * bounds-checks it, so truncated files are reported instead of yielding a cut-off name.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
