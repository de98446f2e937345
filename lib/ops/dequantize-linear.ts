/**
 * ONNX DequantizeLinear: y = (x - x_zero_point) * x_scale, per tensor or per axis. The output is
 * float32, or float16 when the scale is float16 (ONNX: y has the scale's type).
 */
import { binding } from '../binding.js';
import { rangeError } from '../errors.js';
import { float32ArrayToFloat16 } from '../float16.js';
import { Tensor } from '../tensor.js';
import { expectTensor, readAttrs, readThreads } from '../validate.js';
import { quantLayout } from './quant-layout.js';

export interface DequantizeLinearAttributes {
  /** Axis of a 1-D (per-axis) x_scale; default 1, negative counts from the end. Ignored per tensor. */
  axis?: number;
  intraOpNumThreads?: number;
}

const OP = 'dequantizeLinear';

type DequantizeOutput<S> = S extends Tensor<'float16'> ? Tensor<'float16'> : Tensor<'float32'>;

/**
 * @param x uint8, int8 or int32 input (int32 takes no zero point, or 0).
 * @param xScale number, or float32/float16 scalar or 1-D (per axis) tensor.
 * @param xZeroPoint tensor of x's type shaped like xScale, or a number; default 0.
 */
export function dequantizeLinear<S extends number | Tensor<'float32' | 'float16'>>(
  x: Tensor<'uint8' | 'int8' | 'int32'>,
  xScale: S,
  xZeroPoint?: Tensor<'uint8' | 'int8' | 'int32'> | number | null,
  attrs?: DequantizeLinearAttributes,
): DequantizeOutput<S> {
  const input = expectTensor(OP, 'x', x, ['uint8', 'int8', 'int32'] as const);
  const options = readAttrs<DequantizeLinearAttributes>(OP, attrs);
  const threads = readThreads(OP, 'attrs.intraOpNumThreads', options.intraOpNumThreads);
  const layout = quantLayout(OP, input, 'x_scale', xScale, 'x_zero_point', xZeroPoint, input.type, options.axis);
  if (input.type === 'int32') {
    // ONNX: int32 inputs (bias-like accumulators) are symmetric.
    const nonZero = layout.zeroPoint.find((v) => v !== 0);
    if (nonZero !== undefined) throw rangeError(OP, `x_zero_point must be 0 for an int32 x, got ${nonZero}`);
  }

  const y = new Float32Array(input.size);
  if (input.size > 0) {
    const { scale, zeroPoint, outer, channels, inner } = layout;
    if (threads === undefined) binding.dequantizeLinear(input.data, scale, zeroPoint, outer, channels, inner, y);
    else binding.dequantizeLinear(input.data, scale, zeroPoint, outer, channels, inner, y, threads);
  }
  const half = xScale instanceof Tensor && xScale.type === 'float16';
  const out = half ? new Tensor('float16', float32ArrayToFloat16(y), input.dims) : new Tensor('float32', y, input.dims);
  return out as DequantizeOutput<S>;
}
