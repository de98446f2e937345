/**
 * Minimal ONNX (protobuf) reader for the benchmark's layer models: just enough of ModelProto /
 * GraphProto / NodeProto / TensorProto to list the nodes and decode the constant initializers
 * (weights, scales, zero points), so octet can be run on exactly the weights baked into the ORT model.
 * No dependency; handles raw_data and the typed repeated fields (packed or not).
 */
import { readFileSync } from 'node:fs';

const ONNX_DTYPES = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64' };

class Reader {
  constructor(buf, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  eof() {
    return this.pos >= this.end;
  }
  varint() {
    // Returns a Number (exact up to 2^53) — dims and enums fit comfortably.
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('onnx-reader: truncated varint');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
  }
  /** Iterates fields: yields { field, wire, value } where value is a number (varint/fixed) or [start,end) for length-delimited. */
  *fields() {
    while (!this.eof()) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) yield { field, wire, value: this.varint() };
      else if (wire === 1) {
        yield { field, wire, value: this.pos };
        this.pos += 8;
      } else if (wire === 2) {
        const len = this.varint();
        const start = this.pos;
        this.pos += len;
        yield { field, wire, start, end: start + len };
      } else if (wire === 5) {
        yield { field, wire, value: this.pos };
        this.pos += 4;
      } else throw new Error(`onnx-reader: unsupported wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder();
const str = (buf, f) => utf8.decode(buf.subarray(f.start, f.end));

function signed32(n) {
  // int32 fields encode negatives as 10-byte two's-complement varints; Number arithmetic above keeps the low bits exact enough.
  return n > 0x7fffffff ? Number(BigInt.asIntN(32, BigInt(n))) : n;
}

function parseTensor(buf, start, end) {
  const t = { name: '', dims: [], dataType: 0, raw: null, floats: [], ints: [], int64s: [] };
  for (const f of new Reader(buf, start, end).fields()) {
    switch (f.field) {
      case 1: // dims (int64, packed or not)
        if (f.wire === 2) {
          const r = new Reader(buf, f.start, f.end);
          while (!r.eof()) t.dims.push(r.varint());
        } else t.dims.push(f.value);
        break;
      case 2:
        t.dataType = f.value;
        break;
      case 4: // float_data
        if (f.wire === 2) {
          const dv = new DataView(buf.buffer, buf.byteOffset + f.start, f.end - f.start);
          for (let o = 0; o < f.end - f.start; o += 4) t.floats.push(dv.getFloat32(o, true));
        } else t.floats.push(new DataView(buf.buffer, buf.byteOffset + f.value, 4).getFloat32(0, true));
        break;
      case 5: // int32_data (also holds uint8/int8/int16 values)
        if (f.wire === 2) {
          const r = new Reader(buf, f.start, f.end);
          while (!r.eof()) t.ints.push(signed32(r.varint()));
        } else t.ints.push(signed32(f.value));
        break;
      case 7: // int64_data
        if (f.wire === 2) {
          const r = new Reader(buf, f.start, f.end);
          while (!r.eof()) t.int64s.push(r.varint());
        } else t.int64s.push(f.value);
        break;
      case 8:
        t.name = str(buf, f);
        break;
      case 9:
        t.raw = buf.subarray(f.start, f.end);
        break;
      default:
        break;
    }
  }
  const type = ONNX_DTYPES[t.dataType] ?? `onnx-dtype-${t.dataType}`;
  const count = t.dims.reduce((a, b) => a * b, 1);
  let data;
  const copyRaw = (Ctor) => {
    const bytes = new Uint8Array(t.raw); // copy: aligned, detached from the file buffer
    return new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  };
  switch (type) {
    case 'float32':
      data = t.raw ? copyRaw(Float32Array) : Float32Array.from(t.floats);
      break;
    case 'uint8':
      data = t.raw ? copyRaw(Uint8Array) : Uint8Array.from(t.ints);
      break;
    case 'int8':
      data = t.raw ? copyRaw(Int8Array) : Int8Array.from(t.ints);
      break;
    case 'int32':
      data = t.raw ? copyRaw(Int32Array) : Int32Array.from(t.ints);
      break;
    case 'int64':
      data = t.raw ? copyRaw(BigInt64Array) : BigInt64Array.from(t.int64s.map((v) => BigInt(v)));
      break;
    default:
      data = null;
  }
  if (data && data.length !== count) throw new Error(`onnx-reader: initializer ${t.name} has ${data.length} values, dims ${t.dims}`);
  return { name: t.name, type, dims: t.dims, data };
}

function parseNode(buf, start, end) {
  const n = { inputs: [], outputs: [], name: '', opType: '', domain: '' };
  for (const f of new Reader(buf, start, end).fields()) {
    if (f.field === 1) n.inputs.push(str(buf, f));
    else if (f.field === 2) n.outputs.push(str(buf, f));
    else if (f.field === 3) n.name = str(buf, f);
    else if (f.field === 4) n.opType = str(buf, f);
    else if (f.field === 7) n.domain = str(buf, f);
  }
  return n;
}

/**
 * Reads an .onnx file; returns { nodes: [{opType, inputs, outputs}], initializers: Map<name, {type, dims, data}> }.
 * Constant nodes are folded into `initializers` too (value attribute holding a TensorProto).
 */
export function readOnnxModel(path) {
  const buf = readFileSync(path);
  let graph = null;
  for (const f of new Reader(buf).fields()) if (f.field === 7 && f.wire === 2) graph = f;
  if (!graph) throw new Error(`onnx-reader: ${path} has no graph`);
  const nodes = [];
  const initializers = new Map();
  for (const f of new Reader(buf, graph.start, graph.end).fields()) {
    if (f.wire !== 2) continue;
    if (f.field === 1) {
      const node = parseNode(buf, f.start, f.end);
      nodes.push(node);
      if (node.opType === 'Constant') {
        // NodeProto.attribute (5) → AttributeProto { name (1), t (5) }
        for (const a of new Reader(buf, f.start, f.end).fields()) {
          if (a.field !== 5 || a.wire !== 2) continue;
          let attrName = '';
          let tensor = null;
          for (const af of new Reader(buf, a.start, a.end).fields()) {
            if (af.field === 1) attrName = str(buf, af);
            else if (af.field === 5 && af.wire === 2) tensor = parseTensor(buf, af.start, af.end);
          }
          if (attrName === 'value' && tensor) initializers.set(node.outputs[0], { ...tensor, name: node.outputs[0] });
        }
      }
    } else if (f.field === 5) {
      const t = parseTensor(buf, f.start, f.end);
      initializers.set(t.name, t);
    }
  }
  return { nodes, initializers };
}

/** Scalar (or 1-element) initializer value as a Number, or undefined. */
export function scalarOf(init) {
  if (!init || !init.data || init.data.length !== 1) return undefined;
  return Number(init.data[0]);
}
