/** ONNX model reader: ONNX bytes → plain typed objects (the first layer of the ONNX graph runtime). */
export type {
  AttributeValue,
  InitializerTensor,
  OnnxDim,
  OnnxElemType,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  ReadModelOptions,
  TensorData,
  TypeInfo,
  ValueInfo,
  ValueKind,
} from './model.js';
export { readModel } from './read-model.js';
export { allocateTensorData, decodeTensor, elemTypeName, elementCount, readTensor, TENSOR_SLACK_BYTES } from './tensor-proto.js';
export { constantValue, decodeAttribute } from './attributes.js';
export { decodeGraph, decodeType, decodeValueInfo } from './graph.js';
export { onnx as onnxProto, type DecodeContext } from './proto.js';
