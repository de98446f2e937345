/**
 * Plain, typed objects an ONNX model is read into (see read-model.ts). Nothing here executes:
 * these are the input of later passes (shape inference, constant folding, kernel selection).
 */

/** Element type names, one per ONNX TensorProto.DataType. */
export type OnnxElemType =
  | 'undefined'
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1'
  | 'float8e8m0';

/**
 * The data of a decoded tensor. Float16, bfloat16 and float8 tensors hold their raw bit patterns
 * (Uint16Array / Uint8Array); bool tensors hold 0/1 in a Uint8Array; string tensors hold a string[].
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A decoded TensorProto (an initializer, a tensor attribute, a test-data tensor). */
export interface InitializerTensor {
  name: string;
  type: OnnxElemType;
  dims: number[];
  data: TensorData;
}

/** A dimension: a fixed size, a symbolic name ('N', 'batch'), or null when unknown. */
export type OnnxDim = number | string | null;

/** What kind of value a ValueInfo describes (tensors in almost every model). */
export type ValueKind = 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'unknown';

/** A decoded TypeProto: what ValueInfo and type-valued attributes (Optional's 'type') hold. */
export interface TypeInfo {
  kind: ValueKind;
  /** Element type of the tensor (for sequence/optional values: of the innermost tensor; 'undefined' if none). */
  elemType: OnnxElemType;
  /** Dimensions, or null when the model gives no shape. */
  shape: OnnxDim[] | null;
}

export interface ValueInfo extends TypeInfo {
  name: string;
}

export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number | bigint }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: InitializerTensor }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: (number | bigint)[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: InitializerTensor[] }
  | { type: 'graphs'; value: OnnxGraph[] }
  | { type: 'type_proto'; value: TypeInfo }
  | { type: 'type_protos'; value: TypeInfo[] };

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' for the default ai.onnx domain. */
  domain: string;
  /** Input names; '' marks an omitted optional input and is kept so positions stay meaningful. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
}

export interface OnnxGraph {
  name: string;
  /** Graph inputs that are not initializers (the values a caller must feed). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, InitializerTensor>;
  nodes: OnnxNode[];
  /** Intermediate value annotations (graph.value_info), by name. */
  valueInfo: Map<string, ValueInfo>;
}

export interface OnnxModel {
  irVersion: number;
  /** Opset version by domain; '' is ai.onnx. */
  opsetImports: Map<string, number>;
  producerName: string;
  graph: OnnxGraph;
}

export interface ReadModelOptions {
  /** Folder external-data files are resolved against (default: the model file's folder). */
  baseDir?: string;
  /**
   * The bytes are handed over: tensors may be decoded in place (their raw data moved by a few bytes
   * and viewed) instead of copied. Only for bytes nothing else reads afterwards. Default: false.
   */
  transferBytes?: boolean;
  /**
   * The whole ArrayBuffer the bytes are a prefix of, handed over with them (a buffer read to a file's
   * size plus spare bytes): tensors may be decoded in place anywhere in it.
   */
  ownedBuffer?: ArrayBuffer;
}
