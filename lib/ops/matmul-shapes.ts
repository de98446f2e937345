/**
 * numpy.matmul shape rules shared by matmulInteger and qlinearMatMul: a 1-D a is a row [1,K] and b
 * a column [K,1] (the added dim is dropped from the result), batch dims broadcast right-aligned.
 * The plan says, for each output batch, which batch of a and of b feeds it.
 */
import { formatDims, rangeError } from '../errors.js';

export interface MatMulPlan {
  M: number;
  K: number;
  N: number;
  outDims: number[];
  /** Batches of a, of b, and of the output (products of their batch dims). */
  aBatches: number;
  bBatches: number;
  outBatches: number;
  /** For each output batch (row-major over the broadcast batch dims): the a batch and b batch it uses. */
  aBatchOf: Int32Array;
  bBatchOf: Int32Array;
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/** Row-major batch index of `dims` for an output batch index, with size-1 dims broadcast. */
function batchIndexMap(batchDims: readonly number[], outBatchDims: readonly number[], outBatches: number): Int32Array {
  const map = new Int32Array(outBatches);
  const offset = outBatchDims.length - batchDims.length;
  for (let i = 0; i < outBatches; i++) {
    let rest = i;
    let index = 0;
    let stride = 1;
    for (let d = outBatchDims.length - 1; d >= 0; d--) {
      const coordinate = rest % outBatchDims[d]!;
      rest = (rest - coordinate) / outBatchDims[d]!;
      const own = d - offset;
      if (own >= 0) {
        const size = batchDims[own]!;
        if (size !== 1) index += coordinate * stride;
        stride *= size;
      }
    }
    map[i] = index;
  }
  return map;
}

export function planMatMul(op: string, aDims: readonly number[], bDims: readonly number[], bName = 'b'): MatMulPlan {
  // Only formatted when a check fails: this runs on every matmul call.
  const shapes = (): string => `a ${formatDims(aDims)} and ${bName} ${formatDims(bDims)}`;
  if (aDims.length === 0 || bDims.length === 0) throw rangeError(op, `a and ${bName} must have rank ≥ 1, got ${shapes()}`);
  const a2 = aDims.length === 1 ? [1, aDims[0]!] : aDims;
  const b2 = bDims.length === 1 ? [bDims[0]!, 1] : bDims;
  const M = a2[a2.length - 2]!;
  const K = a2[a2.length - 1]!;
  const Kb = b2[b2.length - 2]!;
  const N = b2[b2.length - 1]!;
  if (K !== Kb) throw rangeError(op, `${shapes()} have different K (${K} vs ${Kb}): a's last dim must equal ${bName}'s second-to-last`);

  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const outBatch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[i - (rank - aBatch.length)] ?? 1;
    const db = bBatch[i - (rank - bBatch.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw rangeError(op, `batch dims of ${shapes()} do not broadcast (${da} vs ${db} at batch axis ${i})`);
    }
    outBatch.push(da === 1 ? db : da);
  }
  const outDims = [...outBatch];
  if (aDims.length > 1) outDims.push(M);
  if (bDims.length > 1) outDims.push(N);
  const outBatches = product(outBatch);
  return {
    M,
    K,
    N,
    outDims,
    aBatches: product(aBatch),
    bBatches: product(bBatch),
    outBatches,
    aBatchOf: batchIndexMap(aBatch, outBatch, outBatches),
    bBatchOf: batchIndexMap(bBatch, outBatch, outBatches),
  };
}
