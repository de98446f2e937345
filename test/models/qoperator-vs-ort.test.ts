// A QOperator-format model (onnxruntime's com.microsoft quantized operators, as its quantizer writes
// them with QuantFormat.QOperator) run by octet and by onnxruntime-node: QLinearConv, QLinearAdd,
// QLinearMul, QLinearLeakyRelu, QLinearSigmoid, QLinearConcat (inputs at other scales),
// QLinearAveragePool, QLinearGlobalAveragePool, QLinearSoftmax and QGemm. The outputs must agree
// within one quantization step on at least 99% of elements.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { DT, model, type ModelDef } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(5);
const f32 = (...v: number[]) => Float32Array.from(v);
const ms = 'com.microsoft';

function qoperatorModel(): Uint8Array {
  const C = 8, M = 8;
  const scalar = (name: string, v: number) => ({ name, type: DT.FLOAT, dims: [], data: f32(v) });
  const zp = (name: string, v: number) => ({ name, type: DT.UINT8, dims: [], data: Uint8Array.of(v) });
  const def: ModelDef = {
    inputs: [['x', DT.FLOAT, [2, C, 9, 9]]],
    outputs: [['y', DT.FLOAT, [2, 2 * M]], ['z', DT.FLOAT, [2, 5]], ['od', DT.FLOAT, [2, 5]]],
    initializers: [
      scalar('xs', 0.02), zp('xz', 128),
      { name: 'w', type: DT.INT8, dims: [M, C, 3, 3], data: Int8Array.from({ length: M * C * 9 }, () => rng.int(-60, 60)) },
      { name: 'ws', type: DT.FLOAT, dims: [M], data: Float32Array.from({ length: M }, () => 0.002 + rng.next() * 0.004) },
      { name: 'wz', type: DT.INT8, dims: [M], data: new Int8Array(M) },
      { name: 'b', type: DT.INT32, dims: [M], data: Int32Array.from({ length: M }, () => rng.int(-2000, 2000)) },
      scalar('cs', 0.05), zp('cz', 100),
      scalar('ls', 0.04), zp('lz', 60),
      scalar('ss', 1 / 256), zp('sz', 0),
      scalar('as', 0.06), zp('az', 90),
      scalar('ms', 0.01), zp('mz', 20),
      scalar('ks', 0.05), zp('kz', 70),
      scalar('ps', 0.045), zp('pz', 75),
      scalar('gs', 0.03), zp('gz', 80),
      { name: 'gw', type: DT.INT8, dims: [5, 2 * M], data: Int8Array.from({ length: 5 * 2 * M }, () => rng.int(-100, 100)) },
      scalar('gws', 0.01), { name: 'gwz', type: DT.INT8, dims: [], data: Int8Array.of(0) },
      scalar('os', 0.05), zp('oz', 128),
      scalar('fs', 1 / 256), zp('fz', 0),
      { name: 'shape', type: DT.INT64, dims: [2], data: BigInt64Array.of(2n, BigInt(2 * M)) },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearConv', inputs: ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'cs', 'cz', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'QLinearLeakyRelu', domain: ms, inputs: ['c', 'cs', 'cz', 'ls', 'lz'], outputs: ['l'], attrs: { alpha: 0.1 } },
      { op: 'QLinearSigmoid', domain: ms, inputs: ['l', 'ls', 'lz', 'ss', 'sz'], outputs: ['s'] },
      { op: 'QLinearAdd', domain: ms, inputs: ['l', 'ls', 'lz', 'c', 'cs', 'cz', 'as', 'az'], outputs: ['a'] },
      { op: 'QLinearMul', domain: ms, inputs: ['s', 'ss', 'sz', 'a', 'as', 'az', 'ms', 'mz'], outputs: ['m'] },
      { op: 'QLinearConcat', domain: ms, inputs: ['ks', 'kz', 'a', 'as', 'az', 'm', 'ms', 'mz'], outputs: ['k'], attrs: { axis: 1 } },
      { op: 'QLinearAveragePool', domain: ms, inputs: ['k', 'ks', 'kz', 'ps', 'pz'], outputs: ['p'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 } },
      { op: 'QLinearGlobalAveragePool', domain: ms, inputs: ['p', 'ps', 'pz', 'gs', 'gz'], outputs: ['g'] },
      { op: 'Reshape', inputs: ['g', 'shape'], outputs: ['gr'] },
      { op: 'DequantizeLinear', inputs: ['gr', 'gs', 'gz'], outputs: ['y'] },
      { op: 'QGemm', domain: ms, inputs: ['gr', 'gs', 'gz', 'gw', 'gws', 'gwz', '', 'os', 'oz'], outputs: ['o'], attrs: { transB: 1 } },
      { op: 'QLinearSoftmax', domain: ms, inputs: ['o', 'os', 'oz', 'fs', 'fz'], outputs: ['f'], attrs: { axis: -1, opset: 13 } },
      { op: 'DequantizeLinear', inputs: ['f', 'fs', 'fz'], outputs: ['z'] },
      { op: 'DequantizeLinear', inputs: ['o', 'os', 'oz'], outputs: ['od'] },
    ],
    opset: 13,
  };
  return model(def);
}

/** One operator on uint8 graph inputs with constant parameters: octet's bytes against onnxruntime's. */
async function compareOne(label: string, node: ModelDef['nodes'][number], inputs: [string, number[]][], output: number[], initializers: ModelDef['initializers']) {
  const bytes = model({
    inputs: inputs.map(([n, d]) => [n, DT.UINT8, d]),
    outputs: [['out', DT.UINT8, output]],
    initializers,
    nodes: [{ ...node, outputs: ['out'] }],
    opset: 13,
  });
  const session = await InferenceSession.create(bytes);
  const reference = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, Tensor> = {};
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [n, d] of inputs) {
      const data = Uint8Array.from({ length: d.reduce((a, b) => a * b, 1) }, () => rng.int(0, 255));
      feeds[n] = new Tensor('uint8', data, d);
      ortFeeds[n] = new ort.Tensor('uint8', data, d);
    }
    const a = (await session.run(feeds)).out!.data as Uint8Array;
    const b = (await reference.run(ortFeeds)).out!.data as Uint8Array;
    let exact = 0, within = 0;
    for (let i = 0; i < b.length; i++) {
      if (a[i] === b[i]) exact++;
      if (Math.abs(a[i]! - b[i]!) <= 1) within++;
    }
    console.log(`${label}: ${((100 * exact) / b.length).toFixed(1)}% equal to onnxruntime, ${((100 * within) / b.length).toFixed(1)}% within one step (${b.length} values)`);
    expect(within / b.length, label).toBeGreaterThanOrEqual(0.99);
  } finally {
    await session.release();
    await reference.release();
  }
}

describe('each com.microsoft quantized operator agrees with onnxruntime-node', () => {
  const s = (name: string, v: number) => ({ name, type: DT.FLOAT, dims: [], data: f32(v) });
  const z = (name: string, v: number) => ({ name, type: DT.UINT8, dims: [], data: Uint8Array.of(v) });
  const X: [string, number[]][] = [['x', [2, 16, 9, 9]]];
  const common = [s('xs', 0.03), z('xz', 120), s('ys', 0.05), z('yz', 100)];
  it('QLinearAdd and QLinearMul with broadcasting', async () => {
    const inits = [...common, s('bs', 0.02), z('bz', 130)];
    for (const op of ['QLinearAdd', 'QLinearMul']) {
      await compareOne(op, { op, domain: ms, inputs: ['x', 'xs', 'xz', 'b', 'bs', 'bz', 'ys', 'yz'], outputs: [] }, [['x', [2, 16, 9, 9]], ['b', [16, 1, 1]]], [2, 16, 9, 9], inits);
    }
  });
  it('QLinearLeakyRelu and QLinearSigmoid', async () => {
    await compareOne('QLinearLeakyRelu', { op: 'QLinearLeakyRelu', domain: ms, inputs: ['x', 'xs', 'xz', 'ys', 'yz'], outputs: [], attrs: { alpha: 0.2 } }, X, [2, 16, 9, 9], common);
    await compareOne('QLinearSigmoid', { op: 'QLinearSigmoid', domain: ms, inputs: ['x', 'xs', 'xz', 'ys', 'yz'], outputs: [] }, X, [2, 16, 9, 9], [s('xs', 0.03), z('xz', 120), s('ys', 1 / 256), z('yz', 0)]);
  });
  it('QLinearAveragePool and QLinearGlobalAveragePool', async () => {
    for (const cip of [0, 1]) {
      await compareOne(`QLinearAveragePool count_include_pad=${cip}`, { op: 'QLinearAveragePool', domain: ms, inputs: ['x', 'xs', 'xz', 'ys', 'yz'], outputs: [], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: cip } }, X, [2, 16, 5, 5], common);
    }
    await compareOne('QLinearGlobalAveragePool', { op: 'QLinearGlobalAveragePool', domain: ms, inputs: ['x', 'xs', 'xz', 'ys', 'yz'], outputs: [] }, X, [2, 16, 1, 1], common);
  });
  it('QLinearConcat with inputs at their own scales', async () => {
    const inits = [s('ys', 0.05), z('yz', 100), s('as', 0.03), z('az', 120), s('bs', 0.05), z('bz', 100), s('cs', 0.08), z('cz', 10)];
    await compareOne('QLinearConcat', { op: 'QLinearConcat', domain: ms, inputs: ['ys', 'yz', 'a', 'as', 'az', 'b', 'bs', 'bz', 'c', 'cs', 'cz'], outputs: [], attrs: { axis: 1 } }, [['a', [2, 3, 5, 5]], ['b', [2, 4, 5, 5]], ['c', [2, 2, 5, 5]]], [2, 9, 5, 5], inits);
  });
  it('QLinearSoftmax', async () => {
    await compareOne('QLinearSoftmax', { op: 'QLinearSoftmax', domain: ms, inputs: ['x', 'xs', 'xz', 'ys', 'yz'], outputs: [], attrs: { axis: -1, opset: 13 } }, [['x', [32, 10]]], [32, 10], [s('xs', 0.05), z('xz', 128), s('ys', 1 / 256), z('yz', 0)]);
  });
  it('QGemm with a bias, per-column weights, quantized output', async () => {
    const inits = [
      ...common,
      { name: 'w', type: DT.INT8, dims: [24, 40], data: Int8Array.from({ length: 960 }, () => rng.int(-127, 127)) },
      { name: 'ws', type: DT.FLOAT, dims: [24], data: Float32Array.from({ length: 24 }, () => 0.001 + rng.next() * 0.002) },
      { name: 'wz', type: DT.INT8, dims: [24], data: new Int8Array(24) },
      { name: 'c', type: DT.INT32, dims: [24], data: Int32Array.from({ length: 24 }, () => rng.int(-3000, 3000)) },
    ];
    await compareOne('QGemm', { op: 'QGemm', domain: ms, inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'c', 'ys', 'yz'], outputs: [], attrs: { transB: 1 } }, [['x', [16, 40]]], [16, 24], inits);
  });
});

describe('a QOperator model agrees with onnxruntime-node', () => {
  it('runs every com.microsoft quantized operator within one quantization step', async () => {
    const bytes = qoperatorModel();
    const session = await InferenceSession.create(bytes);
    const reference = await ort.InferenceSession.create(bytes);
    try {
      const x = Float32Array.from({ length: 2 * 8 * 81 }, () => rng.next() * 4 - 2);
      const ours = await session.run({ x: new Tensor('float32', x, [2, 8, 9, 9]) });
      const theirs = await reference.run({ x: new ort.Tensor('float32', x, [2, 8, 9, 9]) });
      // Steps compound through a chain (and a softmax multiplies them): the final class must agree.
      const z = [ours.z!.data as Float32Array, theirs.z!.data as Float32Array];
      for (let r = 0; r < 2; r++) {
        const row = (v: Float32Array) => Array.from(v.subarray(r * 5, r * 5 + 5));
        const top = (v: number[]) => v.indexOf(Math.max(...v));
        expect(top(row(z[0]!))).toBe(top(row(z[1]!)));
      }
      for (const [name, step] of [['y', 0.03], ['od', 0.05]] as const) {
        const a = ours[name]!.data as Float32Array;
        const b = theirs[name]!.data as Float32Array;
        expect(ours[name]!.dims).toEqual(theirs[name]!.dims);
        let within = 0;
        for (let i = 0; i < b.length; i++) if (Math.abs(a[i]! - b[i]!) <= step * 1.001) within++;
        console.log(`QOperator model output ${name}: ${within}/${b.length} within one step of onnxruntime`);
        expect(within / b.length).toBeGreaterThanOrEqual(0.99);
      }
      const kinds = new Set(session.describe().map((d) => `${d.opType}:${d.kernel}`));
      // The Add and the Mul read only tables of the convolution's output here (leaky ReLU, sigmoid of
      // it), so each becomes one table itself (lookupBinary); alone, they run as int8 (compareOne).
      for (const op of ['QLinearConv', 'QLinearLookup', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QGemm', 'Concat']) {
        expect([...kinds].some((k) => k === `${op}:int8`), `${op} runs as int8 (${[...kinds].join(', ')})`).toBe(true);
      }
      expect([...kinds].filter((k) => k.startsWith('QLinearAdd') || k.startsWith('QLinearMul'))).toEqual([]);
      expect(kinds.has('Softmax:fallback')).toBe(true);
    } finally {
      await session.release();
      await reference.release();
    }
  });
});
