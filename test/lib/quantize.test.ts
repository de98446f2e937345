/**
 * quantizeLinear / dequantizeLinear / dynamicQuantizeLinear on every ISA against the reference:
 * lengths around every vector width (0..5000), per tensor and per axis (0, 1, last, negative),
 * exact .5 ties, huge values, ±Infinity, NaN, float16 inputs and scales, and thread counts.
 */
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../lib/float16.js';
import { Tensor, ops } from '../../lib/index.js';
import { expectBitExact } from '../helpers/assert.js';
import { describeEachIsa } from '../helpers/isa.js';
import { Q_RANGE, Rng, randomFloat32, randomQ, randomScale, type QArray, type QType } from '../helpers/random.js';
import { dequantizeLinearRef, dynamicQuantizeLinearRef, quantizeLinearRef } from '../helpers/reference.js';

const TYPES: QType[] = ['uint8', 'int8'];
const lengthRng = new Rng(5000);
const LENGTHS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 257, 1000, 1023, 4097, 4999, 5000, ...Array.from({ length: 6 }, () => lengthRng.int(0, 5000))];

function zpTensor(type: QType, values: number[], dims: number[]): Tensor<'uint8' | 'int8'> {
  return type === 'uint8' ? new Tensor('uint8', Uint8Array.from(values), dims) : new Tensor('int8', Int8Array.from(values), dims);
}

/** x spread a bit past the type's range once quantized, so saturation is hit too. */
function spreadX(rng: Rng, n: number, scale: number, zp: number, type: QType): Float32Array {
  const [lo, hi] = Q_RANGE[type];
  return randomFloat32(rng, n, (lo - zp - 20) * scale, (hi - zp + 20) * scale);
}

const SPECIALS = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-45, -1e-45, 1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38, Infinity, -Infinity, NaN, 127.5, 128.5, -128.5, 255.5, 254.5];

function quantizeCheck(x: Float32Array, scale: number, zp: number, type: QType, extra: Record<string, unknown> = {}): void {
  const y = ops.quantizeLinear(new Tensor('float32', x, [x.length]), scale, zpTensor(type, [zp], []));
  expect(y.type).toBe(type);
  expect(y.dims).toEqual([x.length]);
  expectBitExact(y.data as QArray, quantizeLinearRef(x, [scale], [zp], 1, 1, x.length, type), [x.length], { scale, zp, type, ...extra });
}

describeEachIsa('ops.quantizeLinear', () => {
  it.each(TYPES.map((t) => [t]))('per tensor, %s, every length 0..5000', (type) => {
    const rng = new Rng(type === 'uint8' ? 1 : 2);
    for (const n of LENGTHS) {
      const scale = randomScale(rng);
      const zp = rng.int(...Q_RANGE[type]);
      quantizeCheck(spreadX(rng, n, scale, zp, type), scale, zp, type, { n });
    }
  });

  it('exact .5 ties round to even (x = (k + 0.5) · scale, exactly representable)', () => {
    for (const type of TYPES) {
      for (const scale of [1, 0.25, 2 ** -7, 3, 0.75, 96]) {
        const ks = Array.from({ length: 600 }, (_, i) => i - 300);
        const x = Float32Array.from(ks, (k) => (k + 0.5) * scale);
        for (const zp of [0, type === 'uint8' ? 128 : -1, Q_RANGE[type][0], Q_RANGE[type][1]]) quantizeCheck(x, scale, zp, type, { ties: true });
      }
    }
    // And the plain expectation, independent of the reference: 0.5 → 0, 1.5 → 2, 2.5 → 2, -2.5 → -2.
    const y = ops.quantizeLinear(new Tensor('float32', Float32Array.of(0.5, 1.5, 2.5, -2.5, -0.5, -1.5), [6]), 1, new Tensor('int8', Int8Array.of(0), []));
    expect(Array.from(y.data)).toEqual([0, 2, 2, -2, 0, -2]);
  });

  it('huge values, ±Infinity and NaN (NaN → qmin) on every lane position', () => {
    for (const type of TYPES) {
      for (let n = 1; n <= 70; n += 23) {
        for (let s = 0; s < SPECIALS.length; s++) {
          const x = new Float32Array(n + 17).fill(1.25);
          x[(s * 7) % x.length] = SPECIALS[s]!;
          x[x.length - 1] = SPECIALS[(s + 3) % SPECIALS.length]!;
          quantizeCheck(x, 0.5, type === 'uint8' ? 7 : -3, type, { special: SPECIALS[s] });
        }
      }
      const all = Float32Array.from(SPECIALS);
      quantizeCheck(all, 1, 0, type);
      quantizeCheck(all, 1e-30, Q_RANGE[type][1], type);
      const nan = ops.quantizeLinear(new Tensor('float32', Float32Array.of(NaN, NaN), [2]), 1, zpTensor(type, [5], []));
      expect(Array.from(nan.data)).toEqual([Q_RANGE[type][0], Q_RANGE[type][0]]);
    }
  });

  it('per axis: axis 0, 1, last and negative, vector and scalar zero points', () => {
    const rng = new Rng(11);
    const layouts: [number[], number | undefined][] = [
      [[3, 4, 5], 0],
      [[3, 4, 5], 1],
      [[3, 4, 5], undefined], // default axis 1
      [[3, 4, 5], 2],
      [[3, 4, 5], -1],
      [[3, 4, 5], -3],
      [[2, 37], -1],
      [[2, 3, 5, 17], 2],
      [[17], 0],
      [[64, 33], 1],
    ];
    for (const type of TYPES) {
      for (const [dims, axis] of layouts) {
        const rank = dims.length;
        const a = axis === undefined ? 1 : axis < 0 ? axis + rank : axis;
        const channels = dims[a]!;
        const outer = dims.slice(0, a).reduce((p, d) => p * d, 1);
        const inner = dims.slice(a + 1).reduce((p, d) => p * d, 1);
        const n = outer * channels * inner;
        const scales = Float32Array.from({ length: channels }, () => randomScale(rng));
        const zps = Array.from({ length: channels }, () => rng.int(...Q_RANGE[type]));
        const x = randomFloat32(rng, n, -300 * scales[0]!, 300 * scales[0]!);
        const xt = new Tensor('float32', x, dims);
        const scaleTensor = new Tensor('float32', scales, [channels]);
        const attrs = axis === undefined ? undefined : { axis };
        const y = ops.quantizeLinear(xt, scaleTensor, zpTensor(type, zps, [channels]), attrs);
        expect(y.dims).toEqual(dims);
        expectBitExact(y.data as QArray, quantizeLinearRef(x, scales, zps, outer, channels, inner, type), dims, { axis, type, scales, zps });
        // Scalar zero point with a per-axis scale (broadcast over channels).
        const y2 = ops.quantizeLinear(xt, scaleTensor, zpTensor(type, [zps[0]!], []), attrs);
        expectBitExact(y2.data as QArray, quantizeLinearRef(x, scales, [zps[0]!], outer, channels, inner, type), dims, { axis, type, scalarZp: true });
      }
    }
  });

  it('defaults: uint8 output with zero point 0; accepts plain-number zero points (uint8)', () => {
    const x = Float32Array.of(-1, 0, 1, 2.5, 300);
    expect(Array.from(ops.quantizeLinear(new Tensor('float32', x, [5]), 1).data)).toEqual([0, 0, 1, 2, 255]);
    expect(Array.from(ops.quantizeLinear(new Tensor('float32', x, [5]), 1, 10).data)).toEqual([9, 10, 11, 12, 255]);
    expect(ops.quantizeLinear(new Tensor('float32', x, [5]), 1).type).toBe('uint8');
  });

  it('float16 input and float16 scale', () => {
    const rng = new Rng(12);
    const x16 = float32ArrayToFloat16(randomFloat32(rng, 1001, -40, 40));
    const x32 = float16ArrayToFloat32(x16);
    const scale16 = float32ArrayToFloat16(Float32Array.of(0.3));
    const scale = float16ArrayToFloat32(scale16)[0]!;
    for (const type of TYPES) {
      const y = ops.quantizeLinear(new Tensor('float16', x16, [7, 11, 13]), new Tensor('float16', scale16, []), zpTensor(type, [3], []));
      expectBitExact(y.data as QArray, quantizeLinearRef(x32, [scale], [3], 1, 1, x32.length, type), [7, 11, 13], { type, float16: true });
    }
  });

  it('1, 2 and 3 threads give identical results', () => {
    const rng = new Rng(13);
    const x = randomFloat32(rng, 200_003, -3, 3);
    const xt = new Tensor('float32', x, [x.length]);
    const ref = quantizeLinearRef(x, [0.02], [100], 1, 1, x.length, 'uint8');
    for (const intraOpNumThreads of [1, 2, 3]) {
      expectBitExact(ops.quantizeLinear(xt, 0.02, new Tensor('uint8', Uint8Array.of(100), []), { intraOpNumThreads }).data, ref, [x.length], { threads: intraOpNumThreads });
    }
  });
});

describeEachIsa('ops.dequantizeLinear', () => {
  it.each(['uint8', 'int8', 'int32'].map((t) => [t]))('per tensor, %s, every length 0..5000', (type) => {
    const rng = new Rng(type.length);
    for (const n of LENGTHS) {
      const scale = randomScale(rng);
      let x: Tensor<'uint8' | 'int8' | 'int32'>;
      let zp = 0;
      if (type === 'int32') {
        x = new Tensor('int32', Int32Array.from({ length: n }, () => rng.int(-2147483648, 2147483647)), [n]);
      } else {
        const data = randomQ(rng, type as QType, n);
        x = type === 'uint8' ? new Tensor('uint8', data as Uint8Array, [n]) : new Tensor('int8', data as Int8Array, [n]);
        zp = rng.int(...Q_RANGE[type as QType]);
      }
      const zpArg = type === 'int32' ? (n % 2 === 0 ? undefined : new Tensor('int32', Int32Array.of(0), [])) : zpTensor(type as QType, [zp], [1]);
      const y = ops.dequantizeLinear(x, scale, zpArg);
      expect(y.type).toBe('float32');
      expectBitExact(y.data as Float32Array, dequantizeLinearRef(x.data, [scale], [zp], 1, 1, n), [n], { type, scale, zp, n });
    }
  });

  it('int32 extremes: x - 0 is exact and float32(x) rounds to nearest even', () => {
    const x = Int32Array.of(2147483647, -2147483648, 16777217, 16777219, -16777217, 0, 1, -1);
    for (const scale of [1, 0.5, 3e-5]) {
      const y = ops.dequantizeLinear(new Tensor('int32', x, [x.length]), scale);
      expectBitExact(y.data as Float32Array, dequantizeLinearRef(x, [scale], [0], 1, 1, x.length), [x.length], { scale });
    }
  });

  it('per axis: axis 0, 1, last and negative', () => {
    const rng = new Rng(21);
    for (const type of TYPES) {
      for (const [dims, axis] of [[[5, 6, 7], 0], [[5, 6, 7], 1], [[5, 6, 7], -1], [[4, 3, 2, 9], -2], [[70], 0]] as [number[], number][]) {
        const a = axis < 0 ? axis + dims.length : axis;
        const channels = dims[a]!;
        const outer = dims.slice(0, a).reduce((p, d) => p * d, 1);
        const inner = dims.slice(a + 1).reduce((p, d) => p * d, 1);
        const data = randomQ(rng, type, outer * channels * inner);
        const x = type === 'uint8' ? new Tensor('uint8', data as Uint8Array, dims) : new Tensor('int8', data as Int8Array, dims);
        const scales = Float32Array.from({ length: channels }, () => randomScale(rng));
        const zps = Array.from({ length: channels }, () => rng.int(...Q_RANGE[type]));
        const y = ops.dequantizeLinear(x, new Tensor('float32', scales, [channels]), zpTensor(type, zps, [channels]), { axis });
        expect(y.dims).toEqual(dims);
        expectBitExact(y.data as Float32Array, dequantizeLinearRef(data, scales, zps, outer, channels, inner), dims, { type, axis });
      }
    }
  });

  it('float16 scale gives a float16 output (float32 result rounded to nearest even)', () => {
    const rng = new Rng(22);
    const data = randomQ(rng, 'int8', 999) as Int8Array;
    const scale16 = float32ArrayToFloat16(Float32Array.of(0.0123));
    const scale = float16ArrayToFloat32(scale16)[0]!;
    const y = ops.dequantizeLinear(new Tensor('int8', data, [999]), new Tensor('float16', scale16, []), new Tensor('int8', Int8Array.of(-7), []));
    expect(y.type).toBe('float16');
    const ref = float32ArrayToFloat16(dequantizeLinearRef(data, [scale], [-7], 1, 1, 999));
    expectBitExact(y.data as Uint16Array, ref, [999], { float16: true });
  });

  it('1, 2 and 3 threads give identical results', () => {
    const rng = new Rng(23);
    const data = randomQ(rng, 'uint8', 150_001) as Uint8Array;
    const ref = dequantizeLinearRef(data, [0.1], [9], 1, 1, data.length);
    for (const intraOpNumThreads of [1, 2, 3]) {
      const y = ops.dequantizeLinear(new Tensor('uint8', data, [data.length]), 0.1, 9, { intraOpNumThreads });
      expectBitExact(y.data as Float32Array, ref, [data.length], { threads: intraOpNumThreads });
    }
  });
});

function dynamicCheck(x: Float32Array, extra: Record<string, unknown> = {}): void {
  const [y, scale, zp] = ops.dynamicQuantizeLinear(new Tensor('float32', x, [x.length]));
  const ref = dynamicQuantizeLinearRef(x);
  expect(scale.type).toBe('float32');
  expect(scale.dims).toEqual([]);
  expect(zp.type).toBe('uint8');
  expect(zp.dims).toEqual([]);
  expect(y.type).toBe('uint8');
  expectBitExact(scale.data, Float32Array.of(ref.scale), [1], { what: 'y_scale', n: x.length, ...extra });
  expect(zp.data[0], `y_zero_point (n=${x.length})`).toBe(ref.zeroPoint);
  expectBitExact(y.data, ref.y, [x.length], { scale: ref.scale, zp: ref.zeroPoint, ...extra });
}

describeEachIsa('ops.dynamicQuantizeLinear', () => {
  it('random data of every length 0..5000, mixed signs, all positive, all negative', () => {
    const rng = new Rng(31);
    for (const n of LENGTHS) {
      dynamicCheck(randomFloat32(rng, n, -5, 7), { n, range: 'mixed' });
      dynamicCheck(randomFloat32(rng, n, 0.5, 3), { n, range: 'positive' });
      dynamicCheck(randomFloat32(rng, n, -100, -1), { n, range: 'negative' });
    }
  });

  it('extremes sit in every lane position (min/max reductions)', () => {
    for (const n of [1, 15, 16, 17, 64, 65, 1000]) {
      for (const pos of [0, Math.floor(n / 2), n - 1]) {
        const x = new Float32Array(n).fill(0.25);
        x[pos] = -9.5;
        x[(pos + 1) % n] = n > 1 ? 13.75 : x[(pos + 1) % n]!;
        dynamicCheck(x, { n, pos });
      }
    }
  });

  it('all-zero input: scale 1, zero point 0', () => {
    for (const n of [0, 1, 5, 64, 1000]) {
      dynamicCheck(new Float32Array(n), { n });
      const [, scale, zp] = ops.dynamicQuantizeLinear(new Tensor('float32', new Float32Array(n), [n]));
      expect([scale.data[0], zp.data[0]]).toEqual([1, 0]);
    }
  });

  it('huge finite values', () => {
    dynamicCheck(Float32Array.of(1e38, -1e38, 0, 5));
    dynamicCheck(Float32Array.of(3.4028234663852886e38, 1, 2));
    dynamicCheck(Float32Array.of(-3.4028234663852886e38, -1));
  });

  it('keeps the dims of x', () => {
    const [y] = ops.dynamicQuantizeLinear(new Tensor('float32', new Float32Array(24), [2, 3, 4]));
    expect(y.dims).toEqual([2, 3, 4]);
  });

  it('NaN anywhere is a RangeError', () => {
    for (const n of [1, 16, 17, 100]) {
      for (const pos of [0, n - 1]) {
        const x = new Float32Array(n).fill(1);
        x[pos] = NaN;
        expect(() => ops.dynamicQuantizeLinear(new Tensor('float32', x, [n]))).toThrow(RangeError);
        expect(() => binding.dynamicQuantizeLinear(x, new Uint8Array(n))).toThrow(RangeError);
      }
    }
  });

  it('±Infinity is a RangeError (no finite scale exists)', () => {
    expect(() => ops.dynamicQuantizeLinear(new Tensor('float32', Float32Array.of(1, Infinity), [2]))).toThrow(RangeError);
    expect(() => ops.dynamicQuantizeLinear(new Tensor('float32', Float32Array.of(-Infinity, 1), [2]))).toThrow(RangeError);
  });
});

describe('native element-wise kernels with per-channel parameters through the binding', () => {
  it('quantizeLinear/dequantizeLinear on the [outer, channels, inner] view', () => {
    const rng = new Rng(41);
    const [outer, channels, inner] = [3, 5, 7];
    const n = outer * channels * inner;
    const x = randomFloat32(rng, n, -50, 50);
    const scale = Float32Array.from({ length: channels }, () => randomScale(rng));
    const zp = Int32Array.from({ length: channels }, () => rng.int(-128, 127));
    const y = new Int8Array(n);
    binding.quantizeLinear(x, scale, zp, outer, channels, inner, y);
    expectBitExact(y, quantizeLinearRef(x, scale, zp, outer, channels, inner, 'int8'), [outer, channels, inner]);
    const back = new Float32Array(n);
    binding.dequantizeLinear(y, scale, zp, outer, channels, inner, back);
    expectBitExact(back, dequantizeLinearRef(y, scale, zp, outer, channels, inner), [outer, channels, inner]);
  });
});
