#!/usr/bin/env node
/**
 * The `octet` command (commander): quantize a model, run it, time it.
 *   octet quantize in.onnx -o out.onnx --calib <folder of .npy / .pb tensors> [--method entropy] [--report r.html]
 *   octet quantize in.onnx -o out.onnx --dynamic
 *   octet quantize in.onnx -o out.onnx --weights-only [--bits 4|8|16] [--block-size 32]
 *   octet report float.onnx quantized.onnx --calib <folder> [-o report.html]
 *   octet run model.onnx --input x.npy [--input name=y.pb ...]
 *   octet bench model.onnx [--vs other.onnx] [--input x.npy] [--threads 2] [--runs 200]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { InferenceSession } from '../session/session.js';
import { quantizeDynamic } from '../quantize/quantize-dynamic.js';
import { quantizeStatic, type CalibrationMethod } from '../quantize/quantize-static.js';
import { quantizeWeights } from '../quantize/quantize-weights.js';
import { Tensor } from '../tensor.js';
import { compareModels } from '../quantize/report.js';
import { progress } from './progress.js';
import { calibrationFeeds, readTensorFile } from './tensor-files.js';

const integer = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer >= ${min}`);
  return n;
};
const collect = (v: string, all: string[]) => [...all, v];

/** --input files as feeds: `name=path`, or a bare path for a single-input model. */
function feedsFrom(session: InferenceSession, inputs: string[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const spec of inputs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : session.inputNames.length === 1 ? session.inputNames[0]! : '';
    if (!name) throw new Error(`--input ${spec}: the model has inputs ${session.inputNames.join(', ')}; write name=path`);
    feeds[name] = readTensorFile(eq > 0 ? spec.slice(eq + 1) : spec);
  }
  return feeds;
}

/** Feeds of ones for inputs whose shapes are all fixed (bench without --input). */
function defaultFeeds(session: InferenceSession): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const m of session.inputMetadata) {
    if (!m.shape.every((d) => typeof d === 'number' && d > 0)) throw new Error(`input '${m.name}' has free dimensions [${m.shape.join(',')}]: give --input`);
    const dims = m.shape as number[];
    const n = dims.reduce((a, b) => a * b, 1);
    if (m.type !== 'float32') throw new Error(`input '${m.name}' is ${m.type}: give --input`);
    feeds[m.name] = new Tensor('float32', new Float32Array(n).fill(0.5), dims);
  }
  return feeds;
}

const program = new Command();
program.name('octet').description('int8 neural-network inference for Node.js: quantize, run and time ONNX models');

program
  .command('quantize')
  .description('quantize a float ONNX model to int8 (a QDQ model octet and onnxruntime load)')
  .argument('<model>', 'float model (.onnx)')
  .requiredOption('-o, --output <file>', 'where to write the quantized model')
  .option('--calib <folder>', 'calibration batches: .npy / .pb files, or one sub-folder per batch with a file per input')
  .option('--method <method>', 'minmax | percentile | entropy | mse', 'minmax')
  .option('--percentile <p>', 'for --method percentile', parseFloat, 99.999)
  .option('--per-tensor', 'weights per tensor (default: per output channel)')
  .option('--activation-type <type>', 'uint8 | int8', 'uint8')
  .option('--symmetric', 'symmetric activations (with --weights-only: symmetric weight blocks, no zero points)')
  .option('--exclude <name>', 'node name or operator type to keep float (repeatable)', collect, [] as string[])
  .option('--dynamic', 'dynamic quantization: int8 weights, activations quantized per call (no --calib)')
  .option('--weights-only', 'weight-only quantization: MatMul/Gemm weights to MatMulNBits, Conv weights int8; activations float (no --calib)')
  .option('--bits <n>', 'with --weights-only: 4 | 8 | 16 (float16)', integer('--bits', 4), 4)
  .option('--block-size <n>', 'with --weights-only: K values per scale, a power of 2 >= 16 (--per-channel: one per column)', integer('--block-size', 16), 32)
  .option('--per-channel', 'with --weights-only: one block per output column')
  .option('--report <file>', 'write the report: .html (one page, SVG plots) or .json')
  .action(async (model: string, o) => {
    const started = performance.now();
    let q;
    if (o.dynamic && o.weightsOnly) throw new Error('quantize: choose --dynamic or --weights-only, not both');
    if (o.dynamic) {
      q = await quantizeDynamic(model, { perChannel: !o.perTensor, exclude: o.exclude });
    } else if (o.weightsOnly) {
      q = await quantizeWeights(model, { bits: o.bits, blockSize: o.blockSize, perChannel: !!o.perChannel, symmetric: !!o.symmetric, exclude: o.exclude });
    } else {
      if (!o.calib) throw new Error('quantize: --calib <folder> is required (or --dynamic, or --weights-only)');
      const inputNames = (await InferenceSession.create(model)).inputNames;
      const total = readdirSync(o.calib).length;
      const bar = progress('calibrating', total);
      try {
        q = await quantizeStatic(model, {
          calibrationData: calibrationFeeds(o.calib, inputNames),
          method: o.method as CalibrationMethod,
          percentile: o.percentile,
          perChannel: !o.perTensor,
          activationType: o.activationType,
          symmetricActivations: !!o.symmetric,
          exclude: o.exclude,
          onProgress: (n) => bar.update(n),
        });
      } finally {
        bar.stop();
      }
    }
    await q.save(o.output);
    const r = q.report;
    if (o.report) await writeFile(o.report, o.report.endsWith('.json') ? JSON.stringify(r, (_, v) => (v === Infinity ? 'Infinity' : v), 2) : q.reportHtml(`octet: ${model}`));
    console.log(`${o.output}: ${r.quantizedNodes.length} nodes quantized (${r.method}), ${r.floatNodes.length} left float; ${(r.bytesBefore / 1024).toFixed(0)} KiB → ${(r.bytesAfter / 1024).toFixed(0)} KiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

program
  .command('report')
  .description('compare a quantized model with its float original on calibration data: one HTML page')
  .argument('<float>', 'float model (.onnx)')
  .argument('<quantized>', 'its QDQ quantized version (.onnx)')
  .requiredOption('--calib <folder>', 'batches to compare on: .npy / .pb files, or one sub-folder per batch')
  .option('-o, --output <file>', 'the HTML page', 'report.html')
  .option('--batches <n>', 'batches used', integer('--batches', 1), 4)
  .action(async (floatPath: string, quantizedPath: string, o) => {
    const floatBytes = new Uint8Array(readFileSync(floatPath));
    const inputNames = (await InferenceSession.create(floatBytes)).inputNames;
    const batches = [];
    for (const feeds of calibrationFeeds(o.calib, inputNames)) {
      batches.push(feeds);
      if (batches.length >= o.batches) break;
    }
    const html = await compareModels(floatBytes, new Uint8Array(readFileSync(quantizedPath)), batches, `${quantizedPath} against ${floatPath}`);
    await writeFile(o.output, html);
    console.log(`${o.output}: report on ${batches.length} batches`);
  });

program
  .command('run')
  .description('run a model on tensors from files and print its outputs')
  .argument('<model>', 'model (.onnx)')
  .option('-i, --input <name=file>', '.npy / .pb input (repeatable; a bare file for a single-input model)', collect, [] as string[])
  .action(async (model: string, o) => {
    const session = await InferenceSession.create(model);
    const feeds = o.input.length ? feedsFrom(session, o.input) : defaultFeeds(session);
    const out = await session.run(feeds);
    for (const [name, t] of Object.entries(out)) {
      const head = Array.from(t.data as ArrayLike<number | bigint>).slice(0, 8).map((v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)));
      console.log(`${name}: ${t.type} [${t.dims.join(', ')}] ${head.join(' ')}${t.size > 8 ? ' …' : ''}`);
    }
    await session.release();
  });

program
  .command('bench')
  .description('median latency of a model (and of another one for comparison)')
  .argument('<model>', 'model (.onnx)')
  .option('--vs <other>', 'a second model run on the same inputs (the float original of a quantized one)')
  .option('-i, --input <name=file>', '.npy / .pb input (repeatable); default: 0.5 everywhere for fixed shapes', collect, [] as string[])
  .option('--threads <n>', 'intra-op threads', integer('--threads', 1))
  .option('--runs <n>', 'timed runs', integer('--runs', 1), 100)
  .action(async (model: string, o) => {
    for (const file of [model, ...(o.vs ? [o.vs] : [])]) {
      const session = await InferenceSession.create(file, o.threads ? { intraOpNumThreads: o.threads } : {});
      const feeds = o.input.length ? feedsFrom(session, o.input) : defaultFeeds(session);
      for (let i = 0; i < Math.min(10, o.runs); i++) await session.run(feeds);
      const bar = progress(file, o.runs, Math.max(1, Math.floor(o.runs / 4)));
      const times: number[] = [];
      for (let i = 0; i < o.runs; i++) {
        const t = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t);
        bar.update(i + 1);
      }
      bar.stop();
      times.sort((a, b) => a - b);
      console.log(`${file}: median ${times[times.length >> 1]!.toFixed(3)} ms, p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(3)} ms over ${o.runs} runs`);
      await session.release();
    }
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`octet: ${e.message}`);
  process.exit(1);
});
