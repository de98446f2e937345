#!/usr/bin/env node
/**
 * Int8 benchmark: octet against onnxruntime-node on the same quantized ONNX files, in one process,
 * timed with benchmark.js.
 *
 *   convolutions  the QLinearConv layer models (../shared/models/layers/conv_*_qlinear.onnx) at batch 1:
 *                 3×3 64→64 @56, 1×1 256→64 @56, depthwise 3×3 144 ch @56, first layer 3→32 s2 @224;
 *                 each three times: new result tensors per run; new ones that the caller disposes
 *                 of once read (Tensor.dispose(), both runtimes); results written into preallocated
 *                 outputs (fetches). The results are 200-450 KB: new ones pile up until V8 collects
 *                 them, and the collections and the cold memory are much of the first form's time
 *   models        the QDQ MobileNetV2 and ResNet-18 at batch 1 (latency) and 8 (throughput): octet
 *                 int8 vs onnxruntime-node int8 on the QDQ file, and vs onnxruntime-node fp32 on the
 *                 float original
 *
 * The machine is shared and its speed drifts over seconds, so every comparison is interleaved: short
 * benchmark.js runs alternate between the two runtimes for several rounds, and each row reports the
 * medians of all samples and the median over rounds of the per-round ratio (> 1: octet faster).
 *
 * Usage: node bench/int8.bench.js [--suite conv,models] [--threads 1,2] [--batch 1,8] [--rounds 5]
 *          [--quick] [--markdown]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { fmtNum, fmtTime, interleaved as interleavedRuns, parseArgs, renderTable, rng } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHARED = join(here, '..', '..', 'shared', 'models');
const LAYERS = join(SHARED, 'layers');

const args = parseArgs(process.argv.slice(2), ['quick', 'markdown', 'help']);
if (args.help) {
  console.log('node bench/int8.bench.js [--suite conv,models] [--threads 1,2] [--batch 1,8] [--rounds 5] [--quick] [--markdown]');
  process.exit(0);
}
const log = (...m) => console.error(...m);
const list = (v, all) => (v && v !== true ? String(v).split(',').filter(Boolean) : all);
const suites = list(args.suite, ['conv', 'models']);
const threadCounts = list(args.threads, ['1', '2']).map(Number);
const batches = list(args.batch, ['1', '8']).map(Number);
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const timing = args.quick ? { minSamples: 3, maxTime: 0.15 } : { minSamples: 5, maxTime: 0.4 };

const { InferenceSession, Tensor } = await import('../dist/index.js');

// A runtime's session behind one interface: run(feeds) returns new results as users get them;
// runDisposed(feeds) disposes of them at once, as a server does once it has read them;
// runInto(feeds) writes into outputs allocated once (fetches), which leaves out allocating results.
async function open(runtime, path, threads) {
  const { InferenceSession: Session, Tensor: TensorType } = runtime;
  const session = await Session.create(path, { intraOpNumThreads: threads, ...(runtime === ort ? { interOpNumThreads: 1 } : {}) });
  const tensors = (feeds) => Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new TensorType(v.type, v.data, v.dims)]));
  let fetches;
  return {
    run: (feeds) => session.run(tensors(feeds)),
    async runDisposed(feeds) {
      const results = await session.run(tensors(feeds));
      for (const t of Object.values(results)) t.dispose();
    },
    async runInto(feeds) {
      if (!fetches) {
        const first = await session.run(tensors(feeds));
        fetches = Object.fromEntries(Object.entries(first).map(([k, t]) => [k, new TensorType(t.type, new t.data.constructor(t.data.length), t.dims)]));
      }
      return session.run(tensors(feeds), fetches);
    },
    release: () => session.release(),
  };
}
const openOctet = (path, threads) => open({ InferenceSession, Tensor }, path, threads);
const openOrt = (path, threads) => open(ort, path, threads);

const interleaved = (label, a, b) => interleavedRuns(label, a, b, { rounds, timing });

function randomFeeds(inputs, batch, seed) {
  const random = rng(seed);
  const feeds = {};
  for (const { name, type, dims } of inputs) {
    const shape = dims.map((d, i) => (i === 0 && batch ? batch : d));
    const n = shape.reduce((x, y) => x * y, 1);
    const data = type === 'uint8' ? Uint8Array.from({ length: n }, () => Math.floor(random() * 256)) : Float32Array.from({ length: n }, () => random() * 2 - 1);
    feeds[name] = { type, data, dims: shape };
  }
  return feeds;
}

const header = `(${new Date().toISOString()}, node ${process.version}, onnxruntime-node ${ort.env.versions?.common ?? ''}, ${rounds} interleaved rounds)`;

if (suites.includes('conv')) {
  const manifest = JSON.parse(readFileSync(join(LAYERS, 'manifest.json'), 'utf8'));
  const layers = manifest.models.filter((m) => m.variant === 'qlinearconv');
  const rows = [];
  for (const layer of layers) {
    const path = join(LAYERS, layer.file);
    for (const threads of threadCounts) {
      const octet = await openOctet(path, threads);
      const reference = await openOrt(path, threads);
      const feeds = randomFeeds(layer.inputs.map((i) => ({ name: i.name, type: i.type, dims: i.shape })), 0, 7);
      log(`${layer.group} ${threads}T ...`);
      const t = await interleaved(layer.group, () => octet.run(feeds), () => reference.run(feeds));
      log(`${layer.group} ${threads}T, disposed results ...`);
      const disposed = await interleaved(`${layer.group} disposed`, () => octet.runDisposed(feeds), () => reference.runDisposed(feeds));
      log(`${layer.group} ${threads}T, preallocated outputs ...`);
      const into = await interleaved(`${layer.group} into`, () => octet.runInto(feeds), () => reference.runInto(feeds));
      const gops = (s) => fmtNum(layer.ops / s / 1e9, 0);
      const name = layer.group.replace(/^conv_/, '');
      rows.push([name, String(threads), 'new', fmtTime(t.a), fmtTime(t.b), gops(t.a), gops(t.b), fmtNum(t.ratio, 2)]);
      rows.push([name, String(threads), 'disposed', fmtTime(disposed.a), fmtTime(disposed.b), gops(disposed.a), gops(disposed.b), fmtNum(disposed.ratio, 2)]);
      rows.push([name, String(threads), 'preallocated', fmtTime(into.a), fmtTime(into.b), gops(into.a), gops(into.b), fmtNum(into.ratio, 2)]);
      await octet.release();
      await reference.release();
    }
  }
  console.log(`\nQLinearConv layers, batch 1, median per run ${header}`);
  console.log('outputs: new = a new result tensor per run, as run(feeds) returns; disposed = the same, each disposed of once the run resolved; preallocated = written into tensors passed as fetches');
  console.log(renderTable(['layer', 'threads', 'outputs', 'octet', 'ORT', 'octet GOP/s', 'ORT GOP/s', 'ORT/octet time'], rows, { markdown: !!args.markdown, align: ['left', 'right', 'left'] }));
}

if (suites.includes('models')) {
  const rows = [];
  for (const name of ['mobilenet_v2', 'resnet18']) {
    const qdq = join(SHARED, `${name}_qdq.onnx`);
    const fp32 = join(SHARED, `${name}_fp32.onnx`);
    if (!existsSync(qdq) || !existsSync(fp32)) {
      log(`skipping ${name}: model files not found`);
      continue;
    }
    for (const threads of threadCounts) {
      const octet = await openOctet(qdq, threads);
      const ortInt8 = await openOrt(qdq, threads);
      const ortFp32 = await openOrt(fp32, threads);
      for (const batch of batches) {
        const feeds = randomFeeds([{ name: 'input', type: 'float32', dims: [batch, 3, 224, 224] }], batch, 3);
        log(`${name} batch ${batch} ${threads}T ...`);
        const vsInt8 = await interleaved(`${name} int8`, () => octet.run(feeds), () => ortInt8.run(feeds));
        const vsFp32 = await interleaved(`${name} fp32`, () => octet.run(feeds), () => ortFp32.run(feeds));
        const perImage = (s) => (batch === 1 ? '—' : fmtNum(batch / s, 1));
        rows.push([name, String(threads), String(batch), fmtTime(vsInt8.a), fmtTime(vsInt8.b), fmtTime(vsFp32.b), perImage(vsInt8.a), perImage(vsInt8.b), fmtNum(vsInt8.ratio, 2), fmtNum(vsFp32.ratio, 2)]);
      }
      await octet.release();
      await ortInt8.release();
      await ortFp32.release();
    }
  }
  console.log(`\nQDQ models, median per run ${header}`);
  console.log(renderTable(['model', 'threads', 'batch', 'octet int8', 'ORT int8', 'ORT fp32', 'octet img/s', 'ORT int8 img/s', 'vs ORT int8', 'vs ORT fp32'], rows, { markdown: !!args.markdown, align: ['left'] }));
}
