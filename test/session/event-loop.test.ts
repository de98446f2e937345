// run() must leave the event loop free: the whole graph runs in one native job on a worker thread.
// While ResNet-18 runs a batch, timers keep firing; the loop's delay (perf_hooks) stays under 10 ms.
// One intra-op thread leaves a core to the loop on this 2-core machine (bench/ reports 2 threads too).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { runInFreshNode } from '../helpers/fresh-node.js';
import { DT, model } from '../helpers/onnx-model.js';

const MODEL = join(import.meta.dirname, '..', '..', '..', 'shared', 'models', 'resnet18_fp32.onnx');

describe.skipIf(!existsSync(MODEL))('event loop during run()', () => {
  it('stays responsive while a large model runs', async () => {
    const session = await InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
    const x = new Tensor('float32', new Float32Array(4 * 3 * 224 * 224).fill(0.5), [4, 3, 224, 224]);
    await session.run({ input: x });  // plan and pack outside the measurement
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    histogram.enable();
    const started = performance.now();
    for (let i = 0; i < 3; i++) await session.run({ input: x });
    const elapsed = performance.now() - started;
    histogram.disable();
    clearInterval(timer);
    const p99 = histogram.percentile(99) / 1e6;
    console.log(`event loop during run(): ${elapsed.toFixed(0)} ms of inference, ${ticks} timer ticks, delay p50 ${(histogram.percentile(50) / 1e6).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms`);
    expect(ticks).toBeGreaterThan(elapsed / 20);
    expect(p99).toBeLessThan(10);
    await session.release();
  }, 120_000);
});

// Runs of a few milliseconds: the loop blocks until shortly before a run's expected end, then polls
// for its result (native/addon/env_jobs.h). Every result arrives, timers keep firing between and
// during runs, and once the runs are done nothing of octet keeps a process alive.
const QDQ = join(import.meta.dirname, '..', '..', '..', 'shared', 'models', 'mobilenet_v2_qdq.onnx');

describe.skipIf(!existsSync(QDQ))('runs of a few milliseconds', () => {
  it('deliver every result, keep timers firing, and let the process exit', async () => {
    const session = await InferenceSession.create(QDQ, { intraOpNumThreads: 1 });
    const x = new Tensor('float32', new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i)), [1, 3, 224, 224]);
    const first = (await session.run({ input: x }))[session.outputNames[0]!]!.data as Float32Array;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    for (let i = 0; i < 40; i++) {
      const y = (await session.run({ input: x }))[session.outputNames[0]!]!.data as Float32Array;
      expect(y).toEqual(first);
    }
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(elapsed / 20);
    await session.release();

    // A child process that runs the model this way must end by itself after its last run (the
    // helper fails on a timeout or a non-zero status).
    const done = runInFreshNode<string>({
      script: () => `
        const s = await InferenceSession.create(${JSON.stringify(QDQ)}, { intraOpNumThreads: 1 });
        const x = new Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.25), [1, 3, 224, 224]);
        for (let i = 0; i < 30; i++) await s.run({ input: x });
        console.log(JSON.stringify('done'));`,
    });
    expect(done).toBe('done');
  }, 120_000);
});

// While a short run is in flight the loop polls for its end (native/addon/env_jobs.cc). Each turn of
// the loop costs Node a JS object, so a loop that went round every microsecond left 9-11 KB of
// garbage per 350-400 µs run, more than run()'s own JavaScript (3-7 KB): 14-16 KB a run here before
// polling went to 50 µs slices. Measured in a child with a 16 MiB young generation, so 800 runs fit
// without a collection.
describe('polling for a short run', () => {
  it('leaves little garbage on the JS heap', () => {
    const bytes = model({
      inputs: [['X', DT.FLOAT, [256, 512]]],
      outputs: [['Y', DT.FLOAT, [256, 256]]],
      initializers: [{ name: 'W', type: DT.FLOAT, dims: [512, 256], data: new Float32Array(512 * 256).map((_, i) => Math.sin(i)) }],
      nodes: [{ op: 'MatMul', inputs: ['X', 'W'], outputs: ['Y'] }],
    });
    const perRun = runInFreshNode<{ bytes: number; us: number }[]>({
      flags: ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'],
      files: { 'matmul.onnx': bytes },
      script: (paths) => `
        const { PerformanceObserver } = await import('node:perf_hooks');
        const s = await InferenceSession.create(${JSON.stringify(paths['matmul.onnx'])}, { intraOpNumThreads: 1 });
        const feeds = { X: new Tensor('float32', new Float32Array(256 * 512).fill(0.5), [256, 512]) };
        const fetches = { Y: new Tensor('float32', new Float32Array(256 * 256), [256, 256]) };
        let collections = 0;
        new PerformanceObserver((list) => { collections += list.getEntries().length; }).observe({ entryTypes: ['gc'] });
        const perRun = [];
        for (let attempt = 0; attempt < 5 && perRun.length < 3; attempt++) {
          for (let i = 0; i < 100; i++) await s.run(feeds, fetches);
          globalThis.gc();
          await new Promise((r) => setTimeout(r, 10));
          collections = 0;
          const before = process.memoryUsage().heapUsed;
          const started = performance.now();
          for (let i = 0; i < 800; i++) await s.run(feeds, fetches);
          const used = process.memoryUsage().heapUsed - before;
          await new Promise((r) => setTimeout(r, 0));  // let the observer report
          if (collections === 0) perRun.push({ bytes: used / 800, us: (performance.now() - started) * 1000 / 800 });
        }
        console.log(JSON.stringify(perRun));`,
    });
    console.log(`JS heap allocated per run(feeds, fetches): ${perRun.map((r) => `${Math.round(r.bytes)} B (${r.us.toFixed(0)} µs a run)`).join(', ')}`);
    expect(perRun.length).toBeGreaterThan(0);
    expect(Math.min(...perRun.map((r) => r.bytes))).toBeLessThan(8 * 1024);
  }, 120_000);
});
