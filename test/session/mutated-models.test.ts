// Hundreds of randomly mutated copies of a valid model (bytes flipped, cut, duplicated) go to
// create(); each must load or throw an Error — never crash the process. Those that load are run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { Rng } from '../helpers/random.js';

const MODEL = join(import.meta.dirname, '..', '..', '..', 'shared', 'models', 'fashion_cnn.onnx');

function mutate(original: Uint8Array, rng: Rng): Uint8Array {
  const bytes = original.slice();
  const kind = rng.int(0, 3);
  if (kind === 0) {
    for (let i = rng.int(1, 16); i > 0; i--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    return bytes;
  }
  if (kind === 1) return bytes.subarray(0, rng.int(0, bytes.length - 1));
  if (kind === 2) {
    // Flip bytes in the first kilobytes, where the graph structure (not the weights) lives... mostly.
    for (let i = rng.int(1, 8); i > 0; i--) bytes[rng.int(0, Math.min(bytes.length - 1, 4096))]! ^= 1 << rng.int(0, 7);
    return bytes;
  }
  const at = rng.int(0, bytes.length - 1);
  const len = rng.int(1, 64);
  const out = new Uint8Array(bytes.length + len);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at, Math.min(bytes.length, at + len)), at);
  out.set(bytes.subarray(at), at + Math.min(len, bytes.length - at));
  return out;
}

describe.skipIf(!existsSync(MODEL))('mutated models', () => {
  it('every mutated copy loads or throws an Error', async () => {
    const original = new Uint8Array(readFileSync(MODEL));
    const rng = new Rng(2026);
    let loaded = 0;
    let rejected = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = mutate(original, rng);
      let session: InferenceSession | undefined;
      try {
        session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        rejected++;
        continue;
      }
      loaded++;
      try {
        const input = session.inputNames[0]!;
        await session.run({ [input]: new Tensor('float32', new Float32Array(28 * 28).fill(0.5), [1, 1, 28, 28]) });
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      } finally {
        await session.release();
      }
    }
    console.log(`mutated models: ${loaded} loaded, ${rejected} rejected with an Error`);
    expect(loaded + rejected).toBe(300);
  }, 300_000);
});
