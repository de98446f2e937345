// Packed weights own native memory: release() must free it at once, and the process must not grow
// when weights are packed and released over and over (a session reloading models in a server).
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { Tensor, ops } from '../../lib/index.js';

describe('native memory', () => {
  it('released weights return their memory (RSS stays flat over 400 × 1 MiB packings)', () => {
    const K = 1024, N = 1024;
    const b = new Tensor('int8', new Int8Array(K * N).fill(3), [K, N]);
    for (let i = 0; i < 20; i++) ops.prepackWeights(b).release(); // warm the allocator
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 400; i++) {
      const packed = ops.prepackWeights(b);
      expect(packed.byteLength).toBeGreaterThanOrEqual(K * N);
      packed.release();
      packed.release(); // idempotent
      expect(packed.byteLength).toBe(0);
    }
    const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grownMiB).toBeLessThan(64); // 400 leaked packings would be 400 MiB
  });

  it('using released weights is an Error, not a read of freed memory', () => {
    const native = binding.packWeights(new Int8Array(6), 2, 3, Int32Array.of(0));
    native.release();
    expect(() => binding.qgemm({ a: new Uint8Array(2), M: 1, K: 2, aZeroPoint: 0, b: native, output: 'int32', out: new Int32Array(3) })).toThrow(/released/);
  });
});
