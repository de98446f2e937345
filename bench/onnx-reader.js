// Reads the constants of the benchmark's layer models (weights, scales, zero points) so that octet is
// fed exactly what onnxruntime-node runs. Parsing is onnx-proto's (protobufjs code generated from
// ONNX's own onnx.proto); this file only turns TensorProtos into typed arrays.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { onnx } = createRequire(import.meta.url)('onnx-proto');
const { DataType } = onnx.TensorProto;

// TensorProto data type → [type name, TypedArray, the repeated field used when raw_data is absent].
const TYPES = {
  [DataType.FLOAT]: ['float32', Float32Array, 'floatData'],
  [DataType.UINT8]: ['uint8', Uint8Array, 'int32Data'],
  [DataType.INT8]: ['int8', Int8Array, 'int32Data'],
  [DataType.INT32]: ['int32', Int32Array, 'int32Data'],
};

function tensorData(t) {
  const entry = TYPES[t.dataType];
  if (!entry) throw new Error(`onnx-reader: tensor ${t.name} has unsupported data type ${t.dataType}`);
  const [type, Array, field] = entry;
  let data;
  if (t.rawData && t.rawData.length > 0) {
    // Copy: raw_data is a view into the file buffer and may be unaligned for the element size.
    const bytes = Uint8Array.from(t.rawData);
    data = new Array(bytes.buffer, 0, bytes.length / Array.BYTES_PER_ELEMENT);
  } else {
    data = Array.from(t[field]);
  }
  return { name: t.name, type, dims: t.dims.map(Number), data };
}

/**
 * Reads an .onnx file; returns { nodes: [{opType, inputs, outputs}], initializers: Map<name, {type, dims, data}> }.
 * Constant nodes are folded into `initializers` too.
 */
export function readOnnxModel(path) {
  const model = onnx.ModelProto.decode(readFileSync(path));
  const nodes = model.graph.node.map((n) => ({ opType: n.opType, inputs: n.input, outputs: n.output }));
  const initializers = new Map(model.graph.initializer.map((t) => [t.name, tensorData(t)]));
  for (const n of model.graph.node) {
    const value = n.opType === 'Constant' ? n.attribute.find((a) => a.name === 'value' && a.t) : undefined;
    if (value) initializers.set(n.output[0], { ...tensorData(value.t), name: n.output[0] });
  }
  return { nodes, initializers };
}

/** Scalar (or 1-element) initializer value as a Number, or undefined. */
export function scalarOf(init) {
  if (!init || !init.data || init.data.length !== 1) return undefined;
  return Number(init.data[0]);
}
