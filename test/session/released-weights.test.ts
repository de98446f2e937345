// Once a plan is built, the session gives up the raw bytes of the weights native has packed (float
// Conv, Gemm and MatMul weights): plans made afterwards for other shapes find the packing and give the
// same bits as a session that never released anything; nothing reads the released bytes again; a
// packing that would need them (after an ISA switch) is a clear error, not a read of freed memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(91);
const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
const C = 3, M = 8, HIDDEN = 5, OUT = 4;

// X [N, 3, H, W] → Conv 3×3 → Relu → depthwise Conv 3×3 → GlobalAveragePool → Flatten → Gemm →
// MatMul, then U: a MatMul weight that is also added to the result, so more than a packed weight,
// which must stay.
const bytes = model({
  inputs: [['X', DT.FLOAT, ['N', C, 'H', 'W']]],
  outputs: [['Y', DT.FLOAT, ['N', OUT]]],
  initializers: [
    { name: 'W1', type: DT.FLOAT, dims: [M, C, 3, 3], data: random(M * C * 9, 0.5) },
    { name: 'B1', type: DT.FLOAT, dims: [M], data: random(M) },
    { name: 'W2', type: DT.FLOAT, dims: [M, 1, 3, 3], data: random(M * 9, 0.5) },
    { name: 'G', type: DT.FLOAT, dims: [M, HIDDEN], data: random(M * HIDDEN) },
    { name: 'V', type: DT.FLOAT, dims: [HIDDEN, OUT], data: random(HIDDEN * OUT) },
    { name: 'U', type: DT.FLOAT, dims: [1, OUT], data: random(OUT) },
  ],
  nodes: [
    { op: 'Conv', inputs: ['X', 'W1', 'B1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'W2'], outputs: ['c2'], attrs: { group: M, pads: [1, 1, 1, 1] } },
    { op: 'GlobalAveragePool', inputs: ['c2'], outputs: ['p'] },
    { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'G'], outputs: ['g'] },
    { op: 'MatMul', inputs: ['g', 'V'], outputs: ['mv'] },
    { op: 'ReduceMean', inputs: ['mv'], outputs: ['s'], attrs: { axes: [1], keepdims: 1 } },
    { op: 'MatMul', inputs: ['s', 'U'], outputs: ['su'] },
    { op: 'Add', inputs: ['su', 'U'], outputs: ['sum'] },
    { op: 'Add', inputs: ['sum', 'mv'], outputs: ['Y'] },
  ],
  opset: 13,
});
const dir = mkdtempSync(join(tmpdir(), 'octet-released-'));
const path = join(dir, 'model.onnx');
writeFileSync(path, bytes);

const shapes: [number, number, number][] = [[1, 6, 6], [2, 5, 7], [3, 9, 4], [1, 6, 6]];
const inputs = shapes.map(([n, h, w]) => new Tensor('float32', random(n * C * h * w), [n, C, h, w]));

/** Each input through its own fresh session: a plan built before anything was released. */
async function baseline(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const x of inputs) {
    const s = await InferenceSession.create(bytes);
    out.push((await s.run({ X: x })).Y!.data as Float32Array);
    await s.release();
  }
  return out;
}

interface Internals {
  graph: { constants: Map<string, { data: unknown }> };
  unreleased: string[];
}

describe('weights released after packing', () => {
  const initialIsa = binding.runtimeInfo().isa;
  afterAll(() => binding.setIsa(initialIsa));

  for (const source of ['path', 'bytes'] as const) {
    it(`plans made after the release give the same bits (model from ${source})`, async () => {
      const expected = await baseline();
      const s = await InferenceSession.create(source === 'path' ? path : bytes);
      const internals = s as unknown as Internals;
      expect(internals.unreleased.sort()).toEqual(['G', 'V', 'W1', 'W2']);
      const first = (await s.run({ X: inputs[0]! })).Y!.data;
      expect(first).toEqual(expected[0]);
      // Released: native dropped the raw bytes, and the graph no longer offers them.
      expect(internals.unreleased).toEqual([]);
      for (const name of ['W1', 'W2', 'G', 'V']) expect(() => internals.graph.constants.get(name)!.data, name).toThrow(/released after the native session packed it/);
      for (const name of ['U', 'B1']) expect(internals.graph.constants.get(name)!.data, name).toBeInstanceOf(Float32Array);
      for (let i = 1; i < inputs.length; i++) expect((await s.run({ X: inputs[i]! })).Y!.data, `input ${i}`).toEqual(expected[i]);
      expect(s.runSync({ X: inputs[2]! }).Y!.data).toEqual(expected[2]);
      await s.release();
    });
  }

  it('concurrent first runs of several shapes agree with fresh sessions', async () => {
    const expected = await baseline();
    const s = await InferenceSession.create(path, { intraOpNumThreads: 2 });
    const results = await Promise.all(inputs.map((x) => s.run({ X: x })));
    results.forEach((r, i) => expect(r.Y!.data, `input ${i}`).toEqual(expected[i]));
    await s.release();
  });

  it('a packing needed after an ISA switch is an error naming the cause, and the session survives', async () => {
    const isas = binding.runtimeInfo().availableIsas;
    const other = isas.find((isa) => isa !== initialIsa);
    if (!other) return;  // one path only: nothing to switch to
    const s = await InferenceSession.create(path);
    const before = (await s.run({ X: inputs[0]! })).Y!.data;
    binding.setIsa(other);
    try {
      await expect(s.run({ X: inputs[1]! })).rejects.toThrow(/released after packing.*instruction set was changed/);
      // The plan built before the switch still runs.
      expect((await s.run({ X: inputs[0]! })).Y!.data).toEqual(before);
    } finally {
      binding.setIsa(initialIsa);
    }
    await s.release();
  });
});
