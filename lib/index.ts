/**
 * octet: int8 and float neural-network inference (ONNX) for Node.js.
 * Public surface: InferenceSession (onnxruntime-node's API), Tensor, the int8 ops, PackedWeights,
 * and the runtime controls.
 */
export { InferenceSession } from './session/session.js';
export type {
  InferenceSessionFeeds,
  InferenceSessionFetches,
  InferenceSessionResult,
  SessionOptions,
  SessionProfile,
  ValueMetadata,
} from './session/session.js';
export type { KernelKind, NodeDescription } from './session/describe.js';
export { Tensor } from './tensor.js';
export { QuantizedModel, quantizeDynamic, quantizeStatic, quantizeWeights } from './quantize/index.js';
export type { CalibrationMethod, QuantizationReport, QuantizeDynamicOptions, QuantizeStaticOptions, QuantizeWeightsOptions, TensorReport } from './quantize/index.js';
export type { TensorConstructor, TensorData, TensorDataTypeMap, TensorType, TensorTypeOf } from './tensor.js';
export { ops, PackedWeights } from './ops/index.js';
export type { DequantizeLinearAttributes, FusedActivation, MatMulIntegerAttributes, QLinearMatMulAttributes, QuantizeLinearAttributes } from './ops/index.js';
export type { QuantizedType } from './validate.js';
export { runtimeInfo, setNumThreads } from './runtime.js';
export type { RuntimeInfo } from './runtime.js';
export type { IsaName } from './binding.js';
