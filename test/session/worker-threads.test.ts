// Sessions inside worker_threads: the addon is context-aware, each thread has its own state, and
// a session created in a worker gives the main thread's answers.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { DT, model } from '../helpers/onnx-model.js';

const bytes = model({
  inputs: [['X', DT.FLOAT, [2, 3]]],
  outputs: [['Y', DT.FLOAT, [2, 3]]],
  nodes: [
    { op: 'Tanh', inputs: ['X'], outputs: ['T'] },
    { op: 'Mul', inputs: ['T', 'X'], outputs: ['Y'] },
  ],
});

describe('sessions in worker_threads', () => {
  it('runs in two workers at once with the main thread answers', async () => {
    const x = Float32Array.from([-2, -1, -0.5, 0.5, 1, 2]);
    const main = await InferenceSession.create(bytes);
    const want = Array.from((await main.run({ X: new Tensor('float32', x, [2, 3]) })).Y!.data as Float32Array);
    await main.release();
    const entry = new URL('../../dist/index.js', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.entry).then(async ({ InferenceSession, Tensor }) => {
        const s = await InferenceSession.create(workerData.bytes);
        const r = await s.run({ X: new Tensor('float32', workerData.x, [2, 3]) });
        await s.release();
        parentPort.postMessage(Array.from(r.Y.data));
      }).catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const results = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<unknown>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { entry, bytes, x } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) expect(r).toEqual(want);
  });
});
