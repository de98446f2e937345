// Constant folding: shape arithmetic chains fold completely (interleaved with shape inference), each
// evaluator computes what ONNX defines on int64 (exact), int32 (wrapping), float32 and bool data, and
// parameterInputNames finds the fed inputs a plan must bake in.
import { describe, expect, it } from 'vitest';
import { cloneGraph } from '../../lib/graph/clone.js';
import { FOLD_LIMIT, foldConstants, parameterInputNames } from '../../lib/graph/fold.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import type { AttributeValue, InitializerTensor, OnnxElemType } from '../../lib/onnx/model.js';
import { attr, f32, i32, i64, makeGraph, tensor } from './ir-builder.js';

/** Folds one node over constant inputs and returns its outputs' constants. */
function fold(op: string, ins: (InitializerTensor | '')[], opts: { attrs?: Record<string, AttributeValue>; opset?: number; outputs?: number } = {}): InitializerTensor[] {
  const constants: Record<string, InitializerTensor> = {};
  const names = ins.map((t, i) => {
    if (t === '') return '';
    constants[`c${i}`] = t;
    return `c${i}`;
  });
  const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, k) => `out${k}`);
  const g = makeGraph({ opset: opts.opset, constants, nodes: [{ op, inputs: names, outputs, attrs: opts.attrs }] });
  foldConstants(g);
  expect(g.nodes, `${op} should fold`).toEqual([]);
  return outputs.map((o) => g.constants.get(o)!);
}

const values = (t: InitializerTensor) => Array.from(t.data as ArrayLike<number | bigint>);

describe('interleaved folding in inferTypes', () => {
  it('Shape → Gather → Unsqueeze → Concat → Reshape folds completely, leaving only the Reshape', () => {
    const g = makeGraph({
      opset: 13,
      inputs: { X: ['float32', ['N', 3, 4, 5]] },
      constants: { zero: i64([0], []), axes: i64([0]), minusOne: i64([-1]) },
      nodes: [
        { op: 'Shape', inputs: ['X'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: attr.int(0) } },
        { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minusOne'], outputs: ['target'], attrs: { axis: attr.int(0) } },
        { op: 'Reshape', inputs: ['X', 'target'], outputs: ['Y'] },
      ],
    });
    const original = cloneGraph(g);
    inferTypes(g, new Map([['X', [2, 3, 4, 5]]]));
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(values(g.constants.get('target')!)).toEqual([2n, -1n]);
    expect(g.constants.get('target')!.type).toBe('int64');
    expect(g.types.get('Y')).toEqual({ elemType: 'float32', shape: [2, 60] });
    // Another batch size on a fresh clone folds to its own constants.
    const g8 = cloneGraph(original);
    inferTypes(g8, new Map([['X', [8, 3, 4, 5]]]));
    expect(values(g8.constants.get('target')!)).toEqual([8n, -1n]);
    expect(g8.types.get('Y')!.shape).toEqual([8, 60]);
    // The original graph is untouched by either.
    expect(original.nodes.length).toBe(5);
    expect(original.constants.has('target')).toBe(false);
    expect(original.types.get('X')!.shape).toEqual(['N', 3, 4, 5]);
  });

  it('Shape → Slice → Cast → Mul → Cast → Concat → Reshape (float arithmetic on shapes) folds', () => {
    const g = makeGraph({
      opset: 13,
      inputs: { X: ['float32', [null, 6]] },
      constants: { st: i64([1]), en: i64([2]), two: f32([0.5], []), batch: i64([-1]) },
      nodes: [
        { op: 'Shape', inputs: ['X'], outputs: ['s'] },
        { op: 'Slice', inputs: ['s', 'st', 'en'], outputs: ['c'] },
        { op: 'Cast', inputs: ['c'], outputs: ['cf'], attrs: { to: attr.int(1) } },
        { op: 'Mul', inputs: ['cf', 'two'], outputs: ['half'] },
        { op: 'Cast', inputs: ['half'], outputs: ['hi'], attrs: { to: attr.int(7) } },
        { op: 'Concat', inputs: ['batch', 'hi'], outputs: ['target'], attrs: { axis: attr.int(0) } },
        { op: 'Reshape', inputs: ['X', 'target'], outputs: ['Y'] },
      ],
    });
    inferTypes(g, new Map([['X', [5, 6]]]));
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(g.types.get('Y')!.shape).toEqual([10, 3]);
  });

  it('a result above FOLD_LIMIT elements stays a node, with its shape inferred', () => {
    const big = Math.ceil(Math.sqrt(FOLD_LIMIT)) + 1;
    const g = makeGraph({ constants: { shape: i64([big, big]) }, nodes: [{ op: 'ConstantOfShape', inputs: ['shape'], outputs: ['Y'] }] });
    inferTypes(g, new Map());
    expect(g.nodes.length).toBe(1);
    expect(g.types.get('Y')).toEqual({ elemType: 'float32', shape: [big, big] });
  });

  it('fed values given as inputValues become constants and fold', () => {
    const g = makeGraph({
      opset: 13,
      inputs: { X: ['float32', [2, 3, 4]], shape: ['int64', [2]] },
      nodes: [{ op: 'Reshape', inputs: ['X', 'shape'], outputs: ['Y'] }],
    });
    expect([...parameterInputNames(g)]).toEqual(['shape']);
    inferTypes(g, new Map([['X', [2, 3, 4]]]), new Map([['shape', i64([4, -1])]]));
    expect(g.types.get('Y')!.shape).toEqual([4, 6]);
    expect(g.constants.get('shape')!.name).toBe('shape');
  });
});

describe('parameterInputNames', () => {
  it('follows foldable arithmetic back to graph inputs, but not through Shape', () => {
    const g = makeGraph({
      opset: 13,
      inputs: { X: ['float32', ['N', 4]], a: ['int32', [1]], b: ['int64', [1]], k: ['int64', [1]], unrelated: ['float32', [1]] },
      constants: { axes: i64([0]) },
      nodes: [
        { op: 'Cast', inputs: ['a'], outputs: ['a64'], attrs: { to: attr.int(7) } },
        { op: 'Shape', inputs: ['X'], outputs: ['s'] },
        { op: 'Concat', inputs: ['a64', 'b'], outputs: ['target'], attrs: { axis: attr.int(0) } },
        { op: 'Reshape', inputs: ['X', 'target'], outputs: ['Y'] },
        { op: 'Slice', inputs: ['s', 'k', 's'], outputs: ['Z'] },
        { op: 'Relu', inputs: ['unrelated'], outputs: ['R'] },
        // A parameter computed by an operator folding cannot evaluate is not traced further.
        { op: 'Relu', inputs: ['X'], outputs: ['rx'] },
      ],
    });
    expect([...parameterInputNames(g)].sort()).toEqual(['a', 'b', 'k']);
  });
});

describe('evaluators', () => {
  it('int64 arithmetic is exact beyond 2^53 and wraps at 64 bits', () => {
    const big = 9007199254740993n;
    expect(values(fold('Add', [i64([big]), i64([2])])[0]!)).toEqual([big + 2n]);
    expect(values(fold('Mul', [i64([2n ** 62n]), i64([4])])[0]!)).toEqual([0n]);
    expect(values(fold('Div', [i64([-7, 7]), i64([2])])[0]!)).toEqual([-3n, 3n]);
    expect(values(fold('Sub', [i64([5], []), i64([1, 2, 3])])[0]!)).toEqual([4n, 3n, 2n]);
    expect(values(fold('Max', [i64([1, 9]), i64([5]), i64([3, 2])])[0]!)).toEqual([5n, 9n]);
    expect(values(fold('Neg', [i64([big])])[0]!)).toEqual([-big]);
    expect(values(fold('Abs', [i64([-3, 4])])[0]!)).toEqual([3n, 4n]);
  });
  it('integer division by zero is left to native code', () => {
    const g = makeGraph({ constants: { a: i64([1]), b: i64([0]) }, nodes: [{ op: 'Div', inputs: ['a', 'b'], outputs: ['Y'] }] });
    foldConstants(g);
    expect(g.nodes.length).toBe(1);
  });
  it('int32 wraps like C, float32 rounds once per operation', () => {
    expect(values(fold('Mul', [i32([65536]), i32([65537])])[0]!)).toEqual([65536]);
    expect(values(fold('Add', [i32([2147483647]), i32([1])])[0]!)).toEqual([-2147483648]);
    expect(values(fold('Div', [f32([1]), f32([3])])[0]!)).toEqual([Math.fround(1 / 3)]);
    expect(values(fold('Sqrt', [f32([2, -1])])[0]!)).toEqual([Math.fround(Math.SQRT2), NaN]);
    expect(values(fold('Floor', [f32([-1.5, 2.5])])[0]!)).toEqual([-2, 2]);
    expect(values(fold('Ceil', [f32([-1.5, 2.5])])[0]!)).toEqual([-1, 3]);
    expect(values(fold('Min', [f32([1, NaN]), f32([2])])[0]!)).toEqual([1, NaN]);
  });
  it('comparisons, logic and Where', () => {
    const eq = fold('Equal', [i64([1, 2, 3]), i64([2])])[0]!;
    expect(eq.type).toBe('bool');
    expect(values(eq)).toEqual([0, 1, 0]);
    expect(values(fold('Less', [f32([1, 2]), f32([2])])[0]!)).toEqual([1, 0]);
    expect(values(fold('Greater', [i32([1, 3]), i32([2])])[0]!)).toEqual([0, 1]);
    expect(values(fold('Not', [tensor('bool', [2], Uint8Array.of(0, 1))])[0]!)).toEqual([1, 0]);
    const cond = tensor('bool', [2, 1], Uint8Array.of(1, 0));
    expect(values(fold('Where', [cond, i64([1, 2]), i64([7])])[0]!)).toEqual([1n, 2n, 7n, 7n]);
  });
  it('Cast converts like a C++ static_cast and leaves undefined conversions to native', () => {
    const cast = (t: InitializerTensor, to: number) => fold('Cast', [t], { attrs: { to: attr.int(to) } })[0]!;
    expect(values(cast(f32([-2.7, 2.7]), 7))).toEqual([-2n, 2n]);
    expect(values(cast(i64([300, -1]), 2))).toEqual([44, 255]);
    expect(values(cast(i64([3]), 1))).toEqual([3]);
    expect(values(cast(f32([0, 0.5]), 9))).toEqual([0, 1]);
    expect(values(cast(tensor('bool', [2], Uint8Array.of(1, 0)), 6))).toEqual([1, 0]);
    expect(values(cast(f32([1]), 10))).toEqual([0x3c00]);
    const g = makeGraph({ constants: { a: f32([NaN]) }, nodes: [{ op: 'Cast', inputs: ['a'], outputs: ['Y'], attrs: { to: attr.int(7) } }] });
    foldConstants(g);
    expect(g.nodes.length).toBe(1);
  });
  it('Shape, Size, ConstantOfShape and Range', () => {
    const x = f32(new Array(24).fill(0), [2, 3, 4]);
    expect(values(fold('Shape', [x], { opset: 15, attrs: { start: attr.int(1) } })[0]!)).toEqual([3n, 4n]);
    expect(values(fold('Size', [x])[0]!)).toEqual([24n]);
    const c = fold('ConstantOfShape', [i64([2, 2])], { attrs: { value: attr.tensor(i64([7])) } })[0]!;
    expect(c.dims).toEqual([2, 2]);
    expect(values(c)).toEqual([7n, 7n, 7n, 7n]);
    expect(values(fold('Range', [f32([1], []), f32([2], []), f32([0.3], [])])[0]!)).toEqual(
      // start + i·delta with delta = float32(0.3): the product rounds to float32, then the sum.
      [0, 1, 2, 3].map((i) => Math.fround(1 + Math.fround(i * Math.fround(0.3)))),
    );
    expect(values(fold('Range', [i64([10], []), i64([4], []), i64([-3], [])])[0]!)).toEqual([10n, 7n]);
  });
  it('data movement: Gather, Slice, Concat, Split, Transpose, Expand, Tile, Squeeze/Unsqueeze/Flatten/Reshape/Identity', () => {
    const m = i64([0, 1, 2, 3, 4, 5], [2, 3]);
    expect(values(fold('Gather', [m, i64([-1, 0])], { attrs: { axis: attr.int(1) } })[0]!)).toEqual([2n, 0n, 5n, 3n]);
    expect(values(fold('Gather', [m, i64([1], [])])[0]!)).toEqual([3n, 4n, 5n]);
    expect(() => fold('Gather', [m, i64([3])])).toThrow(/index 3 is out of range \[-2, 1\]/);
    expect(values(fold('Slice', [m, i64([-1, 2]), i64([-3, -4]), i64([0, 1]), i64([-1, -2])])[0]!)).toEqual([5n, 3n, 2n, 0n]);
    expect(values(fold('Concat', [m, i64([9, 9], [2, 1])], { attrs: { axis: attr.int(1) } })[0]!)).toEqual([0n, 1n, 2n, 9n, 3n, 4n, 5n, 9n]);
    const parts = fold('Split', [m, i64([1, 2])], { opset: 13, outputs: 2, attrs: { axis: attr.int(1) } });
    expect(parts.map(values)).toEqual([[0n, 3n], [1n, 2n, 4n, 5n]]);
    expect(parts[1]!.dims).toEqual([2, 2]);
    expect(values(fold('Transpose', [m])[0]!)).toEqual([0n, 3n, 1n, 4n, 2n, 5n]);
    expect(values(fold('Expand', [i64([1, 2], [2, 1]), i64([2, 2])])[0]!)).toEqual([1n, 1n, 2n, 2n]);
    expect(values(fold('Tile', [i64([1, 2]), i64([3])])[0]!)).toEqual([1n, 2n, 1n, 2n, 1n, 2n]);
    const u = fold('Unsqueeze', [m, i64([0])], { opset: 13 })[0]!;
    expect([u.dims, values(u)]).toEqual([[1, 2, 3], values(m)]);
    expect(fold('Squeeze', [u], { opset: 13 })[0]!.dims).toEqual([2, 3]);
    expect(fold('Flatten', [u], { attrs: { axis: attr.int(2) } })[0]!.dims).toEqual([2, 3]);
    expect(fold('Reshape', [m, i64([3, -1])])[0]!.dims).toEqual([3, 2]);
    expect(values(fold('Identity', [m])[0]!)).toEqual(values(m));
  });
  it('strings move too (Gather over a string tensor)', () => {
    const s: InitializerTensor = { name: '', type: 'string' as OnnxElemType, dims: [3], data: ['a', 'b', 'c'] };
    expect(fold('Gather', [s, i64([2, 0])])[0]!.data).toEqual(['c', 'a']);
  });
  it('ReduceSum / ReduceProd (attribute and input axes, keepdims, noop)', () => {
    const m = i64([1, 2, 3, 4, 5, 6], [2, 3]);
    const sum = fold('ReduceSum', [m, i64([1])], { opset: 13, attrs: { keepdims: attr.int(0) } })[0]!;
    expect([sum.dims, values(sum)]).toEqual([[2], [6n, 15n]]);
    const prod = fold('ReduceProd', [m], { opset: 13, attrs: { axes: attr.ints([0]) } })[0]!;
    expect([prod.dims, values(prod)]).toEqual([[1, 3], [4n, 10n, 18n]]);
    const all = fold('ReduceProd', [f32([2, 3, 4])], { opset: 18, attrs: { keepdims: attr.int(0) } })[0]!;
    expect([all.dims, values(all)]).toEqual([[], [24]]);
    const noop = fold('ReduceSum', [m, i64([])], { opset: 13, attrs: { noop_with_empty_axes: attr.int(1) } })[0]!;
    expect([noop.dims, values(noop)]).toEqual([[2, 3], values(m)]);
  });
  it('foldConstants leaves nodes with a non-constant input and keeps the rest of the graph intact', () => {
    const g = makeGraph({
      inputs: { X: ['float32', ['N', 2]] },
      constants: { a: i64([2]), b: i64([3]) },
      nodes: [
        { op: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
        { op: 'Relu', inputs: ['X'], outputs: ['Y'] },
        { op: 'Shape', inputs: ['X'], outputs: ['sx'] },
      ],
      outputs: ['Y', 's', 'sx'],
    });
    foldConstants(g);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Shape']);
    expect(values(g.constants.get('s')!)).toEqual([5n]);
  });
});
