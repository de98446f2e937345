/** PackedWeights lifecycle: properties, release (idempotent), Symbol.dispose, reuse across calls. */
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { PackedWeights, Tensor, ops } from '../../lib/index.js';

describe('PackedWeights', () => {
  const b = new Tensor('uint8', Uint8Array.from({ length: 20 * 9 }, (_, i) => (i * 31) & 255), [20, 9]);

  it('exposes K, N, type, isa and byteLength', () => {
    const packed = ops.prepackWeights(b, 17);
    expect(packed).toBeInstanceOf(PackedWeights);
    expect([packed.K, packed.N, packed.type]).toEqual([20, 9, 'uint8']);
    expect(packed.isa).toBe(binding.runtimeInfo().isa);
    expect(packed.byteLength).toBeGreaterThanOrEqual(20 * 9);
    expect(packed.released).toBe(false);
    packed.release();
    expect(packed.released).toBe(true);
    expect(packed.byteLength).toBe(0);
    expect(() => packed.release()).not.toThrow();
  });

  it('Symbol.dispose releases (usable with `using`)', () => {
    const packed = ops.prepackWeights(b);
    packed[Symbol.dispose]();
    expect(packed.released).toBe(true);
  });

  it('is reused across calls with different a and gives the raw-b result', () => {
    const packed = ops.prepackWeights(b, new Tensor('uint8', Uint8Array.from({ length: 9 }, (_, i) => i * 20), [9]));
    try {
      for (const M of [1, 5, 33]) {
        const a = new Tensor('int8', Int8Array.from({ length: M * 20 }, (_, i) => ((i * 17) & 255) - 128), [M, 20]);
        const zb = new Tensor('uint8', Uint8Array.from({ length: 9 }, (_, i) => i * 20), [9]);
        expect(Array.from(ops.matmulInteger(a, packed, -3).data)).toEqual(Array.from(ops.matmulInteger(a, b, -3, zb).data));
      }
    } finally {
      packed.release();
    }
  });
});
