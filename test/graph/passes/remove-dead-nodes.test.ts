// removeDeadNodes: nodes that reach no graph output go, with the constants only they read.
import { describe, expect, it } from 'vitest';
import { removeDeadNodes } from '../../../lib/graph/passes/index.js';
import { buildGraph, f32, n, opTypes } from './ir-builder.js';

describe('removeDeadNodes', () => {
  it('removes branches that reach no output, and the constants and types only they used', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y'],
      nodes: [
        n('Relu', ['X'], ['a']),
        n('Add', ['a', 'K1'], ['dead1']),
        n('Sigmoid', ['dead1'], ['dead2']),
        n('Mul', ['a', 'K2'], ['Y']),
      ],
      constants: [f32('K1', [4]), f32('K2', [4]), f32('unused', [1])],
      types: { a: [[4]], dead1: [[4]], dead2: [[4]], Y: [[4]] },
    });
    removeDeadNodes(g);
    expect(opTypes(g)).toEqual(['Relu', 'Mul']);
    expect([...g.constants.keys()]).toEqual(['K2']);
    expect(g.types.has('dead1')).toBe(false);
    expect(g.types.has('dead2')).toBe(false);
    expect(g.types.has('K1')).toBe(false);
    expect(g.types.has('a')).toBe(true);
  });

  it('keeps a live node with an unused second output, and graph inputs nobody reads', () => {
    const g = buildGraph({
      inputs: [['X', [4]], ['unused_input', [1]]],
      outputs: ['Y'],
      nodes: [n('Split', ['X'], ['Y', 'rest'])],
      types: { rest: [[2]] },
    });
    removeDeadNodes(g);
    expect(opTypes(g)).toEqual(['Split']);
    expect(g.types.has('rest')).toBe(true);
    expect(g.types.has('unused_input')).toBe(true);
  });

  it('keeps constants that are graph outputs', () => {
    const g = buildGraph({ inputs: [], outputs: ['K'], nodes: [], constants: [f32('K', [1])] });
    removeDeadNodes(g);
    expect(g.constants.has('K')).toBe(true);
  });
});
