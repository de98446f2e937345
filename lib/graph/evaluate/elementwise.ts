/**
 * Evaluators of elementwise operators (arithmetic, comparisons, logic, Where, Cast) on int64/uint64
 * (exact BigInt, wrapping at 64 bits), the narrower integers (exact doubles, wrapping when stored),
 * float32/float64 (one double operation then one rounding on store, which is the correctly rounded
 * float32 result for + - * / and sqrt) and bool. Anything ONNX leaves undefined (integer division by
 * zero, float → int out of range) is not folded but left to native code.
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../float16.js';
import type { OnnxElemType, TensorData } from '../../onnx/model.js';
import { broadcastOffsets, sizeOf } from '../broadcast.js';
import type { NodeContext, TensorType } from '../shapes/context.js';
import { allocate, isBigIntType, type AnyArray } from './data.js';
import type { Evaluator } from './types.js';

type Num = number | bigint;
type Binary = (x: Num, y: Num) => Num | undefined;
type Unary = (x: Num) => Num | undefined;

const SMALL_INTS: readonly OnnxElemType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32'];
const FLOATS: readonly OnnxElemType[] = ['float32', 'float64'];

function category(type: OnnxElemType): 'big' | 'int' | 'float' | 'bool' | undefined {
  if (isBigIntType(type)) return 'big';
  if (SMALL_INTS.includes(type)) return 'int';
  if (FLOATS.includes(type)) return 'float';
  if (type === 'bool') return 'bool';
  return undefined;
}

function wrapBig(type: OnnxElemType, v: bigint): bigint {
  return type === 'uint64' ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
}

/** x · y for 32-bit ints (Math.imul keeps the low 32 bits exact; narrower products are exact doubles). */
function intMul(type: OnnxElemType, x: number, y: number): number {
  if (type === 'int32') return Math.imul(x, y);
  if (type === 'uint32') return Math.imul(x, y) >>> 0;
  return x * y;
}

function arithmetic(kind: string, type: OnnxElemType): Binary | undefined {
  const cat = category(type);
  if (cat === 'big') {
    switch (kind) {
      case 'Add': return (x, y) => wrapBig(type, (x as bigint) + (y as bigint));
      case 'Sub': return (x, y) => wrapBig(type, (x as bigint) - (y as bigint));
      case 'Mul': return (x, y) => wrapBig(type, (x as bigint) * (y as bigint));
      case 'Div': return (x, y) => ((y as bigint) === 0n ? undefined : wrapBig(type, (x as bigint) / (y as bigint)));
      case 'Max': return (x, y) => ((x as bigint) >= (y as bigint) ? x : y);
      case 'Min': return (x, y) => ((x as bigint) <= (y as bigint) ? x : y);
    }
    return undefined;
  }
  if (cat === 'int') {
    switch (kind) {
      case 'Add': return (x, y) => (x as number) + (y as number);
      case 'Sub': return (x, y) => (x as number) - (y as number);
      case 'Mul': return (x, y) => intMul(type, x as number, y as number);
      case 'Div': return (x, y) => ((y as number) === 0 ? undefined : Math.trunc((x as number) / (y as number)));
      case 'Max': return (x, y) => Math.max(x as number, y as number);
      case 'Min': return (x, y) => Math.min(x as number, y as number);
    }
    return undefined;
  }
  if (cat === 'float') {
    switch (kind) {
      case 'Add': return (x, y) => (x as number) + (y as number);
      case 'Sub': return (x, y) => (x as number) - (y as number);
      case 'Mul': return (x, y) => (x as number) * (y as number);
      case 'Div': return (x, y) => (x as number) / (y as number);
      // NaN propagates (Math.max/min do); ±0 order follows Math.max/min (+0 > -0).
      case 'Max': return (x, y) => Math.max(x as number, y as number);
      case 'Min': return (x, y) => Math.min(x as number, y as number);
    }
  }
  return undefined;
}

function comparison(kind: string, type: OnnxElemType): Binary | undefined {
  const cat = category(type);
  if (!cat) return undefined;
  if (cat === 'bool' && kind !== 'Equal') return undefined;
  switch (kind) {
    case 'Equal': return (x, y) => (x === y ? 1 : 0);
    case 'Less': return (x, y) => (x < y ? 1 : 0);
    case 'Greater': return (x, y) => (x > y ? 1 : 0);
    case 'LessOrEqual': return (x, y) => (x <= y ? 1 : 0);
    case 'GreaterOrEqual': return (x, y) => (x >= y ? 1 : 0);
  }
  return undefined;
}

function logical(kind: string): Binary | undefined {
  switch (kind) {
    case 'And': return (x, y) => ((x as number) & (y as number));
    case 'Or': return (x, y) => ((x as number) | (y as number));
    case 'Xor': return (x, y) => ((x as number) ^ (y as number));
  }
  return undefined;
}

/** Applies `op` over the broadcast of the given inputs (folding left for variadic operators). */
function broadcastFold(c: NodeContext, out: TensorType, positions: number[], op: Binary): TensorData | undefined {
  const dst = allocate(out.elemType, sizeOf(out.shape)) as AnyArray | undefined;
  if (!dst) return undefined;
  const offsets = broadcastOffsets(positions.map((i) => c.shape(i)), out.shape);
  const sources = positions.map((i) => c.value(i)!.data as AnyArray);
  for (let n = 0; n < dst.length; n++) {
    let acc = sources[0]![offsets[0]![n]!] as Num;
    for (let k = 1; k < sources.length; k++) {
      const r = op(acc, sources[k]![offsets[k]![n]!] as Num);
      if (r === undefined) return undefined;
      acc = r;
    }
    dst[n] = acc;
  }
  return dst as TensorData;
}

function given(c: NodeContext): number[] {
  return c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
}

function binaryEvaluator(make: (kind: string, type: OnnxElemType) => Binary | undefined): Evaluator {
  return {
    run(c, [out]) {
      const op = make(c.node.opType, c.input(0).elemType);
      if (!op) return undefined;
      const result = broadcastFold(c, out!, given(c), op);
      return result && [result];
    },
  };
}

function unaryEvaluator(make: (type: OnnxElemType) => Unary | undefined): Evaluator {
  return {
    run(c, [out]) {
      const op = make(c.input(0).elemType);
      const dst = allocate(out!.elemType, sizeOf(out!.shape)) as AnyArray | undefined;
      if (!op || !dst) return undefined;
      const src = c.value(0)!.data as AnyArray;
      for (let n = 0; n < dst.length; n++) {
        const r = op(src[n] as Num);
        if (r === undefined) return undefined;
        dst[n] = r;
      }
      return [dst as TensorData];
    },
  };
}

function numericUnary(forFloat: (x: number) => number, forInt: ((x: number) => number) | undefined, forBig: ((x: bigint) => bigint) | undefined) {
  return (type: OnnxElemType): Unary | undefined => {
    const cat = category(type);
    if (cat === 'float') return (x) => forFloat(x as number);
    if (cat === 'int' && forInt) return (x) => forInt(x as number);
    if (cat === 'big' && forBig) return (x) => wrapBig(type, forBig(x as bigint));
    return undefined;
  };
}

const where: Evaluator = {
  run(c, [out]) {
    const dst = allocate(out!.elemType, sizeOf(out!.shape)) as AnyArray | undefined;
    if (!dst) return undefined;
    const [oc, ox, oy] = broadcastOffsets([c.shape(0), c.shape(1), c.shape(2)], out!.shape);
    const cond = c.value(0)!.data as AnyArray;
    const x = c.value(1)!.data as AnyArray;
    const y = c.value(2)!.data as AnyArray;
    for (let n = 0; n < dst.length; n++) dst[n] = cond[oc![n]!] ? x[ox![n]!]! : y[oy![n]!]!;
    return [dst as TensorData];
  },
};

const INT_RANGES: Partial<Record<OnnxElemType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
};

/** Converts one value between numeric types like a C++ static_cast; undefined where that is undefined. */
function castValue(v: Num, from: OnnxElemType, to: OnnxElemType): Num | undefined {
  // Widen the source to a number (exact for everything but huge 64-bit ints) or keep the BigInt.
  let x: Num = from === 'float16' ? float16BitsToFloat32(v as number) : v;
  if (to === 'bool') return typeof x === 'bigint' ? (x !== 0n ? 1 : 0) : x !== 0 ? 1 : 0;
  if (from === 'bool') x = typeof x === 'bigint' ? x : x ? 1 : 0;
  if (to === 'int64' || to === 'uint64') {
    if (typeof x === 'bigint') return wrapBig(to, x);
    if (!Number.isFinite(x)) return undefined;
    const t = Math.trunc(x);
    if (to === 'uint64' ? t < 0 || t >= 2 ** 64 : t < -(2 ** 63) || t >= 2 ** 63) return undefined;
    return BigInt(t);
  }
  const range = INT_RANGES[to];
  if (range) {
    if (typeof x === 'bigint') return Number(BigInt.asIntN(64, x) & 0xffffffffn) | 0; // stored: wraps to the width
    if (category(from) === 'float' || from === 'float16') {
      if (!Number.isFinite(x)) return undefined;
      const t = Math.trunc(x);
      if (t < range[0] || t > range[1]) return undefined;
      return t;
    }
    return x; // integer narrowing wraps when stored, like a C++ conversion
  }
  // Float targets: an int beyond 2^53 would round twice through a double.
  const asNumber = typeof x === 'bigint' ? (x >= -(2n ** 53n) && x <= 2n ** 53n ? Number(x) : undefined) : x;
  if (asNumber === undefined) return undefined;
  // The double is exact here, so storing it into a Float32Array is the one correct rounding.
  if (to === 'float32' || to === 'float64') return asNumber;
  if (to === 'float16') {
    // Via float32: exact for float32/float16 sources and for ints up to 2^24; others would round twice.
    if (from === 'float64' || (category(from) !== 'float' && from !== 'float16' && Math.abs(asNumber) > 2 ** 24)) return undefined;
    return float32ToFloat16Bits(Math.fround(asNumber));
  }
  return undefined;
}

const CASTABLE: readonly OnnxElemType[] = [
  'float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
];

const cast: Evaluator = {
  dataInputs: () => [0],
  run(c, [out]) {
    const from = c.input(0).elemType;
    const to = out!.elemType;
    if (!CASTABLE.includes(from) || !CASTABLE.includes(to)) return undefined;
    const src = c.value(0)!.data as AnyArray;
    const dst = allocate(to, src.length) as AnyArray;
    for (let n = 0; n < src.length; n++) {
      const r = castValue(src[n] as Num, from, to);
      if (r === undefined) return undefined;
      dst[n] = r;
    }
    return [dst as TensorData];
  },
};

const arithmeticEvaluator = binaryEvaluator(arithmetic);
const comparisonEvaluator = binaryEvaluator(comparison);
const logicalEvaluator = binaryEvaluator((kind, type) => (type === 'bool' ? logical(kind) : undefined));

export const elementwiseEvaluators: Record<string, Evaluator> = {
  Add: arithmeticEvaluator,
  Sub: arithmeticEvaluator,
  Mul: arithmeticEvaluator,
  Div: arithmeticEvaluator,
  Max: arithmeticEvaluator,
  Min: arithmeticEvaluator,
  Equal: comparisonEvaluator,
  Less: comparisonEvaluator,
  Greater: comparisonEvaluator,
  LessOrEqual: comparisonEvaluator,
  GreaterOrEqual: comparisonEvaluator,
  And: logicalEvaluator,
  Or: logicalEvaluator,
  Xor: logicalEvaluator,
  Not: unaryEvaluator((type) => (type === 'bool' ? (x) => ((x as number) ? 0 : 1) : undefined)),
  Neg: unaryEvaluator(numericUnary((x) => -x, (x) => -x, (x) => -x)),
  Abs: unaryEvaluator(numericUnary(Math.abs, Math.abs, (x) => (x < 0n ? -x : x))),
  Floor: unaryEvaluator(numericUnary(Math.floor, undefined, undefined)),
  Ceil: unaryEvaluator(numericUnary(Math.ceil, undefined, undefined)),
  Sqrt: unaryEvaluator(numericUnary(Math.sqrt, undefined, undefined)),
  Where: where,
  Cast: cast,
  CastLike: cast,
};
