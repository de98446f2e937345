// Packed weights own native memory: release() must free it at once, however often weights are packed
// and released (a session reloading models in a server).
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { Tensor, ops, runtimeInfo } from '../../lib/index.js';

describe('native memory', () => {
  it('released weights return their memory at once (400 × 1 MiB packings)', () => {
    // Counted natively (runtimeInfo().nativeBytes), not by RSS, which also reflects what the C
    // allocator chooses to keep.
    const K = 1024, N = 1024;
    const b = new Tensor('int8', new Int8Array(K * N).fill(3), [K, N]);
    const before = runtimeInfo().nativeBytes;
    for (let i = 0; i < 400; i++) {
      const packed = ops.prepackWeights(b);
      expect(packed.byteLength).toBeGreaterThanOrEqual(K * N);
      expect(runtimeInfo().nativeBytes - before).toBeGreaterThanOrEqual(K * N);
      packed.release();
      packed.release(); // idempotent
      expect(packed.byteLength).toBe(0);
      expect(runtimeInfo().nativeBytes).toBe(before);
    }
  });

  it('using released weights is an Error, not a read of freed memory', () => {
    const native = binding.packWeights(new Int8Array(6), 2, 3, Int32Array.of(0));
    native.release();
    expect(() => binding.qgemm({ a: new Uint8Array(2), M: 1, K: 2, aZeroPoint: 0, b: native, output: 'int32', out: new Int32Array(3) })).toThrow(/released/);
  });
});
