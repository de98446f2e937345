// quantizeDynamic: MatMul / Gemm weights int8, activations quantized per call. On a two-layer MLP
// with a Gemm (transB, alpha, beta, bias) and a MatMul, and on the Fashion-MNIST classifier's Gemm:
// the rewritten model runs on the int8 GEMM in octet, gives onnxruntime-node's outputs exactly, and
// stays close to float.
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceSession, quantizeDynamic, Tensor } from '../../lib/index.js';
import { fashionBatch, fashionMnistPresent, loadFashionMnist } from '../helpers/fashion-mnist.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(11);
const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'fashion-mnist', 'fashion_cnn.onnx');

function mlp(): Uint8Array {
  const w = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  return model({
    inputs: [['x', DT.FLOAT, ['N', 32]]],
    outputs: [['y', DT.FLOAT, ['N', 8]]],
    initializers: [
      { name: 'w1', type: DT.FLOAT, dims: [48, 32], data: w(48 * 32) },
      { name: 'b1', type: DT.FLOAT, dims: [48], data: w(48) },
      { name: 'w2', type: DT.FLOAT, dims: [48, 8], data: w(48 * 8) },
    ],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'MatMul', inputs: ['r', 'w2'], outputs: ['y'] },
    ],
    opset: 13,
  });
}

describe('quantizeDynamic', () => {
  it('rewrites an MLP onto MatMulInteger: octet equals onnxruntime and stays close to float', async () => {
    const bytes = mlp();
    const q = await quantizeDynamic(bytes);
    expect(q.report.quantizedNodes).toHaveLength(2);
    expect(q.report.method).toBe('dynamic');
    const x = Float32Array.from({ length: 5 * 32 }, () => rng.next() * 4 - 2);
    const float = await InferenceSession.create(bytes);
    const ours = await q.createSession();
    const theirs = await ort.InferenceSession.create(q.toBytes());
    const f = (await float.run({ x: new Tensor('float32', x, [5, 32]) })).y!.data as Float32Array;
    const a = (await ours.run({ x: new Tensor('float32', x, [5, 32]) })).y!.data as Float32Array;
    const b = (await theirs.run({ x: new ort.Tensor('float32', x, [5, 32]) })).y!.data as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
    let maxDiff = 0, maxRef = 0;
    for (let i = 0; i < f.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - f[i]!));
      maxRef = Math.max(maxRef, Math.abs(f[i]!));
    }
    expect(maxDiff / maxRef).toBeLessThan(0.03);
    const kinds = ours.describe({ x: [5, 32] });
    expect(kinds.filter((d) => d.opType === 'MatMulInteger').every((d) => d.kernel === 'int8')).toBe(true);
    expect(kinds.filter((d) => d.opType === 'DynamicQuantizeLinear')).toHaveLength(2);
    await float.release();
    await ours.release();
    await theirs.release();
  });

  it.skipIf(!fashionMnistPresent)('keeps the Fashion-MNIST classifier within 0.5 points of float', async () => {
    const test = loadFashionMnist('t10k');
    const q = await quantizeDynamic(MODEL);
    expect(q.report.quantizedNodes).toHaveLength(1);  // its Gemm (convolutions are not dynamic here)
    const float = await InferenceSession.create(MODEL);
    const int8 = await q.createSession();
    let rightFloat = 0, rightInt8 = 0;
    for (let first = 0; first < 2000; first += 100) {
      const x = fashionBatch(test, first, 100);
      const lf = (await float.run({ input: new Tensor('float32', x, [100, 1, 28, 28]) })).logits!.data as Float32Array;
      const lq = (await int8.run({ input: new Tensor('float32', x, [100, 1, 28, 28]) })).logits!.data as Float32Array;
      for (let r = 0; r < 100; r++) {
        const top = (l: Float32Array) => { let b = 0; for (let c = 1; c < 10; c++) if (l[r * 10 + c]! > l[r * 10 + b]!) b = c; return b; };
        if (top(lf) === test.labels[first + r]) rightFloat++;
        if (top(lq) === test.labels[first + r]) rightInt8++;
      }
    }
    expect(Math.abs(rightFloat - rightInt8) / 2000).toBeLessThanOrEqual(0.005);
    await float.release();
    await int8.release();
  });

  it('rejects bad options', async () => {
    await expect(quantizeDynamic(mlp(), { exclude: 'Gemm' as never })).rejects.toThrow(TypeError);
    await expect(quantizeDynamic(5 as never)).rejects.toThrow(TypeError);
  });
});
