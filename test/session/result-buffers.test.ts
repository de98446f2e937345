// Large results of run() live in recycled native memory (native/addon/result_buffers.cc): a result
// must hold its own values for as long as the caller keeps it, however many runs follow, and never
// share memory with another live result; runSync() results too.
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { runInFreshNode } from '../helpers/fresh-node.js';
import { DT, model } from '../helpers/onnx-model.js';

const SIDE = 96;  // [1, 4, 96, 96] float32 results: 144 KiB, above the recycling threshold

// Y = X * S with a scalar S, so each input's result is known exactly.
const bytes = model({
  inputs: [['X', DT.FLOAT, [1, 4, SIDE, SIDE]]],
  outputs: [['Y', DT.FLOAT, [1, 4, SIDE, SIDE]]],
  initializers: [{ name: 'S', type: DT.FLOAT, dims: [], data: Float32Array.of(2) }],
  nodes: [{ op: 'Mul', inputs: ['X', 'S'], outputs: ['Y'] }],
});

const input = (k: number) => new Tensor('float32', new Float32Array(4 * SIDE * SIDE).fill(k), [1, 4, SIDE, SIDE]);
const holds = (t: Tensor, value: number) => (t.data as Float32Array).every((v) => v === value);

describe('recycled result buffers', () => {
  it('each result keeps its values while held, across many runs', async () => {
    const s = await InferenceSession.create(bytes);
    const kept: [Tensor, number][] = [];
    for (let k = 1; k <= 300; k++) {
      const y = (await s.run({ X: input(k) })).Y!;
      expect(y.data.byteLength).toBe(4 * 4 * SIDE * SIDE);
      expect(holds(y, 2 * k), `run ${k}`).toBe(true);
      if (k % 50 === 0) kept.push([y, 2 * k]);  // the rest become garbage and their memory is reused
      if (k % 10 === 0) await new Promise((r) => setImmediate(r));  // let collected buffers return
    }
    for (const [y, value] of kept) expect(holds(y, value)).toBe(true);
    expect(new Set(kept.map(([y]) => y.data.buffer)).size).toBe(kept.length);
    await s.release();
  });

  it('concurrent runs get separate results', async () => {
    const s = await InferenceSession.create(bytes, { intraOpNumThreads: 2 });
    const results = await Promise.all(Array.from({ length: 16 }, (_, k) => s.run({ X: input(k + 1) })));
    results.forEach((r, k) => expect(holds(r.Y!, 2 * (k + 1)), `run ${k}`).toBe(true));
    expect(new Set(results.map((r) => r.Y!.data.buffer)).size).toBe(16);
    const sync = s.runSync({ X: input(7) }).Y!;
    expect(holds(sync, 14)).toBe(true);
    await s.release();
  });

  // V8 checks whether its young ArrayBuffers call for a young-generation collection only when it
  // allocates a backing store itself; each recycled result prompts that check. Without it, in a
  // process with a live heap, the results piled up until full mark-compacts freed them (2-3 per
  // 200 MB of results here, against 0 with it). Measured in a fresh process, away from vitest's heap.
  it('results are freed by young-generation collections, not full ones', () => {
    const kinds = runInFreshNode<{ minor: number; major: number }>({
      files: { 'mul.onnx': bytes },
      script: (paths) => `
        const { PerformanceObserver, constants } = await import('node:perf_hooks');
        const live = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x' + i }));  // a server's heap
        const s = await InferenceSession.create(${JSON.stringify(paths['mul.onnx'])});
        const x = new Tensor('float32', new Float32Array(4 * ${SIDE} * ${SIDE}).fill(1), [1, 4, ${SIDE}, ${SIDE}]);
        await s.run({ X: x });
        const kinds = { minor: 0, major: 0 };
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) kinds.minor++;
            if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) kinds.major++;
          }
        });
        observer.observe({ entryTypes: ['gc'] });
        for (let i = 0; i < 1500; i++) await s.run({ X: x });  // 216 MB of results
        await new Promise((r) => setImmediate(r));
        observer.disconnect();
        console.log(JSON.stringify({ ...kinds, live: live.length }));`,
    });
    expect(kinds.minor).toBeGreaterThanOrEqual(3);
    expect(kinds.major).toBeLessThanOrEqual(1);
  }, 120_000);

  // V8 starts a full mark-compact when the old generation plus the external memory allocated since
  // the last one near a limit; results bring the external bytes already. Whatever a run allocates in
  // the old generation brings the next one closer. The plan cache's LRU touch (a Map delete and set
  // per run) made V8 rehash the Map's table now and then, and an old Map gets its new table in the
  // old generation: 106-178 bytes a run, and the 3x3 64->64 layer with new results saw 10.5-12.7
  // mark-compacts per 1,000 runs instead of 6.5-6.9. Measured in a child whose young generation
  // (64 MiB) holds all of a round's short-lived objects, after a full collection made the rest old.
  it('a run allocates nothing in the old generation', () => {
    // A model whose plan depends on an input's values (Reshape's shape): every run looks its plan up.
    const reshape = model({
      inputs: [['X', DT.FLOAT, [1, 4, SIDE, SIDE]], ['S', DT.INT64, [2]]],
      outputs: [['Y', DT.FLOAT, null]],
      nodes: [{ op: 'Reshape', inputs: ['X', 'S'], outputs: ['Y'] }],
    });
    const perRun = runInFreshNode<Record<string, number>>({
      flags: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
      files: { 'mul.onnx': bytes, 'reshape.onnx': reshape },
      script: (paths) => `
        const v8 = await import('node:v8');
        const s = await InferenceSession.create(${JSON.stringify(paths['mul.onnx'])});
        const x = new Tensor('float32', new Float32Array(4 * ${SIDE} * ${SIDE}).fill(1), [1, 4, ${SIDE}, ${SIDE}]);
        const into = { Y: new Tensor('float32', new Float32Array(4 * ${SIDE} * ${SIDE}), [1, 4, ${SIDE}, ${SIDE}]) };
        const r = await InferenceSession.create(${JSON.stringify(paths['reshape.onnx'])});
        const shape = new Tensor('int64', BigInt64Array.of(4n, ${SIDE * SIDE}n), [2]);
        const old = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_used_size;
        const ways = {
          new: () => s.run({ X: x }),
          disposed: () => s.run({ X: x }).then((r) => r.Y.dispose()),
          preallocated: () => s.run({ X: x }, into),
          sync: async () => s.runSync({ X: x }, into),
          parameter: () => r.run({ X: x, S: shape }),
        };
        // Rounds during which V8 collected anything are left out (a collection moves or frees objects
        // there); the least of the others, as the optimising compiler may put a few things there.
        const { PerformanceObserver } = await import('node:perf_hooks');
        let collections = 0;
        new PerformanceObserver((list) => { collections += list.getEntries().length; }).observe({ entryTypes: ['gc'] });
        const perRun = {};
        for (let round = 0; round < 6; round++) {
          for (const [way, run] of Object.entries(ways)) {
            for (let i = 0; i < 100; i++) await run();
            globalThis.gc();  // as in a long-lived process, everything the session keeps is old by now
            await new Promise((r) => setTimeout(r, 0));
            collections = 0;
            const before = old();
            for (let i = 0; i < 100; i++) await run();
            const grown = old() - before;
            await new Promise((r) => setTimeout(r, 0));  // the observer reports collections late
            if (collections === 0) perRun[way] = Math.min(perRun[way] ?? Infinity, grown / 100);
          }
        }
        console.log(JSON.stringify(perRun));`,
    });
    console.log(`old-generation bytes allocated per run: ${JSON.stringify(perRun)}`);
    expect(Object.keys(perRun).sort()).toEqual(['disposed', 'new', 'parameter', 'preallocated', 'sync']);
    for (const [way, bytesPerRun] of Object.entries(perRun)) expect(bytesPerRun, way).toBeLessThan(64);
  }, 120_000);

  it('dispose() hands a result back at once: no memory piles up, later results are right', async () => {
    const s = await InferenceSession.create(bytes);
    const before = process.memoryUsage().external;
    let peak = 0;
    for (let k = 1; k <= 1000; k++) {
      const y = (await s.run({ X: input(k) })).Y!;
      if (!holds(y, 2 * k)) throw new Error(`run ${k} gave wrong values`);
      const view = y.data;
      y.dispose();
      expect(view.byteLength).toBe(0);  // detached: nothing can read the recycled bytes through it
      if (k % 50 === 0) peak = Math.max(peak, process.memoryUsage().external - before);
    }
    // 1000 results of 144 KiB: without dispose() V8 counts ~32 MB of them before it collects.
    expect(peak).toBeLessThan(4 * 2 ** 20);
    await s.release();
  });

  it('a disposed result stays whole until the runs using it as feed or fetch end', async () => {
    const s = await InferenceSession.create(bytes);
    const y1 = (await s.run({ X: input(1) })).Y!;
    const fed = y1.data;
    const pending = s.run({ X: y1 });  // reads y1's memory on a worker thread
    y1.dispose();
    expect(y1.location).toBe('none');
    expect(fed.byteLength).toBe(4 * 4 * SIDE * SIDE);  // still attached while the run reads it
    expect(holds((await pending).Y!, 4)).toBe(true);
    expect(fed.byteLength).toBe(0);  // detached when the run ended

    const y2 = (await s.run({ X: input(2) })).Y!;
    const written = y2.data;
    const into = s.run({ X: input(3) }, { Y: y2 });  // writes y2's memory
    y2.dispose();
    expect(written.byteLength).toBe(4 * 4 * SIDE * SIDE);
    await into;
    expect(written.byteLength).toBe(0);

    // Disposed tensors are refused as feeds and fetches; disposing twice is harmless.
    const y3 = (await s.run({ X: input(4) })).Y!;
    y3.dispose();
    y3.dispose();
    expect(() => y3.data).toThrow(/disposed/);
    await expect(s.run({ X: y3 })).rejects.toThrow(/input 'X' is a disposed tensor/);
    await expect(s.run({ X: input(5) }, { Y: y3 })).rejects.toThrow(/fetches\['Y'\] is a disposed tensor/);
    expect(() => s.runSync({ X: y3 })).toThrow(/input 'X' is a disposed tensor/);

    // runSync() results are handed back the same way.
    const z = s.runSync({ X: input(6) }).Y!;
    const zv = z.data;
    expect(holds(z, 12)).toBe(true);
    z.dispose();
    expect(zv.byteLength).toBe(0);
    await s.release();
  });
});
