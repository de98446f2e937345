/** Evaluators of operators that make tensors from shapes and scalars: Shape, Size, ConstantOfShape, Range. */
import type { TensorData } from '../../onnx/model.js';
import { sizeOf } from '../broadcast.js';
import { constantOfShapeValue, shapeRange } from '../shapes/tensor.js';
import { allocate, type AnyArray } from './data.js';
import type { Evaluator } from './types.js';

const shape: Evaluator = {
  // Only the input's (concrete) shape is read, never its data.
  dataInputs: () => [],
  run(c) {
    const [start, end] = shapeRange(c);
    return [BigInt64Array.from(c.shape(0).slice(start, end), (d) => BigInt(d))];
  },
};

const size: Evaluator = {
  dataInputs: () => [],
  run: (c) => [BigInt64Array.of(BigInt(sizeOf(c.shape(0))))],
};

const constantOfShape: Evaluator = {
  run(c, [out]) {
    const value = constantOfShapeValue(c);
    const dst = allocate(out!.elemType, sizeOf(out!.shape)) as AnyArray | undefined;
    if (!dst) return undefined;
    const v = (value.data as AnyArray)[0]!;
    for (let n = 0; n < dst.length; n++) dst[n] = v;
    return [dst as TensorData];
  },
};

/** Range: element i is start + i·delta (the spec's formula), rounded to the type once. */
const range: Evaluator = {
  run(c, [out]) {
    const type = out!.elemType;
    const dst = allocate(type, sizeOf(out!.shape)) as AnyArray | undefined;
    if (!dst) return undefined;
    const start = c.value(0)!.data[0]!;
    const delta = c.value(2)!.data[0]!;
    for (let i = 0; i < dst.length; i++) {
      if (typeof start === 'bigint') dst[i] = BigInt.asIntN(64, start + BigInt(i) * (delta as bigint));
      // float32: the product i·delta rounds to float32 first, as a float32 multiply would.
      else if (type === 'float32') dst[i] = (start as number) + Math.fround(i * (delta as number));
      else dst[i] = (start as number) + i * (delta as number);
    }
    return [dst as TensorData];
  },
};

export const generateEvaluators: Record<string, Evaluator> = {
  Shape: shape,
  Size: size,
  ConstantOfShape: constantOfShape,
  Range: range,
};
