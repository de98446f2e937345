/**
 * ONNX DynamicQuantizeLinear (uint8, as onnxruntime): scale and zero point from the range of x
 * widened to include 0, then QuantizeLinear. Native does the min/max scan and the quantization in
 * one pass pair and throws a RangeError on NaN (the range is undefined).
 */
import { binding } from '../binding.js';
import { Tensor } from '../tensor.js';
import { expectTensor } from '../validate.js';

const OP = 'dynamicQuantizeLinear';

/** @returns [y (uint8, x's dims), y_scale (float32, dims []), y_zero_point (uint8, dims [])]. */
export function dynamicQuantizeLinear(x: Tensor<'float32'>): [Tensor<'uint8'>, Tensor<'float32'>, Tensor<'uint8'>] {
  const input = expectTensor(OP, 'x', x, ['float32'] as const);
  const y = new Uint8Array(input.size);
  // An empty x has min = max = 0: scale 1, zero point 0 (nothing to scan or write).
  const { scale, zeroPoint } = input.size > 0 ? binding.dynamicQuantizeLinear(input.data, y) : { scale: 1, zeroPoint: 0 };
  return [new Tensor('uint8', y, input.dims), new Tensor('float32', Float32Array.of(scale), []), new Tensor('uint8', Uint8Array.of(zeroPoint), [])];
}
