// Shape rules per operator family (expected shapes from the ONNX operator spec and its examples), over
// every opset form: attribute vs input parameters, auto_pad / ceil_mode, broadcasting, negative axes.
import { describe, expect, it } from 'vitest';
import { broadcastDims, broadcastOffsets, broadcastShapes, isUnidirectionalBroadcastable } from '../../lib/graph/broadcast.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import type { AttributeValue, InitializerTensor, OnnxElemType } from '../../lib/onnx/model.js';
import { attr, f32, i32, i64, makeGraph, tensor } from './ir-builder.js';

type In = '' | [OnnxElemType, number[]] | InitializerTensor;

/** Runs shape inference on one node; inputs are graph inputs (type + shape), constants, or '' (omitted). */
function infer(op: string, ins: In[], opts: { attrs?: Record<string, AttributeValue>; opset?: number; outputs?: number } = {}): [string, number[]][] {
  const inputs: Record<string, [OnnxElemType, number[]]> = {};
  const constants: Record<string, InitializerTensor> = {};
  const names = ins.map((x, i) => {
    if (x === '') return '';
    const name = `in${i}`;
    if (Array.isArray(x)) inputs[name] = x;
    else constants[name] = x;
    return name;
  });
  const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, k) => `out${k}`);
  const g = makeGraph({ opset: opts.opset, inputs, constants, nodes: [{ op, inputs: names, outputs, attrs: opts.attrs, name: 'n' }] });
  inferTypes(g, new Map(Object.entries(inputs).map(([k, [, s]]) => [k, s])));
  return outputs.map((o) => {
    const t = g.types.get(o)!;
    return [t.elemType, t.shape as number[]];
  });
}

const shapeOf = (op: string, ins: In[], opts: Parameters<typeof infer>[2] = {}) => infer(op, ins, opts)[0]![1];
const F = (...shape: number[]): [OnnxElemType, number[]] => ['float32', shape];

describe('elementwise', () => {
  it('broadcasts numpy-style', () => {
    expect(shapeOf('Add', [F(2, 3, 4), F(4)])).toEqual([2, 3, 4]);
    expect(shapeOf('Mul', [F(2, 1, 4), F(3, 1)])).toEqual([2, 3, 4]);
    expect(shapeOf('Sub', [F(), F(5)])).toEqual([5]);
    expect(shapeOf('Div', [F(1, 0), F(3, 1)])).toEqual([3, 0]);
    expect(shapeOf('Sum', [F(3), F(2, 1), F(1, 1, 1)])).toEqual([1, 2, 3]);
    expect(shapeOf('Where', [['bool', [2, 1]], F(3), F(1, 1, 1)])).toEqual([1, 2, 3]);
    expect(() => infer('Add', [F(2, 3), F(4)])).toThrow(/node 'n' \(Add\): shapes are not broadcastable: input 0 'in0' \[2,3\], input 1 'in1' \[4\]/);
  });
  it('gives comparisons and IsNaN bool results, Cast its target, CastLike the like type', () => {
    expect(infer('Equal', [F(2, 3), F(3)])[0]).toEqual(['bool', [2, 3]]);
    expect(infer('GreaterOrEqual', [['int64', [4]], ['int64', []]])[0]).toEqual(['bool', [4]]);
    expect(infer('IsNaN', [F(2)])[0]).toEqual(['bool', [2]]);
    expect(infer('Cast', [F(2, 2)], { attrs: { to: attr.int(7) } })[0]).toEqual(['int64', [2, 2]]);
    expect(infer('CastLike', [F(2, 2), ['float16', [1]]], { opset: 15 })[0]).toEqual(['float16', [2, 2]]);
    expect(infer('Pow', [F(2), ['int32', [2]]])[0]).toEqual(['float32', [2]]);
  });
  it('PRelu stretches the slope to X; Clip takes scalar bounds', () => {
    expect(shapeOf('PRelu', [F(1, 3, 4, 4), F(3, 1, 1)])).toEqual([1, 3, 4, 4]);
    expect(() => infer('PRelu', [F(1, 3, 4, 4), F(4, 1, 1)])).toThrow(/slope shape \[4,1,1\] does not broadcast to X shape \[1,3,4,4\]/);
    expect(shapeOf('Clip', [F(2, 3), f32([0], []), f32([6], [])], { opset: 13 })).toEqual([2, 3]);
  });
  it('checks element types ONNX requires to match', () => {
    expect(() => infer('Add', [F(2), ['int64', [2]]])).toThrow(/node 'n' \(Add\): input 1 'in1' must have the element type of input 0 'in0': expected float32, got int64/);
    expect(() => infer('And', [F(2), ['bool', [2]]])).toThrow(TypeError);
    expect(() => infer('Where', [F(2), F(2), F(2)])).toThrow(/condition\) must be bool, got float32/);
    expect(() => infer('Concat', [F(2), ['int32', [2]]], { attrs: { axis: attr.int(0) } })).toThrow(/expected float32, got int32/);
  });
});

describe('convolution and pooling', () => {
  it('Conv: pads, strides, dilations, groups, auto_pad', () => {
    const conv = (x: number[], w: number[], attrs: Record<string, AttributeValue> = {}) => shapeOf('Conv', [F(...x), F(...w)], { attrs });
    expect(conv([1, 3, 224, 224], [32, 3, 3, 3], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) })).toEqual([1, 32, 112, 112]);
    expect(conv([1, 144, 56, 56], [144, 1, 3, 3], { group: attr.int(144), pads: attr.ints([1, 1, 1, 1]) })).toEqual([1, 144, 56, 56]);
    expect(conv([1, 1, 7, 5], [1, 1, 3, 3], { strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') })).toEqual([1, 1, 4, 3]);
    expect(conv([1, 1, 7, 5], [1, 1, 3, 3], { strides: attr.ints([2, 2]), auto_pad: attr.string('VALID') })).toEqual([1, 1, 3, 2]);
    expect(conv([1, 1, 7, 7], [1, 1, 3, 3], { dilations: attr.ints([2, 2]) })).toEqual([1, 1, 3, 3]);
    expect(conv([2, 4, 10], [6, 2, 3], { group: attr.int(2) })).toEqual([2, 6, 8]);
    expect(() => conv([1, 3, 8, 8], [8, 4, 3, 3])).toThrow(/X has 3 channels but W shape \[8,4,3,3\] with group 1 expects 4/);
    expect(() => conv([1, 1, 2, 2], [1, 1, 3, 3])).toThrow(/smaller than the kernel extent 3/);
  });
  it('ConvTranspose: output_padding, output_shape, SAME', () => {
    const x = F(1, 1, 3, 3);
    const w = F(1, 2, 3, 3);
    expect(shapeOf('ConvTranspose', [x, w])).toEqual([1, 2, 5, 5]);
    expect(shapeOf('ConvTranspose', [x, w], { attrs: { strides: attr.ints([3, 2]), output_padding: attr.ints([1, 1]) } })).toEqual([1, 2, 10, 8]);
    expect(shapeOf('ConvTranspose', [x, w], { attrs: { strides: attr.ints([3, 2]), output_shape: attr.ints([10, 8]) } })).toEqual([1, 2, 10, 8]);
    expect(shapeOf('ConvTranspose', [x, w], { attrs: { strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') } })).toEqual([1, 2, 6, 6]);
    expect(shapeOf('ConvTranspose', [x, w], { attrs: { pads: attr.ints([1, 2, 1, 2]), strides: attr.ints([3, 2]) } })).toEqual([1, 2, 7, 3]);
    expect(shapeOf('ConvTranspose', [F(1, 4, 3, 3), F(4, 2, 3, 3)], { attrs: { group: attr.int(2) } })).toEqual([1, 4, 5, 5]);
  });
  it('pools: ceil_mode (dropping a window that starts in the padding), Indices, global', () => {
    const pool = (op: string, x: number[], attrs: Record<string, AttributeValue>) => infer(op, [F(...x)], { attrs, outputs: op === 'MaxPool' ? 2 : 1 });
    expect(pool('MaxPool', [1, 1, 4, 4], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) })).toEqual([
      ['float32', [1, 1, 2, 2]],
      ['int64', [1, 1, 2, 2]],
    ]);
    expect(pool('MaxPool', [1, 1, 3, 3], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1) })[0]![1]).toEqual([1, 1, 2, 2]);
    expect(pool('AveragePool', [1, 3, 32, 32], { kernel_shape: attr.ints([5, 5]), auto_pad: attr.string('SAME_LOWER') })[0]![1]).toEqual([1, 3, 32, 32]);
    expect(pool('AveragePool', [1, 3, 32], { kernel_shape: attr.ints([2]) })[0]![1]).toEqual([1, 3, 31]);
    expect(pool('MaxPool', [1, 1, 5, 5], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) })[0]![1]).toEqual([1, 1, 3, 3]);
    expect(pool('MaxPool', [1, 1, 5, 5], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) })[0]![1]).toEqual([1, 1, 2, 2]);
    expect(shapeOf('GlobalAveragePool', [F(2, 3, 5, 7)])).toEqual([2, 3, 1, 1]);
    expect(shapeOf('GlobalMaxPool', [F(2, 3, 5)])).toEqual([2, 3, 1]);
    expect(() => pool('MaxPool', [1, 1, 4, 4], {})).toThrow(/attribute 'kernel_shape' is required/);
  });
  it('QLinearConv and ConvInteger', () => {
    const u8 = (...s: number[]): [OnnxElemType, number[]] => ['uint8', s];
    const s8 = (...s: number[]): [OnnxElemType, number[]] => ['int8', s];
    expect(infer('QLinearConv', [u8(1, 3, 8, 8), F(), u8(), s8(4, 3, 3, 3), F(4), s8(4), F(), u8(), ['int32', [4]]])[0]).toEqual(['uint8', [1, 4, 6, 6]]);
    expect(infer('ConvInteger', [u8(1, 1, 3, 3), u8(1, 1, 2, 2), u8()])[0]).toEqual(['int32', [1, 1, 2, 2]]);
  });
});

describe('matrix products', () => {
  it('MatMul follows numpy (1-D promotion, batch broadcast)', () => {
    expect(shapeOf('MatMul', [F(2, 3, 4), F(4, 5)])).toEqual([2, 3, 5]);
    expect(shapeOf('MatMul', [F(4), F(4, 5)])).toEqual([5]);
    expect(shapeOf('MatMul', [F(3, 4), F(4)])).toEqual([3]);
    expect(shapeOf('MatMul', [F(4), F(4)])).toEqual([]);
    expect(shapeOf('MatMul', [F(2, 1, 3, 4), F(5, 4, 6)])).toEqual([2, 5, 3, 6]);
    expect(shapeOf('MatMul', [F(7), F(2, 7, 3)])).toEqual([2, 3]);
    expect(() => infer('MatMul', [F(3, 4), F(5, 6)])).toThrow(/do not agree on K: 4 vs 5/);
  });
  it('Gemm with transA/transB and C', () => {
    expect(shapeOf('Gemm', [F(4, 3), F(5, 4), F(5)], { attrs: { transA: attr.int(1), transB: attr.int(1) } })).toEqual([3, 5]);
    expect(shapeOf('Gemm', [F(3, 4), F(4, 5)], { opset: 13 })).toEqual([3, 5]);
    expect(() => infer('Gemm', [F(3, 4), F(4, 5), F(3)])).toThrow(/C shape \[3\] does not broadcast to \[3,5\]/);
    expect(() => infer('Gemm', [F(3, 4), F(4, 5)], { opset: 9 })).toThrow(/C\) is required before opset 11/);
  });
  it('integer products', () => {
    expect(infer('MatMulInteger', [['uint8', [3, 4]], ['int8', [4, 2]], ['uint8', []]])[0]).toEqual(['int32', [3, 2]]);
    const q = infer('QLinearMatMul', [['uint8', [2, 4]], F(), ['uint8', []], ['int8', [4, 3]], F(), ['int8', []], F(), ['int8', []]])[0];
    expect(q).toEqual(['int8', [2, 3]]);
  });
});

describe('normalization and softmax', () => {
  it('BatchNormalization, InstanceNormalization, LayerNormalization statistics, GroupNormalization', () => {
    expect(shapeOf('BatchNormalization', [F(2, 3, 4, 5), F(3), F(3), F(3), F(3)])).toEqual([2, 3, 4, 5]);
    expect(() => infer('BatchNormalization', [F(2, 3, 4, 5), F(4), F(3), F(3), F(3)])).toThrow(/\(scale\) must have shape \[3\], got \[4\]/);
    expect(shapeOf('InstanceNormalization', [F(2, 3, 4), F(3), F(3)])).toEqual([2, 3, 4]);
    expect(infer('LayerNormalization', [F(2, 3, 4), F(3, 4), F(3, 4)], { attrs: { axis: attr.int(1) }, outputs: 3 })).toEqual([
      ['float32', [2, 3, 4]],
      ['float32', [2, 1, 1]],
      ['float32', [2, 1, 1]],
    ]);
    expect(shapeOf('GroupNormalization', [F(2, 6, 4), F(6), F(6)], { opset: 21, attrs: { num_groups: attr.int(3) } })).toEqual([2, 6, 4]);
    expect(() => infer('GroupNormalization', [F(2, 6, 4), F(6), F(6)], { opset: 21, attrs: { num_groups: attr.int(4) } })).toThrow(/num_groups 4/);
  });
  it('softmax axis range depends on the opset only for its default', () => {
    expect(shapeOf('Softmax', [F(2, 3)], { opset: 11 })).toEqual([2, 3]);
    expect(shapeOf('LogSoftmax', [F(2, 3, 4)], { attrs: { axis: attr.int(-3) } })).toEqual([2, 3, 4]);
    expect(() => infer('Hardmax', [F(2, 3)], { attrs: { axis: attr.int(2) } })).toThrow(/axis 2 is out of range \[-2, 1\]/);
  });
});

describe('reductions', () => {
  it('axes as attribute (old opsets) and input (ReduceSum 13+, others 18+)', () => {
    expect(shapeOf('ReduceMean', [F(2, 3, 4)], { opset: 11, attrs: { axes: attr.ints([-1]) } })).toEqual([2, 3, 1]);
    expect(shapeOf('ReduceSum', [F(2, 3, 4), i64([0, 2])], { opset: 13, attrs: { keepdims: attr.int(0) } })).toEqual([3]);
    expect(shapeOf('ReduceMax', [F(2, 3, 4), i64([1])], { opset: 18 })).toEqual([2, 1, 4]);
    expect(shapeOf('ReduceMax', [F(2, 3, 4)], { opset: 18, attrs: { keepdims: attr.int(0) } })).toEqual([]);
    expect(shapeOf('ReduceL2', [F(2, 3, 4), i64([])], { opset: 18, attrs: { noop_with_empty_axes: attr.int(1) } })).toEqual([2, 3, 4]);
    expect(shapeOf('ReduceProd', [F(2, 3, 4)], { opset: 13 })).toEqual([1, 1, 1]);
    expect(() => infer('ReduceSum', [F(2, 3), i64([1, -1])], { opset: 13 })).toThrow(/has a repeated axis/);
    expect(() => infer('ReduceSum', [F(2, 3), ['int64', [1]]], { opset: 13 })).toThrow(/must be a constant when the plan is built/);
  });
  it('ArgMax / ArgMin give int64', () => {
    expect(infer('ArgMax', [F(2, 3, 4)], { attrs: { axis: attr.int(-1), keepdims: attr.int(0) } })[0]).toEqual(['int64', [2, 3]]);
    expect(infer('ArgMin', [F(2, 3, 4)])[0]).toEqual(['int64', [1, 3, 4]]);
  });
});

describe('data movement', () => {
  it('Concat and Split (attribute, input, num_outputs with an uneven last chunk)', () => {
    expect(shapeOf('Concat', [F(2, 3), F(2, 5), F(2, 0)], { attrs: { axis: attr.int(-1) } })).toEqual([2, 8]);
    expect(() => infer('Concat', [F(2, 3), F(3, 3)], { attrs: { axis: attr.int(1) } })).toThrow(/does not match \[2,3\] except on axis 1/);
    const split = (ins: In[], opset: number, outputs: number, attrs: Record<string, AttributeValue> = {}) => infer('Split', ins, { opset, outputs, attrs }).map((t) => t[1]);
    expect(split([F(6, 2)], 11, 3)).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(split([F(6, 2)], 11, 2, { split: attr.ints([1, 5]) })).toEqual([[1, 2], [5, 2]]);
    expect(split([F(2, 6), i64([2, 4])], 13, 2, { axis: attr.int(-1) })).toEqual([[2, 2], [2, 4]]);
    expect(split([F(7)], 18, 3, { num_outputs: attr.int(3) })).toEqual([[3], [3], [1]]);
    expect(() => split([F(7)], 13, 3)).toThrow(/does not split evenly into 3 outputs/);
    expect(() => split([F(6), i64([2, 3])], 13, 2)).toThrow(/sums to 5/);
  });
  it('Slice clamps like the spec (negative steps, out-of-range and INT64 extremes, attribute form)', () => {
    const x = F(20, 10, 5);
    expect(shapeOf('Slice', [x, i64([0, 0]), i64([3, 10]), i64([0, 1]), i64([1, 1])])).toEqual([3, 10, 5]);
    expect(shapeOf('Slice', [x, i64([20, 10, 4]), i64([0, 0, 1]), i64([0, 1, 2]), i64([-1, -3, -2])])).toEqual([19, 3, 2]);
    expect(shapeOf('Slice', [x, i64([1]), i64([1000]), i64([1]), ''])).toEqual([20, 9, 5]);
    expect(shapeOf('Slice', [x, i64([1000]), i64([1000]), i64([1])])).toEqual([20, 0, 5]);
    expect(shapeOf('Slice', [x, i64([0]), i64([-1]), i64([1])])).toEqual([20, 9, 5]);
    expect(shapeOf('Slice', [x, i64([-1n]), i64([-9223372036854775808n]), i64([0]), i64([-1])])).toEqual([20, 10, 5]);
    expect(shapeOf('Slice', [x, i32([1]), i32([2147483647])])).toEqual([19, 10, 5]);
    expect(shapeOf('Slice', [x], { opset: 9, attrs: { starts: attr.ints([0, 1]), ends: attr.ints([-1, 9223372036854775807n]), axes: attr.ints([1, 2]) } })).toEqual([20, 9, 4]);
    expect(() => infer('Slice', [x, i64([0]), i64([1]), i64([0]), i64([0])])).toThrow(/steps must not be 0/);
  });
  it('Gather and GatherElements', () => {
    expect(shapeOf('Gather', [F(5, 4, 3, 2), ['int64', [3]]], { attrs: { axis: attr.int(1) } })).toEqual([5, 3, 3, 2]);
    expect(shapeOf('Gather', [F(5, 4), ['int32', []]], { attrs: { axis: attr.int(-1) } })).toEqual([5]);
    expect(shapeOf('Gather', [F(5, 4), ['int64', [2, 2]]])).toEqual([2, 2, 4]);
    expect(shapeOf('GatherElements', [F(3, 3), ['int64', [2, 3]]], { attrs: { axis: attr.int(1) } })).toEqual([2, 3]);
    expect(() => infer('Gather', [F(5), F(2)])).toThrow(/\(indices\) must be one of int32, int64, got float32/);
  });
  it('Reshape (0 copies, -1 infers, allowzero) and Flatten', () => {
    expect(shapeOf('Reshape', [F(2, 3, 4), i64([0, -1])])).toEqual([2, 12]);
    expect(shapeOf('Reshape', [F(2, 3, 4), i64([4, 0, 2, -1])])).toEqual([4, 3, 2, 1]);
    expect(shapeOf('Reshape', [F(0, 3, 4), i64([3, 4, 0])], { opset: 14, attrs: { allowzero: attr.int(1) } })).toEqual([3, 4, 0]);
    expect(shapeOf('Reshape', [F(2, 3, 4), i64([])].slice(0, 1).concat([i64([24])]))).toEqual([24]);
    expect(() => infer('Reshape', [F(2, 3, 4), i64([-1, -1])])).toThrow(/more than one -1/);
    expect(() => infer('Reshape', [F(2, 3, 4), i64([5, -1])])).toThrow(/the -1 dim has no integer size/);
    expect(() => infer('Reshape', [F(2, 3, 4), i64([2, 3])])).toThrow(/cannot reshape \[2,3,4\] \(24 elements\) to \[2,3\] \(6 elements\)/);
    expect(shapeOf('Flatten', [F(2, 3, 4)], { attrs: { axis: attr.int(0) } })).toEqual([1, 24]);
    expect(shapeOf('Flatten', [F(2, 3, 4)], { attrs: { axis: attr.int(-1) } })).toEqual([6, 4]);
    expect(shapeOf('Flatten', [F(2, 3, 4)], { attrs: { axis: attr.int(3) } })).toEqual([24, 1]);
  });
  it('Transpose, Squeeze and Unsqueeze (attribute and input forms)', () => {
    expect(shapeOf('Transpose', [F(2, 3, 4)])).toEqual([4, 3, 2]);
    expect(shapeOf('Transpose', [F(2, 3, 4)], { attrs: { perm: attr.ints([0, 2, 1]) } })).toEqual([2, 4, 3]);
    expect(() => infer('Transpose', [F(2, 3)], { attrs: { perm: attr.ints([0, 0]) } })).toThrow(/not a permutation/);
    expect(shapeOf('Squeeze', [F(1, 3, 1, 5)], { opset: 11 })).toEqual([3, 5]);
    expect(shapeOf('Squeeze', [F(1, 3, 1, 5)], { opset: 11, attrs: { axes: attr.ints([-2]) } })).toEqual([1, 3, 5]);
    expect(shapeOf('Squeeze', [F(1, 3, 1, 5), i64([0])], { opset: 13 })).toEqual([3, 1, 5]);
    expect(shapeOf('Squeeze', [F(1, 3, 1, 5), i64([])], { opset: 13 })).toEqual([3, 5]);
    expect(() => infer('Squeeze', [F(1, 3), i64([1])], { opset: 13 })).toThrow(/cannot squeeze axis 1 of shape \[1,3\]: its size is 3/);
    expect(shapeOf('Unsqueeze', [F(3, 4, 5), i64([0, 4])], { opset: 13 })).toEqual([1, 3, 4, 5, 1]);
    expect(shapeOf('Unsqueeze', [F(3, 4, 5)], { opset: 11, attrs: { axes: attr.ints([-1, 1]) } })).toEqual([3, 1, 4, 5, 1]);
    expect(shapeOf('Unsqueeze', [F(), i64([0])], { opset: 13 })).toEqual([1]);
  });
  it('Expand, Tile and Pad (attribute, input and axes forms)', () => {
    expect(shapeOf('Expand', [F(3, 1), i64([2, 1, 6])])).toEqual([2, 3, 6]);
    expect(shapeOf('Expand', [F(3, 4), i64([1])])).toEqual([3, 4]);
    expect(() => infer('Expand', [F(3, 4), i64([2, 3])])).toThrow(/cannot be expanded to \[2,3\]/);
    expect(shapeOf('Tile', [F(2, 3), i64([3, 0])])).toEqual([6, 0]);
    expect(shapeOf('Pad', [F(1, 3, 4, 5)], { opset: 2, attrs: { pads: attr.ints([0, 0, 1, 2, 0, 0, 3, 4]) } })).toEqual([1, 3, 8, 11]);
    expect(shapeOf('Pad', [F(3, 4), i64([1, -1, 2, 0])], { opset: 13 })).toEqual([6, 3]);
    expect(shapeOf('Pad', [F(3, 4), i64([1, 2]), f32([0], []), i64([-1])], { opset: 18 })).toEqual([3, 7]);
    expect(() => infer('Pad', [F(3, 4), i64([1, 2])], { opset: 13 })).toThrow(/must have 4 values/);
    expect(() => infer('Pad', [F(3, 4), i64([0, -5, 0, 0])], { opset: 13 })).toThrow(/crop more than the input shape/);
  });
  it('DepthToSpace, SpaceToDepth', () => {
    expect(shapeOf('DepthToSpace', [F(1, 8, 2, 3)], { attrs: { blocksize: attr.int(2), mode: attr.string('CRD') } })).toEqual([1, 2, 4, 6]);
    expect(shapeOf('SpaceToDepth', [F(1, 2, 4, 6)], { attrs: { blocksize: attr.int(2) } })).toEqual([1, 8, 2, 3]);
    expect(() => infer('SpaceToDepth', [F(1, 2, 5, 6)], { attrs: { blocksize: attr.int(2) } })).toThrow(/not divisible by blocksize 2/);
  });
  it('Shape (start/end), Size, ConstantOfShape, Range, Identity, Dropout', () => {
    expect(infer('Shape', [F(2, 3, 4)])[0]).toEqual(['int64', [3]]);
    expect(shapeOf('Shape', [F(2, 3, 4)], { opset: 15, attrs: { start: attr.int(-1) } })).toEqual([1]);
    expect(shapeOf('Shape', [F(2, 3, 4)], { opset: 15, attrs: { start: attr.int(2), end: attr.int(1) } })).toEqual([0]);
    expect(infer('Size', [F(2, 3)])[0]).toEqual(['int64', []]);
    expect(infer('ConstantOfShape', [i64([2, 3])], { attrs: { value: attr.tensor(i32([7], [1])) } })[0]).toEqual(['int32', [2, 3]]);
    expect(infer('ConstantOfShape', [i64([])])[0]).toEqual(['float32', []]);
    expect(infer('Range', [f32([1], []), f32([10], []), f32([3], [])])[0]).toEqual(['float32', [3]]);
    expect(infer('Range', [i64([10], []), i64([4], []), i64([-3], [])])[0]).toEqual(['int64', [2]]);
    expect(infer('Range', [i32([0], []), i32([-5], []), i32([1], [])])[0]).toEqual(['int32', [0]]);
    expect(infer('Dropout', [F(2, 3)], { outputs: 2 })).toEqual([['float32', [2, 3]], ['bool', [2, 3]]]);
    expect(infer('Dropout', [F(2, 3)], { opset: 7, outputs: 2 })[1]).toEqual(['float32', [2, 3]]);
    expect(shapeOf('Identity', [F(0)])).toEqual([0]);
  });
});

describe('Resize and Upsample', () => {
  const x = F(1, 1, 4, 4);
  it('scales: floor(in · scale) in float32', () => {
    expect(shapeOf('Resize', [F(1, 1, 2, 4), f32([1, 1, 0.6, 0.6])], { opset: 10 })).toEqual([1, 1, 1, 2]);
    expect(shapeOf('Resize', [x, '', f32([1, 1, 2, 3])], { opset: 11 })).toEqual([1, 1, 8, 12]);
    expect(shapeOf('Resize', [x, f32([]), f32([1, 1, 0.5, 1.7])], { opset: 13 })).toEqual([1, 1, 2, 6]);
    expect(shapeOf('Resize', [F(1, 1, 5, 5), f32([]), f32([1, 1, 0.6, 0.6])], { opset: 13 })).toEqual([1, 1, 3, 3]);
  });
  it('sizes, axes and keep_aspect_ratio_policy (opset 18)', () => {
    expect(shapeOf('Resize', [x, '', f32([]), i64([1, 1, 3, 5])], { opset: 13 })).toEqual([1, 1, 3, 5]);
    const small = F(1, 1, 2, 2);
    expect(shapeOf('Resize', [small, '', '', i64([7, 8])], { opset: 18, attrs: { axes: attr.ints([2, 3]), keep_aspect_ratio_policy: attr.string('not_larger') } })).toEqual([1, 1, 7, 7]);
    expect(shapeOf('Resize', [small, '', '', i64([7, 8])], { opset: 18, attrs: { axes: attr.ints([2, 3]), keep_aspect_ratio_policy: attr.string('not_smaller') } })).toEqual([1, 1, 8, 8]);
    expect(shapeOf('Resize', [x, '', f32([2])], { opset: 18, attrs: { axes: attr.ints([-1]) } })).toEqual([1, 1, 4, 8]);
    expect(() => infer('Resize', [x, '', f32([2, 2]), i64([1, 1, 2, 2])], { opset: 13 })).toThrow(/only one of scales and sizes/);
    expect(() => infer('Resize', [x, '', f32([2, 2])], { opset: 13 })).toThrow(/must have 4 values/);
  });
  it('Upsample: attribute (7) and input (9) scales', () => {
    expect(shapeOf('Upsample', [F(1, 1, 2, 2)], { opset: 7, attrs: { scales: attr.floats([1, 1, 2, 3]) } })).toEqual([1, 1, 4, 6]);
    expect(shapeOf('Upsample', [F(1, 1, 2, 2), f32([1, 1, 2, 2])], { opset: 9 })).toEqual([1, 1, 4, 4]);
  });
});

describe('quantization', () => {
  it('QuantizeLinear output type: zero point, else uint8, else output_dtype (21)', () => {
    expect(infer('QuantizeLinear', [F(2, 3), F()])[0]).toEqual(['uint8', [2, 3]]);
    expect(infer('QuantizeLinear', [F(2, 3), F(), ['int8', []]])[0]).toEqual(['int8', [2, 3]]);
    expect(infer('QuantizeLinear', [F(2, 3), F(3), ['int8', [3]]], { opset: 13 })[0]).toEqual(['int8', [2, 3]]);
    expect(infer('QuantizeLinear', [F(2, 3), F()], { opset: 21, attrs: { output_dtype: attr.int(3) } })[0]).toEqual(['int8', [2, 3]]);
    expect(() => infer('QuantizeLinear', [F(2, 3), F(4), ['int8', [4]]], { opset: 13 })).toThrow(/must be \[3\] \(axis 1 of X shape \[2,3\]\)/);
    expect(() => infer('QuantizeLinear', [F(2, 3), F(), ['uint8', []]], { opset: 21, attrs: { output_dtype: attr.int(3) } })).toThrow(/output_dtype int8 differs/);
  });
  it('DequantizeLinear gives float32, or the scale type from opset 19', () => {
    expect(infer('DequantizeLinear', [['int8', [4]], F(), ['int8', []]])[0]).toEqual(['float32', [4]]);
    expect(infer('DequantizeLinear', [['uint8', [4]], ['float16', []]], { opset: 19 })[0]).toEqual(['float16', [4]]);
    expect(() => infer('DequantizeLinear', [['int8', [4]], F(), ['uint8', []]])).toThrow(/expected int8, got uint8/);
  });
  it('DynamicQuantizeLinear', () => {
    expect(infer('DynamicQuantizeLinear', [F(3, 4)], { outputs: 3 })).toEqual([['uint8', [3, 4]], ['float32', []], ['uint8', []]]);
  });
});

it('values flow: a chain of nodes gets concrete shapes in topological order even when listed backwards', () => {
  const g = makeGraph({
    inputs: { X: ['float32', ['N', 3, 8, 8]] },
    constants: { W: f32(new Array(4 * 3 * 9).fill(0), [4, 3, 3, 3]), shape: i64([0, -1]) },
    nodes: [
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['Y'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Conv', inputs: ['X', 'W'], outputs: ['c'], attrs: { pads: attr.ints([1, 1, 1, 1]) } },
    ],
    outputs: ['Y'],
  });
  inferTypes(g, new Map([['X', [2, 3, 8, 8]]]));
  expect(g.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'Reshape']);
  expect(g.types.get('c')).toEqual({ elemType: 'float32', shape: [2, 4, 8, 8] });
  expect(g.outputs[0]!.type).toEqual({ elemType: 'float32', shape: [2, 256] });
  expect(g.inputs[0]!.type.shape).toEqual([2, 3, 8, 8]);
});

it('bool tensors built with the tensor() helper are usable as constants', () => {
  expect(shapeOf('Where', [tensor('bool', [2], Uint8Array.of(1, 0)), F(2), F(1)])).toEqual([2]);
});

describe('broadcast helpers', () => {
  it('concrete, symbolic and unidirectional broadcasting; offsets for evaluators', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1], [])).toEqual([2, 3, 4]);
    expect(() => broadcastShapes([2], [3])).toThrow(/shapes \[2\], \[3\] are not broadcastable/);
    expect(broadcastDims(['N', 1, 4], [3, 1])).toEqual(['N', 3, 4]);
    expect(broadcastDims(['N', 4], ['M', 4])).toEqual([null, 4]);
    expect(broadcastDims([2], [3])).toBeNull();
    expect(isUnidirectionalBroadcastable([3, 1, 1], [1, 3, 4, 4])).toBe(true);
    expect(isUnidirectionalBroadcastable([1, 3, 4, 4], [3, 1, 1])).toBe(false);
    const [a, b] = broadcastOffsets([[2, 1], [3]], [2, 3]);
    expect(Array.from(a!)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(b!)).toEqual([0, 1, 2, 0, 1, 2]);
  });
});
