// Calibration observers and the parameters made from their ranges, against direct computations.
import { describe, expect, it } from 'vitest';
import { HistogramObserver, MinMaxObserver } from '../../lib/quantize/observers.js';
import { qparamsFromRange, weightScales } from '../../lib/quantize/qparams.js';
import { Rng } from '../helpers/random.js';

describe('observers', () => {
  it('min/max over streamed batches equals the extremes of all values', () => {
    const rng = new Rng(1);
    const all: number[] = [];
    const o = new MinMaxObserver();
    for (let b = 0; b < 5; b++) {
      const batch = Float32Array.from({ length: 100 }, () => rng.next() * 10 - 3 + b);
      all.push(...batch);
      o.update(batch);
    }
    expect(o.range()).toEqual({ min: Math.min(...all), max: Math.max(...all) });
    expect(() => new MinMaxObserver().range()).toThrow(/no calibration values/);
    expect(() => o.update(Float32Array.of(1, Infinity))).toThrow(/Infinity/);
  });

  it('the histogram grows its range as values arrive and clips the tails by percentile', () => {
    const rng = new Rng(2);
    const h = new HistogramObserver();
    const values: number[] = [];
    // A narrow first batch, then wider ones: the range must double to hold them.
    for (const spread of [0.1, 1, 4]) {
      const batch = Float32Array.from({ length: 20000 }, () => (rng.next() - 0.5) * 2 * spread);
      values.push(...batch);
      h.update(batch);
    }
    values.push(50, -60);
    h.update(Float32Array.of(50, -60));  // two outliers
    expect(h.percentileRange(100)).toEqual({ min: -60, max: 50 });
    const sorted = [...values].sort((a, b) => a - b);
    const r = h.percentileRange(99.9);
    const lo = sorted[Math.floor(sorted.length * 0.0005)]!, hi = sorted[Math.ceil(sorted.length * 0.9995) - 1]!;
    // At bin resolution (the range is ~128 wide over 2048 bins): within two bins of the exact quantiles.
    const bin = (50 - -60) * 2 / 2048;
    expect(Math.abs(r.min - lo)).toBeLessThan(2 * bin + 0.1);
    expect(Math.abs(r.max - hi)).toBeLessThan(2 * bin + 0.1);
    expect(r.max).toBeLessThan(10);  // the outliers are clipped away
  });
});

describe('quantization parameters', () => {
  it('asymmetric uint8 includes zero and maps it exactly', () => {
    const q = qparamsFromRange({ min: -1, max: 3 }, 'uint8', false);
    expect(q.scale).toBe(Math.fround(4 / 255));
    expect(q.zeroPoint).toBe(64);  // round(1 / (4/255)) = round(63.75)
    const positive = qparamsFromRange({ min: 2, max: 6 }, 'uint8', false);
    expect(positive.zeroPoint).toBe(0);  // widened to [0, 6]
    expect(positive.scale).toBe(Math.fround(6 / 255));
  });

  it('symmetric int8 and uint8, and a constant tensor gets scale 1', () => {
    expect(qparamsFromRange({ min: -2, max: 1 }, 'int8', true)).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 0, type: 'int8' });
    expect(qparamsFromRange({ min: -2, max: 1 }, 'uint8', true).zeroPoint).toBe(128);
    expect(qparamsFromRange({ min: 0, max: 0 }, 'uint8', false)).toEqual({ scale: 1, zeroPoint: 0, type: 'uint8' });
    expect(() => qparamsFromRange({ min: -Infinity, max: 0 }, 'uint8', false)).toThrow(RangeError);
  });

  it('weight scales per channel along an axis and per tensor', () => {
    // [2, 3] with axis 0 (stride 3) and axis 1 (stride 1).
    const w = Float32Array.of(1, -4, 2, 0.5, 0, -0.25);
    expect(Array.from(weightScales(w, 2, 3, true))).toEqual([4 / 127, 0.5 / 127].map(Math.fround));
    expect(Array.from(weightScales(w, 3, 1, true))).toEqual([1 / 127, 4 / 127, 2 / 127].map(Math.fround));
    expect(Array.from(weightScales(w, 1, 6, false))).toEqual([Math.fround(4 / 127)]);
    expect(Array.from(weightScales(new Float32Array(4), 2, 2, true))).toEqual([1, 1]);
  });
});

describe('clipping thresholds', () => {
  it('entropy clips a long tail, MSE weighs it, and both keep a compact distribution whole', async () => {
    const { AbsHistogramObserver } = await import('../../lib/quantize/observers.js');
    const { entropyThreshold, mseThreshold } = await import('../../lib/quantize/clip-search.js');
    const rng = new Rng(4);
    // Laplace-like bulk within ~3 plus a few outliers out to 40.
    const tailed = new AbsHistogramObserver();
    tailed.update(Float32Array.from({ length: 50000 }, () => Math.log(rng.next() + 1e-9) * (rng.next() < 0.5 ? -0.5 : 0.5)));
    tailed.update(Float32Array.of(40, -35, 30));
    const h = tailed.histogram();
    // Entropy clips the 3 outliers; MSE weighs their squared clipping error (~1000 each) against the
    // bulk's rounding error, and keeps most of the range, but never more than the data.
    const entropy = entropyThreshold(h.counts, h.width);
    expect(entropy).toBeGreaterThan(1);
    expect(entropy).toBeLessThan(20);
    const mse = mseThreshold(h.counts, h.width);
    expect(mse).toBeGreaterThan(entropy);
    expect(mse).toBeLessThanOrEqual(40 * 1.01);
    // Uniform in [-1, 1]: nothing to clip.
    const flat = new AbsHistogramObserver();
    flat.update(Float32Array.from({ length: 50000 }, () => rng.next() * 2 - 1));
    const f = flat.histogram();
    expect(mseThreshold(f.counts, f.width)).toBeGreaterThan(0.95);
    expect(entropyThreshold(f.counts, f.width)).toBeGreaterThan(0.9);
  });

  it('entropy keeps the range of a sparse histogram whose mass sits at its top (an 8-bit image)', async () => {
    const { AbsHistogramObserver } = await import('../../lib/quantize/observers.js');
    const { entropyThreshold } = await import('../../lib/quantize/clip-search.js');
    // A rendered text line, normalised to [-1, 1]: mostly background at 1, padding at 0, a few gray
    // levels between — 128 distinct |x| over 2048 bins. Clipping it anywhere below 1 moves the
    // background, most of the mass.
    const rng = new Rng(9);
    const image = new AbsHistogramObserver();
    image.update(Float32Array.from({ length: 40000 }, () => {
      const r = rng.next();
      const gray = r < 0.5 ? 255 : r < 0.85 ? 127.5 : Math.floor(rng.next() * 256);
      return (gray / 255 - 0.5) / 0.5;
    }));
    const h = image.histogram();
    expect(entropyThreshold(h.counts, h.width)).toBeGreaterThan(0.95);
  });
});

describe('moving-average min/max', () => {
  it('follows each batch with the constant, starting from the first batch', async () => {
    const { MovingAverageObserver } = await import('../../lib/quantize/observers.js');
    const o = new MovingAverageObserver(0.5);
    o.update(Float32Array.of(-1, 2));
    o.update(Float32Array.of(-3, 4));
    o.update(Float32Array.of(0, 10));
    // min: -1 → -2 → -1; max: 2 → 3 → 6.5
    expect(o.range()).toEqual({ min: -1, max: 6.5 });
    expect(o.minMax.range()).toEqual({ min: -3, max: 10 });
    expect(() => new MovingAverageObserver(0.1).range()).toThrow(/no calibration values/);
  });
});
