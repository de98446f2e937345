// How quantizeStatic chooses ranges on tensors that clipping would harm. A classifier head's softmax
// over 1,000 classes is ~0 almost everywhere: a percentile or a KL threshold would cut its few large
// values, which are the answer, so probabilities keep their observed range (through a Reshape too). A
// tensor living away from zero ([0.7, 2.7], a layer norm's variance) keeps its range under entropy
// instead of collapsing to a point.
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

const batches = () => Array.from({ length: 4 }, () => ({ x: new Tensor('float32', Float32Array.from({ length: 8 * K }, () => (rng.next() - 0.5) * 2.8), [8, K]) }));

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
});
