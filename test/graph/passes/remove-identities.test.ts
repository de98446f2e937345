// removeIdentities: Identity / inference Dropout bypassed, graph output names kept.
import { describe, expect, it } from 'vitest';
import { removeIdentities } from '../../../lib/graph/passes/index.js';
import { buildGraph, f32, n, opTypes, tensor } from './ir-builder.js';

describe('removeIdentities', () => {
  it('rewires readers of an Identity to its input', () => {
    const g = buildGraph({
      inputs: [['X', [2, 3]]],
      outputs: ['Y'],
      nodes: [n('Relu', ['X'], ['a']), n('Identity', ['a'], ['b']), n('Sigmoid', ['b'], ['c']), n('Tanh', ['b'], ['Y'])],
      types: { a: [[2, 3]], b: [[2, 3]], c: [[2, 3]] },
    });
    removeIdentities(g);
    expect(opTypes(g)).toEqual(['Relu', 'Sigmoid', 'Tanh']);
    expect(g.nodes[1]!.inputs).toEqual(['a']);
    expect(g.nodes[2]!.inputs).toEqual(['a']);
    expect(g.types.has('b')).toBe(false);
  });

  it('renames the producer when the Identity writes a graph output, keeping the name and its type', () => {
    const g = buildGraph({
      inputs: [['X', [2, 3]]],
      outputs: ['Y'],
      nodes: [n('Relu', ['X'], ['a']), n('Sigmoid', ['a'], ['s']), n('Identity', ['a'], ['Y'])],
      types: { a: [[2, 3]], s: [[2, 3]], Y: [[2, 3]] },
    });
    removeIdentities(g);
    expect(opTypes(g)).toEqual(['Relu', 'Sigmoid']);
    expect(g.nodes[0]!.outputs).toEqual(['Y']);
    expect(g.nodes[1]!.inputs).toEqual(['Y']);
    expect(g.outputs.map((o) => o.name)).toEqual(['Y']);
    expect(g.types.get('Y')).toEqual({ elemType: 'float32', shape: [2, 3] });
    expect(g.types.has('a')).toBe(false);
  });

  it('follows chains of identities to a graph output', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y'],
      nodes: [n('Relu', ['X'], ['a']), n('Identity', ['a'], ['b']), n('Dropout', ['b'], ['c']), n('Identity', ['c'], ['Y'])],
    });
    removeIdentities(g);
    expect(opTypes(g)).toEqual(['Relu']);
    expect(g.nodes[0]!.outputs).toEqual(['Y']);
  });

  it('keeps an Identity whose input cannot be renamed (graph input, constant, another output)', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y1', 'Y2', 'A', 'Y3'],
      nodes: [n('Identity', ['X'], ['Y1']), n('Identity', ['C'], ['Y2']), n('Relu', ['X'], ['A']), n('Identity', ['A'], ['Y3'])],
      constants: [f32('C', [4])],
    });
    removeIdentities(g);
    expect(opTypes(g)).toEqual(['Identity', 'Identity', 'Relu', 'Identity']);
  });

  it('two identities of one value to two outputs: the first renames the producer, the second stays', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y1', 'Y2'],
      nodes: [n('Relu', ['X'], ['a']), n('Identity', ['a'], ['Y1']), n('Identity', ['a'], ['Y2'])],
    });
    removeIdentities(g);
    expect(g.nodes.map((x) => [x.opType, x.inputs, x.outputs])).toEqual([
      ['Relu', ['X'], ['Y1']],
      ['Identity', ['Y1'], ['Y2']],
    ]);
  });

  it('removes Dropout only when its mask is unused and training_mode is absent or false', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y', 'M'],
      nodes: [
        n('Dropout', ['X'], ['d1', 'unused_mask'], {}, { name: 'plain' }),
        n('Dropout', ['d1'], ['d2', 'M'], {}, { name: 'mask_is_output' }),
        n('Dropout', ['d2', '', 'off'], ['d3'], {}, { name: 'training_off' }),
        n('Dropout', ['d3', '', 'on'], ['d4'], {}, { name: 'training_on' }),
        n('Dropout', ['d4', '', 'mode'], ['d5'], {}, { name: 'training_fed' }),
        n('Relu', ['d5'], ['Y']),
      ],
      constants: [tensor('off', 'bool', [], Uint8Array.of(0)), tensor('on', 'bool', [], Uint8Array.of(1))],
    });
    g.inputs.push({ name: 'mode', type: { elemType: 'bool', shape: [] } });
    removeIdentities(g);
    expect(g.nodes.map((x) => x.name)).toEqual(['mask_is_output', 'training_on', 'training_fed', 'Relu_5']);
    expect(g.nodes[0]!.inputs).toEqual(['X']);
    expect(g.nodes[1]!.inputs[0]).toEqual('d2');
  });
});
