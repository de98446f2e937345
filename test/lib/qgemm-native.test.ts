/**
 * The native GEMM (binding.qgemm on packed weights) on every ISA, for every output kind — int32,
 * requantized uint8 / int8 (with and without a [qmin,qmax] clamp) and float32 — compared bit for bit
 * with the TypeScript reference and with the native scalar oracle binding.qgemmReference.
 */
import { describe, expect, it } from 'vitest';
import { binding, type NativeOutputKind, type NativeQGemmArgs } from '../../lib/binding.js';
import { expectBitExact } from '../helpers/assert.js';
import { describeEachIsa, memo } from '../helpers/isa.js';
import { Q_RANGE, Rng, edgeQ, randomQ, randomScale, randomScales, type EdgePattern, type QArray, type QType } from '../helpers/random.js';
import { dequantGemmRef, qgemmRef, requantizeRef } from '../helpers/reference.js';

interface GemmCase {
  name: string;
  M: number;
  N: number;
  K: number;
  aType: QType;
  bType: QType;
  a: QArray;
  b: QArray;
  aZeroPoint: Int32Array;
  bZeroPoint: Int32Array;
  aScale: number;
  bScale: Float32Array;
  seed: number;
}

const TYPES: QType[] = ['uint8', 'int8'];

function makeCase(seed: number, M: number, N: number, K: number, patterns?: [EdgePattern, EdgePattern], zeroPoints?: [number, number]): GemmCase {
  const rng = new Rng(seed);
  const aType = TYPES[seed % 2]!;
  const bType = TYPES[(seed >> 1) % 2]!;
  const a = patterns ? edgeQ(rng, aType, M * K, patterns[0]) : randomQ(rng, aType, M * K);
  const b = patterns ? edgeQ(rng, bType, K * N, patterns[1]) : randomQ(rng, bType, K * N);
  const [aLo, aHi] = Q_RANGE[aType];
  const [bLo, bHi] = Q_RANGE[bType];
  let aZeroPoint: Int32Array;
  let bZeroPoint: Int32Array;
  if (zeroPoints) {
    aZeroPoint = Int32Array.of(zeroPoints[0]);
    bZeroPoint = Int32Array.of(zeroPoints[1]);
  } else {
    // Cycle per tensor / per row (a) and per tensor / per column (b) through the seeds.
    aZeroPoint = (seed >> 2) % 2 === 0 ? Int32Array.of(rng.int(aLo, aHi)) : Int32Array.from({ length: M }, () => rng.int(aLo, aHi));
    bZeroPoint = (seed >> 3) % 2 === 0 ? Int32Array.of(rng.int(bLo, bHi)) : Int32Array.from({ length: N }, () => rng.int(bLo, bHi));
  }
  const bScale = (seed >> 4) % 2 === 0 ? Float32Array.of(randomScale(rng)) : randomScales(rng, N);
  const name = `M=${M} N=${N} K=${K} a=${aType}${patterns ? `:${patterns[0]}` : ''} b=${bType}${patterns ? `:${patterns[1]}` : ''}`;
  return { name, M, N, K, aType, bType, a, b, aZeroPoint, bZeroPoint, aScale: randomScale(rng), bScale, seed };
}

// ---- the case list (seeded: the same on every run and every ISA) ----
const cases: GemmCase[] = [];
let seed = 1;
// Degenerate dimensions.
for (const [M, N, K] of [[1, 1, 1], [1, 37, 64], [29, 1, 33], [17, 19, 1], [1, 1, 300], [1, 300, 7]] as const) cases.push(makeCase(seed++, M, N, K));
// Every K around the kernels' unroll widths (kr 4, 8, 16, 32, 64).
const kRng = new Rng(1234);
for (const K of [1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65]) cases.push(makeCase(seed++, kRng.int(1, 40), kRng.int(1, 90), K));
// Random shapes in 1..300 (mostly not multiples of 4/8/16/32), plus one large one.
const shapeRng = new Rng(98765);
for (let i = 0; i < 8; i++) cases.push(makeCase(seed++, shapeRng.int(1, 300), shapeRng.int(1, 300), shapeRng.int(1, 300)));
cases.push(makeCase(seed++, 33, 65, 17), makeCase(seed++, 8, 32, 128), makeCase(seed++, 300, 299, 300));
// Extremes with K = 300: 255·(-128)·2 overflows int16 (the AVX2 maddubs trap), zero points at the type ends.
const extremeRng = new Rng(4242);
const EXTREME_PAIRS: [EdgePattern, EdgePattern][] = [
  ['max', 'min'],
  ['max', 'max'],
  ['min', 'min'],
  ['min', 'max'],
  ['zeros', 'zeros'],
  ['alternating', 'extremes'],
  ['extremes', 'extremes'],
  ['checker', 'checker'],
];
for (let t = 0; t < 4; t++) {
  for (const pair of EXTREME_PAIRS) {
    const s = t | (extremeRng.int(0, 3) << 2) | (extremeRng.int(0, 1) << 4);
    const aType = TYPES[s % 2]!;
    const bType = TYPES[(s >> 1) % 2]!;
    const zps: [number, number] = [extremeRng.pick([Q_RANGE[aType][0], Q_RANGE[aType][1], 0]), extremeRng.pick([Q_RANGE[bType][0], Q_RANGE[bType][1], 0])];
    cases.push(makeCase(s + 32 * seed++, 7, 35, 300, pair, zps));
  }
}
// The exact trap named in the kernels' design: uint8 255 × int8 -128 with zero points 0 (seed 2 → a uint8, b int8).
cases.push(makeCase(2 + 32 * seed++, 4, 64, 300, ['max', 'min'], [0, 0]), makeCase(2 + 32 * seed++, 3, 50, 1000, ['max', 'min'], [0, 0]));

const refInt32 = memo<Int32Array>();
function reference(c: GemmCase): Int32Array {
  return refInt32(c.name + c.seed, () => qgemmRef(c));
}

/** Output parameters derived from the case (a yScale that keeps most outputs inside the type). */
function requantParams(c: GemmCase, type: QType) {
  const ref = reference(c);
  let maxAbs = 1;
  for (const v of ref) maxAbs = Math.max(maxAbs, Math.abs(v));
  const rng = new Rng(c.seed * 7 + (type === 'uint8' ? 1 : 2));
  const [lo, hi] = Q_RANGE[type];
  const yScale = Math.fround((c.aScale * c.bScale[0]! * maxAbs) / rng.int(40, 200));
  const yZeroPoint = rng.int(lo, hi);
  // uint8: full range; int8: a random sub-range like a fused activation would give.
  const [qmin, qmax] = type === 'uint8' ? [lo, hi] : [rng.int(lo, yZeroPoint), rng.int(yZeroPoint, hi)];
  return { yScale, yZeroPoint, qmin, qmax };
}

function outArray(kind: NativeOutputKind, n: number) {
  switch (kind) {
    case 'int32': return new Int32Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'int8': return new Int8Array(n);
    case 'float32': return new Float32Array(n);
  }
}

function nativeArgs(c: GemmCase, kind: NativeOutputKind): Omit<NativeQGemmArgs, 'b'> {
  const args: Omit<NativeQGemmArgs, 'b'> = { a: c.a, M: c.M, K: c.K, aZeroPoint: c.aZeroPoint, output: kind, out: outArray(kind, c.M * c.N) };
  if (kind !== 'int32') {
    args.aScale = Float32Array.of(c.aScale);
    args.bScale = c.bScale;
  }
  if (kind === 'uint8' || kind === 'int8') {
    const p = requantParams(c, kind);
    Object.assign(args, { yScale: Float32Array.of(p.yScale), yZeroPoint: p.yZeroPoint, qmin: p.qmin, qmax: p.qmax });
  }
  return args;
}

function expected(c: GemmCase, kind: NativeOutputKind) {
  const acc = reference(c);
  if (kind === 'int32') return acc;
  if (kind === 'float32') return dequantGemmRef(acc, c.M, c.N, c.aScale, c.bScale);
  const p = requantParams(c, kind);
  return requantizeRef(acc, c.M, c.N, { aScale: c.aScale, bScale: c.bScale, type: kind, ...p });
}

function params(c: GemmCase, kind: NativeOutputKind, args: Omit<NativeQGemmArgs, 'b'>) {
  return { case: c.name, kind, aZeroPoint: c.aZeroPoint, bZeroPoint: c.bZeroPoint, aScale: c.aScale, bScale: c.bScale, yScale: typeof args.yScale === 'number' ? args.yScale : args.yScale?.[0], yZeroPoint: args.yZeroPoint, qmin: args.qmin, qmax: args.qmax };
}

const KINDS: NativeOutputKind[] = ['int32', 'uint8', 'int8', 'float32'];

describe('qgemmReference (native scalar oracle) matches the TypeScript reference', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const kind of KINDS) {
      const args = nativeArgs(c, kind);
      binding.qgemmReference({ ...args, b: c.b, N: c.N, bZeroPoint: c.bZeroPoint });
      expectBitExact(args.out, expected(c, kind), [c.M, c.N], params(c, kind, args));
    }
  });
});

describeEachIsa('qgemm on packed weights', (isa) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const packed = binding.packWeights(c.b, c.K, c.N, c.bZeroPoint);
    try {
      expect(packed.isa).toBe(isa);
      expect([packed.K, packed.N]).toEqual([c.K, c.N]);
      for (const kind of KINDS) {
        const args = nativeArgs(c, kind);
        binding.qgemm({ ...args, b: packed });
        expectBitExact(args.out, expected(c, kind), [c.M, c.N], params(c, kind, args));
        // And against the native oracle directly (same arguments, raw b).
        const oracle = nativeArgs(c, kind);
        binding.qgemmReference({ ...oracle, b: c.b, N: c.N, bZeroPoint: c.bZeroPoint });
        expectBitExact(args.out, oracle.out, [c.M, c.N], params(c, kind, args));
      }
    } finally {
      packed.release();
    }
  });

  it('gives identical results with 1, 2 and 3 threads', () => {
    const c = makeCase(77, 150, 203, 97);
    const packed = binding.packWeights(c.b, c.K, c.N, c.bZeroPoint);
    try {
      for (const kind of KINDS) {
        const outs = [1, 2, 3].map((threads) => {
          const args = nativeArgs(c, kind);
          binding.qgemm({ ...args, b: packed, threads });
          return args.out;
        });
        expectBitExact(outs[0]!, expected(c, kind), [c.M, c.N], { kind, threads: 1 });
        expectBitExact(outs[1]!, outs[0]!, [c.M, c.N], { kind, threads: 2 });
        expectBitExact(outs[2]!, outs[0]!, [c.M, c.N], { kind, threads: 3 });
      }
    } finally {
      packed.release();
    }
  });

  it('adds an int32 bias before the output conversion', () => {
    const c = makeCase(91, 13, 45, 70);
    const rng = new Rng(5);
    const bias = Int32Array.from({ length: c.N }, () => rng.int(-100000, 100000));
    const packed = binding.packWeights(c.b, c.K, c.N, c.bZeroPoint);
    try {
      const args = nativeArgs(c, 'int32');
      binding.qgemm({ ...args, b: packed, bias });
      expectBitExact(args.out, qgemmRef({ ...c, bias }), [c.M, c.N], { bias: true });
    } finally {
      packed.release();
    }
  });
});
