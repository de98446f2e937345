// Large results of run() live in recycled native memory (native/addon/result_buffers.cc): a result
// must hold its own values for as long as the caller keeps it, however many runs follow, and never
// share memory with another live result; runSync() results too.
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
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
});
