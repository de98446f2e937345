// planMemory / allocate: no two live values share bytes (checked exhaustively on random DAGs), in place
// only where allowed, views share storage, 64-byte alignment, peak bounds, and the optimum on chains.
import { describe, expect, it } from 'vitest';
import type { OnnxElemType } from '../../lib/onnx/model.js';
import type { IrGraph } from '../../lib/graph/ir.js';
import { allocate, executionOrder, planMemory, valueBytes, type MemoryPlan, type TraitsLookup } from '../../lib/schedule/index.js';
import { Rng } from '../helpers/random.js';
import { buildGraph, f32, n, type NodeSpec } from '../graph/passes/ir-builder.js';

// Test operators: Ew writes over input 0 when allowed, View shares input 0's bytes, Op does neither.
const traits: TraitsLookup = (_domain, op) => ({ inPlace: op === 'Ew', view: op === 'View' });

const align = (b: number) => Math.ceil(b / 64) * 64;

interface RandomDag {
  g: IrGraph;
}

function randomDag(rng: Rng, nodeCount: number): RandomDag {
  const elemTypes: OnnxElemType[] = ['float32', 'uint8', 'int64', 'float16', 'bool'];
  const types: Record<string, [number[], OnnxElemType]> = {};
  const available: string[] = [];
  const inputs: [string, number[], OnnxElemType][] = [];
  for (let i = 0; i < rng.int(1, 3); ++i) {
    const spec: [string, number[], OnnxElemType] = [`in${i}`, [rng.int(1, 40)], rng.pick(elemTypes)];
    inputs.push(spec);
    available.push(spec[0]);
  }
  const constants = Array.from({ length: rng.int(0, 2) }, (_, i) => f32(`k${i}`, [rng.int(1, 30)]));
  available.push(...constants.map((c) => c.name));
  const typeOf = (name: string): [number[], OnnxElemType] => {
    const input = inputs.find((x) => x[0] === name);
    if (input) return [input[1], input[2]];
    const c = constants.find((x) => x.name === name);
    return c ? [c.dims, 'float32'] : types[name]!;
  };
  const nodes: NodeSpec[] = [];
  const produced: string[] = [];
  for (let i = 0; i < nodeCount; ++i) {
    const op = rng.pick(['Op', 'Op', 'Ew', 'Ew', 'View']);
    // Prefer recent values so chains of reuse (and in-place opportunities) occur.
    const pickInput = () => (produced.length > 0 && rng.next() < 0.7 ? produced[Math.max(0, produced.length - rng.int(1, 4))]! : rng.pick(available));
    const ins = Array.from({ length: op === 'View' ? 1 : rng.int(1, 3) }, pickInput);
    if (op === 'Op' && rng.next() < 0.2) ins.push('');
    const outs = [`v${i}`];
    const [shape0, type0] = typeOf(ins[0]!);
    if (op === 'Ew') types[outs[0]!] = [[...shape0], type0];
    else if (op === 'View') types[outs[0]!] = [[shape0.reduce((a, b) => a * b, 1)], type0];
    else {
      types[outs[0]!] = [[rng.int(0, 50), rng.int(1, 3)], rng.pick(elemTypes)];
      if (rng.next() < 0.3) {
        outs.push(`v${i}b`);
        types[`v${i}b`] = [[rng.int(1, 20)], 'int64'];
      }
    }
    nodes.push(n(op, ins, outs, {}, { name: `node${i}` }));
    produced.push(...outs);
    available.push(...outs);
  }
  const outputs = [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.pick(produced)))];
  if (!outputs.includes(produced[produced.length - 1]!)) outputs.push(produced[produced.length - 1]!);
  return { g: buildGraph({ inputs, outputs, nodes, constants, types: Object.fromEntries(Object.entries(types)) }) };
}

function rootOf(plan: MemoryPlan, name: string): string {
  const s = plan.storage.get(name)!;
  return s.kind === 'alias' ? s.of : name;
}

/** Checks every property a memory plan promises, against lifetimes computed here independently. */
function checkPlan(g: IrGraph, plan: MemoryPlan): void {
  const order = plan.order;
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const def = new Map<string, number>();
  const last = new Map<string, number>();
  order.forEach((node, step) => {
    for (const v of node.inputs) if (v !== '') last.set(v, step);
    for (const v of node.outputs) if (v !== '') def.set(v, step);
  });
  const lastUse = (v: string) => Math.max(last.get(v) ?? -1, def.get(v) ?? -1);

  const arena = [...plan.storage.keys()].filter((v) => plan.storage.get(rootOf(plan, v))!.kind === 'arena');
  for (const v of arena) {
    expect(graphOutputs.has(v)).toBe(false);
    const root = plan.storage.get(rootOf(plan, v))!;
    if (root.kind !== 'arena') throw new Error('unreachable');
    expect(root.offset % 64).toBe(0);
    expect(root.offset + valueBytes(g, v)).toBeLessThanOrEqual(plan.peakBytes);
  }
  // Exhaustive pairwise check: overlapping lifetimes never share bytes unless they are one storage group.
  for (let i = 0; i < arena.length; ++i) {
    for (let j = i + 1; j < arena.length; ++j) {
      const [a, b] = [arena[i]!, arena[j]!];
      if (rootOf(plan, a) === rootOf(plan, b)) continue;
      const overlapInTime = def.get(a)! <= lastUse(b) && def.get(b)! <= lastUse(a);
      if (!overlapInTime) continue;
      const [ra, rb] = [plan.storage.get(rootOf(plan, a))!, plan.storage.get(rootOf(plan, b))!] as { offset: number }[];
      const [sa, sb] = [valueBytes(g, a), valueBytes(g, b)];
      if (sa === 0 || sb === 0) continue;
      const disjoint = ra!.offset + sa <= rb!.offset || rb!.offset + sb <= ra!.offset;
      expect(disjoint, `'${a}' [${def.get(a)}, ${lastUse(a)}] and '${b}' [${def.get(b)}, ${lastUse(b)}] share bytes`).toBe(true);
    }
  }
  // Every alias is a view of its input or an allowed in-place write.
  order.forEach((node, step) => {
    const out = node.outputs[0] ?? '';
    const input = node.inputs[0] ?? '';
    const t = traits(node.domain, node.opType);
    const s = out === '' ? undefined : plan.storage.get(out);
    if (t.view && out !== '' && input !== '') {
      const inputRootKind = plan.storage.get(rootOf(plan, input))!.kind;
      if (graphOutputs.has(out)) expect(s!.kind).toBe('output');
      else if (inputRootKind !== 'output') expect(rootOf(plan, out)).toBe(rootOf(plan, input));
    }
    if (plan.inPlace.has(node)) {
      expect(t.inPlace).toBe(true);
      expect(rootOf(plan, out)).toBe(rootOf(plan, input));
      expect(plan.storage.get(rootOf(plan, input))!.kind).toBe('arena');
      expect(valueBytes(g, out)).toBe(valueBytes(g, input));
      // Nothing else holding these bytes is read after this node.
      for (const v of arena) {
        if (rootOf(plan, v) === rootOf(plan, input) && def.get(v)! < step) expect(lastUse(v), `'${v}' read after in-place node '${node.name}'`).toBeLessThanOrEqual(step);
      }
    } else if (s?.kind === 'alias') {
      expect(t.view, `'${out}' aliases without being a view or in place`).toBe(true);
    }
  });
  const groupBytes = plan.groups.reduce((sum, grp) => sum + align(valueBytes(g, grp.root)), 0);
  expect(plan.peakBytes % 64).toBe(0);
  expect(plan.peakBytes).toBeLessThanOrEqual(groupBytes);
  expect(plan.peakBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
}

describe('planMemory', () => {
  it('random DAGs of 5–60 nodes: valid plans', () => {
    const rng = new Rng(99);
    let inPlaceSeen = 0;
    let viewsSeen = 0;
    for (let trial = 0; trial < 300; ++trial) {
      const { g } = randomDag(rng, rng.int(5, 60));
      const plan = planMemory(g, executionOrder(g), { traits });
      checkPlan(g, plan);
      inPlaceSeen += plan.inPlace.size;
      viewsSeen += [...plan.storage.values()].filter((s) => s.kind === 'alias').length;
    }
    // The generator must actually exercise both kinds of sharing.
    expect(inPlaceSeen).toBeGreaterThan(100);
    expect(viewsSeen).toBeGreaterThan(200);
  });

  it('a chain needs exactly the largest pair of neighbours', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 200; ++trial) {
      const count = rng.int(1, 12);
      const sizes = Array.from({ length: count }, () => rng.int(1, 200));
      const nodes = sizes.map((_, i) => n('Op', [i === 0 ? 'X' : `v${i - 1}`], [`v${i}`]));
      nodes.push(n('Op', [`v${count - 1}`], ['Y']));
      const types = Object.fromEntries(sizes.map((s, i) => [`v${i}`, [[s], 'float32']])) as Record<string, [number[], OnnxElemType]>;
      const g = buildGraph({ inputs: [['X', [3]]], outputs: ['Y'], nodes, types: { ...types, Y: [[1]] } });
      const plan = planMemory(g, executionOrder(g), { traits });
      checkPlan(g, plan);
      const bytes = sizes.map((s) => align(s * 4));
      const optimum = count === 1 ? bytes[0]! : Math.max(...bytes.slice(1).map((b, i) => b + bytes[i]!));
      expect(plan.peakBytes, `sizes ${sizes.join(',')}`).toBe(optimum);
    }
  });

  it('an in-place chain uses one buffer', () => {
    const nodes = [n('Op', ['X'], ['a']), n('Ew', ['a'], ['b']), n('Ew', ['b'], ['c']), n('Ew', ['c'], ['d']), n('Op', ['d'], ['Y'])];
    const types = { a: [[100]], b: [[100]], c: [[100]], d: [[100]], Y: [[1]] } as Record<string, [number[]]>;
    const g = buildGraph({ inputs: [['X', [1]]], outputs: ['Y'], nodes, types });
    const plan = planMemory(g, executionOrder(g), { traits });
    expect(plan.inPlace.size).toBe(3);
    expect(plan.peakBytes).toBe(448);
    for (const v of ['b', 'c', 'd']) expect(plan.storage.get(v)).toEqual({ kind: 'alias', of: 'a' });
  });

  it('does not write in place over a value read later, a graph input, a different size or a view read later', () => {
    const g = buildGraph({
      inputs: [['X', [8]]],
      outputs: ['Y'],
      nodes: [
        n('Ew', ['X'], ['fromInput']), // input 0 is a graph input
        n('Op', ['fromInput'], ['a']),
        n('Ew', ['a'], ['readLater']), // a is read again below
        n('Op', ['a', 'readLater'], ['b']),
        n('Ew', ['b'], ['wider']), // different byte size
        n('Op', ['wider'], ['c']),
        n('View', ['c'], ['cView']),
        n('Ew', ['c'], ['overView']), // c's bytes are still read through cView
        n('Op', ['overView', 'cView'], ['Y']),
      ],
      types: {
        fromInput: [[8]], a: [[8]], readLater: [[8]], b: [[8]], wider: [[8], 'float64'], c: [[8]], cView: [[2, 4]], overView: [[8]], Y: [[8]],
      },
    });
    const plan = planMemory(g, g.nodes, { traits });
    expect(plan.inPlace.size).toBe(0);
    expect(plan.storage.get('cView')).toEqual({ kind: 'alias', of: 'c' });
    checkPlan(g, plan);
  });

  it('views share storage, except a view that is a graph output', () => {
    const g = buildGraph({
      inputs: [['X', [2, 3]]],
      outputs: ['Y', 'V2'],
      nodes: [n('View', ['X'], ['xv']), n('Op', ['xv'], ['a']), n('View', ['a'], ['V2']), n('View', ['K'], ['kv']), n('Op', ['a', 'kv'], ['Y'])],
      constants: [f32('K', [6])],
      types: { xv: [[6]], a: [[6]], V2: [[3, 2]], kv: [[2, 3]], Y: [[6]] },
    });
    const plan = planMemory(g, g.nodes, { traits });
    expect(plan.storage.get('xv')).toEqual({ kind: 'alias', of: 'X' });
    expect(plan.storage.get('kv')).toEqual({ kind: 'alias', of: 'K' });
    expect(plan.storage.get('V2')).toEqual({ kind: 'output' });
    const restricted = planMemory(g, g.nodes, { traits, shareableConstant: () => false });
    expect(restricted.storage.get('kv')!.kind).toBe('arena');
  });

  it('throws naming a value nothing provides, or one without a concrete shape', () => {
    const missing = buildGraph({ inputs: [], outputs: ['Y'], nodes: [n('Op', ['ghost'], ['Y'])], types: { Y: [[1]] } });
    expect(() => planMemory(missing, missing.nodes, { traits })).toThrow("value 'ghost' is read but no node, graph input or constant provides it");
    const symbolic = buildGraph({ inputs: [['X', [1]]], outputs: ['Y'], nodes: [n('Op', ['X'], ['a']), n('Op', ['a'], ['Y'])], types: { a: [['N']], Y: [[1]] } });
    expect(() => planMemory(symbolic, symbolic.nodes, { traits })).toThrow("value 'a' has a non-concrete shape [N]");
  });
});

describe('allocate', () => {
  it('finds the optimum where greedy by size alone does not (chain 3,2,2,3)', () => {
    const sizes = [3, 2, 2, 3].map((s) => s * 64);
    const items = sizes.map((size, i) => ({ size, start: i, end: i + 1 }));
    const { peak, lowerBound } = allocate(items);
    expect(lowerBound).toBe(5 * 64);
    expect(peak).toBe(5 * 64);
  });

  it('random interval sets: valid placements within [lower bound, sum]', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 300; ++trial) {
      const items = Array.from({ length: rng.int(1, 40) }, () => {
        const start = rng.int(0, 30);
        return { size: rng.int(0, 10) * 64, start, end: start + rng.int(0, 8) };
      });
      const { offsets, peak, lowerBound } = allocate(items);
      for (let i = 0; i < items.length; ++i) {
        const a = items[i]!;
        if (a.size > 0) expect(offsets[i]! + a.size).toBeLessThanOrEqual(peak);
        for (let j = i + 1; j < items.length; ++j) {
          const b = items[j]!;
          if (a.size === 0 || b.size === 0 || a.end < b.start || b.end < a.start) continue;
          expect(offsets[i]! + a.size <= offsets[j]! || offsets[j]! + b.size <= offsets[i]!).toBe(true);
        }
      }
      expect(peak).toBeGreaterThanOrEqual(lowerBound);
      expect(peak).toBeLessThanOrEqual(items.reduce((s, it) => s + it.size, 0));
    }
  });
});
