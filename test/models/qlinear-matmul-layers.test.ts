// QLinearMatMul layer models with constant weights and scales (packed and requantization multipliers
// precomputed at create) give exactly onnxruntime-node's uint8 outputs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';

const LAYERS = join(import.meta.dirname, '..', '..', '..', 'shared', 'models', 'layers');

describe('QLinearMatMul layer models agree with onnxruntime-node bit for bit', () => {
  for (const shape of ['1x1024x1024', '256x256x256', '128x768x768']) {
    const path = join(LAYERS, `gemm_${shape}_qlinear.onnx`);
    it.skipIf(!existsSync(path))(shape, async () => {
      const ours = await InferenceSession.create(path, { intraOpNumThreads: 2 });
      const theirs = await ort.InferenceSession.create(path);
      const meta = ours.inputMetadata[0]!;
      const dims = meta.shape.map((d) => (typeof d === 'number' ? d : 1));
      const x = new Uint8Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (i * 37 + 11) % 256);
      const a = (await ours.run({ [meta.name]: new Tensor('uint8', x, dims) }))[ours.outputNames[0]!]!.data as Uint8Array;
      const b = (await theirs.run({ [meta.name]: new ort.Tensor('uint8', x, dims) }))[theirs.outputNames[0]!]!.data as Uint8Array;
      expect(a.length).toBe(b.length);
      let different = 0;
      for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) different++;
      expect(different).toBe(0);
      await ours.release();
      await theirs.release();
    });
  }
});
