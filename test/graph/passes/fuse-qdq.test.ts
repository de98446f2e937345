// fuseQdq on hand-built QDQ groups: which ones become int8 operators (with the right operands, a
// zero point made where the DQ had none, a float bias requantized to int32) and which stay as the
// float fallback because a kernel could not compute them exactly.
import { describe, expect, it } from 'vitest';
import { fuseQdq } from '../../../lib/graph/passes/fuse-qdq.js';
import { removeDeadNodes } from '../../../lib/graph/passes/remove-dead-nodes.js';
import { buildGraph, f32, int, ints, n, nodeNamed, opTypes, tensor, type GraphSpec } from './ir-builder.js';

const m = 4;
function convGroup(opts: { wAxis?: number; bias?: 'int32' | 'float' | 'none'; extraReader?: boolean; xZeroPoint?: boolean } = {}): GraphSpec {
  const { wAxis = 0, bias = 'int32', extraReader = false, xZeroPoint = true } = opts;
  const constants = [
    f32('xs', [], [0.02]), tensor('xz', 'uint8', [], Uint8Array.of(128)),
    tensor('wq', 'int8', [m, 2, 3, 3], Int8Array.from({ length: m * 18 }, (_, i) => (i * 7) % 255 - 127)),
    f32('ws', [m], [0.01, 0.02, 0.03, 0.04]), tensor('wz', 'int8', [m], new Int8Array(m)),
    tensor('bq', 'int32', [m], Int32Array.of(10, -20, 30, -40)), f32('bs', [m], [0.01, 0.02, 0.03, 0.04].map((w) => Math.fround(Math.fround(0.02) * Math.fround(w)))),  // float32 x_scale·w_scale, as quantizers make it
    f32('bf', [m], [0.5, -0.5, 0.25, 1]),
    f32('ys', [], [0.1]), tensor('yz', 'uint8', [], Uint8Array.of(100)),
  ];
  const nodes = [
    n('DequantizeLinear', xZeroPoint ? ['xq', 'xs', 'xz'] : ['xq', 'xs'], ['x']),
    n('DequantizeLinear', ['wq', 'ws', 'wz'], ['w'], { axis: int(wAxis) }),
    ...(bias === 'int32' ? [n('DequantizeLinear', ['bq', 'bs'], ['b'], { axis: int(0) })] : []),
    n('Conv', bias === 'none' ? ['x', 'w'] : ['x', 'w', bias === 'int32' ? 'b' : 'bf'], ['y'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }, { name: 'conv' }),
    n('QuantizeLinear', ['y', 'ys', 'yz'], ['yq']),
    ...(extraReader ? [n('Relu', ['y'], ['r'])] : []),
  ];
  return { inputs: [['xq', [1, 2, 5, 5], 'uint8']], outputs: extraReader ? ['yq', 'r'] : ['yq'], nodes, constants, types: { x: [[1, 2, 5, 5]], y: [[1, m, 5, 5]], yq: [[1, m, 5, 5], 'uint8'] } };
}

describe('fuseQdq', () => {
  it('turns DQ → Conv → Q into one QLinearConv on the quantized tensors', () => {
    const g = buildGraph(convGroup());
    fuseQdq(g);
    removeDeadNodes(g);
    expect(opTypes(g)).toEqual(['QLinearConv']);
    const q = nodeNamed(g, 'conv');
    expect(q.inputs).toEqual(['xq', 'xs', 'xz', 'wq', 'ws', 'wz', 'ys', 'yz', 'bq']);  // bias scale is xs·ws: used as it is
    expect(q.outputs).toEqual(['yq']);
    expect(q.attributes.get('pads')).toEqual(ints([1, 1, 1, 1]));
  });

  it('requantizes a float bias to int32 at x_scale·w_scale, and makes a missing zero point', () => {
    const g = buildGraph(convGroup({ bias: 'float', xZeroPoint: false }));
    fuseQdq(g);
    const q = nodeNamed(g, 'conv');
    const zp = g.constants.get(q.inputs[2]!)!;
    expect(zp.type).toBe('uint8');
    expect(Array.from(zp.data as Uint8Array)).toEqual([0]);
    const b = g.constants.get(q.inputs[8]!)!;
    expect(b.type).toBe('int32');
    const expected = [0.5, -0.5, 0.25, 1].map((v, i) => Math.round(v / Math.fround(0.02 * Math.fround([0.01, 0.02, 0.03, 0.04][i]!))));
    expect(Array.from(b.data as Int32Array)).toEqual(expected);
  });

  it('fuses without a bias', () => {
    const g = buildGraph(convGroup({ bias: 'none' }));
    fuseQdq(g);
    expect(nodeNamed(g, 'conv').inputs).toHaveLength(8);
  });

  it('leaves groups a kernel cannot take exactly as the float fallback', () => {
    // Per-channel weight scales along the wrong axis.
    let g = buildGraph(convGroup({ wAxis: 1 }));
    fuseQdq(g);
    expect(nodeNamed(g, 'conv').opType).toBe('Conv');
    // The float output has a second reader: it must stay float.
    g = buildGraph(convGroup({ extraReader: true }));
    fuseQdq(g);
    expect(nodeNamed(g, 'conv').opType).toBe('Conv');
  });

  it('turns DQ → MatMul → Q with constant per-column weights into QLinearMatMul', () => {
    const g = buildGraph({
      inputs: [['aq', [3, 4], 'int8']],
      outputs: ['yq'],
      constants: [
        f32('as', [], [0.5]), tensor('az', 'int8', [], Int8Array.of(-3)),
        tensor('bq', 'uint8', [4, 2], Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), f32('bs', [2], [0.1, 0.2]), tensor('bz', 'uint8', [2], Uint8Array.of(3, 4)),
        f32('ys', [], [0.7]), tensor('yz', 'int8', [], Int8Array.of(1)),
      ],
      nodes: [
        n('DequantizeLinear', ['aq', 'as', 'az'], ['a']),
        n('DequantizeLinear', ['bq', 'bs', 'bz'], ['b'], { axis: int(1) }),
        n('MatMul', ['a', 'b'], ['y'], {}, { name: 'mm' }),
        n('QuantizeLinear', ['y', 'ys', 'yz'], ['yq']),
      ],
    });
    fuseQdq(g);
    removeDeadNodes(g);
    expect(opTypes(g)).toEqual(['QLinearMatMul']);
    expect(nodeNamed(g, 'mm').inputs).toEqual(['aq', 'as', 'az', 'bq', 'bs', 'bz', 'ys', 'yz']);
  });
});

describe('scalar operands and table chains', () => {
  it('DQ → Add 3 → Q → DQ → Clip 0..6 → Q → DQ → Div 6 → Q becomes one table equal to the chain', async () => {
    const { composeLookups } = await import('../../../lib/graph/passes/compose-lookups.js');
    const { lookupTable } = await import('../../../lib/graph/passes/lookup-tables.js');
    const p = (name: string, s: number, z: number) => [f32(`${name}s`, [], [s]), tensor(`${name}z`, 'uint8', [], Uint8Array.of(z))];
    const g = buildGraph({
      inputs: [['xq', [1, 4], 'uint8']],
      outputs: ['yq'],
      constants: [...p('x', 0.05, 120), ...p('a', 0.04, 20), ...p('c', 6 / 255, 0), ...p('y', 1 / 255, 0), f32('three', [], [3]), f32('six', [], [6]), f32('lo', [], [0]), f32('hi', [], [6])],
      nodes: [
        n('DequantizeLinear', ['xq', 'xs', 'xz'], ['x']),
        n('Add', ['x', 'three'], ['a']), n('QuantizeLinear', ['a', 'as', 'az'], ['aq']), n('DequantizeLinear', ['aq', 'as', 'az'], ['ad']),
        n('Clip', ['ad', 'lo', 'hi'], ['c']), n('QuantizeLinear', ['c', 'cs', 'cz'], ['cq']), n('DequantizeLinear', ['cq', 'cs', 'cz'], ['cd']),
        n('Div', ['cd', 'six'], ['d']), n('QuantizeLinear', ['d', 'ys', 'yz'], ['yq']),
      ],
    });
    fuseQdq(g);
    removeDeadNodes(g);
    composeLookups(g);
    expect(opTypes(g)).toEqual(['QLinearLookup']);
    const table = g.constants.get(g.nodes[0]!.inputs[1]!)!.data as Uint8Array;
    const q = (s: number, z: number) => ({ scale: Math.fround(s), zeroPoint: z, type: 'uint8' as const });
    const t1 = lookupTable((v) => Math.fround(v + 3), q(0.05, 120), q(0.04, 20));
    const t2 = lookupTable((v) => Math.min(Math.max(v, 0), 6), q(0.04, 20), q(6 / 255, 0));
    const t3 = lookupTable((v) => Math.fround(v / 6), q(6 / 255, 0), q(1 / 255, 0));
    expect(Array.from(table)).toEqual(Array.from({ length: 256 }, (_, b) => t3[t2[t1[b]!]!]!));
  });
});
