// executionOrder: topological, consumes values soon after they are made (depth first), stable on chains.
import { describe, expect, it } from 'vitest';
import { executionOrder, planMemory, type TraitsLookup } from '../../lib/schedule/index.js';
import { Rng } from '../helpers/random.js';
import { buildGraph, n } from '../graph/passes/ir-builder.js';

const traits: TraitsLookup = () => ({ inPlace: false, view: false });

describe('executionOrder', () => {
  it('finishes one branch before starting the next, and lowers the peak', () => {
    // Written interleaved: a1 b1 a2 b2 a3 b3 join. Each branch starts with a large value.
    const g = buildGraph({
      inputs: [['X', [1]]],
      outputs: ['Y'],
      nodes: [
        n('Op', ['X'], ['a1'], {}, { name: 'a1' }),
        n('Op', ['X'], ['b1'], {}, { name: 'b1' }),
        n('Op', ['a1'], ['a2'], {}, { name: 'a2' }),
        n('Op', ['b1'], ['b2'], {}, { name: 'b2' }),
        n('Op', ['a2'], ['a3'], {}, { name: 'a3' }),
        n('Op', ['b2'], ['b3'], {}, { name: 'b3' }),
        n('Op', ['a3', 'b3'], ['Y'], {}, { name: 'join' }),
      ],
      types: Object.fromEntries(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'Y'].map((v) => [v, [[v.endsWith('1') ? 256 : 16]]])),
    });
    const order = executionOrder(g);
    expect(order.map((x) => x.name)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'join']);
    const asWritten = planMemory(g, g.nodes, { traits }).peakBytes;
    const scheduled = planMemory(g, order, { traits }).peakBytes;
    expect(scheduled).toBeLessThan(asWritten);
    expect(g.nodes.map((x) => x.name)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'join']); // g untouched
  });

  it('keeps a chain (and ties) in graph order and is always topological', () => {
    const rng = new Rng(17);
    for (let trial = 0; trial < 100; ++trial) {
      const names = ['X'];
      const nodes = Array.from({ length: rng.int(1, 30) }, (_, i) => {
        const node = n('Op', Array.from({ length: rng.int(1, 3) }, () => rng.pick(names)), [`v${i}`], {}, { name: `n${i}` });
        names.push(`v${i}`);
        return node;
      });
      const g = buildGraph({ inputs: [['X', [1]]], outputs: [names[names.length - 1]!], nodes });
      const order = executionOrder(g);
      const done = new Set(['X']);
      for (const node of order) {
        expect(node.inputs.every((v) => done.has(v))).toBe(true);
        done.add(node.outputs[0]!);
      }
      expect(order).toHaveLength(nodes.length);
    }
    const chain = buildGraph({ inputs: [['X', [1]]], outputs: ['c'], nodes: [n('Op', ['X'], ['a']), n('Op', ['X'], ['b']), n('Op', ['a', 'b'], ['c'])] });
    expect(executionOrder(chain).map((x) => x.outputs[0])).toEqual(['a', 'b', 'c']);
  });

  it('throws on a cycle', () => {
    const g = buildGraph({ inputs: [], outputs: ['b'], nodes: [n('Op', ['b'], ['a'], {}, { name: 'p' }), n('Op', ['a'], ['b'], {}, { name: 'q' })] });
    expect(() => executionOrder(g)).toThrow(/cycle through node '[pq]'/);
  });
});
