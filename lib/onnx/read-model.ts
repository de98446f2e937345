/** readModel(): ONNX bytes or file → OnnxModel (plain typed objects; nothing is executed). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { onnx as P } from 'onnx-proto';
import { decodeGraph } from './graph.js';
import type { OnnxModel, ReadModelOptions } from './model.js';
import { modelReader, onnx, toSafeNumber, type DecodeContext } from './proto.js';

/**
 * Reads an ONNX model from a file path or from bytes. External-data tensors are resolved relative to
 * the model file's folder (or options.baseDir). Errors name the model and the offending
 * tensor/node/field: Error for undecodable bytes or a missing graph, TypeError for unsupported types,
 * RangeError for sizes that do not match or are beyond the safe integer range.
 */
export function readModel(source: string | Uint8Array, options: ReadModelOptions = {}): OnnxModel {
  let bytes: Uint8Array;
  let ctx: DecodeContext;
  if (typeof source === 'string') {
    const path = resolve(source);
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`readModel: cannot read ${path}: ${(e as Error).message}`);
    }
    ctx = { source: path, baseDir: options.baseDir ?? dirname(path), ownedBytes: wholeBuffer(bytes) };
  } else if (source instanceof Uint8Array) {
    bytes = source;
    const owned = options.ownedBuffer !== undefined && source.buffer === options.ownedBuffer && source.byteOffset === 0 ? new Uint8Array(options.ownedBuffer) : undefined;
    ctx = { source: '<bytes>', baseDir: options.baseDir, ownedBytes: owned ?? (options.transferBytes ? wholeBuffer(source) : undefined) };
  } else {
    throw new TypeError(`readModel: source must be a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`);
  }
  let m: P.ModelProto;
  try {
    m = onnx.ModelProto.decode(modelReader(bytes));
  } catch (e) {
    throw new Error(`${ctx.source}: cannot decode ONNX ModelProto (truncated or corrupted?): ${(e as Error).message}`);
  }
  if (!m.graph) throw new Error(`${ctx.source}: the model has no graph`);
  let irVersion: number;
  try {
    irVersion = toSafeNumber(m.irVersion, 'ir_version');
  } catch (e) {
    throw new RangeError(`${ctx.source}: ${(e as Error).message}`);
  }
  const opsetImports = new Map<string, number>();
  for (const o of m.opsetImport ?? []) {
    const domain = o.domain === 'ai.onnx' ? '' : (o.domain ?? '');
    try {
      opsetImports.set(domain, toSafeNumber(o.version, `opset_import '${domain}' version`));
    } catch (e) {
      throw new RangeError(`${ctx.source}: ${(e as Error).message}`);
    }
  }
  return { irVersion, opsetImports, producerName: m.producerName ?? '', graph: decodeGraph(m.graph, ctx) };
}

/**
 * The bytes as a view we may write to, when they are their ArrayBuffer's only occupant: a small
 * Buffer may be a slice of Node's shared pool, which must never be written.
 */
function wholeBuffer(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength || !(bytes.buffer instanceof ArrayBuffer)) return undefined;
  return new Uint8Array(bytes.buffer);
}
