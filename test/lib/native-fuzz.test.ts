// A server embeds this library, so no argument may crash the process. Each native entry point is
// called here with hundreds of randomly broken argument lists (wrong types, wrong lengths, huge or
// negative sizes, NaN, detached-looking views, missing fields); every call must either return or throw
// a JavaScript error. A crash would take the vitest worker down and fail the file.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(0xf00d);
const rand = (): number => rng.nextUint32() / 2 ** 32;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function junk(): unknown {
  return pick([
    undefined,
    null,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    2 ** 31,
    2 ** 53,
    'uint8',
    'int32',
    {},
    [],
    Symbol('x'),
    () => 0,
    new Uint8Array(0),
    new Uint8Array(7),
    new Int8Array(64),
    new Int32Array(3),
    new Float32Array(5),
    new Float64Array(4),
    new Uint16Array(2),
    new Uint8Array(new ArrayBuffer(32), 3, 5),
    Float32Array.of(NaN),
    Float32Array.of(-1),
    Int32Array.of(300),
  ]);
}

const packed = binding.packWeights(new Int8Array(12), 3, 4, Int32Array.of(0));

function mutateObject(base: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...base };
  const keys = Object.keys(copy);
  const changes = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < changes; i++) {
    const key = pick(keys);
    if (rand() < 0.2) delete copy[key];
    else copy[key] = junk();
  }
  return copy;
}

function callSurvives(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    // Only JavaScript errors: anything else (a crash) never gets here.
    if (!(e instanceof Error)) throw e;
  }
  return true;
}

describe('native entry points survive broken arguments', () => {
  const validGemm = {
    a: new Uint8Array(6), M: 2, K: 3, aZeroPoint: Int32Array.of(1), b: packed, output: 'uint8',
    aScale: Float32Array.of(0.1), bScale: Float32Array.of(0.1), yScale: Float32Array.of(0.1), yZeroPoint: 0, out: new Uint8Array(8),
  };
  const validReference = { ...validGemm, b: new Int8Array(12), N: 4, bZeroPoint: Int32Array.of(0) };

  it('qgemm and qgemmReference', () => {
    for (let i = 0; i < 400; i++) {
      expect(callSurvives(() => binding.qgemm(mutateObject(validGemm) as never))).toBe(true);
      expect(callSurvives(() => binding.qgemmReference(mutateObject(validReference) as never))).toBe(true);
    }
    expect(callSurvives(() => binding.qgemm(junk() as never))).toBe(true);
  });

  it('packWeights, quantizeLinear, dequantizeLinear, dynamicQuantizeLinear and the runtime calls', () => {
    const valid: Record<string, unknown[]> = {
      packWeights: [new Int8Array(12), 3, 4, Int32Array.of(0)],
      quantizeLinear: [new Float32Array(6), Float32Array.of(1), Int32Array.of(0), 1, 1, 6, new Uint8Array(6)],
      dequantizeLinear: [new Uint8Array(6), Float32Array.of(1), Int32Array.of(0), 1, 1, 6, new Float32Array(6)],
      dynamicQuantizeLinear: [new Float32Array(6), new Uint8Array(6)],
      setNumThreads: [2],
      setIsa: [binding.runtimeInfo().isa],
      measurePeakGops: [binding.runtimeInfo().isa, 1],
    };
    const isa = binding.runtimeInfo().isa;
    const threads = binding.runtimeInfo().threads;
    for (let i = 0; i < 300; i++) {
      for (const [name, args] of Object.entries(valid)) {
        const broken = args.map((v) => (rand() < 0.3 ? junk() : v));
        if (rand() < 0.1) broken.length = Math.floor(rand() * broken.length);
        const fn = (binding as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
        expect(callSurvives(() => fn(...broken))).toBe(true);
      }
    }
    binding.setIsa(isa);
    binding.setNumThreads(threads);
  });
});
