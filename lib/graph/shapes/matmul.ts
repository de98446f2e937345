/** Shape rules of matrix products: Gemm, MatMul (numpy semantics), MatMulInteger, QLinearMatMul. */
import { formatShape, isUnidirectionalBroadcastable, tryBroadcastShapes } from '../broadcast.js';
import type { NodeContext, ShapeRule } from './context.js';

/**
 * numpy.matmul's result shape: a 1-D A is a row [1,K] and a 1-D B a column [K,1], the added dim
 * removed afterwards; leading (batch) dims broadcast.
 */
export function matmulShape(c: NodeContext, ai: number, bi: number): number[] {
  const a = c.shape(ai);
  const b = c.shape(bi);
  if (a.length === 0 || b.length === 0) throw c.rangeError(`MatMul operands must have rank >= 1, got A ${formatShape(a)} and B ${formatShape(b)}`);
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k = a2[a2.length - 1]!;
  if (b2[b2.length - 2] !== k) {
    throw c.rangeError(`A ${formatShape(a)} and B ${formatShape(b)} do not agree on K: ${k} vs ${b2[b2.length - 2]}`);
  }
  const batch = tryBroadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) throw c.rangeError(`batch dims of A ${formatShape(a)} and B ${formatShape(b)} are not broadcastable`);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

const matmul: ShapeRule = (c) => [{ elemType: c.sameType(0, 1), shape: matmulShape(c, 0, 1) }];

const gemm: ShapeRule = (c) => {
  const elemType = c.sameType(0, 1, 2);
  const a = c.requireRank(0, 2, `${c.label(0)} (A)`);
  const b = c.requireRank(1, 2, `${c.label(1)} (B)`);
  const [m, ka] = c.int('transA', 0) ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = c.int('transB', 0) ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (ka !== kb) {
    throw c.rangeError(`A ${formatShape(a)} (transA ${c.int('transA', 0)}) and B ${formatShape(b)} (transB ${c.int('transB', 0)}) do not agree on K: ${ka} vs ${kb}`);
  }
  if (c.has(2)) {
    const cShape = c.shape(2);
    if (!isUnidirectionalBroadcastable(cShape, [m, n])) {
      throw c.rangeError(`C shape ${formatShape(cShape)} does not broadcast to [${m},${n}]`);
    }
  } else if (c.opset < 11) {
    throw c.typeError('input 2 (C) is required before opset 11');
  }
  return [{ elemType, shape: [m, n] }];
};

const matmulInteger: ShapeRule = (c) => {
  // A, B, a_zero_point, b_zero_point
  c.sameType(0, 2);
  c.sameType(1, 3);
  return [{ elemType: 'int32', shape: matmulShape(c, 0, 1) }];
};

const qlinearMatmul: ShapeRule = (c) => {
  // a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point
  c.sameType(0, 2);
  c.sameType(3, 5);
  c.sameType(1, 4, 6);
  return [{ elemType: c.input(7).elemType, shape: matmulShape(c, 0, 3) }];
};

export const matmulRules: Record<string, ShapeRule> = {
  MatMul: matmul,
  Gemm: gemm,
  MatMulInteger: matmulInteger,
  QLinearMatMul: qlinearMatmul,
};
