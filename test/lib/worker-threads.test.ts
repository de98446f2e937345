// The addon is context-aware: it loads in worker_threads, each environment keeps its own state, and
// GEMMs running in several threads at once (sharing the process's kernel thread pool) stay exact.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const addonPath = join(__dirname, '..', '..', 'build', 'Release', 'octet.node');

// Runs in each worker: 20 random GEMMs, each compared with the scalar oracle; posts the mismatch count.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const b = require(workerData.addonPath);
let seed = workerData.seed, mismatches = 0;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
for (let i = 0; i < 20; i++) {
  const M = 1 + Math.floor(rnd() * 90), N = 1 + Math.floor(rnd() * 90), K = 1 + Math.floor(rnd() * 200);
  const a = new Uint8Array(M * K).map(() => rnd() * 256), w = new Int8Array(K * N).map(() => rnd() * 256 - 128);
  const zp = new Int32Array([Math.floor(rnd() * 256) - 128]);
  const args = { a, M, K, aZeroPoint: 9, output: 'uint8', aScale: Math.fround(0.02), bScale: Math.fround(0.003), yScale: Math.fround(0.4), yZeroPoint: 5 };
  const packed = b.packWeights(w, K, N, zp);
  const got = new Uint8Array(M * N), want = new Uint8Array(M * N);
  b.qgemm({ ...args, b: packed, out: got, threads: 2 });
  b.qgemmReference({ ...args, b: w, N, bZeroPoint: zp, out: want });
  packed.release();
  for (let j = 0; j < got.length; j++) if (got[j] !== want[j]) mismatches++;
}
parentPort.postMessage({ mismatches, isa: b.runtimeInfo().isa });
`;

function runWorker(seed: number): Promise<{ mismatches: number; isa: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { addonPath, seed } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

describe('worker_threads', () => {
  it('loads the addon in several workers at once and computes exact GEMMs in each', async () => {
    const results = await Promise.all([1, 2, 3].map(runWorker));
    for (const r of results) expect(r.mismatches).toBe(0);
    // A second round after the first workers exited: per-environment cleanup left the addon usable.
    const again = await runWorker(4);
    expect(again.mismatches).toBe(0);
  });
});
