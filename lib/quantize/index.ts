/** Post-training quantization: calibrate a float model and write it as a QDQ int8 model. */
export { QuantizedModel, quantizeStatic } from './quantize-static.js';
export { quantizeDynamic } from './quantize-dynamic.js';
export type { QuantizeDynamicOptions } from './quantize-dynamic.js';
export type { CalibrationMethod, QuantizationReport, QuantizeStaticOptions, TensorReport } from './quantize-static.js';
export { quantizeWeights } from './quantize-weights.js';
export type { QuantizeWeightsOptions } from './quantize-weights.js';
