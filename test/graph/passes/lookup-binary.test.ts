// lookupBinary: QLinearMul / QLinearAdd of x and a table of x (or of x and x, or of a table of x and a
// table of that) becomes one table. Run
// on every one of the 256 input bytes, the fused table gives exactly the bytes of the unfused native
// operators (the session with graph optimisation disabled), for uint8 and int8, Mul and Add, with
// and without zero points. Then a QDQ hard-swish, as quantizers write it, runs as a single table and
// stays within one step of onnxruntime-node.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../../lib/index.js';
import { DT, model, type NodeDef } from '../../helpers/onnx-model.js';
import { Rng } from '../../helpers/random.js';

const rng = new Rng(5);

type Operands = 'x,table' | 'table,x' | 'x,x' | 'table,chain' | 'chain,table';

// t = table(x); u = table2(t) ("chain": t has two readers, so the two tables stay apart).
function binaryModel(op: 'QLinearMul' | 'QLinearAdd', type: 'uint8' | 'int8', operands: Operands, zeroPoints: boolean): Uint8Array {
  const dt = type === 'int8' ? DT.INT8 : DT.UINT8;
  const randomTable = () =>
    type === 'int8' ? Int8Array.from({ length: 256 }, () => Math.floor(rng.next() * 256) - 128) : Uint8Array.from({ length: 256 }, () => Math.floor(rng.next() * 256));
  const table = randomTable(), table2 = randomTable();
  const zp = (v: number) => (type === 'int8' ? Int8Array.of(v - 128) : Uint8Array.of(v));
  const [a, b] = operands.split(',').map((o) => (o === 'x' ? 'x' : o === 'chain' ? 'u' : 't'));
  const nodes: NodeDef[] = [
    { op: 'QLinearLookup', domain: 'octet', inputs: ['x', 'table'], outputs: ['t'] },
    ...(operands.includes('chain') ? [{ op: 'QLinearLookup', domain: 'octet', inputs: ['t', 'table2'], outputs: ['u'] }] : []),
    { op, domain: 'com.microsoft', name: 'binary', inputs: zeroPoints ? [a!, 'sa', 'za', b!, 'sb', 'zb', 'sc', 'zc'] : [a!, 'sa', '', b!, 'sb', '', 'sc'], outputs: ['y'] },
  ];
  return model({
    inputs: [['x', dt, [256]]],
    outputs: [['y', dt, [256]]],
    initializers: [
      { name: 'table', type: dt, dims: [256], data: table },
      { name: 'table2', type: dt, dims: [256], data: table2 },
      { name: 'sa', type: DT.FLOAT, dims: [], data: Float32Array.of(0.0371) },
      { name: 'sb', type: DT.FLOAT, dims: [], data: Float32Array.of(0.0213) },
      { name: 'sc', type: DT.FLOAT, dims: [], data: Float32Array.of(op === 'QLinearMul' ? 0.0519 : 0.0437) },
      { name: 'za', type: dt, dims: [], data: zp(131) },
      { name: 'zb', type: dt, dims: [], data: zp(97) },
      { name: 'zc', type: dt, dims: [], data: zp(120) },
    ],
    nodes,
  });
}

describe('lookupBinary', () => {
  for (const op of ['QLinearMul', 'QLinearAdd'] as const) {
    for (const type of ['uint8', 'int8'] as const) {
      for (const operands of ['x,table', 'table,x', 'x,x', 'table,chain', 'chain,table'] as const) {
        for (const zeroPoints of [true, false]) {
          it(`${op} ${type} (${operands}${zeroPoints ? '' : ', no zero points'}): one table, the unfused operators' bytes`, async () => {
            const bytes = binaryModel(op, type, operands, zeroPoints);
            const x = type === 'int8' ? Int8Array.from({ length: 256 }, (_, i) => i - 128) : Uint8Array.from({ length: 256 }, (_, i) => i);
            const fused = await InferenceSession.create(bytes);
            const plain = await InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
            const kinds = fused.describe();
            expect(kinds.map((d) => d.opType)).toEqual(['QLinearLookup']);
            expect(plain.describe().map((d) => d.opType)).toContain(op);
            const a = (await fused.run({ x: new Tensor(type, x, [256]) })).y!.data;
            const b = (await plain.run({ x: new Tensor(type, x, [256]) })).y!.data;
            expect(Array.from(a as Uint8Array)).toEqual(Array.from(b as Uint8Array));
            await fused.release();
            await plain.release();
          });
        }
      }
    }
  }

  it('fuses tables of a tensor an int8 operator wrote (its type from the output zero point)', async () => {
    // x = QLinearAdd(p, q): no declared type before shape inference, only its producer's y zero point.
    const table = (seed: number) => Int8Array.from({ length: 256 }, (_, i) => ((i * seed + 17) % 256) - 128);
    const bytes = model({
      inputs: [['p', DT.INT8, [256]], ['q', DT.INT8, [256]]],
      outputs: [['y', DT.INT8, [256]]],
      initializers: [
        { name: 's', type: DT.FLOAT, dims: [], data: Float32Array.of(0.05) },
        { name: 'zp', type: DT.INT8, dims: [], data: Int8Array.of(3) },
        { name: 'table', type: DT.INT8, dims: [256], data: table(7) },
        { name: 'table2', type: DT.INT8, dims: [256], data: table(13) },
      ],
      nodes: [
        { op: 'QLinearAdd', domain: 'com.microsoft', inputs: ['p', 's', 'zp', 'q', 's', 'zp', 's', 'zp'], outputs: ['x'] },
        { op: 'QLinearLookup', domain: 'octet', inputs: ['x', 'table'], outputs: ['t'] },
        { op: 'QLinearLookup', domain: 'octet', inputs: ['t', 'table2'], outputs: ['u'] },
        { op: 'QLinearMul', domain: 'com.microsoft', inputs: ['t', 's', 'zp', 'u', 's', 'zp', 's', 'zp'], outputs: ['y'] },
      ],
    });
    const fused = await InferenceSession.create(bytes);
    const plain = await InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    expect(fused.describe().map((d) => d.opType)).toEqual(['QLinearAdd', 'QLinearLookup']);
    const p = Int8Array.from({ length: 256 }, (_, i) => i - 128), q = Int8Array.from({ length: 256 }, (_, i) => 127 - ((i * 5) % 256));
    const feeds = { p: new Tensor('int8', p, [256]), q: new Tensor('int8', q, [256]) };
    expect(Array.from((await fused.run(feeds)).y!.data as Int8Array)).toEqual(Array.from((await plain.run(feeds)).y!.data as Int8Array));
    await fused.release();
    await plain.release();
  });

  it('leaves a binary of two different tensors alone', async () => {
    const bytes = model({
      inputs: [['x', DT.UINT8, [8]], ['z', DT.UINT8, [8]]],
      outputs: [['y', DT.UINT8, [8]]],
      initializers: [
        { name: 's', type: DT.FLOAT, dims: [], data: Float32Array.of(0.05) },
        { name: 'zp', type: DT.UINT8, dims: [], data: Uint8Array.of(128) },
      ],
      nodes: [{ op: 'QLinearMul', domain: 'com.microsoft', inputs: ['x', 's', 'zp', 'z', 's', 'zp', 's', 'zp'], outputs: ['y'] }],
    });
    const s = await InferenceSession.create(bytes);
    expect(s.describe().map((d) => d.opType)).toEqual(['QLinearMul']);
    await s.release();
  });

  it('runs a QDQ hard-swish (Add → Clip → Div → Mul with x) as one table, within a step of onnxruntime', async () => {
    const q = (name: string, scale: string, zp: string): NodeDef[] => [
      { op: 'QuantizeLinear', inputs: [name, scale, zp], outputs: [`${name}_q`] },
      { op: 'DequantizeLinear', inputs: [`${name}_q`, scale, zp], outputs: [`${name}_dq`] },
    ];
    const bytes = model({
      inputs: [['x', DT.FLOAT, [1, 4, 8, 8]]],
      outputs: [['y', DT.FLOAT, [1, 4, 8, 8]]],
      initializers: [
        { name: 'three', type: DT.FLOAT, dims: [], data: Float32Array.of(3) },
        { name: 'six', type: DT.FLOAT, dims: [], data: Float32Array.of(6) },
        { name: 'zero', type: DT.FLOAT, dims: [], data: Float32Array.of(0) },
        { name: 'sx', type: DT.FLOAT, dims: [], data: Float32Array.of(0.04) },
        { name: 'zx', type: DT.UINT8, dims: [], data: Uint8Array.of(128) },
        { name: 'st', type: DT.FLOAT, dims: [], data: Float32Array.of(0.03) },
        { name: 'zt', type: DT.UINT8, dims: [], data: Uint8Array.of(0) },
        { name: 'su', type: DT.FLOAT, dims: [], data: Float32Array.of(0.004) },
        { name: 'sy', type: DT.FLOAT, dims: [], data: Float32Array.of(0.025) },
        { name: 'zy', type: DT.UINT8, dims: [], data: Uint8Array.of(20) },
      ],
      nodes: [
        ...q('x', 'sx', 'zx'),
        { op: 'Add', inputs: ['x_dq', 'three'], outputs: ['a'] },
        ...q('a', 'st', 'zt'),
        { op: 'Clip', inputs: ['a_dq', 'zero', 'six'], outputs: ['c'] },
        ...q('c', 'st', 'zt'),
        { op: 'Div', inputs: ['c_dq', 'six'], outputs: ['d'] },
        ...q('d', 'su', 'zt'),
        { op: 'Mul', inputs: ['x_dq', 'd_dq'], outputs: ['m'] },
        ...q('m', 'sy', 'zy'),
        { op: 'Identity', inputs: ['m_dq'], outputs: ['y'] },
      ],
      opset: 13,
    });
    const x = Float32Array.from({ length: 256 }, (_, i) => (i - 128) * 0.04);
    const ours = await InferenceSession.create(bytes);
    expect(ours.describe().filter((d) => d.kernel === 'int8').map((d) => d.opType)).toEqual(['QLinearLookup']);
    const theirs = await ort.InferenceSession.create(bytes);
    const a = (await ours.run({ x: new Tensor('float32', x, [1, 4, 8, 8]) })).y!.data as Float32Array;
    const b = (await theirs.run({ x: new ort.Tensor('float32', x, [1, 4, 8, 8]) })).y!.data as Float32Array;
    let within = 0;
    for (let i = 0; i < a.length; i++) within += Math.abs(a[i]! - b[i]!) <= 0.025 * 1.001 ? 1 : 0;
    expect(within).toBe(a.length);
    await ours.release();
    await theirs.release();
  });
});
