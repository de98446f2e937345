// Corrupted input never crashes the reader: truncated and byte-flipped copies of a valid model either
// load or throw an Error.
import { describe, expect, it } from 'vitest';
import { readModel } from '../../lib/onnx/index.js';
import { Rng } from '../helpers/random.js';

const makeRng = (seed: number): (() => number) => {
  const rng = new Rng(seed);
  return () => rng.nextUint32() / 4294967296;
};
import { smallModel } from './build.js';

function loadsOrThrowsError(bytes: Uint8Array): 'loaded' | 'error' {
  try {
    readModel(bytes);
    return 'loaded';
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^<bytes>: /);
    return 'error';
  }
}

describe('corrupted models', () => {
  const model = smallModel();

  it('every truncation loads or throws an Error', () => {
    let errors = 0;
    for (let n = 0; n < model.length; n++) if (loadsOrThrowsError(model.subarray(0, n)) === 'error') errors++;
    expect(errors).toBeGreaterThan(model.length / 2);
  });

  it('a name running past the end of the bytes is an error, not a cut-off name', () => {
    const at = Buffer.from(model).indexOf('octet-test');
    expect(at).toBeGreaterThan(0);
    expect(() => readModel(model.subarray(0, at + 5))).toThrow(/^<bytes>: cannot decode ONNX ModelProto .*index out of range/);
  });

  it('names decode as UTF-8 from bytes at any offset of their buffer', () => {
    // Node hands small files back as slices of a shared pool: the string reader must honour the offset.
    const shifted = Buffer.alloc(model.length + 7);
    shifted.set(model, 7);
    expect(readModel(shifted.subarray(7)).producerName).toBe('octet-test');
    const named = Buffer.from(model).toString('latin1').replace('octet-test', 'octet-tëst');
    // latin1 'ë' is one byte; as UTF-8 the two bytes c3 ab spell it, so rewrite the length prefix too.
    const utf8 = Buffer.from(named.replace('\x0aoctet-tëst', '\x0boctet-t\xc3\xabst'), 'latin1');
    expect(readModel(new Uint8Array(utf8)).producerName).toBe('octet-tëst');
  });

  it('200 copies with random byte flips load or throw an Error', () => {
    const rng = makeRng(12345);
    const outcomes = { loaded: 0, error: 0 };
    for (let k = 0; k < 200; k++) {
      const copy = Uint8Array.from(model);
      const flips = 1 + Math.floor(rng() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(rng() * copy.length)] = Math.floor(rng() * 256);
      outcomes[loadsOrThrowsError(copy)]++;
    }
    console.log(`byte flips: ${outcomes.loaded} loaded, ${outcomes.error} rejected with an Error`);
    expect(outcomes.loaded + outcomes.error).toBe(200);
    expect(outcomes.error).toBeGreaterThan(0);
  });

  it('random bytes load or throw an Error', () => {
    const rng = makeRng(7);
    for (let k = 0; k < 100; k++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rng() * 200) }, () => Math.floor(rng() * 256));
      loadsOrThrowsError(bytes);
    }
  });
});
