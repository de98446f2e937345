/** Shape rules of elementwise operators: unary, binary/variadic with broadcasting, Where, Cast. */
import { elemTypeName } from '../../onnx/tensor-proto.js';
import { formatShape, isUnidirectionalBroadcastable, tryBroadcastShapes } from '../broadcast.js';
import type { NodeContext, ShapeRule } from './context.js';

const same: ShapeRule = (c) => [{ ...c.input(0) }];

function broadcastInputs(c: NodeContext, positions: number[]): number[] {
  const shapes = positions.map((i) => c.shape(i));
  const out = tryBroadcastShapes(shapes);
  if (!out) {
    const list = positions.map((i) => `${c.label(i)} ${formatShape(c.shape(i))}`).join(', ');
    throw c.rangeError(`shapes are not broadcastable: ${list}`);
  }
  return out;
}

/** Arithmetic on two operands of one element type. */
const arithmetic: ShapeRule = (c) => [{ elemType: c.sameType(0, 1), shape: broadcastInputs(c, [0, 1]) }];

const comparison: ShapeRule = (c) => {
  c.sameType(0, 1);
  return [{ elemType: 'bool', shape: broadcastInputs(c, [0, 1]) }];
};

const logical: ShapeRule = (c) => {
  c.requireType(0, ['bool']);
  c.requireType(1, ['bool']);
  return [{ elemType: 'bool', shape: broadcastInputs(c, [0, 1]) }];
};

const variadic: ShapeRule = (c) => {
  const positions = c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
  if (positions.length === 0) throw c.typeError('needs at least one input');
  return [{ elemType: c.sameType(positions[0]!, ...positions.slice(1)), shape: broadcastInputs(c, positions) }];
};

const boolResult: ShapeRule = (c) => [{ elemType: 'bool', shape: [...c.shape(0)] }];

const clip: ShapeRule = (c) => {
  // Opset 11+: optional scalar min/max inputs of the input's type.
  c.sameType(0, 1, 2);
  for (const i of [1, 2]) {
    if (c.has(i) && c.shape(i).length > 1) throw c.rangeError(`${c.label(i)} must be a scalar, got shape ${formatShape(c.shape(i))}`);
  }
  return same(c);
};

const prelu: ShapeRule = (c) => {
  const x = c.input(0);
  c.sameType(0, 1);
  const slope = c.shape(1);
  if (!isUnidirectionalBroadcastable(slope, x.shape)) {
    throw c.rangeError(`slope shape ${formatShape(slope)} does not broadcast to X shape ${formatShape(x.shape)}`);
  }
  return [{ ...x, shape: [...x.shape] }];
};

const pow: ShapeRule = (c) => [{ elemType: c.input(0).elemType, shape: broadcastInputs(c, [0, 1]) }];

const where: ShapeRule = (c) => {
  c.requireType(0, ['bool'], `${c.label(0)} (condition)`);
  return [{ elemType: c.sameType(1, 2), shape: broadcastInputs(c, [0, 1, 2]) }];
};

const cast: ShapeRule = (c) => {
  const to = c.int('to');
  if (to === undefined) throw c.typeError("attribute 'to' is required");
  let elemType;
  try {
    elemType = elemTypeName(to, `attribute 'to'`);
  } catch (e) {
    throw c.typeError((e as Error).message);
  }
  if (elemType === 'undefined') throw c.typeError("attribute 'to' must name a data type, got 0 (UNDEFINED)");
  return [{ elemType, shape: [...c.shape(0)] }];
};

const castLike: ShapeRule = (c) => [{ elemType: c.input(1).elemType, shape: [...c.shape(0)] }];

const not: ShapeRule = (c) => {
  c.requireType(0, ['bool']);
  return same(c);
};

const unaryNames = [
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu',
  'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Softplus', 'Softsign',
  'Sin', 'Cos', 'Mish', 'ThresholdedRelu', 'Shrink', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh',
  'Acosh', 'Atanh',
];

export const elementwiseRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(unaryNames.map((n) => [n, same])),
  Not: not,
  IsNaN: boolResult,
  IsInf: boolResult,
  Clip: clip,
  Add: arithmetic, Sub: arithmetic, Mul: arithmetic, Div: arithmetic, Mod: arithmetic, BitShift: arithmetic,
  Pow: pow,
  PRelu: prelu,
  Equal: comparison, Less: comparison, Greater: comparison, LessOrEqual: comparison, GreaterOrEqual: comparison,
  And: logical, Or: logical, Xor: logical,
  Max: variadic, Min: variadic, Sum: variadic, Mean: variadic,
  Where: where,
  Cast: cast,
  CastLike: castLike,
};
