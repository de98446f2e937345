/** The operators, one per file; `ops` groups them under their public names. */
import { dequantizeLinear } from './dequantize-linear.js';
import { dynamicQuantizeLinear } from './dynamic-quantize-linear.js';
import { matmulInteger } from './matmul-integer.js';
import { prepackWeights } from './packed-weights.js';
import { qlinearMatMul } from './qlinear-matmul.js';
import { quantizeLinear } from './quantize-linear.js';

export { dequantizeLinear, dynamicQuantizeLinear, matmulInteger, prepackWeights, qlinearMatMul, quantizeLinear };
export { PackedWeights } from './packed-weights.js';
export type { DequantizeLinearAttributes } from './dequantize-linear.js';
export type { MatMulIntegerAttributes } from './matmul-integer.js';
export type { FusedActivation, QLinearMatMulAttributes } from './qlinear-matmul.js';
export type { QuantizeLinearAttributes } from './quantize-linear.js';

export const ops = Object.freeze({
  quantizeLinear,
  dequantizeLinear,
  dynamicQuantizeLinear,
  matmulInteger,
  qlinearMatMul,
  prepackWeights,
});
