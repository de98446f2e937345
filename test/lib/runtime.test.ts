/** runtimeInfo / setNumThreads and the shape of the public exports. */
import { afterAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import * as octet from '../../lib/index.js';
import { PackedWeights, Tensor, ops, runtimeInfo, setNumThreads } from '../../lib/index.js';

describe('runtime', () => {
  const initialThreads = binding.runtimeInfo().threads;
  afterAll(() => binding.setNumThreads(initialThreads));

  it('runtimeInfo reports the ISA, available ISAs, threads, kernel and CPU features', () => {
    const info = runtimeInfo();
    expect(info).toEqual(binding.runtimeInfo());
    expect(info.availableIsas).toContain('scalar');
    expect(info.availableIsas).toContain(info.isa);
    expect(Number.isInteger(info.threads) && info.threads >= 1).toBe(true);
    expect(info.gemmKernel).toMatch(new RegExp(`__${info.isa}$`));
    expect(Array.isArray(info.cpuFeatures)).toBe(true);
    // A snapshot: mutating it changes nothing.
    info.availableIsas.length = 0;
    expect(runtimeInfo().availableIsas.length).toBeGreaterThan(0);
  });

  it('the kernel name follows setIsa', () => {
    const current = binding.runtimeInfo().isa;
    try {
      for (const isa of runtimeInfo().availableIsas) {
        binding.setIsa(isa);
        expect(runtimeInfo().isa).toBe(isa);
        expect(runtimeInfo().gemmKernel).toMatch(new RegExp(`__${isa}$`));
      }
    } finally {
      binding.setIsa(current);
    }
  });

  it('setNumThreads changes the default thread count', () => {
    setNumThreads(3);
    expect(runtimeInfo().threads).toBe(3);
    setNumThreads(1);
    expect(runtimeInfo().threads).toBe(1);
    // Results do not depend on it.
    const a = new Tensor('uint8', Uint8Array.from({ length: 64 * 40 }, (_, i) => (i * 7) & 255), [64, 40]);
    const b = new Tensor('int8', Int8Array.from({ length: 40 * 50 }, (_, i) => ((i * 13) & 255) - 128), [40, 50]);
    const one = ops.matmulInteger(a, b, 3, -5);
    setNumThreads(2);
    expect(Array.from(ops.matmulInteger(a, b, 3, -5).data)).toEqual(Array.from(one.data));
  });
});

describe('public exports', () => {
  it('index exports InferenceSession, Tensor, quantizeStatic, quantizeDynamic, quantizeWeights, QuantizedModel, ops, runtimeInfo, setNumThreads, PackedWeights', () => {
    expect(Object.keys(octet).sort()).toEqual(['InferenceSession', 'PackedWeights', 'QuantizedModel', 'Tensor', 'ops', 'quantizeDynamic', 'quantizeStatic', 'quantizeWeights', 'runtimeInfo', 'setNumThreads']);
    expect(typeof PackedWeights).toBe('function');
  });

  it('ops has exactly the six operators', () => {
    expect(Object.keys(ops).sort()).toEqual(['dequantizeLinear', 'dynamicQuantizeLinear', 'matmulInteger', 'prepackWeights', 'qlinearMatMul', 'quantizeLinear']);
    expect(Object.isFrozen(ops)).toBe(true);
  });
});
