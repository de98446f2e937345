/**
 * Runs a block of tests once per kernel path this binary and CPU support (scalar, avx2, avx512vnni
 * on x86), switching the native path with binding.setIsa and restoring the previous one afterwards.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { binding, type IsaName } from '../../lib/binding.js';

export const ISAS: readonly IsaName[] = binding.runtimeInfo().availableIsas;

export function describeEachIsa(title: string, body: (isa: IsaName) => void): void {
  describe.each(ISAS.map((isa) => [isa]))(`${title} [isa=%s]`, (isa: IsaName) => {
    let previous: IsaName;
    beforeAll(() => {
      previous = binding.runtimeInfo().isa;
      binding.setIsa(isa);
    });
    afterAll(() => {
      binding.setIsa(previous);
    });
    body(isa);
  });
}

/** Memoizes an expensive reference result by key, so each ISA compares against the same value. */
export function memo<T>(): (key: string, compute: () => T) => T {
  const cache = new Map<string, T>();
  return (key, compute) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute();
      cache.set(key, value);
    }
    return value;
  };
}
