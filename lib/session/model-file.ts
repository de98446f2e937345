/**
 * Reading a model file for a session: into native model memory (binding.allocModelBuffer), whose
 * pages native gives back as it packs the weights (lib/session/released-weights.ts), with spare bytes
 * after the file so the last tensor can be used in place too. Read asynchronously, off the event loop.
 */
import { open } from 'node:fs/promises';
import { binding } from '../binding.js';
import { TENSOR_SLACK_BYTES } from '../onnx/tensor-proto.js';

/** The file's bytes: a prefix of an ArrayBuffer that is the caller's alone. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(binding.allocModelBuffer(size + TENSOR_SLACK_BYTES), 0, size);
    for (let done = 0; done < size; ) {
      const { bytesRead } = await file.read(bytes, done, size - done, done);
      if (bytesRead === 0) throw new Error(`${path}: the file ended after ${done} of ${size} bytes (changed while being read?)`);
      done += bytesRead;
    }
    return bytes;
  } finally {
    await file.close();
  }
}
