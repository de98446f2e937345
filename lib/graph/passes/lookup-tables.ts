/**
 * 256-entry tables that replace "dequantize, apply f, quantize" on one byte tensor (the QLinearLookup
 * operator): entry b is what the float fallback computes for the input byte b. Dequantize and
 * quantize follow the ONNX definitions in float32 — x = (v - zx)·sx, q = saturate(round(y / sy) + zy),
 * round half to even — and f is evaluated in float64 on the float32 x, then rounded to float32 (the
 * float kernels are within a few ulp of that; a tie this close changes at most one table entry by one).
 */
import type { OnnxElemType } from '../../onnx/model.js';

export interface QuantParams {
  scale: number;
  zeroPoint: number;
  type: OnnxElemType;  // 'uint8' | 'int8'
}

const f32 = Math.fround;

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The value byte b holds (an int8 byte b >= 128 is b - 256). */
export function byteValue(b: number, type: OnnxElemType): number {
  return type === 'int8' && b >= 128 ? b - 256 : b;
}

export function quantize(y: number, p: QuantParams): number {
  const [lo, hi] = p.type === 'int8' ? [-128, 127] : [0, 255];
  if (Number.isNaN(y)) return Math.max(lo, Math.min(hi, p.zeroPoint));
  const q = roundHalfEven(f32(f32(y) / p.scale)) + p.zeroPoint;
  return Math.max(lo, Math.min(hi, q));
}

export function dequantize(v: number, p: QuantParams): number {
  return f32(f32(v - p.zeroPoint) * p.scale);
}

/** The table of y = f(x) from x's quantization to y's, as bytes of y's type. */
export function lookupTable(f: (x: number) => number, x: QuantParams, y: QuantParams): Uint8Array | Int8Array {
  const table = y.type === 'int8' ? new Int8Array(256) : new Uint8Array(256);
  for (let b = 0; b < 256; b++) table[b] = quantize(f32(f(dequantize(byteValue(b, x.type), x))), y);
  return table;
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for a table entry; integrate the series / continued
  // fraction instead, accurate to ~1e-15 over the whole range.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t, term = t;
    for (let n = 1; n < 80; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for larger |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  const erfc = Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
  return Math.sign(x) * (1 - erfc);
}

/**
 * f of a unary operator node given its attributes (and constant extra inputs, for Clip), or null when
 * the operator is not a pure function of one value.
 */
export function unaryFunction(opType: string, attr: (name: string, fallback: number) => number, clip?: { min: number; max: number }): ((x: number) => number) | null {
  switch (opType) {
    case 'Relu': return (x) => Math.max(x, 0);
    case 'Clip': return clip ? (x) => Math.min(Math.max(x, clip.min), clip.max) : null;
    case 'Sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'HardSigmoid': {
      const a = f32(attr('alpha', 0.2)), b = f32(attr('beta', 0.5));
      return (x) => Math.max(0, Math.min(1, a * x + b));
    }
    case 'HardSwish': return (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'Tanh': return Math.tanh;
    case 'Erf': return erf;
    case 'Gelu': return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'Exp': return Math.exp;
    case 'LeakyRelu': {
      const a = f32(attr('alpha', 0.01));
      return (x) => (x >= 0 ? x : a * x);
    }
    case 'Elu': {
      const a = f32(attr('alpha', 1));
      return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1));
    }
    case 'Softplus': return (x) => (x > 20 ? x : Math.log1p(Math.exp(x)));
    case 'Softsign': return (x) => x / (1 + Math.abs(x));
    case 'Neg': return (x) => -x;
    case 'Abs': return Math.abs;
    case 'Identity': return (x) => x;
    default: return null;
  }
}

/** The table of `then` applied after `first`: first's byte, read unsigned, indexes `then` (exact). */
export function composeTables(first: Uint8Array | Int8Array, then: Uint8Array | Int8Array): Uint8Array | Int8Array {
  const composed = then instanceof Int8Array ? new Int8Array(256) : new Uint8Array(256);
  for (let i = 0; i < 256; i++) composed[i] = then[first[i]! & 0xff]!;
  return composed;
}
