/**
 * octet: exact int8 neural-network kernels (ONNX semantics) for Node.js.
 * Public surface: Tensor, the ops, PackedWeights, and the runtime controls.
 */
export { Tensor } from './tensor.js';
export type { TensorConstructor, TensorData, TensorDataTypeMap, TensorType, TensorTypeOf } from './tensor.js';
export { ops, PackedWeights } from './ops/index.js';
export type { DequantizeLinearAttributes, FusedActivation, MatMulIntegerAttributes, QLinearMatMulAttributes, QuantizeLinearAttributes } from './ops/index.js';
export type { QuantizedType } from './validate.js';
export { runtimeInfo, setNumThreads } from './runtime.js';
export type { RuntimeInfo } from './runtime.js';
export type { IsaName } from './binding.js';
