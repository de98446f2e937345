/**
 * ops.matmulInteger on every ISA against the TypeScript reference: uint8/int8 activations and
 * weights, per-tensor / per-row / per-column zero points, numpy broadcasting over batch dims, 1-D
 * operands, PackedWeights, and thread counts.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, ops, type PackedWeights } from '../../lib/index.js';
import { expectBitExact } from '../helpers/assert.js';
import { describeEachIsa } from '../helpers/isa.js';
import { Q_RANGE, Rng, edgeQ, randomQ, type QArray, type QType } from '../helpers/random.js';
import { matmulIntegerRef } from '../helpers/reference.js';

const TYPES: QType[] = ['uint8', 'int8'];

interface Operands {
  a: Tensor<'uint8' | 'int8'>;
  b: Tensor<'uint8' | 'int8'>;
  aZeroPoint?: Tensor<'uint8' | 'int8'>;
  bZeroPoint?: Tensor<'uint8' | 'int8'>;
  za: number[];
  zb: number[];
}

function size(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

function tensorQ(type: QType, data: QArray, dims: readonly number[]): Tensor<'uint8' | 'int8'> {
  return type === 'uint8' ? new Tensor('uint8', data as Uint8Array, dims) : new Tensor('int8', data as Int8Array, dims);
}

/** Random operands; zero-point modes: none, scalar, vector (per row only for 2-D a). */
function operands(seed: number, aDims: number[], bDims: number[], opts: { aType?: QType; bType?: QType; perRow?: boolean; perColumn?: boolean; noZeroPoints?: boolean } = {}): Operands {
  const rng = new Rng(seed);
  const aType = opts.aType ?? rng.pick(TYPES);
  const bType = opts.bType ?? rng.pick(TYPES);
  const a = tensorQ(aType, randomQ(rng, aType, size(aDims)), aDims);
  const b = tensorQ(bType, randomQ(rng, bType, size(bDims)), bDims);
  if (opts.noZeroPoints) return { a, b, za: [0], zb: [0] };
  const M = aDims.length === 1 ? 1 : aDims[aDims.length - 2]!;
  const N = bDims.length === 1 ? 1 : bDims[bDims.length - 1]!;
  const za = Array.from({ length: opts.perRow ? M : 1 }, () => rng.int(...Q_RANGE[aType]));
  const zb = Array.from({ length: opts.perColumn ? N : 1 }, () => rng.int(...Q_RANGE[bType]));
  return {
    a,
    b,
    za,
    zb,
    aZeroPoint: opts.perRow ? tensorQ(aType, aType === 'uint8' ? Uint8Array.from(za) : Int8Array.from(za), [M]) : tensorQ(aType, aType === 'uint8' ? Uint8Array.of(za[0]!) : Int8Array.of(za[0]!), []),
    bZeroPoint: opts.perColumn ? tensorQ(bType, bType === 'uint8' ? Uint8Array.from(zb) : Int8Array.from(zb), [N]) : tensorQ(bType, bType === 'uint8' ? Uint8Array.of(zb[0]!) : Int8Array.of(zb[0]!), [1]),
  };
}

function check(o: Operands, got: Tensor<'int32'>, extra: Record<string, unknown> = {}): void {
  const ref = matmulIntegerRef(o.a.dims, o.a.data, o.b.dims, o.b.data, o.za, o.zb);
  expect(got.type).toBe('int32');
  expect(got.dims).toEqual(ref.dims);
  expectBitExact(got.data, ref.data, ref.dims, { a: `${o.a.type}[${o.a.dims}]`, b: `${o.b.type}[${o.b.dims}]`, za: o.za.join(','), zb: o.zb.join(','), ...extra });
}

// Seeded 2-D shapes: degenerate, K around unroll widths, random in 1..300.
const shapes: [number, number, number][] = [[1, 1, 1], [1, 64, 33], [45, 1, 17], [9, 13, 1]];
const shapeRng = new Rng(2024);
for (const K of [2, 3, 5, 16, 31, 64, 65]) shapes.push([shapeRng.int(1, 30), shapeRng.int(1, 70), K]);
for (let i = 0; i < 5; i++) shapes.push([shapeRng.int(1, 300), shapeRng.int(1, 300), shapeRng.int(1, 300)]);

const BATCHED: [string, number[], number[]][] = [
  ['[2,3,M,K] x [K,N] (folded into M)', [2, 3, 7, 19], [19, 21]],
  ['[M,K] x [2,K,N]', [5, 33], [2, 33, 9]],
  ['[2,1,M,K] x [1,3,K,N]', [2, 1, 4, 17], [1, 3, 17, 6]],
  ['[3,M,K] x [3,K,N]', [3, 6, 40], [3, 40, 35]],
  ['[2,3,M,K] x [1,1,K,N]', [2, 3, 3, 8], [1, 1, 8, 5]],
  ['[M,K] x [1,1,K,N] (extra leading ones)', [4, 9], [1, 1, 9, 3]],
  ['[4,1,M,K] x [2,K,N]', [4, 1, 2, 5], [2, 5, 3]],
  ['[K] x [K,N]', [37], [37, 11]],
  ['[M,K] x [K]', [6, 37], [37]],
  ['[K] x [K]', [70], [70]],
  ['[K] x [2,K,N]', [9], [2, 9, 4]],
  ['[2,M,K] x [K]', [2, 3, 9], [9]],
  ['[0,M,K] x [K,N] (empty batch)', [0, 3, 4], [4, 5]],
  ['[M,0] x [0,N] (K = 0)', [3, 0], [0, 4]],
  ['[0,K] x [K,N] (M = 0)', [0, 6], [6, 4]],
];

describeEachIsa('ops.matmulInteger', () => {
  it.each(shapes.map((s, i) => [`M=${s[0]} N=${s[1]} K=${s[2]}`, s, i] as const))('2-D %s, every type pair and zero-point mode', (_n, [M, N, K], i) => {
    for (let t = 0; t < 4; t++) {
      const o = operands(1000 * i + t, [M, K], [K, N], { aType: TYPES[t % 2], bType: TYPES[t >> 1], perRow: (i + t) % 2 === 1, perColumn: (i + t) % 3 === 1 });
      check(o, ops.matmulInteger(o.a, o.b, o.aZeroPoint, o.bZeroPoint));
    }
  });

  it('defaults both zero points to 0', () => {
    const o = operands(3, [17, 40], [40, 23], { noZeroPoints: true });
    check(o, ops.matmulInteger(o.a, o.b));
    check(o, ops.matmulInteger(o.a, o.b, null, null));
  });

  it('accepts plain-number zero points', () => {
    const o = operands(4, [12, 30], [30, 20], { aType: 'uint8', bType: 'int8' });
    check(o, ops.matmulInteger(o.a, o.b, o.za[0], o.zb[0]));
  });

  it.each(BATCHED.map(([name, a, b], i) => [name, a, b, i] as const))('broadcast %s', (_name, aDims, bDims, i) => {
    for (const perColumn of [false, true]) {
      const o = operands(500 + i, aDims, bDims, { perColumn });
      check(o, ops.matmulInteger(o.a, o.b, o.aZeroPoint, o.bZeroPoint), { perColumn });
    }
  });

  it('edge values: all 255 × all -128 with K = 300 (int16 saturation trap) and extreme zero points', () => {
    const rng = new Rng(9);
    for (const [aType, bType, pa, pb] of [
      ['uint8', 'int8', 'max', 'min'],
      ['uint8', 'uint8', 'max', 'min'],
      ['int8', 'int8', 'max', 'min'],
      ['int8', 'uint8', 'min', 'max'],
      ['uint8', 'int8', 'extremes', 'extremes'],
      ['int8', 'int8', 'zeros', 'zeros'],
    ] as const) {
      for (const [za, zb] of [[0, 0], [Q_RANGE[aType][0], Q_RANGE[bType][1]], [Q_RANGE[aType][1], Q_RANGE[bType][0]]] as const) {
        const a = tensorQ(aType, edgeQ(rng, aType, 5 * 300, pa), [5, 300]);
        const b = tensorQ(bType, edgeQ(rng, bType, 300 * 40, pb), [300, 40]);
        const o: Operands = { a, b, za: [za], zb: [zb] };
        check(o, ops.matmulInteger(a, b, za, zb), { pattern: `${pa}x${pb}` });
      }
    }
  });

  it('PackedWeights as b: same result as the raw b, batched a folds over it, weights reusable', () => {
    const o = operands(61, [2, 3, 10, 48], [48, 37], { perColumn: true });
    const packed: PackedWeights = ops.prepackWeights(o.b as Tensor<'uint8'>, o.bZeroPoint as Tensor<'uint8'>);
    try {
      check(o, ops.matmulInteger(o.a, packed, o.aZeroPoint));
      check(o, ops.matmulInteger(o.a, packed, o.aZeroPoint, o.bZeroPoint));
      const a2 = tensorQ(o.a.type, randomQ(new Rng(62), o.a.type, 48), [48]);
      check({ ...o, a: a2 }, ops.matmulInteger(a2, packed, o.aZeroPoint));
    } finally {
      packed.release();
    }
  });

  it('1, 2 and 3 threads give identical results', () => {
    const o = operands(71, [160, 90], [90, 140], { perRow: true, perColumn: true });
    const r1 = ops.matmulInteger(o.a, o.b, o.aZeroPoint, o.bZeroPoint, { intraOpNumThreads: 1 });
    check(o, r1, { threads: 1 });
    for (const intraOpNumThreads of [2, 3]) {
      const r = ops.matmulInteger(o.a, o.b, o.aZeroPoint, o.bZeroPoint, { intraOpNumThreads });
      expectBitExact(r.data, r1.data, r1.dims, { threads: intraOpNumThreads });
    }
  });

  it('reads inputs through subarray views (tensor data that is a window of a larger buffer)', () => {
    const rng = new Rng(81);
    const big = randomQ(rng, 'uint8', 1000) as Uint8Array;
    const a = new Tensor('uint8', big.subarray(100, 100 + 6 * 20), [6, 20]);
    const bBig = randomQ(rng, 'int8', 1000) as Int8Array;
    const b = new Tensor('int8', bBig.subarray(333, 333 + 20 * 7), [20, 7]);
    check({ a, b, za: [3], zb: [-2] }, ops.matmulInteger(a, b, 3, -2));
  });
});

describe('ops.matmulInteger output shapes', () => {
  it('drops the dims added for 1-D operands', () => {
    const a = new Tensor('uint8', new Uint8Array(4), [4]);
    const b = new Tensor('int8', new Int8Array(4 * 3), [4, 3]);
    expect(ops.matmulInteger(a, b).dims).toEqual([3]);
    expect(ops.matmulInteger(new Tensor('uint8', new Uint8Array(8), [2, 4]), new Tensor('int8', new Int8Array(4), [4])).dims).toEqual([2]);
    expect(ops.matmulInteger(a, new Tensor('int8', new Int8Array(4), [4])).dims).toEqual([]);
  });
});
