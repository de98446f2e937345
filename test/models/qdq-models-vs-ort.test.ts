// The shared QDQ models (int8 weights per channel, uint8 activations) against onnxruntime-node, which
// fuses every QDQ group into its int8 kernels as octet does. Both requantize with float multipliers
// and round half to even, but the two libraries order the float steps differently, so an output may
// land one quantization step apart; the bar: within one step on at least 99% of elements,
// and the same top-1 class for every image. The profile must show the convolutions ran as int8.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { readModel } from '../../lib/onnx/index.js';
import { photo } from '../helpers/images.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'models');

/** The scale of the DequantizeLinear that produces graph output `name`. */
function outputStep(path: string, name: string): number {
  const g = readModel(path).graph;
  const dq = g.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === name);
  if (!dq) throw new Error(`${name} is not made by a DequantizeLinear`);
  return Number(g.initializers.get(dq.inputs[1]!)!.data[0]);
}

function argmax(v: Float32Array, from: number, n: number): number {
  let best = from;
  for (let i = from; i < from + n; i++) if (v[i]! > v[best]!) best = i;
  return best - from;
}

describe('QDQ models agree with onnxruntime-node', () => {
  for (const model of ['mobilenet_v2_qdq', 'resnet18_qdq']) {
    const path = join(SHARED, `${model}.onnx`);
    it.skipIf(!existsSync(path))(model, async () => {
      const session = await InferenceSession.create(path, { enableProfiling: true });
      const reference = await ort.InferenceSession.create(path);
      const step = outputStep(path, 'output');
      try {
        let within = 0;
        let total = 0;
        let worst = 0;
        for (const [k, n] of [1, 4].entries()) {
          const shape = [n, 3, 224, 224];
          const data = photo(n, 224, 224, 40 + k);
          const ours = (await session.run({ input: new Tensor('float32', data, shape) })).output!.data as Float32Array;
          const theirs = (await reference.run({ input: new ort.Tensor('float32', data, shape) })).output!.data as Float32Array;
          for (let i = 0; i < theirs.length; i++) {
            const steps = Math.abs(ours[i]! - theirs[i]!) / step;
            worst = Math.max(worst, steps);
            if (steps <= 1 + 1e-3) within++;
            total++;
          }
          for (let b = 0; b < n; b++) expect(argmax(ours, b * 1000, 1000), `${model} image ${b} of batch ${n}`).toBe(argmax(theirs, b * 1000, 1000));
        }
        console.log(`${model}: ${((100 * within) / total).toFixed(2)}% of outputs within one step of onnxruntime (worst ${worst.toFixed(1)} steps)`);
        expect(within / total).toBeGreaterThanOrEqual(0.99);
        const profile = session.profile();
        const byType = new Map(profile.byOpType.map((t) => [t.opType, t.nodes]));
        expect(byType.get('QLinearConv') ?? 0).toBeGreaterThan(10);
        expect(byType.has('Conv')).toBe(false);
        // int8 from the input's QuantizeLinear to the output's DequantizeLinear: no float fallback left.
        const kinds = new Map(session.describe().map((d) => [d.name, d.kernel]));
        expect([...kinds.values()].filter((k) => k === 'fallback' || k === 'float')).toEqual([]);
        expect([...kinds.values()].filter((k) => k === 'quantize')).toHaveLength(1);
        expect(profile.byKernel[0]!.kernel).toBe('int8');
        console.log(`${model}: time by kernel kind`, profile.byKernel.map((k) => `${k.kernel} ${(k.milliseconds / profile.runs).toFixed(2)} ms`).join(', '));
      } finally {
        await session.release();
        await reference.release();
      }
    }, 300_000);
  }
});
