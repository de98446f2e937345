// InferenceSession's API as onnxruntime-node users know it: create from a path or bytes, names,
// run / runSync / fetches, release and asyncDispose, concurrent runs, and errors that name the problem.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { DT, model } from '../helpers/onnx-model.js';
import { Rng } from '../helpers/random.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'models');
const FASHION = join(SHARED, 'fashion_cnn.onnx');

// Y = Relu(X·W + B), Z = Sigmoid(Y) with a symbolic batch.
function mlp(): { bytes: Uint8Array; w: Float32Array; b: Float32Array } {
  const rng = new Rng(7);
  const w = Float32Array.from({ length: 12 }, () => rng.next() * 2 - 1);
  const b = Float32Array.from({ length: 3 }, () => rng.next() - 0.5);
  const bytes = model({
    inputs: [['X', DT.FLOAT, ['N', 4]]],
    outputs: [['Y', DT.FLOAT, ['N', 3]], ['Z', DT.FLOAT, ['N', 3]]],
    initializers: [
      { name: 'W', type: DT.FLOAT, dims: [4, 3], data: w },
      { name: 'B', type: DT.FLOAT, dims: [3], data: b },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['X', 'W'], outputs: ['XW'] },
      { op: 'Add', inputs: ['XW', 'B'], outputs: ['XWB'] },
      { op: 'Relu', inputs: ['XWB'], outputs: ['Y'] },
      { op: 'Sigmoid', inputs: ['Y'], outputs: ['Z'] },
    ],
  });
  return { bytes, w, b };
}

function mlpReference(x: Float32Array, n: number, w: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 3; j++) {
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += x[i * 4 + k]! * w[k * 3 + j]!;
      y[i * 3 + j] = Math.max(0, acc + b[j]!);
    }
  return y;
}

describe('InferenceSession', () => {
  it('creates from bytes and runs; names and metadata follow the model', async () => {
    const { bytes, w, b } = mlp();
    const session = await InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['X']);
    expect(session.outputNames).toEqual(['Y', 'Z']);
    expect(session.inputMetadata[0]).toMatchObject({ name: 'X', type: 'float32', shape: ['N', 4] });
    for (const n of [1, 5, 2]) {
      const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i + n));
      const out = await session.run({ X: new Tensor('float32', x, [n, 4]) });
      expect(out.Y!.dims).toEqual([n, 3]);
      const want = mlpReference(x, n, w, b);
      out.Y!.data.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      (out.Z!.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-want[i]!)), 5));
    }
    await session.release();
  });

  // A run with the dims of the one before takes that plan without the cache's signature; the plan
  // must still follow every change of dims, and one evicted by a small cache is made again.
  it('follows changing input dims, with a plan cache of one and repeated dims', async () => {
    const { bytes, w, b } = mlp();
    const session = await InferenceSession.create(bytes, { planCacheSize: 1 });
    for (const n of [2, 2, 3, 3, 2, 1, 1, 3]) {
      const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i * n));
      const y = (await session.run({ X: new Tensor('float32', x, [n, 4]) })).Y!;
      expect(y.dims).toEqual([n, 3]);
      const want = mlpReference(x, n, w, b);
      y.data.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(session.runSync({ X: new Tensor('float32', x, [n, 4]) }).Y!.data).toEqual(y.data);
    }
    // describe() may make a plan too, evicting the latest run's: that run's dims get a new one.
    const x = Float32Array.from({ length: 8 }, (_, i) => i / 8);
    expect((await session.run({ X: new Tensor('float32', x, [2, 4]) })).Y!.dims).toEqual([2, 3]);
    expect(session.describe({ X: [5, 4] }).length).toBeGreaterThan(0);
    const y = (await session.run({ X: new Tensor('float32', x, [2, 4]) })).Y!;
    y.data.forEach((v, i) => expect(v).toBeCloseTo(mlpReference(x, 2, w, b)[i]!, 5));
    await session.release();
  });

  // Native takes the feeds in the plan's input order, whatever order the feeds object lists them in,
  // an unused input included; the second and later runs take the latest plan's shortcut.
  it('hands several feeds to native in the order its plan needs, run after run', async () => {
    const bytes = model({
      inputs: [['U', DT.FLOAT, [1]], ['A', DT.FLOAT, [2, 3]], ['B', DT.FLOAT, [2, 3]]],
      outputs: [['D', DT.FLOAT, [2, 3]]],
      nodes: [{ op: 'Sub', inputs: ['B', 'A'], outputs: ['D'] }],  // U is fed but unused
    });
    const session = await InferenceSession.create(bytes);
    for (let k = 1; k <= 3; k++) {
      const a = Float32Array.from({ length: 6 }, (_, i) => i * k);
      const bv = Float32Array.from({ length: 6 }, (_, i) => 10 * k - i);
      const d = (await session.run({ B: new Tensor('float32', bv, [2, 3]), U: new Tensor('float32', [k], [1]), A: new Tensor('float32', a, [2, 3]) })).D!;
      expect([...d.data]).toEqual([...bv].map((v, i) => v - a[i]!));
    }
    await session.release();
  });

  it('creates from ArrayBuffer and from a path; runSync equals run; fetches select outputs', async () => {
    const { bytes } = mlp();
    // model() returns a Node Buffer, whose slice() is a view into a shared slab: copy the bytes.
    const s1 = await InferenceSession.create(new Uint8Array(bytes).buffer);
    const x = new Tensor('float32', Float32Array.from({ length: 8 }, (_, i) => i - 3), [2, 4]);
    const a = await s1.run({ X: x });
    const b = s1.runSync({ X: x });
    expect(Array.from(b.Y!.data as Float32Array)).toEqual(Array.from(a.Y!.data as Float32Array));
    const only = await s1.run({ X: x }, ['Z']);
    expect(Object.keys(only)).toEqual(['Z']);
    await s1.release();
    if (existsSync(FASHION)) {
      const s2 = await InferenceSession.create(FASHION);
      expect(s2.inputNames).toEqual(['input']);
      const out = await s2.run({ input: new Tensor('float32', new Float32Array(2 * 28 * 28).fill(0.1), [2, 1, 28, 28]) });
      expect(out[s2.outputNames[0]!]!.dims).toEqual([2, 10]);
      await s2.release();
    }
  });

  it('release is idempotent, asyncDispose releases, and a released session says so', async () => {
    const session = await InferenceSession.create(mlp().bytes);
    await session.release();
    await session.release();
    await expect(session.run({ X: new Tensor('float32', new Float32Array(4), [1, 4]) })).rejects.toThrow(/released/);
    const s2 = await InferenceSession.create(mlp().bytes);
    await s2[Symbol.asyncDispose]();
    expect(() => s2.runSync({ X: new Tensor('float32', new Float32Array(4), [1, 4]) })).toThrow(/released/);
  });

  it('many concurrent runs on one session give the answers of sequential runs', async () => {
    const { bytes } = mlp();
    const session = await InferenceSession.create(bytes);
    const inputs = Array.from({ length: 24 }, (_, k) => new Tensor('float32', Float32Array.from({ length: (1 + (k % 4)) * 4 }, (_, i) => Math.cos(i * k)), [1 + (k % 4), 4]));
    const sequential = inputs.map((x) => session.runSync({ X: x }).Z!.data);
    const concurrent = await Promise.all(inputs.map((x) => session.run({ X: x })));
    concurrent.forEach((r, k) => expect(Array.from(r.Z!.data as Float32Array)).toEqual(Array.from(sequential[k]! as Float32Array)));
    await session.release();
  });

  it('writes into pre-allocated output tensors given in fetches', async () => {
    const { bytes, w, b } = mlp();
    const session = await InferenceSession.create(bytes);
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 2);
    const y = new Tensor('float32', new Float32Array(9), [3, 3]);
    const out = await session.run({ X: new Tensor('float32', x, [3, 4]) }, { Y: y, Z: null });
    expect(out.Y).toBe(y);
    const want = mlpReference(x, 3, w, b);
    y.data.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(out.Z!.dims).toEqual([3, 3]);
    await expect(session.run({ X: new Tensor('float32', x, [3, 4]) }, { Y: new Tensor('float32', new Float32Array(6), [2, 3]) })).rejects.toThrow(/dims \[3,3\]/);
    // The input cannot double as an output: native refuses overlapping memory.
    const shared = new Float32Array(9);
    const alias = new Tensor('float32', shared, [3, 3]);
    const bad = model({
      inputs: [['A', DT.FLOAT, [3, 3]]],
      outputs: [['B', DT.FLOAT, [3, 3]]],
      nodes: [{ op: 'Relu', inputs: ['A'], outputs: ['B'] }],
    });
    const s2 = await InferenceSession.create(bad);
    expect(() => s2.runSync({ A: alias }, { B: alias })).toThrow(/shares memory/);
    await s2.release();
    await session.release();
  });

  it('profiles where the time goes, per node and per operator type', async () => {
    const session = await InferenceSession.create(mlp().bytes, { enableProfiling: true });
    for (let i = 0; i < 3; i++) await session.run({ X: new Tensor('float32', new Float32Array(64 * 4).fill(1), [64, 4]) });
    const p = session.endProfiling();
    expect(p.runs).toBe(3);
    expect(p.nodes.map((n) => n.opType).sort()).toEqual(['Add', 'MatMul', 'Relu', 'Sigmoid'].filter((t) => p.nodes.some((n) => n.opType === t)).sort());
    expect(p.byOpType.every((t) => t.milliseconds >= 0)).toBe(true);
    await session.release();
  });

  it('names the problem in bad feeds', async () => {
    const session = await InferenceSession.create(mlp().bytes);
    const ok = new Tensor('float32', new Float32Array(4), [1, 4]);
    await expect(session.run({} as never)).rejects.toThrow(/input 'X' is missing/);
    await expect(session.run({ X: ok, Q: ok } as never)).rejects.toThrow(/'Q' is not an input/);
    await expect(session.run({ X: new Tensor('int32', new Int32Array(4), [1, 4]) })).rejects.toThrow(/must be a float32 tensor, got int32/);
    await expect(session.run({ X: new Tensor('float32', new Float32Array(4), [4]) })).rejects.toThrow(/rank 2/);
    await expect(session.run({ X: new Tensor('float32', new Float32Array(5), [1, 5]) })).rejects.toThrow(/must have 4 at axis 1/);
    await expect(session.run({ X: [1, 2, 3, 4] } as never)).rejects.toThrow(/must be a Tensor/);
    await expect(session.run({ X: ok }, ['nope'])).rejects.toThrow(/'nope' is not an output/);
    await expect(session.run(null as never)).rejects.toThrow(TypeError);
    await session.release();
  });

  it('rejects bad models with errors naming the node or value', async () => {
    await expect(InferenceSession.create(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow();
    await expect(InferenceSession.create('/nonexistent/model.onnx')).rejects.toThrow(/ENOENT|no such file/);
    await expect(InferenceSession.create(42 as never)).rejects.toThrow(TypeError);
    const unknownOp = model({
      inputs: [['X', DT.FLOAT, [2]]],
      outputs: [['Y', DT.FLOAT, [2]]],
      nodes: [{ op: 'FrobnicateTensor', name: 'frob', inputs: ['X'], outputs: ['Y'] }],
    });
    await expect(InferenceSession.create(unknownOp)).rejects.toThrow(/FrobnicateTensor.*frob|frob.*FrobnicateTensor/);
    const cycle = model({
      inputs: [['X', DT.FLOAT, [2]]],
      outputs: [['Y', DT.FLOAT, [2]]],
      nodes: [
        { op: 'Add', name: 'a', inputs: ['X', 'Z'], outputs: ['Y'] },
        { op: 'Relu', name: 'b', inputs: ['Y'], outputs: ['Z'] },
      ],
    });
    await expect(InferenceSession.create(cycle)).rejects.toThrow(/cycle/i);
    const missing = model({
      inputs: [['X', DT.FLOAT, [2]]],
      outputs: [['Y', DT.FLOAT, [2]]],
      nodes: [{ op: 'Add', name: 'add', inputs: ['X', 'W'], outputs: ['Y'] }],
    });
    await expect(InferenceSession.create(missing)).rejects.toThrow(/'W'/);
    const zeroStride = model({
      inputs: [['X', DT.FLOAT, [1, 1, 5, 5]]],
      outputs: [['Y', DT.FLOAT, null]],
      initializers: [{ name: 'W', type: DT.FLOAT, dims: [1, 1, 3, 3], data: new Float32Array(9) }],
      nodes: [{ op: 'Conv', name: 'conv0', inputs: ['X', 'W'], outputs: ['Y'], attrs: { strides: [0, 1] } }],
    });
    await expect(InferenceSession.create(zeroStride)).rejects.toThrow(/conv0/);
    const huge = model({
      inputs: [['X', DT.FLOAT, [1]]],
      outputs: [['Y', DT.FLOAT, null]],
      initializers: [{ name: 'S', type: DT.INT64, dims: [3], data: new BigInt64Array([100000n, 100000n, 100000n]) }],
      nodes: [{ op: 'Expand', name: 'expand0', inputs: ['X', 'S'], outputs: ['Y'] }],
    });
    await expect(InferenceSession.create(huge)).rejects.toThrow(RangeError);
  });
});
