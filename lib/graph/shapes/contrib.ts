/**
 * Shape rules of the com.microsoft quantized operators onnxruntime's quantizer writes in QOperator
 * models (and octet's QDQ fusion makes): QGemm, QLinearAdd, QLinearMul, QLinearGlobalAveragePool,
 * QLinearAveragePool, QLinearConcat, QLinearLeakyRelu, QLinearSigmoid, QLinearSoftmax; and octet's
 * QLinearLookup (a 256-entry table applied to each byte).
 */
import type { OnnxElemType } from '../../onnx/model.js';
import { formatShape, tryBroadcastShapes } from '../broadcast.js';
import { windowOutput, windowParams } from './conv.js';
import type { NodeContext, ShapeRule } from './context.js';

const BYTES: OnnxElemType[] = ['uint8', 'int8'];

/** The output type: the zero point's at `zi` when given, else the quantized input's. */
function quantizedOutputType(c: NodeContext, zi: number, xi: number): OnnxElemType {
  return c.has(zi) ? c.requireType(zi, BYTES, `${c.label(zi)} (output zero point)`) : c.requireType(xi, BYTES, `${c.label(xi)}`);
}

const qgemm: ShapeRule = (c) => {
  // A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale, y_zero_point
  c.requireType(0, BYTES, `${c.label(0)} (A)`);
  c.requireType(3, BYTES, `${c.label(3)} (B)`);
  const a = c.requireRank(0, 2, `${c.label(0)} (A)`);
  const b = c.requireRank(3, 2, `${c.label(3)} (B)`);
  const [m, ka] = c.int('transA', 0) ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = c.int('transB', 0) ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (ka !== kb) throw c.rangeError(`A ${formatShape(a)} and B ${formatShape(b)} do not agree on K: ${ka} vs ${kb}`);
  const elemType: OnnxElemType = c.has(7) ? (c.has(8) ? c.requireType(8, BYTES, `${c.label(8)} (y_zero_point)`) : 'uint8') : 'float32';
  return [{ elemType, shape: [m, n] }];
};

function binary(c: NodeContext): { elemType: OnnxElemType; shape: number[] }[] {
  // A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point
  const elemType = c.sameType(0, 3);
  if (!BYTES.includes(elemType)) throw c.typeError(`A and B must be uint8 or int8, got ${elemType}`);
  const shape = tryBroadcastShapes([c.shape(0), c.shape(3)]);
  if (!shape) throw c.rangeError(`A ${formatShape(c.shape(0))} and B ${formatShape(c.shape(3))} are not broadcastable`);
  return [{ elemType: quantizedOutputType(c, 7, 0), shape }];
}

const globalAveragePool: ShapeRule = (c) => {
  // X, x_scale, x_zero_point, y_scale, y_zero_point
  c.requireType(0, BYTES, `${c.label(0)} (X)`);
  const x = c.shape(0);
  if (x.length < 3) throw c.rangeError(`X must be [N, C, spatial...], got ${formatShape(x)}`);
  const shape = c.int('channels_last', 0) ? [x[0]!, ...x.slice(1, -1).map(() => 1), x[x.length - 1]!] : [x[0]!, x[1]!, ...x.slice(2).map(() => 1)];
  return [{ elemType: quantizedOutputType(c, 4, 0), shape }];
};

const averagePool: ShapeRule = (c) => {
  c.requireType(0, BYTES, `${c.label(0)} (X)`);
  const x = c.shape(0);
  if (x.length < 3) throw c.rangeError(`X must be [N, C, spatial...], got ${formatShape(x)}`);
  const last = c.int('channels_last', 0) !== 0;
  const spatial = last ? x.slice(1, -1) : x.slice(2);
  const out = windowOutput(c, spatial, windowParams(c, spatial.length)).output;
  return [{ elemType: quantizedOutputType(c, 4, 0), shape: last ? [x[0]!, ...out, x[x.length - 1]!] : [x[0]!, x[1]!, ...out] }];
};

const concat: ShapeRule = (c) => {
  // Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input
  const inputs = (c.node.inputs.length - 2) / 3;
  if (!Number.isInteger(inputs) || inputs < 1) throw c.rangeError(`expects Y_scale, Y_zero_point and triples (X, X_scale, X_zero_point), got ${c.node.inputs.length} inputs`);
  const first = c.shape(2);
  const axis = c.axis(c.int('axis', 0), first.length);
  const shape = [...first];
  for (let i = 1; i < inputs; i++) {
    const s = c.shape(2 + 3 * i);
    if (s.length !== first.length || s.some((d, k) => k !== axis && d !== first[k])) {
      throw c.rangeError(`input ${2 + 3 * i} ${formatShape(s)} does not match ${formatShape(first)} outside axis ${axis}`);
    }
    shape[axis]! += s[axis]!;
  }
  return [{ elemType: c.requireType(1, BYTES, `${c.label(1)} (Y_zero_point)`), shape }];
};

/** X, X_scale, X_zero_point, Y_scale, Y_zero_point → Y of X's shape. */
const unary: ShapeRule = (c) => {
  c.requireType(0, BYTES, `${c.label(0)} (X)`);
  return [{ elemType: quantizedOutputType(c, 4, 0), shape: [...c.shape(0)] }];
};

export const contribRules: Record<string, ShapeRule> = {
  QGemm: qgemm,
  QLinearAdd: binary,
  QLinearMul: binary,
  QLinearGlobalAveragePool: globalAveragePool,
  QLinearAveragePool: averagePool,
  QLinearConcat: concat,
  QLinearLeakyRelu: unary,
  QLinearSigmoid: unary,
  QLinearSoftmax: unary,
};

export const octetQuantizedRules: Record<string, ShapeRule> = {
  QLinearLookup: (c) => {
    c.requireType(0, BYTES, `${c.label(0)} (X)`);
    const table = c.shape(1);
    if (table.length !== 1 || table[0] !== 256) throw c.rangeError(`the table must be [256], got ${formatShape(table)}`);
    return [{ elemType: c.requireType(1, BYTES, `${c.label(1)} (table)`), shape: [...c.shape(0)] }];
  },
};
