// Bad quantization parameters in a model fail at create() with an error naming the node and the
// problem (checked in TypeScript; native checks again when it builds each operator).
import { describe, expect, it } from 'vitest';
import { InferenceSession } from '../../lib/index.js';
import { DT, model, type ModelDef } from '../helpers/onnx-model.js';

const f32 = (...v: number[]) => Float32Array.from(v);

/** x (float) → Q → DQ → Conv (int8 per-channel weights, int32 bias) → Q → DQ → y, with parts replaceable. */
function qdqConv(over: Partial<Record<'xScale' | 'wScale' | 'wZp' | 'bias' | 'yZp', { type: number; dims: number[]; data: ArrayBufferView }>> = {}): Uint8Array {
  const init = (name: string, type: number, dims: number[], data: ArrayBufferView) => ({ name, type, dims, data });
  const def: ModelDef = {
    inputs: [['x', DT.FLOAT, [1, 2, 4, 4]]],
    outputs: [['y', DT.FLOAT, [1, 3, 4, 4]]],
    initializers: [
      init('xs', over.xScale?.type ?? DT.FLOAT, over.xScale?.dims ?? [], over.xScale?.data ?? f32(0.05)),
      init('xz', DT.UINT8, [], Uint8Array.of(128)),
      init('wq', DT.INT8, [3, 2, 3, 3], Int8Array.from({ length: 54 }, (_, i) => (i % 7) - 3)),
      init('ws', over.wScale?.type ?? DT.FLOAT, over.wScale?.dims ?? [3], over.wScale?.data ?? f32(0.01, 0.02, 0.03)),
      init('wz', over.wZp?.type ?? DT.INT8, over.wZp?.dims ?? [3], over.wZp?.data ?? new Int8Array(3)),
      init('bq', over.bias?.type ?? DT.INT32, over.bias?.dims ?? [3], over.bias?.data ?? Int32Array.of(1, 2, 3)),
      init('bs', DT.FLOAT, [3], f32(0.0005, 0.001, 0.0015)),
      init('ys', DT.FLOAT, [], f32(0.1)),
      init('yz', over.yZp?.type ?? DT.UINT8, over.yZp?.dims ?? [], over.yZp?.data ?? Uint8Array.of(128)),
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'], name: 'quantize_x' },
      { op: 'DequantizeLinear', inputs: ['xq', 'xs', 'xz'], outputs: ['xd'] },
      { op: 'DequantizeLinear', inputs: ['wq', 'ws', 'wz'], outputs: ['wd'], name: 'dequantize_w', attrs: { axis: 0 } },
      { op: 'DequantizeLinear', inputs: ['bq', 'bs'], outputs: ['bd'], name: 'dequantize_b', attrs: { axis: 0 } },
      { op: 'Conv', inputs: ['xd', 'wd', 'bd'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'QuantizeLinear', inputs: ['c', 'ys', 'yz'], outputs: ['cq'], name: 'quantize_y' },
      { op: 'DequantizeLinear', inputs: ['cq', 'ys', 'yz'], outputs: ['y'] },
    ],
    opset: 13,
  };
  return model(def);
}

describe('quantization parameters are checked at create()', () => {
  it('accepts the valid model and runs it as int8', async () => {
    const s = await InferenceSession.create(qdqConv());
    await s.release();
  });

  for (const [what, bad] of [['zero', 0], ['negative', -0.5], ['NaN', NaN], ['infinite', Infinity]] as const) {
    it(`rejects a ${what} activation scale`, async () => {
      await expect(InferenceSession.create(qdqConv({ xScale: { type: DT.FLOAT, dims: [], data: f32(bad) } }))).rejects.toThrow(
        new RegExp(`node 'quantize_x' \\(QuantizeLinear\\): input 1 'xs' is a scale and must be positive and finite, got ${String(bad)}`),
      );
    });
  }

  it('rejects a bad per-channel weight scale, naming its index', async () => {
    await expect(InferenceSession.create(qdqConv({ wScale: { type: DT.FLOAT, dims: [3], data: f32(0.1, 0, 0.1) } }))).rejects.toThrow(
      /node 'dequantize_w' \(DequantizeLinear\): input 1 'ws' is a scale and must be positive and finite, got 0 at index 1/,
    );
  });

  it('rejects zero points of the wrong type or length', async () => {
    await expect(InferenceSession.create(qdqConv({ wZp: { type: DT.UINT8, dims: [3], data: new Uint8Array(3) } }))).rejects.toThrow(
      /node 'dequantize_w' \(DequantizeLinear\): input 2 'wz' is the zero point of input 0 'wq' and must have its type int8, got uint8/,
    );
    await expect(InferenceSession.create(qdqConv({ wZp: { type: DT.INT8, dims: [2], data: new Int8Array(2) } }))).rejects.toThrow(
      /node 'dequantize_w' \(DequantizeLinear\): input 2 'wz' has 2 values but its scale input 1 'ws' has 3/,
    );
  });

  it('rejects a per-channel scale of the wrong length', async () => {
    await expect(InferenceSession.create(qdqConv({ wScale: { type: DT.FLOAT, dims: [2], data: f32(0.1, 0.1) }, wZp: { type: DT.INT8, dims: [2], data: new Int8Array(2) } }))).rejects.toThrow(
      /dequantize_w.*(scale|\[2\])/,
    );
  });

  it('rejects a bias that is not int32', async () => {
    await expect(InferenceSession.create(qdqConv({ bias: { type: DT.FLOAT, dims: [3], data: f32(1, 2, 3) } }))).rejects.toThrow(
      /node 'dequantize_b' \(DequantizeLinear\): input 0 'bq' must be uint8, int8 or int32 \(quantized data\), got float32/,
    );
  });

  it('rejects a scale that is not float32', async () => {
    await expect(InferenceSession.create(qdqConv({ xScale: { type: DT.DOUBLE, dims: [], data: Float64Array.of(0.05) } }))).rejects.toThrow(
      /node 'quantize_x' \(QuantizeLinear\): input 1 'xs' is a scale and must be float32, got float64/,
    );
  });
});
