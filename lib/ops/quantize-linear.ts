/**
 * ONNX QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point), per tensor or per
 * axis. The element loop is native; this file only validates and lays out the arguments.
 */
import { binding } from '../binding.js';
import { float16ArrayToFloat32 } from '../float16.js';
import { Tensor } from '../tensor.js';
import { expectTensor, readAttrs, readThreads, zeroPointOutputType, type QuantizedType } from '../validate.js';
import { quantLayout } from './quant-layout.js';

export interface QuantizeLinearAttributes {
  /** Axis of a 1-D (per-axis) y_scale; default 1, negative counts from the end. Ignored per tensor. */
  axis?: number;
  intraOpNumThreads?: number;
}

const OP = 'quantizeLinear';

/**
 * @param x float32 or float16 input.
 * @param yScale number, or float32/float16 scalar or 1-D (per axis) tensor.
 * @param yZeroPoint uint8/int8 tensor shaped like yScale (its type is the output's) or a number (uint8); default 0 (uint8).
 */
export function quantizeLinear<Y extends QuantizedType = 'uint8'>(
  x: Tensor<'float32' | 'float16'>,
  yScale: number | Tensor<'float32' | 'float16'>,
  yZeroPoint?: Tensor<Y> | number | null,
  attrs?: QuantizeLinearAttributes,
): Tensor<Y> {
  const input = expectTensor(OP, 'x', x, ['float32', 'float16'] as const);
  const options = readAttrs<QuantizeLinearAttributes>(OP, attrs);
  const threads = readThreads(OP, 'attrs.intraOpNumThreads', options.intraOpNumThreads);
  const outType = zeroPointOutputType(OP, 'y_zero_point', yZeroPoint) as Y;
  const layout = quantLayout(OP, input, 'y_scale', yScale, 'y_zero_point', yZeroPoint, outType, options.axis);

  const y = outType === 'uint8' ? new Uint8Array(input.size) : new Int8Array(input.size);
  if (input.size > 0) {
    // float16 widens exactly to float32, so quantizing the widened values is the float16 result.
    const values = input.type === 'float32' ? (input.data as Float32Array) : float16ArrayToFloat32(input.data as Uint16Array);
    const { scale, zeroPoint, outer, channels, inner } = layout;
    if (threads === undefined) binding.quantizeLinear(values, scale, zeroPoint, outer, channels, inner, y);
    else binding.quantizeLinear(values, scale, zeroPoint, outer, channels, inner, y, threads);
  }
  return new Tensor(outType, y as Tensor<Y>['data'], input.dims);
}
