/**
 * Shape rules of reductions. Reduce* take `axes` as an attribute until opset 12 (ReduceSum) / 17 (the
 * others) and as input 1 afterwards, where an empty or omitted list means "all axes" unless
 * noop_with_empty_axes=1 (then the input passes through unchanged).
 */
import type { NodeContext, ShapeRule } from './context.js';

/** True when `axes` is input 1 for this node's opset. */
export function axesIsInput(c: NodeContext): boolean {
  return c.node.opType === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
}

/** The reduced axes (normalized, sorted), or null when the node is an identity (noop_with_empty_axes). */
export function reduceAxes(c: NodeContext): number[] | null {
  const rank = c.shape(0).length;
  if (axesIsInput(c) && c.has(1)) c.requireType(1, ['int64'], `${c.label(1)} (axes)`);
  const axes = axesIsInput(c) ? (c.has(1) ? c.intParam(1, 'axes') : undefined) : c.ints('axes');
  if (axes === undefined || axes.length === 0) {
    if (axesIsInput(c) && c.int('noop_with_empty_axes', 0) === 1) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return c.axes(axes, rank).sort((a, b) => a - b);
}

/** Output shape of a reduction over `axes` (null: identity). */
export function reducedShape(shape: readonly number[], axes: readonly number[] | null, keepdims: boolean): number[] {
  if (axes === null) return [...shape];
  const set = new Set(axes);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

const reduce: ShapeRule = (c) => {
  const x = c.input(0);
  const keepdims = c.int('keepdims', 1) !== 0;
  return [{ elemType: x.elemType, shape: reducedShape(x.shape, reduceAxes(c), keepdims) }];
};

const argReduce: ShapeRule = (c) => {
  const x = c.shape(0);
  const axis = c.axis(c.int('axis', 0), Math.max(x.length, 1));
  const keepdims = c.int('keepdims', 1) !== 0;
  return [{ elemType: 'int64', shape: reducedShape(x, [axis], keepdims) }];
};

export const reduceRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(
    ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'].map(
      (n) => [n, reduce],
    ),
  ),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
