// fuseActivations: which activations fuse into which producers, with which parameters, and when not.
import { describe, expect, it } from 'vitest';
import type { OnnxElemType } from '../../../lib/onnx/model.js';
import { fuseActivations } from '../../../lib/graph/passes/index.js';
import { buildGraph, f32, float, n, opTypes, tensor, type Attrs, type NodeSpec } from './ir-builder.js';

function convThen(act: NodeSpec, extraConstants = [f32('lo', [], [0]), f32('hi', [], [6])]) {
  return buildGraph({
    inputs: [['X', [1, 2, 4, 4]]],
    outputs: ['Y'],
    nodes: [n('Conv', ['X', 'W'], ['c'], {}, { name: 'conv' }), act],
    constants: [f32('W', [2, 2, 1, 1]), ...extraConstants],
  });
}

describe('fuseActivations', () => {
  const fused: [string, NodeSpec, number[]][] = [
    ['Relu', n('Relu', ['c'], ['Y']), []],
    ['Sigmoid', n('Sigmoid', ['c'], ['Y']), []],
    ['Tanh', n('Tanh', ['c'], ['Y']), []],
    ['HardSwish', n('HardSwish', ['c'], ['Y']), []],
    ['LeakyRelu (default alpha)', n('LeakyRelu', ['c'], ['Y']), [0.01]],
    ['LeakyRelu (alpha)', n('LeakyRelu', ['c'], ['Y'], { alpha: float(0.25) }), [0.25]],
    ['HardSigmoid (defaults)', n('HardSigmoid', ['c'], ['Y']), [0.2, 0.5]],
    ['HardSigmoid', n('HardSigmoid', ['c'], ['Y'], { alpha: float(0.125), beta: float(0.25) }), [0.125, 0.25]],
    ['Clip opset 6 attributes', n('Clip', ['c'], ['Y'], { min: float(-1), max: float(1) }, { opset: 6 }), [-1, 1]],
    ['Clip opset 6 defaults', n('Clip', ['c'], ['Y'], {}, { opset: 6 }), [-3.4028234663852886e38, 3.4028234663852886e38]],
    ['Clip opset 11 inputs', n('Clip', ['c', 'lo', 'hi'], ['Y'], {}, { opset: 11 }), [0, 6]],
    ['Clip opset 13 max only', n('Clip', ['c', '', 'hi'], ['Y'], {}, { opset: 13 }), [-Infinity, 6]],
    ['Clip opset 13 min only', n('Clip', ['c', 'lo'], ['Y'], {}, { opset: 13 }), [0, Infinity]],
  ];
  for (const [what, act, params] of fused) {
    it(`fuses ${what} into Conv`, () => {
      const g = convThen(act);
      fuseActivations(g);
      expect(opTypes(g)).toEqual(['Conv']);
      const conv = g.nodes[0]!;
      expect(conv.outputs).toEqual(['Y']);
      expect(conv.attributes.get('activation')).toEqual({ type: 'string', value: act.op });
      expect(conv.attributes.get('activation_params')).toEqual({ type: 'floats', value: params });
    });
  }

  it('fuses into Gemm, and into MatMul when the type is known to be float32', () => {
    for (const op of ['Gemm', 'MatMul']) {
      const g = buildGraph({
        inputs: [['A', [2, 3]]],
        outputs: ['Y'],
        nodes: [n(op, ['A', 'W'], ['m']), n('Relu', ['m'], ['Y'])],
        constants: [f32('W', [3, 4])],
      });
      fuseActivations(g);
      expect(opTypes(g)).toEqual([op]);
    }
  });

  it('learns a MatMul is float32 through type-preserving producers', () => {
    const g = buildGraph({
      inputs: [['A', [2, 3]]],
      outputs: ['Y'],
      nodes: [n('Relu', ['A'], ['r']), n('Transpose', ['r'], ['t']), n('MatMul', ['t', 't'], ['m']), n('Sigmoid', ['m'], ['Y'])],
    });
    fuseActivations(g);
    expect(opTypes(g)).toEqual(['Relu', 'Transpose', 'MatMul']);
  });

  for (const elemType of ['int32', null] as (OnnxElemType | null)[]) {
    it(`does not fuse into a MatMul of ${elemType ?? 'unknown'} type`, () => {
      const g = buildGraph({
        inputs: [['A', [2, 3], elemType ?? 'float32']],
        outputs: ['Y'],
        nodes: [n('MatMul', ['A', 'B'], ['m']), n('Relu', ['m'], ['Y'])],
      });
      if (elemType === null) g.types.delete('A');
      g.inputs.push({ name: 'B', type: { elemType: elemType ?? 'undefined', shape: [3, 2] } });
      fuseActivations(g);
      expect(opTypes(g)).toEqual(['MatMul', 'Relu']);
    });
  }

  const notFused: [string, () => ReturnType<typeof convThen>][] = [
    ['the producer output has two readers', () => {
      const g = convThen(n('Relu', ['c'], ['Y']));
      g.nodes.push({ ...g.nodes[1]!, id: 9, name: 'other', opType: 'Sigmoid', outputs: ['Z'] });
      g.outputs.push({ name: 'Z', type: { elemType: 'float32', shape: null } });
      return g;
    }],
    ['the producer output is a graph output', () => {
      const g = convThen(n('Relu', ['c'], ['Y']));
      g.outputs.push({ name: 'c', type: { elemType: 'float32', shape: null } });
      return g;
    }],
    ['a Clip bound is not a constant', () => {
      const g = convThen(n('Clip', ['c', 'lo', 'fed'], ['Y'], {}, { opset: 13 }));
      g.inputs.push({ name: 'fed', type: { elemType: 'float32', shape: [] } });
      return g;
    }],
    ['a Clip bound is not float32', () => convThen(n('Clip', ['c', 'lo16'], ['Y'], {}, { opset: 13 }), [tensor('lo16', 'float16', [], Uint16Array.of(0))])],
    ['the activation is not fusable (Elu)', () => convThen(n('Elu', ['c'], ['Y']))],
    ['the producer is known to be float16', () => {
      const g = convThen(n('Relu', ['c'], ['Y']));
      g.types.set('c', { elemType: 'float16', shape: null });
      return g;
    }],
  ];
  for (const [what, make] of notFused) {
    it(`does not fuse when ${what}`, () => {
      const g = make();
      const before = opTypes(g);
      fuseActivations(g);
      expect(opTypes(g)).toEqual(before);
      expect(g.nodes[0]!.attributes.has('activation')).toBe(false);
    });
  }

  it('does not fuse into a producer that is not Conv/Gemm/MatMul', () => {
    const g = buildGraph({
      inputs: [['X', [4]]],
      outputs: ['Y'],
      nodes: [n('Add', ['X', 'X'], ['a']), n('Relu', ['a'], ['Y'])],
    });
    fuseActivations(g);
    expect(opTypes(g)).toEqual(['Add', 'Relu']);
  });

  it('fuses only once: Conv → Relu → Clip keeps the Clip', () => {
    const attrs: Attrs = { min: float(0), max: float(6) };
    const g = buildGraph({
      inputs: [['X', [1, 2, 4, 4]]],
      outputs: ['Y'],
      nodes: [n('Conv', ['X', 'W'], ['c']), n('Relu', ['c'], ['r']), n('Clip', ['r'], ['Y'], attrs, { opset: 6 })],
      constants: [f32('W', [2, 2, 1, 1])],
    });
    fuseActivations(g);
    expect(opTypes(g)).toEqual(['Conv', 'Clip']);
    expect(g.nodes[0]!.attributes.get('activation')).toEqual({ type: 'string', value: 'Relu' });
    expect(g.nodes[0]!.outputs).toEqual(['r']);
    expect(g.nodes[1]!.inputs).toEqual(['r']);
    // Running the pass again changes nothing.
    fuseActivations(g);
    expect(opTypes(g)).toEqual(['Conv', 'Clip']);
  });
});
