/**
 * Shared by quantizeLinear and dequantizeLinear: decides per-tensor vs per-axis from the scale's
 * shape (ONNX: a scalar scale is per tensor, a 1-D scale is per axis) and describes the input as the
 * [outer, channels, inner] view the native element-wise kernels take.
 */
import { describeValue, formatDims, rangeError, typeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { isScalarLike, normalizeAxis, readScaleVector, readZeroPoint, type QuantizedType } from '../validate.js';

export interface QuantLayout {
  scale: Float32Array; // 1 value, or `channels` values
  zeroPoint: Int32Array; // 1 value, or `channels` values
  outer: number;
  channels: number;
  inner: number;
}

export function quantLayout(
  op: string,
  x: Tensor,
  scaleName: string,
  scaleArg: unknown,
  zeroPointName: string,
  zeroPointArg: unknown,
  zeroPointType: QuantizedType | 'int32',
  axisArg: unknown,
): QuantLayout {
  const perAxis = scaleArg instanceof Tensor && !isScalarLike(scaleArg);
  if (!perAxis) {
    // ONNX ignores axis for per-tensor parameters (any value is allowed); still refuse a non-integer so typos surface.
    if (axisArg !== undefined && !Number.isInteger(axisArg)) throw typeError(op, `attrs.axis must be an integer, got ${describeValue(axisArg)}`);
    const { values } = readScaleVector(op, scaleName, scaleArg, 1, 'per tensor');
    // A vector zero point with a scalar scale is refused here (ONNX: same shape as the scale).
    const zeroPoint = zeroPointArg === undefined || zeroPointArg === null ? Int32Array.of(0) : readZeroPoint(op, zeroPointName, zeroPointArg, zeroPointType, 'x');
    return { scale: values, zeroPoint, outer: 1, channels: 1, inner: x.size };
  }

  if (x.dims.length === 0) throw rangeError(op, `${scaleName} is 1-D (per axis) but x is a scalar; per-axis quantization needs x of rank ≥ 1`);
  const axis = normalizeAxis(op, 'attrs.axis', axisArg ?? 1, x.dims.length);
  const channels = x.dims[axis]!;
  const what = `x.dims[${axis}] of x ${formatDims(x.dims)}`;
  const { values } = readScaleVector(op, scaleName, scaleArg, channels, what);
  let zeroPoint =
    zeroPointArg === undefined || zeroPointArg === null
      ? Int32Array.of(0)
      : readZeroPoint(op, zeroPointName, zeroPointArg, zeroPointType, 'x', { length: channels, what });
  // The native kernels take exactly one zero point per channel when the scale is per channel.
  if (zeroPoint.length !== channels) zeroPoint = new Int32Array(channels).fill(zeroPoint[0]!);
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= x.dims[i]!;
  let inner = 1;
  for (let i = axis + 1; i < x.dims.length; i++) inner *= x.dims[i]!;
  return { scale: values, zeroPoint, outer, channels, inner };
}
