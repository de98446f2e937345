/**
 * Weights packed once for the current ISA's GEMM micro-kernel, reused across matmulInteger /
 * qlinearMatMul calls (the packing pass and the per-column sums are then paid once, not per call).
 * The packed layout is ISA-specific: using it after runtime ISA changes throws natively.
 */
import { binding, type IsaName, type NativePackedWeights } from '../binding.js';
import { formatDims, rangeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { expectTensor, readZeroPoint, type QuantizedType } from '../validate.js';

const OP = 'prepackWeights';

export class PackedWeights {
  /** Rows (reduction dim) and columns of the original b. */
  readonly K: number;
  readonly N: number;
  /** Element type of the original b. */
  readonly type: QuantizedType;
  #native: NativePackedWeights | undefined;
  readonly #isa: IsaName;
  readonly #byteLength: number;
  /** 1 or N zero points b was packed with; a later b_zero_point argument must match them. */
  readonly #zeroPoint: Int32Array;

  /** @internal use prepackWeights(). */
  constructor(native: NativePackedWeights, type: QuantizedType, zeroPoint: Int32Array) {
    this.#native = native;
    this.K = native.K;
    this.N = native.N;
    this.type = type;
    this.#isa = native.isa;
    this.#byteLength = native.byteLength;
    this.#zeroPoint = zeroPoint;
  }

  /** ISA whose micro-kernel layout these weights are packed for. */
  get isa(): IsaName {
    return this.#isa;
  }

  /** Bytes of packed memory held (0 once released). */
  get byteLength(): number {
    return this.#native ? this.#byteLength : 0;
  }

  get released(): boolean {
    return this.#native === undefined;
  }

  /** Frees the packed memory now rather than at garbage collection; idempotent. */
  release(): void {
    const native = this.#native;
    this.#native = undefined;
    native?.release();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal the native handle; throws once released. */
  nativeHandle(op: string): NativePackedWeights {
    if (!this.#native) throw new Error(`${op}: b is a PackedWeights that has been released`);
    return this.#native;
  }

  /** @internal b's zero point, expanded to N values. */
  zeroPointAt(n: number): number {
    return this.#zeroPoint.length === 1 ? this.#zeroPoint[0]! : this.#zeroPoint[n]!;
  }

  /** @internal checks an explicit b_zero_point against the packed one (absent means "as packed"). */
  checkZeroPoint(op: string, value: unknown): void {
    if (value === undefined || value === null) return;
    const given = readZeroPoint(op, 'b_zero_point', value, this.type, 'the packed b', { length: this.N, what: 'N, per column' });
    for (let n = 0; n < this.N; n++) {
      const g = given.length === 1 ? given[0]! : given[n]!;
      if (g !== this.zeroPointAt(n)) {
        throw rangeError(op, `b_zero_point${given.length === 1 ? '' : `[${n}]`} is ${g} but b was packed with zero point ${this.zeroPointAt(n)}${this.#zeroPoint.length === 1 ? '' : ` at column ${n}`}`);
      }
    }
  }
}

/**
 * Packs a 2-D uint8/int8 b [K,N] for the current ISA.
 * @param bZeroPoint number, scalar tensor or 1-D tensor of N values, of b's type; default 0.
 */
export function prepackWeights(b: Tensor<'uint8' | 'int8'>, bZeroPoint?: Tensor<'uint8' | 'int8'> | number | null): PackedWeights {
  const weights = expectTensor(OP, 'b', b, ['uint8', 'int8'] as const);
  if (weights.dims.length !== 2) throw rangeError(OP, `b must be 2-D [K,N], got dims ${formatDims(weights.dims)}`);
  const [K, N] = weights.dims as [number, number];
  if (K < 1 || N < 1) throw rangeError(OP, `b must have K ≥ 1 and N ≥ 1, got dims ${formatDims(weights.dims)}`);
  const zeroPoint =
    bZeroPoint === undefined || bZeroPoint === null
      ? Int32Array.of(0)
      : readZeroPoint(OP, 'b_zero_point', bZeroPoint, weights.type, 'b', { length: N, what: 'N, per column' });
  return new PackedWeights(binding.packWeights(weights.data, K, N, zeroPoint), weights.type, zeroPoint);
}
