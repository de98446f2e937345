// optimizeGraph: the create-time pipeline on a small network.
import { describe, expect, it } from 'vitest';
import { optimizeGraph } from '../../../lib/graph/passes/index.js';
import { buildGraph, f32, n, opTypes } from './ir-builder.js';

describe('optimizeGraph', () => {
  it('Conv → Identity → BN → Relu → Dropout becomes one Conv with folded weights and a fused Relu', () => {
    const g = buildGraph({
      inputs: [['X', ['N', 2, 5, 5]]],
      outputs: ['Y'],
      nodes: [
        n('Dropout', ['r'], ['Y', 'mask']),
        n('Relu', ['bn'], ['r']),
        n('BatchNormalization', ['id', 'scale', 'beta', 'mean', 'var'], ['bn']),
        n('Identity', ['c'], ['id']),
        n('Conv', ['X', 'W', 'B'], ['c'], {}, { name: 'conv' }),
        n('Sigmoid', ['X'], ['dead']),
      ],
      constants: [
        f32('W', [3, 2, 3, 3]),
        f32('B', [3], [1, 2, 3]),
        f32('scale', [3], [1, 1, 1]),
        f32('beta', [3], [0, 0, 0]),
        f32('mean', [3], [0, 0, 0]),
        f32('var', [3], [1, 1, 1]),
      ],
    });
    optimizeGraph(g);
    expect(opTypes(g)).toEqual(['Conv']);
    const conv = g.nodes[0]!;
    expect(conv.outputs).toEqual(['Y']);
    expect(conv.attributes.get('activation')).toEqual({ type: 'string', value: 'Relu' });
    expect(g.outputs.map((o) => o.name)).toEqual(['Y']);
    // Only the folded weights remain.
    expect([...g.constants.keys()].sort()).toEqual(conv.inputs.slice(1).sort());
  });
});
