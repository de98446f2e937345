// readModel on hand-built models: structure, attributes, subgraphs, Constant values, external data
// and error messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { constantValue, readModel, TENSOR_SLACK_BYTES, type OnnxGraph } from '../../lib/onnx/index.js';
import { DT, onnx, smallModel, valueInfo } from './build.js';

const tmp = mkdtempSync(join(tmpdir(), 'octet-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function encodeModel(graph: Record<string, unknown>, extra: Record<string, unknown> = {}): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph, ...extra } as never)).finish();
}

describe('readModel', () => {
  it('reads model metadata, graph inputs/outputs, initializers and value_info', () => {
    const m = readModel(smallModel());
    expect(m.irVersion).toBe(8);
    expect(m.producerName).toBe('octet-test');
    expect(m.opsetImports).toEqual(new Map([['', 17], ['com.microsoft', 1]]));
    const g = m.graph;
    expect(g.name).toBe('small');
    // W is both an input and an initializer: not a graph input the caller must feed.
    expect(g.inputs).toEqual([
      { name: 'X', kind: 'tensor', elemType: 'float32', shape: ['N', 3] },
      { name: 'cond', kind: 'tensor', elemType: 'bool', shape: [] },
    ]);
    expect(g.outputs.map((o) => o.name)).toEqual(['Y', 'S']);
    expect([...g.initializers.keys()]).toEqual(['W', 'B']);
    expect(g.initializers.get('W')).toEqual({ name: 'W', type: 'float32', dims: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(g.initializers.get('B')!.data).toEqual(Float32Array.of(0.5, -0.5));
    expect(g.valueInfo.get('XW')).toEqual({ name: 'XW', kind: 'tensor', elemType: 'float32', shape: ['N', null] });
  });

  it('keeps node order, domains and omitted optional inputs', () => {
    const { nodes } = readModel(smallModel()).graph;
    expect(nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Clip', 'Constant', 'If', 'Custom']);
    expect(nodes[2].inputs).toEqual(['XWB', '', 'max']);
    expect(nodes[5].domain).toBe('com.microsoft');
    expect(nodes[0].domain).toBe('');
  });

  it('decodes every attribute kind, int64 beyond 2^53 as bigint', () => {
    const attrs = readModel(smallModel()).graph.nodes[5].attributes;
    expect(attrs.get('alpha')).toEqual({ type: 'float', value: 0.25 });
    expect(attrs.get('big')).toEqual({ type: 'int', value: 9007199254740993n });
    expect(attrs.get('axis')).toEqual({ type: 'int', value: -1 });
    expect(attrs.get('mode')).toEqual({ type: 'string', value: 'constant' });
    expect(attrs.get('scales')).toEqual({ type: 'floats', value: [1, 2.5] });
    expect(attrs.get('perm')).toEqual({ type: 'ints', value: [0, 2, 1] });
    expect(attrs.get('names')).toEqual({ type: 'strings', value: ['a', 'b'] });
    expect(attrs.get('ts')).toEqual({ type: 'tensors', value: [{ name: '', type: 'int8', dims: [2], data: Int8Array.of(-1, 1) }] });
  });

  it('decodes If subgraphs recursively and Constant values', () => {
    const { nodes } = readModel(smallModel()).graph;
    const thenBranch = nodes[4].attributes.get('then_branch');
    expect(thenBranch?.type).toBe('graph');
    const g = thenBranch!.value as OnnxGraph;
    expect(g.name).toBe('then');
    expect(g.outputs[0]).toEqual({ name: 'then_out', kind: 'tensor', elemType: 'float32', shape: [] });
    expect(constantValue(g.nodes[0])).toEqual({ name: 'then_out', type: 'float32', dims: [], data: Float32Array.of(1) });
    expect(constantValue(nodes[3])).toEqual({ name: 'max', type: 'float32', dims: [], data: Float32Array.of(6) });
    expect(() => constantValue(nodes[0])).toThrow(/node 'mm' \(MatMul\) is not a Constant node/);
  });

  it('constantValue handles value_int(s), value_floats, value_string(s)', () => {
    const enc = new TextEncoder();
    const bytes = encodeModel({
      node: [
        { opType: 'Constant', output: ['a'], attribute: [{ name: 'value_int', type: 2, i: '-9007199254740993' }] },
        { opType: 'Constant', output: ['b'], attribute: [{ name: 'value_ints', type: 7, ints: [1, -2] }] },
        { opType: 'Constant', output: ['c'], attribute: [{ name: 'value_floats', type: 6, floats: [0.5] }] },
        { opType: 'Constant', output: ['d'], attribute: [{ name: 'value_string', type: 3, s: enc.encode('x') }] },
        { opType: 'Constant', output: ['e'], attribute: [{ name: 'value_strings', type: 8, strings: [enc.encode('y')] }] },
      ],
      output: [valueInfo('a', DT.INT64, [])],
    });
    const values = readModel(bytes).graph.nodes.map(constantValue);
    expect(values[0]).toEqual({ name: 'a', type: 'int64', dims: [], data: BigInt64Array.of(-9007199254740993n) });
    expect(values[1]).toEqual({ name: 'b', type: 'int64', dims: [2], data: BigInt64Array.of(1n, -2n) });
    expect(values[2]).toEqual({ name: 'c', type: 'float32', dims: [1], data: Float32Array.of(0.5) });
    expect(values[3]).toEqual({ name: 'd', type: 'string', dims: [], data: ['x'] });
    expect(values[4]).toEqual({ name: 'e', type: 'string', dims: [1], data: ['y'] });
  });

  it('reads from a path; errors name the path and the tensor', () => {
    const good = join(tmp, 'good.onnx');
    writeFileSync(good, smallModel());
    expect(readModel(good).graph.nodes.length).toBe(6);
    const bad = join(tmp, 'bad.onnx');
    writeFileSync(bad, smallModel({ initializers: [{ name: 'Z', dataType: DT.FLOAT, dims: [4], floatData: [1] }] }));
    expect(() => readModel(bad)).toThrow(`${bad}: graph initializer 'Z': float_data has 1 values, expected 4`);
    expect(() => readModel(join(tmp, 'missing.onnx'))).toThrow(/cannot read .*missing.onnx/);
  });

  it('rejects a model without a graph, unsafe dims, bad sources', () => {
    const noGraph = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8 })).finish();
    expect(() => readModel(noGraph)).toThrow(/<bytes>: the model has no graph/);
    expect(() => readModel(encodeModel({ input: [valueInfo('X', DT.FLOAT, [])] }).subarray(0, 5))).toThrow(Error);
    const hugeDim = encodeModel({ input: [{ name: 'X', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: '9007199254740993' }] } } } }] });
    expect(() => readModel(hugeDim)).toThrow(/input 'X'.*dim 0 is 9007199254740993, beyond the safe integer range/);
    expect(() => readModel(encodeModel({ node: [{ opType: 'X', attribute: [{ name: 'sp', type: 11 }] }] }))).toThrow(/attribute 'sp' has unsupported attribute type SPARSE_TENSOR/);
    expect(() => readModel(123 as never)).toThrow(TypeError);
  });

  describe('raw data decoded in place', () => {
    // Raw tensors at every byte offset mod 8 (names of varying length shift them), of several types,
    // followed by enough graph to leave the slack a native kernel may over-read.
    const types = [
      { dt: DT.FLOAT, ctor: Float32Array },
      { dt: DT.DOUBLE, ctor: Float64Array },
      { dt: DT.INT64, ctor: BigInt64Array },
      { dt: DT.INT8, ctor: Int8Array },
      { dt: DT.UINT16, ctor: Uint16Array },
    ] as const;
    const cases = types.flatMap(({ dt, ctor }, ti) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((pad) => {
        const n = 40 + pad * 7 + ti;
        const values = ctor === BigInt64Array ? BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 1e12 - 7)) : (ctor as typeof Float32Array).from({ length: n }, (_, i) => (i * 37) % 101 - 50 + (ctor === Float32Array || ctor === Float64Array ? 0.25 : 0));
        return { name: `t${ti}_${'p'.repeat(pad)}`, dt, values };
      }),
    );
    const initializer = cases.map((c) => ({ name: c.name, dataType: c.dt, dims: [c.values.length], rawData: new Uint8Array(c.values.buffer.slice(0)) }));
    // A plain copy: protobufjs may return a Buffer, whose slice() is a view, not a copy.
    const bytes = new Uint8Array(encodeModel({
      initializer,
      node: cases.map((c, i) => ({ name: `n${i}`, opType: 'Identity', input: [c.name], output: [`y${i}`] })),
      output: cases.map((c, i) => valueInfo(`y${i}`, c.dt, [c.values.length])),
    }));

    it('views a file read here, aligned, with slack, and the values are right', () => {
      const path = join(tmp, 'inplace.onnx');
      writeFileSync(path, bytes);
      const g = readModel(path).graph;
      const buffers = new Set<ArrayBufferLike>();
      for (const c of cases) {
        const t = g.initializers.get(c.name)!;
        expect(t.data, c.name).toEqual(c.values);
        const view = t.data as Float32Array;
        // A shift of up to 3 bytes always fits in the field's tag and length (>= 3 bytes past 128
        // bytes of data); 8-byte types may need up to 7 and are copied when it does not.
        if (view.BYTES_PER_ELEMENT <= 4) buffers.add(view.buffer);
        expect(view.byteOffset % view.BYTES_PER_ELEMENT).toBe(0);
        expect(view.buffer.byteLength - view.byteOffset - view.byteLength).toBeGreaterThanOrEqual(TENSOR_SLACK_BYTES);
      }
      expect(buffers.size).toBe(1);  // one buffer: the file's
    });

    it('copies bytes the caller keeps, and leaves them untouched', () => {
      const mine = new Uint8Array(bytes);
      const g = readModel(mine).graph;
      expect(mine).toEqual(bytes);
      for (const c of cases) {
        const t = g.initializers.get(c.name)!;
        expect(t.data).toEqual(c.values);
        expect((t.data as Uint8Array).buffer).not.toBe(mine.buffer);
      }
    });

    it('decodes handed-over bytes in place, but never a slice of a shared buffer', () => {
      const given = new Uint8Array(bytes);
      const g = readModel(given, { transferBytes: true }).graph;
      for (const c of cases) expect(g.initializers.get(c.name)!.data).toEqual(c.values);
      expect((g.initializers.get(cases[0]!.name)!.data as Uint8Array).buffer).toBe(given.buffer);
      const shared = new Uint8Array(bytes.length + 16);
      shared.set(bytes, 8);
      const slice = shared.subarray(8, 8 + bytes.length);
      readModel(slice, { transferBytes: true });
      expect(slice).toEqual(bytes);
    });
  });

  describe('external data', () => {
    const floats = Float32Array.of(1, 2, 3, 4, 5, 6);
    const dir = join(tmp, 'ext');
    const ext = (name: string, entries: Record<string, string>, dims = [2]) => ({
      name,
      dataType: DT.FLOAT,
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
    });
    const writeModel = (file: string, initializer: unknown[]) => {
      const path = join(dir, file);
      writeFileSync(path, encodeModel({ initializer, node: [{ opType: 'Identity', input: ['a'], output: ['y'] }] }));
      return path;
    };

    it('reads location/offset/length relative to the model folder or baseDir', async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'sub'), { recursive: true });
      writeFileSync(join(dir, 'sub', 'weights.bin'), new Uint8Array(floats.buffer));
      const path = writeModel('ext.onnx', [
        ext('a', { location: 'sub/weights.bin', offset: '8', length: '8' }),
        ext('b', { location: 'sub/weights.bin' }, [2, 3]),
        ext('c', { location: 'sub/weights.bin', offset: '20' }, [1]),
      ]);
      const g = readModel(path).graph;
      expect(g.initializers.get('a')!.data).toEqual(Float32Array.of(3, 4));
      expect(g.initializers.get('b')!.data).toEqual(floats);
      expect(g.initializers.get('c')!.data).toEqual(Float32Array.of(6));
      const { readFileSync } = await import('node:fs');
      expect(readModel(readFileSync(path), { baseDir: dir }).graph.initializers.get('a')!.data).toEqual(Float32Array.of(3, 4));
      expect(() => readModel(readFileSync(path))).toThrow(/initializer 'a'.*needs the model's folder/);
    });

    it('rejects missing, too short and escaping external files', () => {
      writeFileSync(join(dir, 'short.bin'), new Uint8Array(10));
      const short = writeModel('short.onnx', [ext('s', { location: 'short.bin', offset: '4', length: '8' })]);
      expect(() => readModel(short)).toThrow(new RegExp(`${short}: graph initializer 's': external data file .*short.bin is too short`));
      const wrongLength = writeModel('wrong.onnx', [ext('w', { location: 'short.bin', offset: '0', length: '4' })]);
      expect(() => readModel(wrongLength)).toThrow(/initializer 'w': raw data has 4 bytes, expected 8/);
      const missing = writeModel('missing.onnx', [ext('m', { location: 'nope.bin' })]);
      expect(() => readModel(missing)).toThrow(/initializer 'm': cannot open external data file .*nope.bin/);
      const escaping = writeModel('escape.onnx', [ext('e', { location: '../etc/passwd' })]);
      expect(() => readModel(escaping)).toThrow(/must be a relative path inside the model's folder/);
      const pastEnd = writeModel('past.onnx', [ext('p', { location: 'short.bin', offset: '11' })]);
      expect(() => readModel(pastEnd)).toThrow(/initializer 'p': external data file .*short.bin is too short: needs offset 11 but has 10 bytes/);
      const badOffset = writeModel('offset.onnx', [ext('o', { location: 'short.bin', offset: '-1' })]);
      expect(() => readModel(badOffset)).toThrow(/offset '-1' is not a non-negative integer/);
    });
  });
});
