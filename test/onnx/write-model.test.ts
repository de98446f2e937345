// writeModel: the IR written back to ONNX at a newer opset must mean the same thing. Old forms
// (Slice-9 attributes, Clip-6 attributes, Softmax-9 over flattened trailing axes, Upsample-9,
// Squeeze-9 axes) are run by onnxruntime-node as written and as rewritten: the outputs must be equal.
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphFromModel } from '../../lib/graph/from-onnx.js';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { readModel } from '../../lib/onnx/index.js';
import { writeModel } from '../../lib/onnx/write-model.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(3);

function oldFormsModel(): Uint8Array {
  return model({
    inputs: [['x', DT.FLOAT, [2, 3, 4, 5]]],
    outputs: [['y', DT.FLOAT, null], ['z', DT.FLOAT, null], ['u', DT.FLOAT, null]],
    initializers: [{ name: 'scales', type: DT.FLOAT, dims: [4], data: Float32Array.of(1, 1, 2, 2) }],
    nodes: [
      { op: 'Slice', inputs: ['x'], outputs: ['s'], attrs: { starts: [1, 0], ends: [3, 4], axes: [1, 3] } },
      { op: 'Clip', inputs: ['s'], outputs: ['c'], attrs: { min: { float: -0.5 }, max: { float: 0.75 } } },
      { op: 'Softmax', inputs: ['c'], outputs: ['y'], attrs: { axis: 2 } },
      { op: 'Upsample', inputs: ['x', 'scales'], outputs: ['up'], attrs: { mode: 'nearest' } },
      { op: 'ReduceMean', inputs: ['up'], outputs: ['m'], attrs: { axes: [0], keepdims: 1 } },
      { op: 'Squeeze', inputs: ['m'], outputs: ['z'], attrs: { axes: [0] } },
      { op: 'LogSoftmax', inputs: ['x'], outputs: ['u'], attrs: { axis: 1 } },
    ],
    opset: 9,
  });
}

describe('writeModel', () => {
  it('rewrites opset-9 forms into opset-13 ones with the same results', async () => {
    const original = oldFormsModel();
    const written = writeModel(graphFromModel(readModel(original)), { opset: 13 });
    const x = Float32Array.from({ length: 120 }, () => rng.next() * 4 - 2);
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      const r = await s.run({ x: new ort.Tensor('float32', x, [2, 3, 4, 5]) });
      await s.release();
      return r;
    };
    const a = await run(original);
    const b = await run(written);
    for (const name of ['y', 'z', 'u']) {
      expect(b[name]!.dims, name).toEqual(a[name]!.dims);
      expect(Array.from(b[name]!.data as Float32Array), name).toEqual(Array.from(a[name]!.data as Float32Array));
    }
    // And octet reads the written model the same way.
    const s = await InferenceSession.create(written);
    const c = await s.run({ x: new Tensor('float32', x, [2, 3, 4, 5]) });
    for (const name of ['y', 'z', 'u']) {
      const ours = c[name]!.data as Float32Array;
      const theirs = a[name]!.data as Float32Array;
      for (let i = 0; i < theirs.length; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThan(1e-6);
    }
    await s.release();
  });

  it('writes a real model whose outputs equal the original in octet', async () => {
    const path = join(import.meta.dirname, '..', '..', 'examples', 'fashion-mnist', 'fashion_cnn.onnx');
    const written = writeModel(graphFromModel(readModel(path)), { opset: 13 });
    const x = Float32Array.from({ length: 4 * 784 }, () => rng.next() * 2 - 1);
    const a = await InferenceSession.create(path);
    const b = await InferenceSession.create(written);
    const ra = (await a.run({ input: new Tensor('float32', x, [4, 1, 28, 28]) })).logits!.data;
    const rb = (await b.run({ input: new Tensor('float32', x, [4, 1, 28, 28]) })).logits!.data;
    expect(Array.from(rb as Float32Array)).toEqual(Array.from(ra as Float32Array));
    await a.release();
    await b.release();
  });
});
