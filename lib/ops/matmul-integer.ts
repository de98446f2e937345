/**
 * ONNX MatMulInteger: y = (a - a_zero_point) · (b - b_zero_point) in int32 (wrapping), with
 * numpy.matmul broadcasting. b may be a PackedWeights prepared once by prepackWeights().
 */
import { Tensor } from '../tensor.js';
import { readAttrs, readOutputTensor, readThreads } from '../validate.js';
import { runGemm } from './gemm.js';
import { readMatMulOperands } from './matmul-operands.js';
import type { PackedWeights } from './packed-weights.js';

export interface MatMulIntegerAttributes {
  /** Threads for this call. Default: the runtime's (the machine's cores unless setNumThreads changed it). */
  intraOpNumThreads?: number;
  /** An int32 Tensor of the result's dims to write into instead of allocating one. Default: none. */
  out?: Tensor<'int32'>;
}

const OP = 'matmulInteger';

/**
 * @param a uint8/int8 [..., M, K] (or [K]).
 * @param b uint8/int8 [..., K, N] (or [K]), or PackedWeights [K, N].
 * @param aZeroPoint a's type: number, scalar, or M values (per row, 2-D a only); default 0.
 * @param bZeroPoint b's type: number, scalar, or N values (per column); default 0 (as packed, for PackedWeights).
 */
export function matmulInteger(
  a: Tensor<'uint8' | 'int8'>,
  b: Tensor<'uint8' | 'int8'> | PackedWeights,
  aZeroPoint?: Tensor<'uint8' | 'int8'> | number | null,
  bZeroPoint?: Tensor<'uint8' | 'int8'> | number | null,
  attrs?: MatMulIntegerAttributes,
): Tensor<'int32'> {
  const operands = readMatMulOperands(OP, a, aZeroPoint, b, bZeroPoint);
  const options = readAttrs<MatMulIntegerAttributes>(OP, attrs);
  const threads = readThreads(OP, 'attrs.intraOpNumThreads', options.intraOpNumThreads);
  const given = readOutputTensor(OP, options.out, 'int32', operands.plan.outDims);
  const out = runGemm({ op: OP, ...operands, output: { kind: 'int32' }, threads, out: given?.data });
  return given ?? new Tensor('int32', out, operands.plan.outDims);
}
