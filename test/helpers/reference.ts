/**
 * Plain scalar TypeScript references of every operator, written from the ONNX definitions with
 * bit-exact float32 semantics: Math.fround after every float32 operation (a double result of one
 * float32 op rounded once to float32 is the correctly rounded float32 result), Math.imul and |0 for
 * wrapping int32, and an explicit round-half-to-even.
 * The GEMM sums Σ (a - za)(b - zb) directly, term by term — not through row/column sums — so it
 * checks the native kernels' algebra independently.
 */
import type { QArray, QType } from './random.js';
import { Q_RANGE } from './random.js';

const fr = Math.fround;

/** Round half to even on a double (the values here are float32 results). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  const diff = x - floor; // exact for float32 inputs
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Element i of a 1-or-n parameter vector. */
function at(values: ArrayLike<number>, i: number): number {
  return values.length === 1 ? values[0]! : values[i]!;
}

export interface QGemmRefArgs {
  a: QArray; // M×K
  M: number;
  K: number;
  aZeroPoint: ArrayLike<number>; // 1 or M
  b: QArray; // K×N
  N: number;
  bZeroPoint: ArrayLike<number>; // 1 or N
  bias?: Int32Array; // N
}

/** C[m][n] = Σk (a[m][k] - za[m]) · (b[k][n] - zb[n]) (+ bias[n]), wrapping int32. */
export function qgemmRef({ a, M, K, aZeroPoint, b, N, bZeroPoint, bias }: QGemmRefArgs): Int32Array {
  // Centre both operands first (still the direct definition), b transposed so the k loop is contiguous.
  const ac = new Int32Array(M * K);
  for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) ac[m * K + k] = a[m * K + k]! - at(aZeroPoint, m);
  const bt = new Int32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) bt[n * K + k] = b[k * N + n]! - at(bZeroPoint, n);
  const out = new Int32Array(M * N);
  for (let m = 0; m < M; m++) {
    const ar = m * K;
    for (let n = 0; n < N; n++) {
      const br = n * K;
      let acc = bias ? bias[n]! : 0;
      for (let k = 0; k < K; k++) acc = (acc + Math.imul(ac[ar + k]!, bt[br + k]!)) | 0;
      out[m * N + n] = acc;
    }
  }
  return out;
}

/** 'float32' output kind: fround(float32(v) · fround(aScale · bScale[n])). */
export function dequantGemmRef(acc: Int32Array, M: number, N: number, aScale: number, bScale: ArrayLike<number>): Float32Array {
  const out = new Float32Array(M * N);
  for (let n = 0; n < N; n++) {
    const s = fr(fr(aScale) * fr(at(bScale, n)));
    for (let m = 0; m < M; m++) out[m * N + n] = fr(fr(acc[m * N + n]!) * s);
  }
  return out;
}

export interface RequantRefArgs {
  aScale: number;
  bScale: ArrayLike<number>; // 1 or N
  yScale: number;
  yZeroPoint: number;
  type: QType;
  qmin?: number;
  qmax?: number;
}

/**
 * 'uint8'/'int8' output kind: m = fround(fround(aScale·bScale[n]) / yScale); f = fround(float32(v)·m);
 * clamp to [qmin - zp, qmax - zp]; round half to even; + zp.
 */
export function requantizeRef(acc: Int32Array, M: number, N: number, p: RequantRefArgs): QArray {
  const [typeLo, typeHi] = Q_RANGE[p.type];
  const lo = (p.qmin ?? typeLo) - p.yZeroPoint;
  const hi = (p.qmax ?? typeHi) - p.yZeroPoint;
  const out = p.type === 'uint8' ? new Uint8Array(M * N) : new Int8Array(M * N);
  for (let n = 0; n < N; n++) {
    const mult = fr(fr(fr(p.aScale) * fr(at(p.bScale, n))) / fr(p.yScale));
    for (let m = 0; m < M; m++) {
      let f = fr(fr(acc[m * N + n]!) * mult);
      f = f > lo ? f : lo;
      f = f < hi ? f : hi;
      out[m * N + n] = roundHalfEven(f) + p.yZeroPoint;
    }
  }
  return out;
}

/** QuantizeLinear on the [outer, channels, inner] view: saturate(rhe(fround(x / scale)) + zp). */
export function quantizeLinearRef(
  x: Float32Array,
  scale: ArrayLike<number>,
  zeroPoint: ArrayLike<number>,
  outer: number,
  channels: number,
  inner: number,
  type: QType,
): QArray {
  const [typeLo, typeHi] = Q_RANGE[type];
  const out = type === 'uint8' ? new Uint8Array(x.length) : new Int8Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const s = fr(at(scale, c)); // scales are float32
      const zp = at(zeroPoint, c);
      const lo = typeLo - zp;
      const hi = typeHi - zp;
      for (let i = 0; i < inner; i++) {
        const index = (o * channels + c) * inner + i;
        let f = fr(x[index]! / s);
        f = f > lo ? f : lo; // NaN compares false and becomes lo
        f = f < hi ? f : hi;
        out[index] = roundHalfEven(f) + zp;
      }
    }
  }
  return out;
}

/** DequantizeLinear on the [outer, channels, inner] view: fround(float32(x - zp) · scale). */
export function dequantizeLinearRef(
  x: ArrayLike<number>,
  scale: ArrayLike<number>,
  zeroPoint: ArrayLike<number>,
  outer: number,
  channels: number,
  inner: number,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const s = fr(at(scale, c)); // scales are float32
      const zp = at(zeroPoint, c);
      for (let i = 0; i < inner; i++) {
        const index = (o * channels + c) * inner + i;
        out[index] = fr(fr((x[index]! - zp) | 0) * s);
      }
    }
  }
  return out;
}

/** DynamicQuantizeLinear (uint8), as onnxruntime computes it in float32. x must not contain NaN. */
export function dynamicQuantizeLinearRef(x: Float32Array): { y: Uint8Array; scale: number; zeroPoint: number } {
  let min = 0;
  let max = 0;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max === min ? 1 : fr(fr(max - min) / 255);
  let zp = fr(0 - fr(min / scale));
  zp = Math.min(Math.max(zp, 0), 255);
  const zeroPoint = roundHalfEven(zp);
  const y = quantizeLinearRef(x, [scale], [zeroPoint], 1, 1, x.length, 'uint8') as Uint8Array;
  return { y, scale, zeroPoint };
}

/** Fused activation → [qmin, qmax] (ONNX-style clamp of the real result, moved to the quantized domain). */
export function activationBoundsRef(
  activation: 'relu' | 'relu6' | { min: number; max: number } | undefined,
  yScale: number,
  yZeroPoint: number,
  type: QType,
): [number, number] {
  const [lo, hi] = Q_RANGE[type];
  const clampQ = (q: number) => Math.min(Math.max(q, lo), hi);
  if (activation === undefined) return [lo, hi];
  if (activation === 'relu') return [clampQ(yZeroPoint), hi];
  if (activation === 'relu6') return [clampQ(yZeroPoint), Math.min(hi, roundHalfEven(fr(6 / yScale)) + yZeroPoint)];
  const q = (v: number) => (v === Infinity ? hi : v === -Infinity ? lo : clampQ(roundHalfEven(fr(v / yScale)) + yZeroPoint));
  return [q(activation.min), q(activation.max)];
}

export interface MatMulRefResult {
  dims: number[];
  data: Int32Array;
}

/**
 * numpy.matmul over integer operands with ONNX MatMulInteger zero points (a: scalar or per row of a
 * 2-D a; b: scalar or per column). Broadcasting is written out here independently of lib/.
 */
export function matmulIntegerRef(
  aDims: readonly number[],
  a: QArray,
  bDims: readonly number[],
  b: QArray,
  aZeroPoint: ArrayLike<number>,
  bZeroPoint: ArrayLike<number>,
): MatMulRefResult {
  const A = aDims.length === 1 ? [1, aDims[0]!] : [...aDims];
  const B = bDims.length === 1 ? [bDims[0]!, 1] : [...bDims];
  const M = A[A.length - 2]!;
  const K = A[A.length - 1]!;
  const N = B[B.length - 1]!;
  if (B[B.length - 2] !== K) throw new Error(`matmulIntegerRef: K mismatch ${aDims} x ${bDims}`);
  const aBatch = A.slice(0, -2);
  const bBatch = B.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const padA = [...Array<number>(rank - aBatch.length).fill(1), ...aBatch];
  const padB = [...Array<number>(rank - bBatch.length).fill(1), ...bBatch];
  const outBatch = padA.map((d, i) => (d === 1 ? padB[i]! : d)); // a dim of 1 takes the other (even 0)
  const count = outBatch.reduce((p, d) => p * d, 1);
  const data = new Int32Array(count * M * N);
  const coordinate = new Array<number>(rank).fill(0);
  for (let batch = 0; batch < count; batch++) {
    // coordinate = multi-index of `batch`; each operand's batch offset uses coordinate 0 where its dim is 1.
    let rest = batch;
    for (let d = rank - 1; d >= 0; d--) {
      coordinate[d] = rest % outBatch[d]!;
      rest = Math.floor(rest / outBatch[d]!);
    }
    let aOffset = 0;
    let bOffset = 0;
    for (let d = 0; d < rank; d++) {
      aOffset = aOffset * padA[d]! + (padA[d] === 1 ? 0 : coordinate[d]!);
      bOffset = bOffset * padB[d]! + (padB[d] === 1 ? 0 : coordinate[d]!);
    }
    const c = qgemmRef({
      a: a.subarray(aOffset * M * K, (aOffset + 1) * M * K),
      M,
      K,
      aZeroPoint,
      b: b.subarray(bOffset * K * N, (bOffset + 1) * K * N),
      N,
      bZeroPoint,
    });
    data.set(c, batch * M * N);
  }
  const dims = [...outBatch];
  if (aDims.length > 1) dims.push(M);
  if (bDims.length > 1) dims.push(N);
  return { dims, data };
}

/** QLinearMatMul: matmulIntegerRef then requantization per column (bScale 1 or N values). */
export function qlinearMatMulRef(
  aDims: readonly number[],
  a: QArray,
  aZeroPoint: ArrayLike<number>,
  bDims: readonly number[],
  b: QArray,
  bZeroPoint: ArrayLike<number>,
  p: RequantRefArgs,
): { dims: number[]; data: QArray } {
  const { dims, data } = matmulIntegerRef(aDims, a, bDims, b, aZeroPoint, bZeroPoint);
  const N = bDims.length === 1 ? 1 : bDims[bDims.length - 1]!;
  const rows = N === 0 ? 0 : data.length / N;
  return { dims, data: requantizeRef(data, rows, N, p) };
}

/** Float16 bits nearest to a float32 value, found by search over all finite halves (independent of lib/float16.ts). */
const HALF_VALUES: number[] = (() => {
  const values: number[] = [];
  for (let h = 0; h <= 0x7bff; h++) {
    const e = h >> 10;
    const m = h & 0x3ff;
    values.push(e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
  }
  return values;
})();

export function float16BitsRef(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const v = Math.abs(fr(x));
  if (v >= 65520) return sign | 0x7c00; // 65504 + half an ulp (16) and up round to Infinity
  let lo = 0;
  let hi = HALF_VALUES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (HALF_VALUES[mid]! <= v) lo = mid;
    else hi = mid;
  }
  if (HALF_VALUES[hi]! <= v) lo = hi;
  if (lo === HALF_VALUES.length - 1) return sign | lo;
  const below = v - HALF_VALUES[lo]!;
  const above = HALF_VALUES[lo + 1]! - v;
  if (below < above) return sign | lo;
  if (above < below) return sign | (lo + 1);
  return sign | (lo % 2 === 0 ? lo : lo + 1);
}

export function float16ValueRef(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const magnitude = bits & 0x7fff;
  if (magnitude === 0x7c00) return sign * Infinity;
  if (magnitude > 0x7c00) return NaN;
  return sign * HALF_VALUES[magnitude]!;
}
