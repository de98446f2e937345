// The main job on a bundled default: a float layer (a seeded 128×768 activation batch times 768×768
// weights, the shape of a transformer projection) quantized to int8 — weights per column, symmetric;
// activations with ONNX DynamicQuantizeLinear — run on octet's int8 GEMM, compared with the float
// product for accuracy and with a float GEMM for speed.
import { ops, runtimeInfo, Tensor } from '../dist/index.js';

const M = 128, K = 768, N = 768;

// Seeded generator so every run quantizes the same layer.
let state = 0x2545f491;
function random() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const x = new Float32Array(M * K).map(() => Math.max(-0.17, gaussian() * 0.8)); // GELU-like activations
const w = new Float32Array(K * N).map(() => gaussian() * 0.05);

// Float reference (K-inner loop over a transposed copy for cache-friendly access).
function floatMatMul() {
  const wt = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) wt[n * K + k] = w[k * N + n];
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * wt[n * K + k];
      y[m * N + n] = s;
    }
  return y;
}

// Per-column symmetric int8 weights: scale = max|w| / 127.
const wScale = new Float32Array(N);
for (let n = 0; n < N; n++) {
  let maxAbs = 0;
  for (let k = 0; k < K; k++) maxAbs = Math.max(maxAbs, Math.abs(w[k * N + n]));
  wScale[n] = maxAbs / 127 || 1;
}
const wq = ops.quantizeLinear(new Tensor('float32', w, [K, N]), new Tensor('float32', wScale, [N]), new Tensor('int8', new Int8Array(N), [N]), { axis: 1 });
const packed = ops.prepackWeights(wq);

// The int32 result is written into one reused tensor (attrs.out), as a server would do.
const accumulators = new Tensor('int32', new Int32Array(M * N), [M, N]);

function int8MatMul() {
  const [xq, xScale, xZeroPoint] = ops.dynamicQuantizeLinear(new Tensor('float32', x, [M, K]));
  const acc = ops.matmulInteger(xq, packed, xZeroPoint, null, { out: accumulators });
  const s = xScale.data[0];
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) y[m * N + n] = acc.data[m * N + n] * s * wScale[n];
  return y;
}

function median(f, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const info = runtimeInfo();
console.log(`octet on ${info.isa} (${info.gemmKernel}), ${info.threads} threads`);
console.log(`layer: [${M}×${K}] × [${K}×${N}], weights int8 per column, activations uint8 (dynamic)`);

const reference = floatMatMul();
const approx = int8MatMul();
let signal = 0, noise = 0, maxErr = 0;
for (let i = 0; i < reference.length; i++) {
  const e = approx[i] - reference[i];
  signal += reference[i] * reference[i];
  noise += e * e;
  maxErr = Math.max(maxErr, Math.abs(e));
}
console.log(`accuracy: SQNR ${(10 * Math.log10(signal / noise)).toFixed(1)} dB, max |error| ${maxErr.toExponential(2)} (outputs' RMS ${Math.sqrt(signal / reference.length).toFixed(3)})`);

const gops = (ms) => ((2 * M * N * K) / (ms / 1e3) / 1e9).toFixed(1);
const tInt8 = median(int8MatMul, 30);
const xq = ops.dynamicQuantizeLinear(new Tensor('float32', x, [M, K]))[0];
const tGemm = median(() => ops.matmulInteger(xq, packed, 0, null, { out: accumulators }), 30);
const tFloat = median(floatMatMul, 3);
console.log(`int8 layer (quantize + GEMM + dequantize in JS): ${tInt8.toFixed(3)} ms`);
console.log(`int8 GEMM alone (int32 output):                  ${tGemm.toFixed(3)} ms (${gops(tGemm)} GOP/s)`);
console.log(`plain JavaScript float GEMM:                      ${tFloat.toFixed(1)} ms (${gops(tFloat)} GOP/s)`);
packed.release();
