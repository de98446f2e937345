#!/usr/bin/env node
/**
 * Quantization accuracy: the shared Fashion-MNIST classifier quantized by quantizeStatic with every
 * calibration method, weights per channel or per tensor, activations uint8 or int8, evaluated on the
 * 10,000 test images of Debian's dataset-fashion-mnist (top-1 %, and the change from float), plus
 * quantizeDynamic and quantizeWeights (weight-only: 4/8-bit, float16). Calibration: the first 256
 * training images (1,024 for entropy, which compares whole histograms).
 *
 * Usage: node bench/quantize.bench.js [--markdown]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseArgs, renderTable } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const MODEL = join(here, '..', '..', 'shared', 'models', 'fashion_cnn.onnx');
const DATA = '/usr/share/datasets/fashion-mnist';
const args = parseArgs(process.argv.slice(2), ['markdown']);
if (!existsSync(`${DATA}/t10k-images-idx3-ubyte.gz`)) {
  console.error(`no Fashion-MNIST in ${DATA}: apt-get install dataset-fashion-mnist`);
  process.exit(1);
}
const { InferenceSession, Tensor, quantizeDynamic, quantizeStatic, quantizeWeights } = await import('../dist/index.js');

const load = (split) => ({
  images: gunzipSync(readFileSync(`${DATA}/${split}-images-idx3-ubyte.gz`)).subarray(16),
  labels: gunzipSync(readFileSync(`${DATA}/${split}-labels-idx1-ubyte.gz`)).subarray(8),
});
const train = load('train');
const test = load('t10k');
const batch = (set, first, n) => {
  const x = new Float32Array(n * 784);
  for (let k = 0; k < n * 784; k++) x[k] = (set.images[first * 784 + k] / 255 - 0.286) / 0.353;
  return new Tensor('float32', x, [n, 1, 28, 28]);
};

async function accuracy(session) {
  let right = 0;
  for (let first = 0; first < 10000; first += 500) {
    const logits = (await session.run({ input: batch(test, first, 500) })).logits.data;
    for (let r = 0; r < 500; r++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[r * 10 + c] > logits[r * 10 + best]) best = c;
      if (best === test.labels[first + r]) right++;
    }
  }
  return right / 100;
}

const float = await accuracy(await InferenceSession.create(MODEL));
const rows = [['float32', '—', '—', float.toFixed(2), '—', '—']];
for (const method of ['minmax', 'percentile', 'entropy', 'mse']) {
  for (const perChannel of [true, false]) {
    for (const activationType of ['uint8', 'int8']) {
      const batches = method === 'entropy' ? 32 : 8;
      const calibrationData = Array.from({ length: batches }, (_, b) => ({ input: batch(train, b * 32, 32) }));
      const q = await quantizeStatic(MODEL, { calibrationData, method, perChannel, activationType });
      const acc = await accuracy(await q.createSession());
      console.error(`${method} ${perChannel ? 'per-channel' : 'per-tensor'} ${activationType}: ${acc}%`);
      rows.push([method, perChannel ? 'per channel' : 'per tensor', activationType, acc.toFixed(2), (acc - float).toFixed(2), `${(q.report.bytesAfter / 1024).toFixed(0)} KiB`]);
    }
  }
}
const dyn = await quantizeDynamic(MODEL);
const dynAcc = await accuracy(await dyn.createSession());
for (const [label, options] of [
  ['weight-only 4-bit, blocks of 32', { bits: 4, blockSize: 32 }],
  ['weight-only 4-bit, symmetric', { bits: 4, blockSize: 32, symmetric: true }],
  ['weight-only 4-bit, per channel', { bits: 4, perChannel: true }],
  ['weight-only 8-bit, blocks of 32', { bits: 8, blockSize: 32 }],
  ['weight-only float16', { bits: 16 }],
]) {
  const q = await quantizeWeights(MODEL, options);
  const acc = await accuracy(await q.createSession());
  console.error(`${label}: ${acc}%`);
  const weights = options.bits === 16 ? 'float16' : `Conv int8 per channel, Gemm ${options.bits}-bit`;
  rows.push([label, weights, 'float32', acc.toFixed(2), (acc - float).toFixed(2), `${(q.report.bytesAfter / 1024).toFixed(0)} KiB`]);
}
rows.push(['dynamic (Gemm only)', 'per channel', 'uint8 at run time', dynAcc.toFixed(2), (dynAcc - float).toFixed(2), `${(dyn.report.bytesAfter / 1024).toFixed(0)} KiB`]);

console.log(`\nFashion-MNIST top-1 on 10,000 test images (${new Date().toISOString()}, node ${process.version})`);
console.log(renderTable(['method', 'weights', 'activations', 'top-1 %', 'vs float', 'file'], rows, { markdown: !!args.markdown, align: ['left', 'left', 'left'] }));
