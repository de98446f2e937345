// buildNativePlan: values, storage kinds, dtype codes, node ids, attributes, Copy nodes for outputs
// that cannot own a buffer, and the checks native repeats (read-only values written only by views).
import { describe, expect, it } from 'vitest';
import type { IrGraph } from '../../lib/graph/ir.js';
import { buildNativePlan, type NativePlan, type TraitsLookup } from '../../lib/schedule/index.js';
import { buildGraph, f32, float, floats, i64, int, ints, n, str, tensor } from '../graph/passes/ir-builder.js';

const traits: TraitsLookup = (domain, op) => ({
  inPlace: domain === '' && ['Relu', 'Add', 'Sigmoid'].includes(op),
  view: domain === '' && ['Reshape', 'Flatten', 'Identity'].includes(op),
});

function valueNamed(plan: NativePlan, name: string) {
  const v = plan.values.find((x) => x.name === name);
  if (!v) throw new Error(`no plan value '${name}'`);
  return v;
}

/** What native's Plan constructor checks about storage (native/graph/plan.cc), restated. */
function checkLikeNative(plan: NativePlan): void {
  const size: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };
  const bytes = (id: number) => plan.values[id]!.shape.reduce((a, b) => a * b, 1) * size[plan.values[id]!.dtype]!;
  plan.values.forEach((v, id) => {
    if (v.storage.kind === 'arena') {
      expect(v.storage.offset % 64).toBe(0);
      expect(v.storage.offset + bytes(id)).toBeLessThanOrEqual(plan.arenaBytes);
    }
    if (v.storage.kind === 'output') expect(plan.outputs[v.storage.index]).toBe(id);
    if (v.storage.kind === 'input') expect(plan.values[plan.inputs[v.storage.index]!]!.storage).toEqual({ kind: 'input', index: v.storage.index });
  });
  plan.inputs.forEach((id, i) => expect(plan.values[id]!.storage).toEqual({ kind: 'input', index: i }));
  const writer = new Set<number>();
  for (const node of plan.nodes) {
    for (const id of node.outputs) {
      if (id < 0) continue;
      expect(writer.has(id)).toBe(false);
      writer.add(id);
      const s = plan.values[id]!.storage;
      if (s.kind !== 'arena' && s.kind !== 'output') {
        // Only a view may "write" read-only storage, by sharing its input's.
        expect(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']).toContain(node.opType);
        expect(plan.values[node.inputs[0]!]!.storage).toEqual(s);
        expect(bytes(node.inputs[0]!)).toBe(bytes(id));
      }
    }
  }
}

function convGraph(): IrGraph {
  return buildGraph({
    inputs: [['X', [1, 2, 4, 4]]],
    outputs: ['Y'],
    nodes: [
      n('Conv', ['X', 'W', ''], ['c'], { pads: ints([0, 0, 0, 0]), big: int(2n ** 70n), huge: ints([-(2n ** 64n), 5n]), mode: str('x'), alpha: float(0.5), scales: floats([1, 2]), names: { type: 'strings', value: ['a'] } }, { name: 'conv' }),
      n('Relu', ['c'], ['r'], {}, { name: 'relu' }),
      n('Reshape', ['r', 'shape'], ['flat'], {}, { name: 'reshape' }),
      n('Gather', ['flat', 'idx'], ['Y'], {}, { name: 'gather' }),
    ],
    constants: [f32('W', [3, 2, 1, 1]), i64('shape', [2], [1, -1]), i64('idx', [2], [0, 5]), f32('unused', [7])],
    types: { c: [[1, 3, 4, 4]], r: [[1, 3, 4, 4]], flat: [[1, 48]], Y: [[1, 2]] },
  });
}

describe('buildNativePlan', () => {
  it('writes values, storage, dtypes, nodes and attributes', () => {
    const g = convGraph();
    const { plan, outputTypes, memory } = buildNativePlan(g, new Map([['W', 4], ['shape', 0]]), { traits });
    checkLikeNative(plan);
    expect(plan.nodes.map((x) => x.name)).toEqual(['conv', 'relu', 'reshape', 'gather']);
    expect(valueNamed(plan, 'X')).toEqual({ name: 'X', dtype: 1, shape: [1, 2, 4, 4], storage: { kind: 'input', index: 0 } });
    expect(valueNamed(plan, 'W').storage).toEqual({ kind: 'initializer', index: 4 });
    expect(valueNamed(plan, 'shape')).toEqual({ name: 'shape', dtype: 7, shape: [2], storage: { kind: 'initializer', index: 0 } });
    const idx = valueNamed(plan, 'idx');
    expect(idx.storage.kind).toBe('constant');
    expect(idx.storage.kind === 'constant' && idx.storage.data).toEqual(BigInt64Array.of(0n, 5n));
    expect(valueNamed(plan, 'Y').storage).toEqual({ kind: 'output', index: 0 });
    // Relu writes over the Conv output; the Reshape views it.
    const c = valueNamed(plan, 'c');
    expect(c.storage.kind).toBe('arena');
    expect(valueNamed(plan, 'r').storage).toEqual(c.storage);
    expect(valueNamed(plan, 'flat').storage).toEqual(c.storage);
    expect(plan.arenaBytes).toBe(memory.peakBytes);
    expect(plan.arenaBytes).toBe(192);
    expect(plan.values.some((v) => v.name === 'unused')).toBe(false);

    const conv = plan.nodes[0]!;
    expect(conv).toMatchObject({ opType: 'Conv', domain: '', opset: 17 });
    expect(conv.inputs).toEqual([plan.values.indexOf(valueNamed(plan, 'X')), plan.values.indexOf(valueNamed(plan, 'W')), -1]);
    expect(conv.attributes).toEqual([
      { name: 'pads', type: 'ints', value: [0, 0, 0, 0] },
      { name: 'big', type: 'int', value: 2 ** 63 },
      { name: 'huge', type: 'ints', value: [-(2 ** 63), 5] },
      { name: 'mode', type: 'string', value: 'x' },
      { name: 'alpha', type: 'float', value: 0.5 },
      { name: 'scales', type: 'floats', value: [1, 2] },
      { name: 'names', type: 'strings', value: ['a'] },
    ]);
    expect(plan.inputs).toEqual([plan.values.indexOf(valueNamed(plan, 'X'))]);
    expect(plan.outputs).toEqual([plan.values.indexOf(valueNamed(plan, 'Y'))]);
    expect(outputTypes).toEqual([{ name: 'Y', elemType: 'float32', dtype: 1, shape: [1, 2] }]);
  });

  it('a view of an inline constant gets its own bytes (native compares initializer storage only by index)', () => {
    const g = buildGraph({
      inputs: [['X', [6]]],
      outputs: ['Y'],
      nodes: [n('Flatten', ['K'], ['kf']), n('Flatten', ['I'], ['if']), n('Add', ['X', 'kf'], ['s']), n('Add', ['s', 'if'], ['Y'])],
      constants: [f32('K', [6]), f32('I', [6])],
      types: { kf: [[6]], if: [[6]], s: [[6]], Y: [[6]] },
    });
    const { plan } = buildNativePlan(g, new Map([['I', 0]]), { traits });
    checkLikeNative(plan);
    expect(valueNamed(plan, 'kf').storage.kind).toBe('arena');
    expect(valueNamed(plan, 'if').storage).toEqual({ kind: 'initializer', index: 0 });
  });

  it('inserts Copy nodes for outputs that are inputs, constants, or repeated, keeping the model names', () => {
    const g = buildGraph({
      inputs: [['X', [2], 'int32']],
      outputs: ['X', 'Y', 'Y', 'K'],
      nodes: [n('Neg', ['X'], ['Y'])],
      constants: [tensor('K', 'bool', [3], Uint8Array.of(1, 0, 1))],
      types: { Y: [[2], 'int32'] },
    });
    const { plan, outputTypes } = buildNativePlan(g, new Map(), { traits });
    checkLikeNative(plan);
    const copies = plan.nodes.filter((x) => x.opType === 'Copy');
    expect(copies).toHaveLength(3);
    for (const copy of copies) expect(copy).toMatchObject({ domain: 'octet', opset: 1 });
    expect(plan.outputs.map((id) => plan.values[id]!.name)).toEqual(['X', 'Y', 'Y', 'K']);
    expect(new Set(plan.outputs).size).toBe(4);
    plan.outputs.forEach((id, k) => expect(plan.values[id]!.storage).toEqual({ kind: 'output', index: k }));
    expect(outputTypes.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['X', 6, [2]],
      ['Y', 6, [2]],
      ['Y', 6, [2]],
      ['K', 9, [3]],
    ]);
    expect(g.nodes).toHaveLength(1); // the caller's graph is not changed
  });

  it('keeps a feed position for an input whose value was baked in as a constant', () => {
    const g = buildGraph({
      inputs: [['X', [2]], ['shape', [1], 'int64']],
      outputs: ['Y'],
      nodes: [n('Reshape', ['X', 'shape'], ['r']), n('Neg', ['r'], ['Y'])],
      constants: [i64('shape', [1], [2])],
      types: { r: [[2]], Y: [[2]] },
    });
    const { plan } = buildNativePlan(g, new Map(), { traits });
    checkLikeNative(plan);
    expect(plan.inputs.map((id) => plan.values[id]!.name)).toEqual(['X', 'shape']);
    const reshape = plan.nodes.find((x) => x.opType === 'Reshape')!;
    expect(plan.values[reshape.inputs[1]!]!.storage.kind).toBe('constant');
  });

  it('throws for tensor attributes, unsupported element types, symbolic shapes and unproduced outputs', () => {
    const tensorAttr = convGraph();
    tensorAttr.nodes[1]!.attributes.set('t', { type: 'tensor', value: f32('t', [1]) });
    expect(() => buildNativePlan(tensorAttr, new Map(), { traits })).toThrow(new TypeError("node 'relu' (Relu): attribute 't' of type tensor cannot be passed to the runtime"));

    const strings = convGraph();
    strings.types.set('Y', { elemType: 'string', shape: [1, 2] });
    expect(() => buildNativePlan(strings, new Map(), { traits })).toThrow(/value 'Y' has element type string/);

    const symbolic = convGraph();
    symbolic.types.set('c', { elemType: 'float32', shape: ['N', 3, 4, 4] });
    expect(() => buildNativePlan(symbolic, new Map(), { traits })).toThrow(/value 'c' has a non-concrete shape \[N, 3, 4, 4\]/);

    const orphan = convGraph();
    orphan.outputs.push({ name: 'nowhere', type: { elemType: 'float32', shape: [1] } });
    expect(() => buildNativePlan(orphan, new Map(), { traits })).toThrow("graph output 'nowhere' is not produced by any node");
  });

  it('uses the operator table by default (Relu in place, Reshape a view)', () => {
    const { plan } = buildNativePlan(convGraph(), new Map([['W', 0]]));
    checkLikeNative(plan);
    expect(valueNamed(plan, 'r').storage).toEqual(valueNamed(plan, 'c').storage);
    expect(valueNamed(plan, 'flat').storage).toEqual(valueNamed(plan, 'c').storage);
  });
});
