// quantizeStatic on the shared Fashion-MNIST classifier: calibrated on training images, the int8 model
// keeps top-1 accuracy on the 10,000 test images within 0.5 points of float with each method, runs
// int8 end to end in octet, and loads in onnxruntime-node with the same answers. Then its bad input.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, quantizeStatic, Tensor } from '../../lib/index.js';
import { fashionBatch, fashionMnistPresent, loadFashionMnist } from '../helpers/fashion-mnist.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'fashion-mnist', 'fashion_cnn.onnx');

function argmax(l: ArrayLike<number>, row: number): number {
  let best = 0;
  for (let c = 1; c < 10; c++) if (l[row * 10 + c]! > l[row * 10 + best]!) best = c;
  return best;
}

describe.skipIf(!fashionMnistPresent)('quantizeStatic on Fashion-MNIST', () => {
  const train = fashionMnistPresent ? loadFashionMnist('train') : null;
  const test = fashionMnistPresent ? loadFashionMnist('t10k') : null;
  // 256 training images; entropy compares whole distributions and needs fuller histograms: 1,024.
  const calibration = (batches = 8) => Array.from({ length: batches }, (_, b) => ({ input: new Tensor('float32', fashionBatch(train!, b * 32, 32), [32, 1, 28, 28]) }));

  for (const method of ['minmax', 'percentile', 'entropy', 'mse'] as const) {
    it(`${method}: int8 top-1 within 0.5 points of float, all int8 in octet, same answers in onnxruntime`, async () => {
      const progress: number[] = [];
      const batches = method === 'entropy' ? 32 : 8;
      const q = await quantizeStatic(MODEL, { calibrationData: calibration(batches), method, onProgress: (n) => progress.push(n) });
      expect(progress).toEqual(Array.from({ length: batches }, (_, i) => i + 1));
      expect(q.report.calibrationBatches).toBe(batches);
      expect(q.report.bytesAfter).toBeLessThan(q.report.bytesBefore / 3);
      const float = await InferenceSession.create(MODEL);
      const int8 = await q.createSession();
      const reference = await ort.InferenceSession.create(q.toBytes());
      try {
        const kinds = int8.describe({ input: [100, 1, 28, 28] });
        expect(kinds.filter((d) => d.kernel === 'fallback' || d.kernel === 'float').map((d) => d.opType)).toEqual([]);
        expect(kinds.filter((d) => d.opType === 'QLinearConv')).toHaveLength(4);
        let rightFloat = 0, rightInt8 = 0, agree = 0;
        for (let first = 0; first < test!.count; first += 100) {
          const x = fashionBatch(test!, first, 100);
          const lf = (await float.run({ input: new Tensor('float32', x, [100, 1, 28, 28]) })).logits!.data as Float32Array;
          const lq = (await int8.run({ input: new Tensor('float32', x, [100, 1, 28, 28]) })).logits!.data as Float32Array;
          const lo = (await reference.run({ input: new ort.Tensor('float32', x, [100, 1, 28, 28]) })).logits!.data as Float32Array;
          for (let r = 0; r < 100; r++) {
            const label = test!.labels[first + r];
            if (argmax(lf, r) === label) rightFloat++;
            if (argmax(lq, r) === label) rightInt8++;
            if (argmax(lq, r) === argmax(lo, r)) agree++;
          }
        }
        const n = test!.count;
        console.log(`${method}: float ${((100 * rightFloat) / n).toFixed(2)}%, int8 ${((100 * rightInt8) / n).toFixed(2)}%, octet and onnxruntime agree on ${((100 * agree) / n).toFixed(2)}%`);
        expect(Math.abs(rightFloat - rightInt8) / n).toBeLessThanOrEqual(0.005);
        expect(agree / n).toBeGreaterThanOrEqual(0.995);
      } finally {
        await float.release();
        await int8.release();
        await reference.release();
      }
    }, 120_000);
  }

  it('streams an async generator of batches', async () => {
    async function* stream() {
      for (let b = 0; b < 3; b++) yield { input: new Tensor('float32', fashionBatch(train!, b * 16, 16), [16, 1, 28, 28]) };
    }
    const q = await quantizeStatic(MODEL, { calibrationData: stream() });
    expect(q.report.calibrationBatches).toBe(3);
    expect(q.report.activations.every((a) => a.scale > 0 && Number.isFinite(a.scale))).toBe(true);
  });
});

describe('quantizeStatic rejects bad input', () => {
  const feeds = (data: Float32Array) => [{ input: new Tensor('float32', data, [1, 1, 28, 28]) }];
  it('empty calibration data, wrong feeds, non-finite activations, bad options', async () => {
    await expect(quantizeStatic(MODEL, { calibrationData: [] })).rejects.toThrow(/calibrationData is empty/);
    await expect(quantizeStatic(MODEL, { calibrationData: 5 as never })).rejects.toThrow(TypeError);
    await expect(quantizeStatic(MODEL, { calibrationData: [{ wrong: new Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) }] })).rejects.toThrow(/input/);
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(new Float32Array(784).fill(NaN)) })).rejects.toThrow(/NaN/);
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(new Float32Array(784)), method: 'kl' as never })).rejects.toThrow(/method must be 'minmax', 'percentile', 'entropy' or 'mse'/);
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(new Float32Array(784)), percentile: 20 })).rejects.toThrow(/percentile must be/);
  });

  it('a constant (all-zero) input still gets valid scales', async () => {
    const q = await quantizeStatic(MODEL, { calibrationData: feeds(new Float32Array(784)) });
    for (const a of q.report.activations) expect(a.scale > 0 && Number.isFinite(a.scale), a.name).toBe(true);
    const s = await q.createSession();
    const out = (await s.run({ input: new Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) })).logits!.data as Float32Array;
    expect(out.every((v) => Number.isFinite(v))).toBe(true);
    await s.release();
  });
});

describe.skipIf(!fashionMnistPresent)('the quantization report', () => {
  it('has every quantized tensor with a finite, plausible SQNR, histograms, latencies, and renders as HTML', async () => {
    const train = loadFashionMnist('train');
    const calibrationData = Array.from({ length: 4 }, (_, b) => ({ input: new Tensor('float32', fashionBatch(train, b * 32, 32), [32, 1, 28, 28]) }));
    const q = await quantizeStatic(MODEL, { calibrationData, method: 'mse' });
    const r = q.report;
    expect(r.layers.map((l) => l.tensor).sort()).toEqual(r.activations.map((a) => a.name).sort());
    for (const l of r.layers) {
      expect(l.sqnrDb, l.tensor).toBeGreaterThan(20);  // 8-bit quantization: ~30-50 dB
      expect(l.histogram.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(l.rangeMin).toBeLessThanOrEqual(l.rangeMax);
    }
    expect(r.weightHistograms).toHaveLength(r.weights.length);
    expect(r.latencyFloatMs! > 0 && r.latencyQuantizedMs! > 0).toBe(true);
    const html = q.reportHtml('fashion');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)!.length).toBe(r.layers.length + r.weightHistograms.length);
    expect(html).not.toMatch(/<script|https?:\/\//);  // self-contained, nothing to fetch
    expect(JSON.parse(JSON.stringify(r)).layers).toHaveLength(r.layers.length);
    const skipped = await quantizeStatic(MODEL, { calibrationData, evaluate: false });
    expect(skipped.report.layers).toEqual([]);
  });
});

describe('k-bit and per-tensor overrides', () => {
  const feeds = () => [{ input: new Tensor('float32', Float32Array.from({ length: 4 * 784 }, (_, i) => Math.sin(i) * 2), [4, 1, 28, 28]) }];
  it('4-bit weights use at most 15 levels per channel, 4-bit activations a 15-step grid', async () => {
    const q = await quantizeStatic(MODEL, { calibrationData: feeds(), weightBits: 4, activationBits: 4, evaluate: false });
    for (const a of q.report.activations) {
      const lo = Math.min(0, a.rangeMin), hi = Math.max(0, a.rangeMax);
      if (hi > lo) expect(a.scale).toBeCloseTo((hi - lo) / 15, 5);
      expect(a.zeroPoint).toBeLessThanOrEqual(15);
    }
    // The int8 weights written hold values within ±7.
    const { readModel } = await import('../../lib/onnx/index.js');
    const g = readModel(q.toBytes()).graph;
    const int8 = [...g.initializers.values()].filter((t) => t.type === 'int8' && t.dims.length > 1);
    expect(int8.length).toBeGreaterThan(0);
    for (const t of int8) for (const v of t.data as Int8Array) expect(Math.abs(v)).toBeLessThanOrEqual(7);
    const s = await q.createSession();
    expect(s.outputNames).toEqual(['logits']);
    await s.release();
  });

  it('an override replaces a tensor range; bad options are errors', async () => {
    const q = await quantizeStatic(MODEL, { calibrationData: feeds(), overrides: { input: { min: -1, max: 3 } }, evaluate: false });
    const input = q.report.activations.find((a) => a.name === 'input')!;
    expect(input.scale).toBe(Math.fround(4 / 255));
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(), weightBits: 9 })).rejects.toThrow(/weightBits must be an integer from 2 to 8/);
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(), activationBits: 1 })).rejects.toThrow(/activationBits/);
    await expect(quantizeStatic(MODEL, { calibrationData: feeds(), overrides: { input: { min: 2, max: 1 } } })).rejects.toThrow(/min 2 above max 1/);
  });
});

describe('float readers of a quantized operator', () => {
  it('read it through its DequantizeLinear, so the operator runs int8 (Conv + Relu before a ConvTranspose)', async () => {
    const rng = new Rng(3);
    const w = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const bytes = model({
      inputs: [['x', DT.FLOAT, [1, 4, 8, 8]]],
      outputs: [['y', DT.FLOAT, [1, 2, 16, 16]]],
      initializers: [
        { name: 'w', type: DT.FLOAT, dims: [6, 4, 3, 3], data: w(6 * 4 * 9) },
        { name: 'b', type: DT.FLOAT, dims: [6], data: w(6) },
        { name: 'wt', type: DT.FLOAT, dims: [6, 2, 2, 2], data: w(6 * 2 * 4) },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'ConvTranspose', inputs: ['r', 'wt'], outputs: ['y'], attrs: { strides: [2, 2] } },
      ],
    });
    const batch = () => ({ x: new Tensor('float32', w(4 * 64).map((v) => v * 4), [1, 4, 8, 8]) });
    const feeds = batch();
    const q = await quantizeStatic(bytes, { calibrationData: [feeds, batch(), batch()] });
    const s = await q.createSession();
    // Conv + Relu one int8 operator; the ConvTranspose (no int8 form) reads its dequantized bytes.
    const kinds = s.describe().map((d) => `${d.opType}/${d.kernel}`);
    expect(kinds.filter((k) => !k.startsWith('Transpose/'))).toEqual(['QuantizeLinear/quantize', 'QLinearConv/int8', 'DequantizeLinear/dequantize', 'ConvTranspose/fallback']);
    const float = await InferenceSession.create(bytes);
    const a = (await s.run(feeds)).y!.data as Float32Array, b = (await float.run(feeds)).y!.data as Float32Array;
    const range = Math.max(...b.map(Math.abs));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(0.05 * range);
    await s.release();
    await float.release();
  });
});
