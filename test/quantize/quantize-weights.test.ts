// quantizeWeights: weight-only quantization. The block quantizer against its definition (every value
// within half a step of its block's grid, the MatMulNBits layout decoded independently); rewritten
// models (an MLP with a Gemm and a batched MatMul, and the Fashion-MNIST classifier) at 4, 8 and 16
// bits: they load in octet and onnxruntime-node and agree, stay close to float, and shrink; the
// MatMulNBits kernel against a dequantize-then-multiply reference; bad options and bad MatMulNBits
// nodes are named errors at create().
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceSession, quantizeWeights, Tensor } from '../../lib/index.js';
import { quantizeNBits } from '../../lib/quantize/quantize-weights.js';
import { fashionBatch, fashionMnistPresent, loadFashionMnist } from '../helpers/fashion-mnist.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(23);
const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'fashion-mnist', 'fashion_cnn.onnx');

const randoms = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 2 * scale);

/** Decodes one weight from the MatMulNBits layout, written out independently of the quantizer. */
function decode(codes: Uint8Array, scales: Float32Array, zeroPoints: Uint8Array | undefined, K: number, N: number, bits: number, blockSize: number): Float32Array {
  const blocks = Math.ceil(K / blockSize), blob = (blockSize * bits) / 8;
  const w = new Float32Array(K * N);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize), i = k % blockSize;
      const byte = codes[(n * blocks + b) * blob + (bits === 8 ? i : i >> 1)]!;
      const q = bits === 8 ? byte : i % 2 === 0 ? byte & 15 : byte >> 4;
      let zp = 1 << (bits - 1);
      if (zeroPoints) {
        const per = Math.ceil((blocks * bits) / 8);
        const z = zeroPoints[n * per + (bits === 8 ? b : b >> 1)]!;
        zp = bits === 8 ? z : b % 2 === 0 ? z & 15 : z >> 4;
      }
      w[k * N + n] = Math.fround((q - zp) * scales[n * blocks + b]!);
    }
  return w;
}

function mlp(K: number, H: number, N: number): Uint8Array {
  return model({
    inputs: [['x', DT.FLOAT, ['B', 'S', K]]],
    outputs: [['y', DT.FLOAT, ['B', 'S', N]]],
    initializers: [
      { name: 'w1', type: DT.FLOAT, dims: [K, H], data: randoms(K * H, 0.2) },
      { name: 'w2', type: DT.FLOAT, dims: [N, H], data: randoms(N * H, 0.2) },
      { name: 'b2', type: DT.FLOAT, dims: [N], data: randoms(N) },
      { name: 'shape2d', type: DT.INT64, dims: [2], data: BigInt64Array.of(-1n, BigInt(H)) },
      { name: 'shape3d', type: DT.INT64, dims: [3], data: BigInt64Array.of(2n, -1n, BigInt(N)) },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'] },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'Reshape', inputs: ['r', 'shape2d'], outputs: ['r2'] },
      { op: 'Gemm', inputs: ['r2', 'w2', 'b2'], outputs: ['g'], attrs: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } },
      { op: 'Reshape', inputs: ['g', 'shape3d'], outputs: ['y'] },
    ],
    opset: 13,
  });
}

function maxRelative(a: Float32Array, ref: Float32Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

describe('quantizeNBits (the block quantizer)', () => {
  for (const bits of [4, 8] as const) {
    for (const symmetric of [false, true]) {
      it(`${bits}-bit ${symmetric ? 'symmetric' : 'asymmetric'}: every weight within half a step of its block's grid`, () => {
        const K = 83, N = 7, blockSize = 32;
        const w = randoms(K * N);
        for (let k = 0; k < K; k++) w[k * N + 3] = 0;  // an all-zero column: scale 1, no zero division
        w[5 * N + 1] = 40;  // an outlier widens only its own block
        const q = quantizeNBits(w, K, N, bits, blockSize, symmetric);
        expect(q.zeroPoints === undefined).toBe(symmetric);
        const back = decode(q.codes, q.scales, q.zeroPoints, K, N, bits, blockSize);
        const blocks = Math.ceil(K / blockSize);
        for (let n = 0; n < N; n++)
          for (let k = 0; k < K; k++) {
            const scale = q.scales[n * blocks + Math.floor(k / blockSize)]!;
            expect(scale).toBeGreaterThan(0);
            expect(Math.abs(back[k * N + n]! - w[k * N + n]!)).toBeLessThanOrEqual(scale * 0.5 + 1e-6);
          }
        expect(q.scales[3 * blocks]).toBe(1);
        // Only the outlier's block got a coarse step.
        expect(q.scales[1 * blocks]!).toBeGreaterThan(q.scales[1 * blocks + 1]! * 10);
      });
    }
  }

  it('refuses a weight that is not finite', () => {
    const w = randoms(64);
    w[9] = Number.NaN;
    expect(() => quantizeNBits(w, 16, 4, 4, 16, false)).toThrow(RangeError);
  });
});

describe('quantizeWeights', () => {
  for (const bits of [4, 8, 16] as const) {
    it(`${bits} bits: an MLP (MatMul on [B, S, K], Gemm with transB/alpha/beta) runs in octet and onnxruntime alike, close to float`, async () => {
      const bytes = mlp(200, 96, 40);
      const q = await quantizeWeights(bytes, { bits });
      expect(q.report.method).toBe('weight-only');
      expect(q.report.quantizedNodes).toHaveLength(2);
      expect(q.report.bytesAfter).toBeLessThan(q.report.bytesBefore * (bits === 16 ? 0.55 : bits === 8 ? 0.35 : 0.25));
      const x = randoms(2 * 5 * 200);
      const dims = [2, 5, 200];
      const float = await InferenceSession.create(bytes);
      const ours = await q.createSession({ intraOpNumThreads: 2 });
      const theirs = await ort.InferenceSession.create(q.toBytes());
      const f = (await float.run({ x: new Tensor('float32', x, dims) })).y!.data as Float32Array;
      const a = (await ours.run({ x: new Tensor('float32', x, dims) })).y!.data as Float32Array;
      const b = (await theirs.run({ x: new ort.Tensor('float32', x, dims) })).y!.data as Float32Array;
      // The same dequantized weights in both runtimes; only float summation order differs.
      expect(maxRelative(a, b)).toBeLessThan(1e-5);
      expect(maxRelative(a, f)).toBeLessThan(bits === 4 ? 0.08 : bits === 8 ? 0.01 : 0.002);
      const kinds = ours.describe();
      expect(kinds.filter((d) => d.opType === 'MatMulNBits')).toHaveLength(bits === 16 ? 0 : 2);
      await float.release();
      await ours.release();
      await theirs.release();
    });
  }

  it('MatMulNBits in octet equals dequantize-then-multiply, for every block size, per channel, symmetric or not', async () => {
    const K = 300, N = 50, M = 9;
    const w = randoms(K * N);
    const bytes = model({
      inputs: [['x', DT.FLOAT, [M, K]]],
      outputs: [['y', DT.FLOAT, [M, N]]],
      initializers: [{ name: 'w', type: DT.FLOAT, dims: [K, N], data: w }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const x = randoms(M * K);
    for (const [bits, blockSize, perChannel, symmetric] of [[4, 16, false, false], [4, 128, false, true], [8, 64, false, false], [4, 32, true, false], [8, 32, true, true]] as const) {
      const q = await quantizeWeights(bytes, { bits, blockSize, perChannel, symmetric });
      const block = perChannel ? 512 : blockSize;
      const ref = quantizeNBits(w, K, N, bits, block, symmetric);
      const wd = decode(ref.codes, ref.scales, ref.zeroPoints, K, N, bits, block);
      const want = new Float32Array(M * N);
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += x[m * K + k]! * wd[k * N + n]!;
          want[m * N + n] = acc;
        }
      const s = await q.createSession();
      const got = (await s.run({ x: new Tensor('float32', x, [M, K]) })).y!.data as Float32Array;
      expect(maxRelative(got, want), `bits ${bits} block ${blockSize} perChannel ${perChannel} symmetric ${symmetric}`).toBeLessThan(1e-5);
      await s.release();
    }
  });

  it('the Fashion-MNIST classifier: convolutions int8 per channel, the classifier 4-bit; same top-1 as float on most images', async () => {
    const q4 = await quantizeWeights(MODEL, { bits: 4 });
    const q16 = await quantizeWeights(MODEL, { bits: 16 });
    expect(q4.report.quantizedNodes.length).toBeGreaterThanOrEqual(5);
    expect(q4.report.bytesAfter).toBeLessThan(q4.report.bytesBefore * 0.3);
    expect(q16.report.bytesAfter).toBeLessThan(q16.report.bytesBefore * 0.55);
    const n = 64;
    const x = fashionMnistPresent ? fashionBatch(loadFashionMnist('t10k'), 0, n) : randoms(n * 784);
    const top1 = async (bytes: Uint8Array | string) => {
      const s = await InferenceSession.create(bytes);
      const y = (await s.run({ [s.inputNames[0]!]: new Tensor('float32', x, [n, 1, 28, 28]) }))[s.outputNames[0]!]!.data as Float32Array;
      await s.release();
      return Array.from({ length: n }, (_, i) => {
        const row = y.subarray(i * 10, i * 10 + 10);
        return row.indexOf(Math.max(...row));
      });
    };
    const f = await top1(MODEL);
    const a = await top1(q4.toBytes());
    const h = await top1(q16.toBytes());
    expect(a.filter((c, i) => c === f[i]).length).toBeGreaterThanOrEqual(n - 3);
    expect(h).toEqual(f);
  });

  it('keeps excluded nodes and operator types float', async () => {
    const bytes = mlp(64, 32, 8);
    const q = await quantizeWeights(bytes, { exclude: ['Gemm'] });
    expect(q.report.quantizedNodes).toEqual(['matmul_0']);
    expect(q.report.floatNodes).toContain('gemm_3');
  });

  it('names bad options', async () => {
    const bytes = mlp(64, 32, 8);
    await expect(quantizeWeights(bytes, { bits: 3 as never })).rejects.toThrow(/bits must be 4, 8 or 16/);
    await expect(quantizeWeights(bytes, { blockSize: 24 })).rejects.toThrow(RangeError);
    await expect(quantizeWeights(bytes, { blockSize: 8 })).rejects.toThrow(/power of 2 of at least 16/);
    await expect(quantizeWeights(bytes, { blocksize: 32 } as never)).rejects.toThrow(/unknown option 'blocksize'/);
    await expect(quantizeWeights(bytes, { exclude: 'Gemm' as never })).rejects.toThrow(TypeError);
    await expect(quantizeWeights(bytes, null as never)).rejects.toThrow(TypeError);
  });
});

describe('MatMulNBits at create()', () => {
  const K = 64, N = 8;
  const nbits = (attrs: Record<string, number>, bConstant = true, extra: { zp?: number } = {}) => {
    const blockSize = attrs.block_size ?? 32;
    const bits = attrs.bits ?? 4;
    const blocks = Math.ceil(K / Math.max(blockSize, 1));
    const blob = Math.max(1, (Math.max(blockSize, 1) * bits) / 8);
    const inits = [
      { name: 'scales', type: DT.FLOAT, dims: [N * blocks], data: new Float32Array(N * blocks).fill(0.1) },
      ...(bConstant ? [{ name: 'b', type: DT.UINT8, dims: [N, blocks, blob], data: new Uint8Array(N * blocks * blob) }] : []),
      ...(extra.zp !== undefined ? [{ name: 'zp', type: DT.UINT8, dims: [extra.zp], data: new Uint8Array(extra.zp) }] : []),
    ];
    return model({
      inputs: [['a', DT.FLOAT, [2, K]], ...(bConstant ? [] : [['b', DT.UINT8, [N, blocks, blob]] as [string, number, number[]]])],
      outputs: [['y', DT.FLOAT, [2, N]]],
      initializers: inits,
      nodes: [{ op: 'MatMulNBits', domain: 'com.microsoft', name: 'wq', inputs: ['a', 'b', 'scales', ...(extra.zp !== undefined ? ['zp'] : [])], outputs: ['y'], attrs: { K, N, bits, block_size: blockSize, ...attrs } }],
    });
  };

  it('runs a well-formed node', async () => {
    const s = await InferenceSession.create(nbits({}));
    const y = (await s.run({ a: new Tensor('float32', new Float32Array(2 * K).fill(1), [2, K]) })).y!.data as Float32Array;
    // Every code is 0 with the default zero point 8: each weight is -0.8.
    expect(Array.from(y).every((v) => Math.abs(v - K * -0.8) < 1e-3)).toBe(true);
    await s.release();
  });

  it.each([
    ['3 bits', nbits({ bits: 3 }), /node 'wq'.*'bits' is 3/],
    ['block_size 24', nbits({ block_size: 24 }), /node 'wq'.*block_size/],
    ['a runtime B', nbits({}, false), /node 'wq'.*must be a constant/],
    ['zero points of the wrong size', nbits({}, true, { zp: 3 }), /node 'wq'.*zero_points/],
    ['K that A does not end in', nbits({ K: 60 }), /node 'wq'.*K = 60/],
  ])('%s is a named error', async (_label, bytes, message) => {
    await expect(InferenceSession.create(bytes)).rejects.toThrow(message);
  });
});
