// QDQ groups beyond convolutions: a Relu and a Clip folded into QLinearConv's output range, Pad
// (constant, on the zero point), Resize (nearest), MaxPool and Concat of inputs at different scales
// run on the bytes — against onnxruntime-node on the same file, and with no float fallback left.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { DT, model, type ModelDef } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(9);
const f32 = (...v: number[]) => Float32Array.from(v);

function qdqModel(): Uint8Array {
  const C = 6, M = 8;
  const s = (name: string, v: number) => ({ name, type: DT.FLOAT, dims: [], data: f32(v) });
  const z = (name: string, v: number) => ({ name, type: DT.UINT8, dims: [], data: Uint8Array.of(v) });
  const weights = (name: string, m: number, c: number) => [
    { name: `${name}_q`, type: DT.INT8, dims: [m, c, 3, 3], data: Int8Array.from({ length: m * c * 9 }, () => rng.int(-90, 90)) },
    { name: `${name}_s`, type: DT.FLOAT, dims: [m], data: Float32Array.from({ length: m }, () => 0.003 + rng.next() * 0.004) },
    { name: `${name}_z`, type: DT.INT8, dims: [m], data: new Int8Array(m) },
  ];
  const dq = (x: string, p: string, out: string) => ({ op: 'DequantizeLinear', inputs: [x, `${p}s`, `${p}z`], outputs: [out] });
  const q = (x: string, p: string, out: string) => ({ op: 'QuantizeLinear', inputs: [x, `${p}s`, `${p}z`], outputs: [out] });
  const def: ModelDef = {
    inputs: [['x', DT.FLOAT, [1, C, 8, 8]]],
    outputs: [['y', DT.FLOAT, [1, 2 * M, 17, 17]]],
    initializers: [
      s('xs', 0.02), z('xz', 128), s('as', 0.03), z('az', 20), s('bs', 0.025), z('bz', 0), s('ps', 0.03), z('pz', 20),
      s('rs', 0.03), z('rz', 20), s('ms', 0.03), z('mz', 20), s('ks', 0.04), z('kz', 10),
      ...weights('w1', M, C), ...weights('w2', M, C),
      { name: 'pads', type: DT.INT64, dims: [8], data: BigInt64Array.of(0n, 0n, 1n, 1n, 0n, 0n, 0n, 0n) },
      { name: 'scales', type: DT.FLOAT, dims: [4], data: f32(1, 1, 2, 2) },
      s('clip_lo', 0), s('clip_hi', 6),
    ],
    nodes: [
      q('x', 'x', 'xq'), dq('xq', 'x', 'xd'),
      { op: 'DequantizeLinear', inputs: ['w1_q', 'w1_s', 'w1_z'], outputs: ['w1'], attrs: { axis: 0 } },
      { op: 'DequantizeLinear', inputs: ['w2_q', 'w2_s', 'w2_z'], outputs: ['w2'], attrs: { axis: 0 } },
      // Conv → Relu → Q and Conv → Clip(0, 6) → Q.
      { op: 'Conv', inputs: ['xd', 'w1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, name: 'conv_relu' },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      q('r1', 'a', 'aq'), dq('aq', 'a', 'ad'),
      { op: 'Conv', inputs: ['xd', 'w2'], outputs: ['c2'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, name: 'conv_clip' },
      { op: 'Clip', inputs: ['c2', 'clip_lo', 'clip_hi'], outputs: ['r2'] },
      q('r2', 'b', 'bq'), dq('bq', 'b', 'bd'),
      // Pad (constant 0, on a's grid) → Resize nearest ×2 → MaxPool 2×2 stride 1.
      { op: 'Pad', inputs: ['ad', 'pads'], outputs: ['p'], attrs: { mode: 'constant' } },
      q('p', 'p', 'pq'), dq('pq', 'p', 'pd'),
      { op: 'Resize', inputs: ['pd', '', 'scales'], outputs: ['resized'], attrs: { mode: 'nearest' } },
      q('resized', 'r', 'rq'), dq('rq', 'r', 'rd'),
      { op: 'MaxPool', inputs: ['rd'], outputs: ['mp'], attrs: { kernel_shape: [2, 2], strides: [1, 1] } },
      q('mp', 'm', 'mq'), dq('mq', 'm', 'md'),
      // The other branch at its own scale, padded and resized the same way through float ops.
      { op: 'Pad', inputs: ['bd', 'pads'], outputs: ['p2'], attrs: { mode: 'edge' } },
      q('p2', 'b', 'p2q'), dq('p2q', 'b', 'p2d'),
      { op: 'Resize', inputs: ['p2d', '', 'scales'], outputs: ['rs2'], attrs: { mode: 'nearest' } },
      q('rs2', 'b', 'rs2q'), dq('rs2q', 'b', 'rs2d'),
      { op: 'MaxPool', inputs: ['rs2d'], outputs: ['mp2'], attrs: { kernel_shape: [2, 2], strides: [1, 1] } },
      q('mp2', 'b', 'mp2q'), dq('mp2q', 'b', 'mp2d'),
      { op: 'Concat', inputs: ['md', 'mp2d'], outputs: ['k'], attrs: { axis: 1 } },
      q('k', 'k', 'kq'), dq('kq', 'k', 'y'),
    ],
    opset: 13,
  };
  return model(def);
}

describe('QDQ groups beyond convolutions run int8 and agree with onnxruntime-node', () => {
  it('folds Relu/Clip into QLinearConv and runs Pad, Resize, MaxPool and Concat on the bytes', async () => {
    const bytes = qdqModel();
    const session = await InferenceSession.create(bytes);
    const reference = await ort.InferenceSession.create(bytes);
    try {
      const x = Float32Array.from({ length: 6 * 64 }, () => rng.next() * 4 - 2);
      const a = (await session.run({ x: new Tensor('float32', x, [1, 6, 8, 8]) })).y!.data as Float32Array;
      const b = (await reference.run({ x: new ort.Tensor('float32', x, [1, 6, 8, 8]) })).y!.data as Float32Array;
      let within = 0, equal = 0;
      for (let i = 0; i < b.length; i++) {
        if (a[i] === b[i]) equal++;
        if (Math.abs(a[i]! - b[i]!) <= 0.04 * 1.001) within++;
      }
      console.log(`QDQ fusions: ${equal}/${b.length} equal to onnxruntime, ${within} within one step`);
      expect(within / b.length).toBeGreaterThanOrEqual(0.99);
      const kinds = session.describe();
      expect(kinds.filter((d) => d.kernel === 'fallback' || d.kernel === 'float')).toEqual([]);
      const convs = kinds.filter((d) => d.opType === 'QLinearConv');
      expect(convs.map((d) => d.name).sort()).toEqual(['conv_clip', 'conv_relu']);
      expect(kinds.some((d) => d.opType === 'Relu' || d.opType === 'Clip')).toBe(false);
      for (const op of ['Pad', 'Resize', 'MaxPool', 'Concat']) expect(kinds.some((d) => d.opType === op && d.kernel === 'int8'), op).toBe(true);
    } finally {
      await session.release();
      await reference.release();
    }
  });
});
