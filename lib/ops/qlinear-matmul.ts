/**
 * ONNX QLinearMatMul: y = saturate(round_half_even((a - a_zp)·(b - b_zp) · a_scale·b_scale / y_scale) + y_zp),
 * with an optional fused activation (a clamp in the quantized domain, so ReLU costs nothing extra).
 * The requantization is native; here the scales are validated and the activation bounds derived.
 */
import { describeValue, rangeError, typeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { QUANTIZED_RANGE, readAttrs, readOutputTensor, readScalarScale, readScaleVector, readThreads, readZeroPoint, zeroPointOutputType, type QuantizedType } from '../validate.js';
import { runGemm } from './gemm.js';
import { readMatMulOperands } from './matmul-operands.js';
import type { PackedWeights } from './packed-weights.js';

/** Fused clamp applied to the real-valued result: relu = [0, ∞), relu6 = [0, 6], or explicit bounds. */
export type FusedActivation = 'relu' | 'relu6' | { min: number; max: number };

export interface QLinearMatMulAttributes {
  /** Threads for this call. Default: the runtime's (the machine's cores unless setNumThreads changed it). */
  intraOpNumThreads?: number;
  /** A Tensor of the output type and the result's dims to write into instead of allocating one. Default: none. */
  out?: Tensor<QuantizedType>;
  activation?: FusedActivation;
}

const OP = 'qlinearMatMul';

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Real value v maps to round_half_even(v / y_scale) + y_zp, clamped to the type (computed in float32). */
function quantizeBound(value: number, yScale: number, yZeroPoint: number, type: QuantizedType): number {
  const [lo, hi] = QUANTIZED_RANGE[type];
  if (value === Infinity) return hi;
  if (value === -Infinity) return lo;
  const q = roundHalfEven(Math.fround(value / yScale)) + yZeroPoint;
  return Math.min(Math.max(q, lo), hi);
}

/** [qmin, qmax] in the output's quantized domain for a fused activation. */
export function activationBounds(activation: unknown, yScale: number, yZeroPoint: number, type: QuantizedType): [number, number] {
  const [lo, hi] = QUANTIZED_RANGE[type];
  if (activation === undefined || activation === null) return [lo, hi];
  if (activation === 'relu') return [Math.max(lo, yZeroPoint), hi];
  if (activation === 'relu6') return [Math.max(lo, yZeroPoint), Math.min(hi, roundHalfEven(Math.fround(6 / yScale)) + yZeroPoint)];
  if (typeof activation === 'object' && !Array.isArray(activation)) {
    const { min, max } = activation as { min?: unknown; max?: unknown };
    if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) {
      throw typeError(OP, `attrs.activation bounds must be numbers (±Infinity allowed), got { min: ${describeValue(min)}, max: ${describeValue(max)} }`);
    }
    if (min > max) throw rangeError(OP, `attrs.activation needs min ≤ max, got { min: ${min}, max: ${max} }`);
    return [quantizeBound(min, yScale, yZeroPoint, type), quantizeBound(max, yScale, yZeroPoint, type)];
  }
  throw typeError(OP, `attrs.activation must be 'relu', 'relu6' or { min, max }, got ${describeValue(activation)}`);
}

/**
 * @param a uint8/int8 [..., M, K] (or [K]); aScale scalar; aZeroPoint a's type, scalar or M values (2-D a).
 * @param b uint8/int8 [..., K, N] (or [K]) or PackedWeights; bScale scalar or N values (per column);
 *          bZeroPoint b's type, scalar or N values (may be omitted for PackedWeights: as packed).
 * @param yScale scalar; yZeroPoint uint8/int8 scalar tensor (its type is the output's) or a number (uint8).
 */
export function qlinearMatMul<Y extends QuantizedType = 'uint8'>(
  a: Tensor<'uint8' | 'int8'>,
  aScale: number | Tensor<'float32' | 'float16'>,
  aZeroPoint: Tensor<'uint8' | 'int8'> | number | null | undefined,
  b: Tensor<'uint8' | 'int8'> | PackedWeights,
  bScale: number | Tensor<'float32' | 'float16'>,
  bZeroPoint: Tensor<'uint8' | 'int8'> | number | null | undefined,
  yScale: number | Tensor<'float32' | 'float16'>,
  yZeroPoint: Tensor<Y> | number,
  attrs?: QLinearMatMulAttributes,
): Tensor<Y> {
  const operands = readMatMulOperands(OP, a, aZeroPoint, b, bZeroPoint);
  const aScaleValue = readScalarScale(OP, 'a_scale', aScale);
  const { values: bScaleValues } = readScaleVector(OP, 'b_scale', bScale, operands.plan.N, 'N, per column');
  const yScaleValue = readScalarScale(OP, 'y_scale', yScale);
  if (yZeroPoint === undefined || yZeroPoint === null) throw typeError(OP, `y_zero_point must be a uint8 or int8 scalar Tensor or a number, got ${describeValue(yZeroPoint)}`);
  const outType = zeroPointOutputType(OP, 'y_zero_point', yZeroPoint) as Y;
  const yZeroPointValue = readZeroPoint(OP, 'y_zero_point', yZeroPoint, outType, 'y')[0]!;
  const options = readAttrs<QLinearMatMulAttributes>(OP, attrs);
  const threads = readThreads(OP, 'attrs.intraOpNumThreads', options.intraOpNumThreads);
  const [qmin, qmax] = activationBounds(options.activation, yScaleValue, yZeroPointValue, outType);

  const given = readOutputTensor(OP, options.out, outType, operands.plan.outDims);
  const out = runGemm({
    op: OP,
    ...operands,
    output: { kind: outType, aScale: aScaleValue, bScale: bScaleValues, yScale: yScaleValue, yZeroPoint: yZeroPointValue, qmin, qmax },
    threads,
    out: given?.data,
  });
  return (given as Tensor<Y> | undefined) ?? new Tensor(outType, out as unknown as Tensor<Y>['data'], operands.plan.outDims);
}
