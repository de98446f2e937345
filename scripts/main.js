// The main job on a bundled default (examples/fashion-mnist): quantize the Fashion-MNIST classifier to
// int8 with calibration on 256 bundled training images, evaluate the float and int8 models on 2,000
// bundled test images, and print accuracy, file size and speed for both — and onnxruntime-node's
// speed on the same files when it is installed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { InferenceSession, quantizeStatic, runtimeInfo, Tensor } from '../dist/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'fashion-mnist');
const MODEL = join(dir, 'fashion_cnn.onnx');
const idx = (file, header) => gunzipSync(readFileSync(join(dir, file))).subarray(header);
const calibration = idx('calibration-images-idx3-ubyte.gz', 16);
const testImages = idx('test-images-idx3-ubyte.gz', 16);
const testLabels = idx('test-labels-idx1-ubyte.gz', 8);

/** Images [first, first + n) normalised as the model was trained: (pixel / 255 - 0.2860) / 0.3530. */
function batch(images, first, n) {
  const x = new Float32Array(n * 784);
  for (let k = 0; k < n * 784; k++) x[k] = (images[first * 784 + k] / 255 - 0.286) / 0.353;
  return x;
}

async function accuracy(run) {
  let right = 0;
  for (let first = 0; first < testLabels.length; first += 250) {
    const logits = await run(batch(testImages, first, 250), [250, 1, 28, 28]);
    for (let r = 0; r < 250; r++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[r * 10 + c] > logits[r * 10 + best]) best = c;
      if (best === testLabels[first + r]) right++;
    }
  }
  return (100 * right) / testLabels.length;
}

/** Median time of one batch-1 run, in microseconds. */
async function latency(run) {
  const x = batch(testImages, 0, 1);
  for (let i = 0; i < 20; i++) await run(x, [1, 1, 28, 28]);
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await run(x, [1, 1, 28, 28]);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[100] * 1000;
}

const info = runtimeInfo();
console.log(`octet on ${info.isa} (${info.gemmKernel}), ${info.threads} threads`);
const calibrationData = Array.from({ length: 8 }, (_, b) => ({ input: new Tensor('float32', batch(calibration, b * 32, 32), [32, 1, 28, 28]) }));
const started = performance.now();
const quantized = await quantizeStatic(MODEL, { calibrationData });
console.log(`quantized in ${(performance.now() - started).toFixed(0)} ms: ${quantized.report.activations.length} activations calibrated on 256 images, ${quantized.report.weights.length} weight tensors int8 per channel`);

const float = await InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
const int8 = await quantized.createSession({ intraOpNumThreads: 1 });
const octetRun = (s) => async (x, dims) => (await s.run({ input: new Tensor('float32', x, dims) })).logits.data;
const rows = [
  ['float32', await accuracy(octetRun(float)), quantized.report.bytesBefore, await latency(octetRun(float))],
  ['int8', await accuracy(octetRun(int8)), quantized.report.bytesAfter, await latency(octetRun(int8))],
];
let ort = null;
try {
  ort = await import('onnxruntime-node');
} catch {
  // onnxruntime-node is a development dependency: without it, octet's figures alone.
}
const ortTimes = [];
if (ort) {
  for (const bytes of [readFileSync(MODEL), quantized.toBytes()]) {
    const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    ortTimes.push(await latency(async (x, dims) => (await s.run({ input: new ort.Tensor('float32', x, dims) })).logits.data));
  }
}
console.log(`\nFashion-MNIST, ${testLabels.length} bundled test images; batch-1 latency, 1 thread (median of 200)`);
console.log(`model    top-1     file      octet${ort ? '       onnxruntime-node' : ''}`);
rows.forEach(([name, acc, bytes, us], i) => {
  const ortCol = ort ? `   ${ortTimes[i].toFixed(1).padStart(7)} µs` : '';
  console.log(`${name.padEnd(8)} ${acc.toFixed(2).padStart(6)}%  ${(bytes / 1024).toFixed(0).padStart(5)} KiB  ${us.toFixed(1).padStart(7)} µs${ortCol}`);
});
console.log(`int8 vs float: ${(rows[1][1] - rows[0][1]).toFixed(2)} points of accuracy, ${(rows[0][2] / rows[1][2]).toFixed(1)}× smaller, ${(rows[0][3] / rows[1][3]).toFixed(2)}× the speed`);
await float.release();
await int8.release();
