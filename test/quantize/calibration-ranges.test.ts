// How quantizeStatic chooses ranges on tensors that clipping would harm. A classifier head's softmax
// over 1,000 classes is ~0 almost everywhere: a percentile or a KL threshold would cut its few large
// values, which are the answer, so probabilities keep their observed range (through a Reshape too). A
// tensor living away from zero ([0.7, 2.7], a layer norm's variance) keeps its range under entropy
// instead of collapsing to a point. A tensor with too few values for a histogram (an SE block's squeezed
// vector) keeps its observed range under entropy and mse; with enough values the same tail is clipped.
import { describe, expect, it } from 'vitest';
import { quantizeStatic, Tensor } from '../../lib/index.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(31);
const K = 16, CLASSES = 1000;

function head(): Uint8Array {
  return model({
    inputs: [['x', DT.FLOAT, ['N', K]]],
    outputs: [['p', DT.FLOAT, ['N', 1, CLASSES]], ['v', DT.FLOAT, ['N', K]]],
    initializers: [
      { name: 'w', type: DT.FLOAT, dims: [K, CLASSES], data: Float32Array.from({ length: K * CLASSES }, () => (rng.next() - 0.5) * 8) },
      { name: 'shape', type: DT.INT64, dims: [3], data: BigInt64Array.of(-1n, 1n, BigInt(CLASSES)) },
      { name: 'bias', type: DT.FLOAT, dims: [], data: Float32Array.of(0.7) },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
      { op: 'Reshape', inputs: ['probs', 'shape'], outputs: ['p'] },
      { op: 'Mul', inputs: ['x', 'x'], outputs: ['sq'] },
      { op: 'Add', inputs: ['sq', 'bias'], outputs: ['v'] },
    ],
    opset: 13,
  });
}

// 10 × 256 rows × K values: enough per histogram bin that entropy and mse search a clipping threshold.
const batches = () => Array.from({ length: 10 }, () => ({ x: new Tensor('float32', Float32Array.from({ length: 256 * K }, () => (rng.next() - 0.5) * 2.8), [256, K]) }));

/** x → Relu → MatMul: the Relu's output is quantized, one-sided, with a long tail. */
function reluHead(): Uint8Array {
  return model({
    inputs: [['x', DT.FLOAT, ['N', K]]],
    outputs: [['y', DT.FLOAT, ['N', 4]]],
    initializers: [{ name: 'w', type: DT.FLOAT, dims: [K, 4], data: Float32Array.from({ length: K * 4 }, () => rng.next() - 0.5) }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'MatMul', inputs: ['r', 'w'], outputs: ['y'] },
    ],
    opset: 13,
  });
}

/** Exponentially distributed values: a long one-sided tail. */
function tailed(rows: number): Tensor {
  const data = Float32Array.from({ length: rows * K }, () => -Math.log(1 - rng.next()));
  return new Tensor('float32', data, [rows, K]);
}

describe('calibration ranges', () => {
  for (const [method, percentile] of [['percentile', 99.9], ['entropy', undefined], ['mse', undefined]] as const) {
    it(`${method}: probabilities and a tensor away from zero keep their observed ranges`, async () => {
      const q = await quantizeStatic(head(), { calibrationData: batches(), method, ...(percentile ? { percentile } : {}), evaluate: false });
      const byName = new Map(q.report.activations.map((a) => [a.name, a]));
      for (const name of ['probs', 'p']) {
        const a = byName.get(name);
        if (!a) continue;  // p may share probs' quantization
        expect(a.rangeMax, name).toBe(a.max);
        expect(a.max, name).toBeGreaterThan(0.5);
      }
      expect(byName.has('probs') || byName.has('p')).toBe(true);
      const v = byName.get('v') ?? byName.get('sq');
      expect(v).toBeDefined();
      expect(v!.rangeMax).toBeGreaterThan(v!.rangeMin + 0.5 * (v!.max - v!.min));
    });
  }

  for (const method of ['entropy', 'mse'] as const) {
    it(`${method}: a long tail is clipped with enough values, kept with a few thousand`, async () => {
      const range = async (batches: number, rows: number) => {
        const q = await quantizeStatic(reluHead(), { calibrationData: Array.from({ length: batches }, () => ({ x: tailed(rows) })), method, evaluate: false });
        const r = q.report.activations.find((a) => a.name === 'r');
        expect(r).toBeDefined();
        return r!;
      };
      const many = await range(10, 512);  // 81,920 values: 40 per bin
      expect(many.max).toBeGreaterThan(8);
      // entropy cuts deep into the tail; mse, with all 255 levels over [0, T], only trims its end.
      expect(many.rangeMax).toBeLessThan((method === 'entropy' ? 0.8 : 0.97) * many.max);
      const few = await range(2, 64);  // 2,048 values: 1 per bin
      expect(few.max).toBeGreaterThan(5);
      expect(few.rangeMax).toBe(few.max);
    });
  }
});
