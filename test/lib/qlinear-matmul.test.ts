/**
 * ops.qlinearMatMul on every ISA against the TypeScript reference: uint8 and int8 outputs,
 * uint8/int8 activations and weights, per-tensor and per-column b_scale / b_zero_point, fused
 * relu / relu6 / explicit clamps, float16 scales, batched shapes and PackedWeights.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, ops, type FusedActivation } from '../../lib/index.js';
import { float32ToFloat16Bits } from '../../lib/float16.js';
import { expectBitExact } from '../helpers/assert.js';
import { describeEachIsa } from '../helpers/isa.js';
import { Q_RANGE, Rng, edgeQ, randomQ, randomScale, randomScales, type QArray, type QType } from '../helpers/random.js';
import { activationBoundsRef, matmulIntegerRef, qlinearMatMulRef, roundHalfEven } from '../helpers/reference.js';

const TYPES: QType[] = ['uint8', 'int8'];

function size(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

function tensorQ(type: QType, data: QArray | number[], dims: readonly number[]): Tensor<'uint8' | 'int8'> {
  return type === 'uint8' ? new Tensor('uint8', Uint8Array.from(data), dims) : new Tensor('int8', Int8Array.from(data), dims);
}

interface QCase {
  label: string;
  aDims: number[];
  bDims: number[];
  a: Tensor<'uint8' | 'int8'>;
  b: Tensor<'uint8' | 'int8'>;
  za: number[];
  zb: number[];
  aScale: number;
  bScale: Float32Array;
  yScale: number;
  yZeroPoint: number;
  yType: QType;
}

function makeCase(seed: number, aDims: number[], bDims: number[], o: { aType: QType; bType: QType; yType: QType; perColumnScale: boolean; perColumnZp: boolean; patterns?: [Parameters<typeof edgeQ>[3], Parameters<typeof edgeQ>[3]] }): QCase {
  const rng = new Rng(seed);
  const aData = o.patterns ? edgeQ(rng, o.aType, size(aDims), o.patterns[0]) : randomQ(rng, o.aType, size(aDims));
  const bData = o.patterns ? edgeQ(rng, o.bType, size(bDims), o.patterns[1]) : randomQ(rng, o.bType, size(bDims));
  const a = tensorQ(o.aType, aData, aDims);
  const b = tensorQ(o.bType, bData, bDims);
  const N = bDims.length === 1 ? 1 : bDims[bDims.length - 1]!;
  const za = [rng.int(...Q_RANGE[o.aType])];
  const zb = Array.from({ length: o.perColumnZp ? N : 1 }, () => rng.int(...Q_RANGE[o.bType]));
  const aScale = randomScale(rng);
  const bScale = o.perColumnScale ? randomScales(rng, N) : Float32Array.of(randomScale(rng));
  // A y_scale that maps the typical accumulator onto ~100 steps, so rounding (not just saturation) is exercised.
  const acc = matmulIntegerRef(aDims, a.data, bDims, b.data, za, zb).data;
  let maxAbs = 1;
  for (const v of acc) maxAbs = Math.max(maxAbs, Math.abs(v));
  const yScale = Math.fround((aScale * bScale[0]! * maxAbs) / rng.int(30, 150));
  const yZeroPoint = rng.int(...Q_RANGE[o.yType]);
  const label = `a=${o.aType}[${aDims}] b=${o.bType}[${bDims}] y=${o.yType} bScale=${o.perColumnScale ? 'col' : 'tensor'} bZp=${o.perColumnZp ? 'col' : 'tensor'}`;
  return { label, aDims, bDims, a, b, za, zb, aScale, bScale, yScale, yZeroPoint, yType: o.yType };
}

function zpTensor(type: QType, values: number[], asVector: boolean): Tensor<'uint8' | 'int8'> {
  return tensorQ(type, values, asVector ? [values.length] : []);
}

function run(c: QCase, activation?: FusedActivation, extra: { threads?: number; packed?: boolean } = {}) {
  const aZp = zpTensor(c.a.type, c.za, false);
  const bZp = zpTensor(c.b.type, c.zb, c.zb.length > 1);
  const bScale = c.bScale.length > 1 ? new Tensor('float32', c.bScale, [c.bScale.length]) : new Tensor('float32', c.bScale, []);
  const yZp = tensorQ(c.yType, [c.yZeroPoint], []);
  const attrs = { activation, intraOpNumThreads: extra.threads };
  if (extra.packed) {
    const packed = ops.prepackWeights(c.b, bZp);
    try {
      return ops.qlinearMatMul(c.a, c.aScale, aZp, packed, bScale, undefined, c.yScale, yZp, attrs);
    } finally {
      packed.release();
    }
  }
  return ops.qlinearMatMul(c.a, new Tensor('float32', Float32Array.of(c.aScale), []), aZp, c.b, bScale, bZp, new Tensor('float32', Float32Array.of(c.yScale), [1]), yZp, attrs);
}

function check(c: QCase, got: Tensor, activation?: FusedActivation, extra: Record<string, unknown> = {}): void {
  const [qmin, qmax] = activationBoundsRef(activation, c.yScale, c.yZeroPoint, c.yType);
  const ref = qlinearMatMulRef(c.aDims, c.a.data, c.za, c.bDims, c.b.data, c.zb, { aScale: c.aScale, bScale: c.bScale, yScale: c.yScale, yZeroPoint: c.yZeroPoint, type: c.yType, qmin, qmax });
  expect(got.type).toBe(c.yType);
  expect(got.dims).toEqual(ref.dims);
  expectBitExact(got.data as QArray, ref.data, ref.dims, { case: c.label, za: c.za.join(','), zb: c.zb.join(','), aScale: c.aScale, bScale: c.bScale, yScale: c.yScale, yZeroPoint: c.yZeroPoint, activation: JSON.stringify(activation), qmin, qmax, ...extra });
}

// Shapes: small/degenerate, unroll-width K, random in 1..300.
const shapes: [number, number, number][] = [[1, 1, 1], [1, 50, 31], [40, 1, 64], [7, 9, 3]];
const shapeRng = new Rng(777);
for (const K of [4, 15, 17, 32, 33, 65]) shapes.push([shapeRng.int(1, 40), shapeRng.int(1, 80), K]);
for (let i = 0; i < 4; i++) shapes.push([shapeRng.int(1, 300), shapeRng.int(1, 300), shapeRng.int(1, 300)]);

const ACTIVATIONS: (FusedActivation | undefined)[] = [undefined, 'relu', 'relu6', { min: -1.5, max: 2.25 }];

describeEachIsa('ops.qlinearMatMul', () => {
  it.each(shapes.map((s, i) => [`M=${s[0]} N=${s[1]} K=${s[2]}`, s, i] as const))('%s: every type combination, per-tensor and per-column', (_n, [M, N, K], i) => {
    for (let t = 0; t < 8; t++) {
      const c = makeCase(100 * i + t, [M, K], [K, N], {
        aType: TYPES[t & 1]!,
        bType: TYPES[(t >> 1) & 1]!,
        yType: TYPES[(t >> 2) & 1]!,
        perColumnScale: (i + t) % 2 === 0,
        perColumnZp: (i + t) % 3 === 0,
      });
      check(c, run(c));
    }
  });

  it.each(ACTIVATIONS.map((act) => [JSON.stringify(act) ?? 'none', act] as const))('fused activation %s, uint8 and int8 outputs', (_n, activation) => {
    for (let t = 0; t < 8; t++) {
      const c = makeCase(9000 + t, [23, 70], [70, 41], { aType: TYPES[t & 1]!, bType: TYPES[(t >> 1) & 1]!, yType: TYPES[(t >> 2) & 1]!, perColumnScale: t % 2 === 0, perColumnZp: t % 3 === 0 });
      check(c, run(c, activation), activation);
    }
  });

  it('relu6 bounds: qmax = min(typeMax, rhe(6 / y_scale) + y_zero_point)', () => {
    // y_scale = 0.05 → 6 / 0.05 = 120 (in float32), so relu6 clamps at 120 + zp below the type max.
    const c = makeCase(31, [16, 40], [40, 24], { aType: 'uint8', bType: 'int8', yType: 'uint8', perColumnScale: false, perColumnZp: false });
    const tuned: QCase = { ...c, yScale: Math.fround(0.05), yZeroPoint: 10, aScale: 0.02, bScale: Float32Array.of(0.04) };
    const got = run(tuned, 'relu6');
    check(tuned, got, 'relu6');
    const [qmin, qmax] = activationBoundsRef('relu6', tuned.yScale, 10, 'uint8');
    expect(qmin).toBe(10);
    expect(qmax).toBe(roundHalfEven(Math.fround(6 / Math.fround(0.05))) + 10);
    expect(Math.max(...got.data)).toBeLessThanOrEqual(qmax);
    expect(Math.min(...got.data)).toBeGreaterThanOrEqual(qmin);
  });

  it('edge values with K = 300: saturating accumulators and outputs', () => {
    for (const [aType, bType, pa, pb] of [
      ['uint8', 'int8', 'max', 'min'],
      ['uint8', 'uint8', 'max', 'min'],
      ['int8', 'int8', 'min', 'min'],
      ['int8', 'uint8', 'extremes', 'extremes'],
    ] as const) {
      for (const yType of TYPES) {
        const c = makeCase(77, [6, 300], [300, 33], { aType, bType, yType, perColumnScale: true, perColumnZp: false, patterns: [pa, pb] });
        check(c, run(c), undefined, { pattern: `${pa}x${pb}` });
        // A y_scale far too small: everything saturates to the type ends.
        const saturated: QCase = { ...c, yScale: Math.fround(c.yScale / 1e4) };
        check(saturated, run(saturated), undefined, { pattern: `${pa}x${pb}`, saturated: true });
      }
    }
  });

  it('batched and broadcast shapes', () => {
    const layouts: [number[], number[]][] = [
      [[2, 3, 5, 19], [19, 21]],
      [[5, 33], [2, 33, 9]],
      [[2, 1, 4, 17], [1, 3, 17, 6]],
      [[37], [37, 11]],
      [[6, 37], [37]],
      [[2, 0, 7], [7, 3]],
      [[3, 0], [0, 4]],
    ];
    layouts.forEach(([aDims, bDims], i) => {
      const c = makeCase(300 + i, aDims, bDims, { aType: TYPES[i % 2]!, bType: TYPES[(i >> 1) % 2]!, yType: TYPES[(i >> 2) % 2]!, perColumnScale: true, perColumnZp: true });
      check(c, run(c), undefined, { layout: i });
      check(c, run(c, { min: 0, max: 1 }), { min: 0, max: 1 }, { layout: i });
    });
  });

  it('PackedWeights give the same result as the raw b', () => {
    const c = makeCase(401, [3, 11, 50], [50, 29], { aType: 'int8', bType: 'uint8', yType: 'int8', perColumnScale: true, perColumnZp: true });
    check(c, run(c, 'relu', { packed: true }), 'relu', { packed: true });
  });

  it('1, 2 and 3 threads give identical results', () => {
    const c = makeCase(501, [170, 64], [64, 150], { aType: 'uint8', bType: 'int8', yType: 'uint8', perColumnScale: true, perColumnZp: true });
    const r1 = run(c, undefined, { threads: 1 });
    check(c, r1, undefined, { threads: 1 });
    for (const threads of [2, 3]) expectBitExact(run(c, undefined, { threads }).data as QArray, r1.data as QArray, r1.dims, { threads });
  });

  it('float16 scales are widened exactly (same result as the equal float32 scales)', () => {
    const c = makeCase(601, [12, 40], [40, 16], { aType: 'uint8', bType: 'int8', yType: 'int8', perColumnScale: true, perColumnZp: false });
    // Round every scale to a float16 value first, so both forms hold the same number.
    const half = (v: number) => float32ToFloat16Bits(v);
    const toHalfValue = (v: number) => new Tensor('float16', Uint16Array.of(half(v)), []);
    const bHalf = Uint16Array.from(c.bScale, half);
    const h: QCase = {
      ...c,
      aScale: Math.fround(0.0078125 * 1.5),
      bScale: Float32Array.from(c.bScale, (v) => halfValue(half(v))),
      yScale: 1.25,
    };
    const got = ops.qlinearMatMul(h.a, toHalfValue(h.aScale), h.za[0]!, h.b, new Tensor('float16', bHalf, [16]), h.zb[0]!, toHalfValue(h.yScale), new Tensor('int8', Int8Array.of(h.yZeroPoint), []));
    check(h, got);
  });

  it('accepts plain numbers for scales and zero points (y_zero_point number means uint8 output)', () => {
    const c = makeCase(701, [9, 20], [20, 13], { aType: 'uint8', bType: 'uint8', yType: 'uint8', perColumnScale: false, perColumnZp: false });
    check(c, ops.qlinearMatMul(c.a, c.aScale, c.za[0]!, c.b, c.bScale[0]!, c.zb[0]!, c.yScale, c.yZeroPoint));
  });
});

function halfValue(bits: number): number {
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
}

describe('activation bounds', () => {
  it('explicit bounds are quantized with round half to even, then clamp the output', () => {
    const a = new Tensor('uint8', Uint8Array.of(1, 2, 3, 4), [2, 2]);
    const identity = new Tensor('uint8', Uint8Array.of(1, 0, 0, 1), [2, 2]);
    const y0 = new Tensor('int8', Int8Array.of(0), []);
    // Scales 1, zero points 0: y = a before the clamp.
    const clamp = (activation: FusedActivation) => Array.from(ops.qlinearMatMul(a, 1, 0, identity, 1, 0, 1, y0, { activation }).data);
    expect(clamp({ min: 1.5, max: 3.5 })).toEqual([2, 2, 3, 4]); // rhe(1.5) = 2, rhe(3.5) = 4
    expect(clamp({ min: 0.5, max: 2.5 })).toEqual([1, 2, 2, 2]); // rhe(0.5) = 0, rhe(2.5) = 2
    expect(clamp({ min: -Infinity, max: Infinity })).toEqual([1, 2, 3, 4]);
    expect(clamp('relu6')).toEqual([1, 2, 3, 4]);
  });

  it('relu clamps at the zero point', () => {
    const a = new Tensor('int8', Int8Array.of(-3, -1, 0, 2), [4, 1]);
    const b = new Tensor('int8', Int8Array.of(1), [1, 1]);
    const y = ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, new Tensor('int8', Int8Array.of(-2), []), { activation: 'relu' });
    expect(Array.from(y.data)).toEqual([-2, -2, -2, 0]); // a + zp(-2), then ≥ zp
  });
});
