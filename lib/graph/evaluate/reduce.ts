/**
 * Evaluators of ReduceSum and ReduceProd (shape arithmetic: element counts, flattened sizes). Each
 * output element accumulates its inputs in row-major order, stored back after every step, so float32
 * sums round like a float32 accumulator and integers wrap at their width.
 */
import type { TensorData } from '../../onnx/model.js';
import { sizeOf, stridesOf } from '../broadcast.js';
import { reduceAxes } from '../shapes/reduce.js';
import { allocate, type AnyArray } from './data.js';
import type { Evaluator } from './types.js';

const REDUCIBLE = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];

function reduceEvaluator(product: boolean): Evaluator {
  return {
    dataInputs: () => [0],
    run(c, [out]) {
      const type = c.input(0).elemType;
      if (!REDUCIBLE.includes(type)) return undefined;
      const axes = reduceAxes(c);
      const src = c.value(0)!.data as AnyArray;
      if (axes === null) return [c.value(0)!.data];
      const dst = allocate(type, sizeOf(out!.shape)) as AnyArray;
      const big = type === 'int64' || type === 'uint64';
      const wrap = (v: bigint) => (type === 'uint64' ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v));
      for (let n = 0; n < dst.length; n++) dst[n] = big ? (product ? 1n : 0n) : product ? 1 : 0;
      // Output strides with the reduced dims zeroed: the output element an input element lands in.
      const input = c.shape(0);
      const kept = stridesOf(input.filter((_, i) => !axes.includes(i)));
      const strides: number[] = [];
      let k = 0;
      input.forEach((_, i) => strides.push(axes.includes(i) ? 0 : kept[k++]!));
      const index = new Array<number>(input.length).fill(0);
      let o = 0;
      for (let n = 0; n < src.length; n++) {
        const x = src[n]!;
        if (big) dst[o] = wrap(product ? (dst[o] as bigint) * (x as bigint) : (dst[o] as bigint) + (x as bigint));
        else if (product && (type === 'int32' || type === 'uint32')) dst[o] = Math.imul(dst[o] as number, x as number);
        else dst[o] = product ? (dst[o] as number) * (x as number) : (dst[o] as number) + (x as number);
        for (let d = input.length - 1; d >= 0; d--) {
          index[d]!++;
          o += strides[d]!;
          if (index[d]! < input[d]!) break;
          o -= strides[d]! * input[d]!;
          index[d] = 0;
        }
      }
      return [dst as TensorData];
    },
  };
}

export const reduceEvaluators: Record<string, Evaluator> = {
  ReduceSum: reduceEvaluator(false),
  ReduceProd: reduceEvaluator(true),
};
