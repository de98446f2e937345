/**
 * Reads the operands shared by matmulInteger and qlinearMatMul: a, b (tensor or PackedWeights) and
 * their zero points, against the numpy.matmul shape plan.
 * ONNX: a_zero_point is per tensor or per row (M values, only meaningful for a 2-D a);
 * b_zero_point is per tensor or per column (N values). Each has its tensor's type.
 */
import { describeValue, formatDims, rangeError, typeError } from '../errors.js';
import { Tensor, isTensorOf } from '../tensor.js';
import { expectTensor, readZeroPoint } from '../validate.js';
import type { GemmInputs } from './gemm.js';
import { planMatMul, type MatMulPlan } from './matmul-shapes.js';
import { PackedWeights } from './packed-weights.js';

export interface MatMulOperands {
  a: Tensor<'uint8' | 'int8'>;
  aZeroPoint: Int32Array;
  b: GemmInputs['b'];
  plan: MatMulPlan;
}

export function readMatMulOperands(op: string, aArg: unknown, aZeroPointArg: unknown, bArg: unknown, bZeroPointArg: unknown): MatMulOperands {
  const a = expectTensor(op, 'a', aArg, ['uint8', 'int8'] as const);
  let b: GemmInputs['b'];
  let plan: MatMulPlan;
  if (bArg instanceof PackedWeights) {
    if (bArg.released) throw new Error(`${op}: b is a PackedWeights that has been released`);
    plan = planMatMul(op, a.dims, [bArg.K, bArg.N], 'packed b');
    bArg.checkZeroPoint(op, bZeroPointArg);
    b = { packed: bArg };
  } else if (isTensorOf(bArg, ['uint8', 'int8'] as const)) {
    plan = planMatMul(op, a.dims, bArg.dims);
    const zeroPoint =
      bZeroPointArg === undefined || bZeroPointArg === null
        ? Int32Array.of(0)
        : readZeroPoint(op, 'b_zero_point', bZeroPointArg, bArg.type, 'b', { length: plan.N, what: 'N, per column' });
    b = { tensor: bArg, zeroPoint };
  } else {
    throw typeError(op, `b must be a uint8 or int8 Tensor or a PackedWeights, got ${describeValue(bArg)}`);
  }

  let aZeroPoint: Int32Array = Int32Array.of(0);
  if (aZeroPointArg !== undefined && aZeroPointArg !== null) {
    // Per-row zero points index rows of a 2-D a; for batched a the rows of different batches would be ambiguous.
    const perRow = a.dims.length === 2 ? { length: plan.M, what: 'M, per row of a 2-D a' } : undefined;
    if (!perRow && aZeroPointArg instanceof Tensor && aZeroPointArg.type === a.type && aZeroPointArg.size !== 1) {
      throw rangeError(op, `a_zero_point must be a scalar for a ${formatDims(a.dims)} (per-row zero points need a 2-D a), got dims ${formatDims(aZeroPointArg.dims)}`);
    }
    aZeroPoint = readZeroPoint(op, 'a_zero_point', aZeroPointArg, a.type, 'a', perRow);
  }
  return { a, aZeroPoint, b, plan };
}
