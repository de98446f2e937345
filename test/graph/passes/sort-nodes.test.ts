// sortNodes: Kahn's topological order, stable on sorted graphs, and cycle errors naming a node on the cycle.
import { describe, expect, it } from 'vitest';
import type { IrGraph } from '../../../lib/graph/ir.js';
import { sortNodes } from '../../../lib/graph/passes/index.js';
import { Rng } from '../../helpers/random.js';
import { buildGraph, n } from './ir-builder.js';

function isTopological(g: IrGraph): boolean {
  const available = new Set<string>([...g.inputs.map((i) => i.name), ...g.constants.keys(), '']);
  for (const node of g.nodes) {
    if (!node.inputs.every((v) => available.has(v))) return false;
    for (const o of node.outputs) available.add(o);
  }
  return true;
}

describe('sortNodes', () => {
  it('sorts shuffled random DAGs and keeps a sorted graph as it is', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 50; ++trial) {
      const count = rng.int(1, 40);
      const names = ['X'];
      const nodes = [];
      for (let i = 0; i < count; ++i) {
        const inputs = Array.from({ length: rng.int(1, 3) }, () => rng.pick(names));
        nodes.push(n('Op', inputs, [`v${i}`], {}, { name: `node${i}` }));
        names.push(`v${i}`);
      }
      const sorted = buildGraph({ inputs: [['X', [1]]], outputs: [names[names.length - 1]!], nodes });
      const order = sorted.nodes.map((x) => x.name);
      sortNodes(sorted);
      expect(sorted.nodes.map((x) => x.name)).toEqual(order);

      const shuffled = buildGraph({ inputs: [['X', [1]]], outputs: [names[names.length - 1]!], nodes });
      for (let i = shuffled.nodes.length - 1; i > 0; --i) {
        const j = rng.int(0, i);
        [shuffled.nodes[i], shuffled.nodes[j]] = [shuffled.nodes[j]!, shuffled.nodes[i]!];
      }
      sortNodes(shuffled);
      expect(isTopological(shuffled)).toBe(true);
      expect(shuffled.nodes).toHaveLength(count);
    }
  });

  it('throws naming a node on the cycle (not one merely feeding it)', () => {
    const g = buildGraph({
      inputs: [['X', [1]]],
      outputs: ['Y'],
      nodes: [
        n('Relu', ['X'], ['pre'], {}, { name: 'feeder' }),
        n('Add', ['pre', 'c'], ['a'], {}, { name: 'loop_a' }),
        n('Relu', ['a'], ['b'], {}, { name: 'loop_b' }),
        n('Relu', ['b'], ['c'], {}, { name: 'loop_c' }),
        n('Relu', ['c'], ['Y'], {}, { name: 'after' }),
      ],
    });
    expect(() => sortNodes(g)).toThrow(/graph has a cycle through node 'loop_[abc]' \((Add|Relu)\)/);
  });

  it('reports a node that reads its own output', () => {
    const g = buildGraph({ inputs: [['X', [1]]], outputs: ['Y'], nodes: [n('Add', ['X', 'Y'], ['Y'], {}, { name: 'self' })] });
    expect(() => sortNodes(g)).toThrow("graph has a cycle through node 'self' (Add)");
  });
});
