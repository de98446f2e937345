#!/usr/bin/env node
/**
 * Weight-only quantization benchmark: MatMul layers of transformer sizes, float weights quantized by
 * quantizeWeights to 4 bits (blocks of 32, asymmetric) and to 8 bits, run as com.microsoft
 * MatMulNBits by octet and by onnxruntime-node on the same file, and against onnxruntime-node's
 * float MatMul on the original. M = 1 is one token (a GEMV: the weights' memory traffic is the cost,
 * and 4-bit weights move an eighth of float's); larger M is a prompt or a batch.
 *
 * Each comparison is interleaved (benchmark.js runs alternate between the two for several rounds);
 * a row gives the medians and the median over rounds of the per-round ratio (> 1: octet faster).
 *
 * Usage: node bench/weights.bench.js [--threads 1,2] [--rounds 5] [--quick] [--markdown]
 */
import * as ort from 'onnxruntime-node';
import { fmtNum, fmtTime, interleaved as interleavedRuns, parseArgs, renderTable, rng } from './util.js';

const args = parseArgs(process.argv.slice(2), ['quick', 'markdown', 'help']);
if (args.help) {
  console.log('node bench/weights.bench.js [--threads 1,2] [--rounds 5] [--quick] [--markdown]');
  process.exit(0);
}
const log = (...m) => console.error(...m);
const threadCounts = (args.threads && args.threads !== true ? String(args.threads).split(',') : ['1', '2']).map(Number);
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const timing = args.quick ? { minSamples: 3, maxTime: 0.15 } : { minSamples: 5, maxTime: 0.4 };

const { InferenceSession, Tensor, quantizeWeights } = await import('../dist/index.js');
const { onnxProto: onnx } = await import('../dist/onnx/index.js');

/** A float model y = x · W with W [K, N] random. */
function matmulModel(M, K, N, seed) {
  const random = rng(seed);
  const w = Float32Array.from({ length: K * N }, () => (random() - 0.5) * 0.1);
  const vi = (name, dims) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const proto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'matmul',
      input: [vi('x', [M, K])],
      output: [vi('y', [M, N])],
      initializer: [{ name: 'w', dataType: 1, dims: [K, N], rawData: new Uint8Array(w.buffer) }],
      node: [{ name: 'matmul', opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

const interleaved = (label, a, b) => interleavedRuns(label, a, b, { rounds, timing });

const SHAPES = [
  [1, 4096, 4096],
  [1, 1024, 4096],
  [1, 4096, 1024],
  [32, 1024, 1024],
  [128, 768, 3072],
];

const rows = [];
for (const [M, K, N] of SHAPES) {
  const float = matmulModel(M, K, N, K + N);
  const q4 = (await quantizeWeights(float, { bits: 4, blockSize: 32 })).toBytes();
  const q8 = (await quantizeWeights(float, { bits: 8, blockSize: 32 })).toBytes();
  const random = rng(M * 7 + 1);
  const x = Float32Array.from({ length: M * K }, () => random() * 2 - 1);
  for (const threads of threadCounts) {
    const label = `${M}×${K}×${N} ${threads}T`;
    log(label, '...');
    const open = async (bytes, which) => {
      if (which === 'octet') {
        const s = await InferenceSession.create(bytes, { intraOpNumThreads: threads });
        const feeds = { x: new Tensor('float32', x, [M, K]) };
        return { run: () => s.run(feeds), release: () => s.release() };
      }
      const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      const feeds = { x: new ort.Tensor('float32', x, [M, K]) };
      return { run: () => s.run(feeds), release: () => s.release() };
    };
    const o4 = await open(q4, 'octet'), t4 = await open(q4, 'ort');
    const o8 = await open(q8, 'octet'), t8 = await open(q8, 'ort');
    const tf = await open(float, 'ort');
    const r4 = await interleaved(`${label} 4-bit`, o4.run, t4.run);
    const r8 = await interleaved(`${label} 8-bit`, o8.run, t8.run);
    const rf = await interleaved(`${label} 4-bit vs fp32`, o4.run, tf.run);
    rows.push([`${M}×${K}×${N}`, threads, fmtTime(r4.a), fmtTime(r4.b), fmtNum(r4.ratio, 2), fmtTime(r8.a), fmtTime(r8.b), fmtNum(r8.ratio, 2), fmtTime(rf.b), fmtNum(rf.ratio, 2)]);
    for (const s of [o4, t4, o8, t8, tf]) await s.release();
  }
}

console.log(`\nMatMulNBits layers, median per run (${new Date().toISOString()}, node ${process.version}, onnxruntime-node ${ort.env.versions?.common ?? ''}, ${rounds} interleaved rounds)`);
console.log(
  renderTable(
    ['M×K×N', 'threads', 'octet 4-bit', 'ORT 4-bit', 'ORT/octet', 'octet 8-bit', 'ORT 8-bit', 'ORT/octet', 'ORT fp32', 'fp32/octet 4-bit'],
    rows,
    { markdown: !!args.markdown, align: ['left'] },
  ),
);
