/**
 * Bad inputs: every validation rule of the TypeScript layer throws the right class with a message
 * naming the operator and the argument; and the native addon re-validates on its own (called
 * directly with a short buffer, a wrong K, an out-of-range zero point...) — an error, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { binding, type IsaName, type NativeQGemmArgs } from '../../lib/binding.js';
import { Tensor, ops, setNumThreads } from '../../lib/index.js';

const u8 = (dims: number[], fill = 0) => new Tensor('uint8', new Uint8Array(dims.reduce((p, d) => p * d, 1)).fill(fill), dims);
const i8 = (dims: number[], fill = 0) => new Tensor('int8', new Int8Array(dims.reduce((p, d) => p * d, 1)).fill(fill), dims);
const f32 = (dims: number[], fill = 1) => new Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(fill), dims);
const zpU8 = (v: number) => new Tensor('uint8', Uint8Array.of(v), []);

function expectError(fn: () => unknown, cls: typeof TypeError | typeof RangeError | typeof Error, ...patterns: (string | RegExp)[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a throw').toBeInstanceOf(cls);
  if (cls === Error) expect((error as Error).constructor).toBe(Error);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}

describe('quantizeLinear validation', () => {
  const x = f32([2, 3]);
  it('x must be a float32/float16 Tensor', () => {
    expectError(() => ops.quantizeLinear(u8([2]) as never, 1), TypeError, /^quantizeLinear: x must be a float32 or float16 Tensor, got a uint8 Tensor/);
    expectError(() => ops.quantizeLinear(new Float32Array(3) as never, 1), TypeError, /quantizeLinear: x .*Float32Array/);
  });
  it('y_scale must be a positive finite float32', () => {
    for (const bad of [0, -1, NaN, Infinity, -Infinity, 1e-50, 1e39]) expectError(() => ops.quantizeLinear(x, bad), RangeError, /quantizeLinear: y_scale must be a positive finite float32 scalar, got/);
    expectError(() => ops.quantizeLinear(x, f32([], -2)), RangeError, /y_scale .* got -2/);
    expectError(() => ops.quantizeLinear(x, u8([]) as never), TypeError, /y_scale/);
    expectError(() => ops.quantizeLinear(x, f32([2, 3])), RangeError, /y_scale must be a scalar or a 1-D tensor of 3 values.*got dims \[2,3\]/);
    expectError(() => ops.quantizeLinear(x, new Tensor('float32', Float32Array.of(1, 0, 1), [3])), RangeError, /y_scale\[1\] must be a positive finite float32/);
  });
  it('per-axis scale length must match dims[axis]; axis must be in range', () => {
    expectError(() => ops.quantizeLinear(x, f32([2])), RangeError, /y_scale .*3 values.*x\.dims\[1\]/);
    expectError(() => ops.quantizeLinear(x, f32([3]), null, { axis: 0 }), RangeError, /y_scale .*2 values/);
    expectError(() => ops.quantizeLinear(x, f32([3]), null, { axis: 2 }), RangeError, /attrs\.axis must be in \[-2, 1\].*got 2/);
    expectError(() => ops.quantizeLinear(x, f32([3]), null, { axis: -3 }), RangeError, /attrs\.axis/);
    expectError(() => ops.quantizeLinear(x, f32([3]), null, { axis: 0.5 }), TypeError, /attrs\.axis must be an integer/);
    expectError(() => ops.quantizeLinear(x, 1, null, { axis: 'x' as never }), TypeError, /attrs\.axis/);
    expectError(() => ops.quantizeLinear(f32([]), f32([2])), RangeError, /y_scale is 1-D \(per axis\) but x is a scalar/);
  });
  it('y_zero_point: type, range and shape', () => {
    expectError(() => ops.quantizeLinear(x, 1, new Tensor('int32', Int32Array.of(0), []) as never), TypeError, /y_zero_point must be a uint8 or int8 Tensor, got an int32 Tensor/);
    expectError(() => ops.quantizeLinear(x, 1, 256), RangeError, /y_zero_point must be an integer in the uint8 range \[0, 255\], got 256/);
    expectError(() => ops.quantizeLinear(x, 1, -1), RangeError, /y_zero_point/);
    expectError(() => ops.quantizeLinear(x, 1, 1.5), RangeError, /y_zero_point/);
    expectError(() => ops.quantizeLinear(x, 1, u8([3])), RangeError, /y_zero_point must be a scalar/);
    expectError(() => ops.quantizeLinear(x, f32([3]), u8([2])), RangeError, /y_zero_point must be a scalar or a 1-D tensor of 3 values/);
  });
  it('attrs', () => {
    for (const bad of [0, -1, 1.5, 1025, NaN]) expectError(() => ops.quantizeLinear(x, 1, null, { intraOpNumThreads: bad }), RangeError, /quantizeLinear: attrs\.intraOpNumThreads must be a positive integer/);
    expectError(() => ops.quantizeLinear(x, 1, null, { intraOpNumThreads: '2' as never }), TypeError, /intraOpNumThreads/);
    expectError(() => ops.quantizeLinear(x, 1, null, 5 as never), TypeError, /quantizeLinear: attrs must be an object/);
  });
});

describe('dequantizeLinear validation', () => {
  it('x must be uint8, int8 or int32', () => {
    expectError(() => ops.dequantizeLinear(f32([2]) as never, 1), TypeError, /^dequantizeLinear: x must be a uint8, int8 or int32 Tensor, got a float32 Tensor/);
  });
  it('x_zero_point must have x\'s type and range; int32 takes only 0', () => {
    expectError(() => ops.dequantizeLinear(u8([2]), 1, i8([])), TypeError, /x_zero_point must be a uint8 Tensor like x, got an int8 Tensor/);
    expectError(() => ops.dequantizeLinear(i8([2]), 1, 128), RangeError, /x_zero_point must be an integer in the int8 range \[-128, 127\], got 128/);
    expectError(() => ops.dequantizeLinear(new Tensor('int32', new Int32Array(2), [2]), 1, new Tensor('int32', Int32Array.of(5), [])), RangeError, /x_zero_point must be 0 for an int32 x, got 5/);
    expectError(() => ops.dequantizeLinear(new Tensor('int32', new Int32Array(2), [2]), 1, 3), RangeError, /x_zero_point must be 0/);
  });
  it('x_scale must be positive finite; per-axis length must match', () => {
    expectError(() => ops.dequantizeLinear(u8([2]), 0), RangeError, /dequantizeLinear: x_scale must be a positive finite float32 scalar, got 0/);
    expectError(() => ops.dequantizeLinear(u8([2, 4]), f32([3])), RangeError, /x_scale must be a scalar or a 1-D tensor of 4 values/);
    expectError(() => ops.dequantizeLinear(u8([2, 4]), f32([2]), u8([2]), { axis: 0, intraOpNumThreads: 0 }), RangeError, /intraOpNumThreads/);
  });
});

describe('dynamicQuantizeLinear validation', () => {
  it('x must be float32', () => {
    expectError(() => ops.dynamicQuantizeLinear(u8([2]) as never), TypeError, /^dynamicQuantizeLinear: x must be a float32 Tensor, got a uint8 Tensor/);
    expectError(() => ops.dynamicQuantizeLinear(new Tensor('float16', new Uint16Array(2), [2]) as never), TypeError, /x must be a float32 Tensor/);
    expectError(() => ops.dynamicQuantizeLinear(undefined as never), TypeError, /got undefined/);
  });
});

describe('matmulInteger validation', () => {
  it('operand types', () => {
    expectError(() => ops.matmulInteger(f32([2, 2]) as never, u8([2, 2])), TypeError, /^matmulInteger: a must be a uint8 or int8 Tensor, got a float32 Tensor with dims \[2,2\]/);
    expectError(() => ops.matmulInteger(u8([2, 2]), new Tensor('int32', new Int32Array(4), [2, 2]) as never), TypeError, /matmulInteger: b must be a uint8 or int8 Tensor or a PackedWeights/);
    expectError(() => ops.matmulInteger(u8([2, 2]), null as never), TypeError, /b must be/);
  });
  it('shapes: K mismatch names both shapes; batch dims must broadcast; rank ≥ 1', () => {
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([4, 5])), RangeError, /matmulInteger: a \[2,3\] and b \[4,5\] have different K \(3 vs 4\)/);
    expectError(() => ops.matmulInteger(u8([2, 2, 3]), i8([3, 3, 5])), RangeError, /batch dims of a \[2,2,3\] and b \[3,3,5\] do not broadcast/);
    expectError(() => ops.matmulInteger(u8([]), i8([1, 5])), RangeError, /rank ≥ 1/);
    expectError(() => ops.matmulInteger(u8([3]), i8([4])), RangeError, /different K/);
  });
  it('zero points: type, range, per-row / per-column lengths', () => {
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), i8([])), TypeError, /a_zero_point must be a uint8 Tensor like a, got an int8 Tensor/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 0, u8([])), TypeError, /b_zero_point must be an int8 Tensor like b/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 300), RangeError, /a_zero_point must be an integer in the uint8 range \[0, 255\], got 300/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 0, -129), RangeError, /b_zero_point must be an integer in the int8 range/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), u8([3])), RangeError, /a_zero_point must be a scalar or a 1-D tensor of 2 values \(M, per row/);
    expectError(() => ops.matmulInteger(u8([2, 2, 3]), i8([3, 4]), u8([2])), RangeError, /a_zero_point must be a scalar for a \[2,2,3\] \(per-row zero points need a 2-D a\)/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 0, i8([3])), RangeError, /b_zero_point must be a scalar or a 1-D tensor of 4 values \(N, per column\)/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 0, i8([2, 2])), RangeError, /b_zero_point/);
    expectError(() => ops.matmulInteger(u8([2, 3]), i8([3, 4]), 0, 0, { intraOpNumThreads: -2 }), RangeError, /matmulInteger: attrs.intraOpNumThreads/);
  });
});

describe('qlinearMatMul validation', () => {
  const a = u8([2, 3]);
  const b = i8([3, 4]);
  const y0 = zpU8(0);
  it('scales', () => {
    expectError(() => ops.qlinearMatMul(a, -1, 0, b, 1, 0, 1, y0), RangeError, 'qlinearMatMul: a_scale must be a positive finite float32 scalar, got -1');
    expectError(() => ops.qlinearMatMul(a, f32([2]), 0, b, 1, 0, 1, y0), RangeError, /a_scale must be a scalar \(dims \[\] or \[1\]\), got dims \[2\]/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, f32([3]), 0, 1, y0), RangeError, /b_scale must be a scalar or a 1-D tensor of 4 values \(N, per column\), got dims \[3\]/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, new Tensor('float32', Float32Array.of(1, 1, NaN, 1), [4]), 0, 1, y0), RangeError, /b_scale\[2\] must be a positive finite float32 value, got NaN/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, Infinity, y0), RangeError, /y_scale must be a positive finite float32 scalar, got Infinity/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, '1' as never, y0), TypeError, /y_scale must be a number or a float32 or float16 Tensor/);
  });
  it('zero points', () => {
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, undefined as never), TypeError, /y_zero_point/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, new Tensor('int32', Int32Array.of(0), []) as never), TypeError, /y_zero_point must be a uint8 or int8 Tensor/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, u8([2])), RangeError, /y_zero_point must be a scalar/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, 256), RangeError, /y_zero_point must be an integer in the uint8 range/);
    expectError(() => ops.qlinearMatMul(a, 1, i8([]), b, 1, 0, 1, y0), TypeError, /a_zero_point must be a uint8 Tensor like a/);
  });
  it('activation', () => {
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, y0, { activation: 'gelu' as never }), TypeError, /attrs.activation must be 'relu', 'relu6' or \{ min, max \}, got "gelu"/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, y0, { activation: { min: 2, max: 1 } }), RangeError, /attrs.activation needs min ≤ max/);
    expectError(() => ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, y0, { activation: { min: NaN, max: 1 } }), TypeError, /attrs.activation bounds/);
  });
  it('shapes', () => {
    expectError(() => ops.qlinearMatMul(a, 1, 0, i8([4, 4]), 1, 0, 1, y0), RangeError, /qlinearMatMul: a \[2,3\] and b \[4,4\] have different K/);
  });
});

describe('prepackWeights / PackedWeights validation', () => {
  it('b must be a 2-D uint8/int8 tensor with K, N ≥ 1', () => {
    expectError(() => ops.prepackWeights(f32([2, 2]) as never), TypeError, /^prepackWeights: b must be a uint8 or int8 Tensor/);
    expectError(() => ops.prepackWeights(i8([2, 2, 2])), RangeError, /prepackWeights: b must be 2-D \[K,N\], got dims \[2,2,2\]/);
    expectError(() => ops.prepackWeights(i8([0, 3])), RangeError, /K ≥ 1 and N ≥ 1/);
    expectError(() => ops.prepackWeights(i8([3, 2]), u8([])), TypeError, /b_zero_point must be an int8 Tensor like b/);
    expectError(() => ops.prepackWeights(i8([3, 2]), i8([3])), RangeError, /b_zero_point must be a scalar or a 1-D tensor of 2 values/);
    expectError(() => ops.prepackWeights(u8([3, 2]), -1), RangeError, /b_zero_point/);
  });
  it('a later b_zero_point must match the packed one', () => {
    const packed = ops.prepackWeights(i8([3, 2]), new Tensor('int8', Int8Array.of(1, 2), [2]));
    try {
      expect(() => ops.matmulInteger(u8([1, 3]), packed, 0, new Tensor('int8', Int8Array.of(1, 2), [2]))).not.toThrow();
      expectError(() => ops.matmulInteger(u8([1, 3]), packed, 0, new Tensor('int8', Int8Array.of(1, 3), [2])), RangeError, /matmulInteger: b_zero_point\[1\] is 3 but b was packed with zero point 2/);
      expectError(() => ops.matmulInteger(u8([1, 3]), packed, 0, 1), RangeError, /b_zero_point is 1 but b was packed with zero point 2 at column 1/);
      expectError(() => ops.matmulInteger(u8([1, 3]), packed, 0, u8([])), TypeError, /b_zero_point must be an int8 Tensor like the packed b/);
      expectError(() => ops.matmulInteger(u8([1, 4]), packed), RangeError, /a \[1,4\] and packed b \[3,2\] have different K/);
      expectError(() => ops.qlinearMatMul(u8([1, 3]), 1, 0, packed, f32([3]), null, 1, 0), RangeError, /b_scale must be a scalar or a 1-D tensor of 2 values/);
    } finally {
      packed.release();
    }
  });
  it('released weights throw on use', () => {
    const packed = ops.prepackWeights(i8([3, 2]));
    packed.release();
    packed.release(); // idempotent
    expectError(() => ops.matmulInteger(u8([1, 3]), packed), Error, /matmulInteger: b is a PackedWeights that has been released/);
  });
});

describe('runtime validation', () => {
  it('setNumThreads needs a positive integer', () => {
    expectError(() => setNumThreads(0), RangeError, /setNumThreads: threads must be a positive integer/);
    expectError(() => setNumThreads(2.5), RangeError, /setNumThreads/);
    expectError(() => setNumThreads('2' as never), TypeError, /setNumThreads/);
    expectError(() => setNumThreads(undefined as never), TypeError, /setNumThreads/);
  });
});

describe('the native addon re-validates its arguments (called directly)', () => {
  const a = new Uint8Array(6);
  const zp0 = Int32Array.of(0);
  function withPacked(fn: (p: ReturnType<typeof binding.packWeights>) => void): void {
    const packed = binding.packWeights(new Int8Array(3 * 4), 3, 4, zp0);
    try {
      fn(packed);
    } finally {
      packed.release();
    }
  }

  it('qgemm: too-short a, wrong K, out of the wrong length or type, zero point out of range', () => {
    withPacked((b) => {
      expect(() => binding.qgemm({ a: new Uint8Array(5), M: 2, K: 3, aZeroPoint: zp0, b, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a, M: 2, K: 4, aZeroPoint: zp0, b, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b, output: 'int32', out: new Int32Array(7) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b, output: 'int32', out: new Float32Array(8) })).toThrow(TypeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: Int32Array.of(256), b, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a: new Int8Array(6), M: 2, K: 3, aZeroPoint: Int32Array.of(128), b, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: Int32Array.of(0, 0, 0), b, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
      expect(() => binding.qgemm({ a: new Float32Array(6) as never, M: 2, K: 3, aZeroPoint: zp0, b, output: 'int32', out: new Int32Array(8) })).toThrow(TypeError);
      const requant = { a, M: 2, K: 3, aZeroPoint: zp0, b, output: 'uint8' as const, out: new Uint8Array(8), aScale: Float32Array.of(1), bScale: Float32Array.of(1), yScale: Float32Array.of(1) };
      expect(() => binding.qgemm({ ...requant, yZeroPoint: 256 })).toThrow(RangeError);
      expect(() => binding.qgemm({ ...requant, yZeroPoint: 0, qmin: 10, qmax: 5 })).toThrow(RangeError);
      expect(() => binding.qgemm({ ...requant, yZeroPoint: 0, aScale: Float32Array.of(-1) })).toThrow(RangeError);
      expect(() => binding.qgemm({ ...requant, yZeroPoint: 0, bScale: Float32Array.of(1, 1) })).toThrow(RangeError);
      expect(() => binding.qgemm({ ...requant, yZeroPoint: 0, threads: 0 })).toThrow(RangeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b: {} as never, output: 'int32', out: new Int32Array(8) })).toThrow(TypeError);
      expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b, output: 'int16' as never, out: new Int32Array(8) })).toThrow(RangeError);
    });
  });

  it('packWeights / qgemmReference: short b, zero point out of range or wrong length', () => {
    expect(() => binding.packWeights(new Int8Array(11), 3, 4, zp0)).toThrow(RangeError);
    expect(() => binding.packWeights(new Int8Array(12), 3, 4, Int32Array.of(128))).toThrow(RangeError);
    expect(() => binding.packWeights(new Uint8Array(12), 3, 4, Int32Array.of(-1))).toThrow(RangeError);
    expect(() => binding.packWeights(new Int8Array(12), 3, 4, Int32Array.of(0, 0))).toThrow(RangeError);
    expect(() => binding.packWeights(new Float32Array(12) as never, 3, 4, zp0)).toThrow(TypeError);
    expect(() => binding.qgemmReference({ a, M: 2, K: 3, aZeroPoint: zp0, b: new Int8Array(11), N: 4, bZeroPoint: zp0, output: 'int32', out: new Int32Array(8) })).toThrow(RangeError);
  });

  it('quantizeLinear / dequantizeLinear / dynamicQuantizeLinear: lengths, scales, zero points', () => {
    const x = new Float32Array(6);
    expect(() => binding.quantizeLinear(x, Float32Array.of(1), zp0, 1, 1, 6, new Uint8Array(5))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(x, Float32Array.of(1), zp0, 1, 1, 5, new Uint8Array(6))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(x, Float32Array.of(0), zp0, 1, 1, 6, new Uint8Array(6))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(x, Float32Array.of(NaN), zp0, 1, 1, 6, new Uint8Array(6))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(x, Float32Array.of(1), Int32Array.of(300), 1, 1, 6, new Uint8Array(6))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(x, Float32Array.of(1, 1), Int32Array.of(0, 0), 1, 3, 2, new Uint8Array(6))).toThrow(RangeError);
    expect(() => binding.quantizeLinear(new Float64Array(6) as never, Float32Array.of(1), zp0, 1, 1, 6, new Uint8Array(6))).toThrow(TypeError);
    expect(() => binding.dequantizeLinear(new Int32Array(6), Float32Array.of(1), Int32Array.of(1), 1, 1, 6, new Float32Array(6))).toThrow(RangeError);
    expect(() => binding.dequantizeLinear(new Int8Array(6), Float32Array.of(1), Int32Array.of(-129), 1, 1, 6, new Float32Array(6))).toThrow(RangeError);
    expect(() => binding.dequantizeLinear(new Int16Array(6) as never, Float32Array.of(1), zp0, 1, 1, 6, new Float32Array(6))).toThrow(TypeError);
    expect(() => binding.dequantizeLinear(new Uint8Array(6), Float32Array.of(1), zp0, 1, 1, 6, new Float32Array(3))).toThrow(RangeError);
    expect(() => binding.dynamicQuantizeLinear(x, new Uint8Array(5))).toThrow(RangeError);
    expect(() => binding.dynamicQuantizeLinear(x, new Int8Array(6) as never)).toThrow(TypeError);
  });

  it('native quantizeLinear takes 1 or channels values for scale and zeroPoint', () => {
    // A per-channel scale with a single (broadcast) zero point, as binding.ts describes the contract.
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    const y = new Uint8Array(6);
    expect(() => binding.quantizeLinear(x, Float32Array.of(1, 2, 3), Int32Array.of(7), 1, 3, 2, y)).not.toThrow();
    expect(Array.from(y)).toEqual([8, 9, 9, 9, 9, 9]);
  });

  it('setIsa rejects unknown names and ISAs the CPU or binary lacks', () => {
    const current = binding.runtimeInfo().isa;
    expect(() => binding.setIsa('bogus' as IsaName)).toThrow(RangeError);
    expect(() => binding.setIsa('neon')).toThrow(/neon/);
    expect(binding.runtimeInfo().isa).toBe(current);
  });

  it('packed weights are tied to their ISA; released weights are refused', () => {
    const isas = binding.runtimeInfo().availableIsas;
    const current = binding.runtimeInfo().isa;
    const other = isas.find((i) => i !== current);
    if (other) {
      const packed = binding.packWeights(new Int8Array(12), 3, 4, zp0);
      try {
        binding.setIsa(other);
        expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b: packed, output: 'int32', out: new Int32Array(8) })).toThrow(/packed for/);
        // Through the API the same mismatch surfaces as an error too (not a wrong result).
        const pw = ops.prepackWeights(i8([3, 4]));
        binding.setIsa(current);
        expect(() => ops.matmulInteger(u8([2, 3]), pw)).toThrow(/packed for/);
        pw.release();
      } finally {
        binding.setIsa(current);
        packed.release();
      }
    }
    const released = binding.packWeights(new Int8Array(12), 3, 4, zp0);
    released.release();
    expect(() => binding.qgemm({ a, M: 2, K: 3, aZeroPoint: zp0, b: released, output: 'int32', out: new Int32Array(8) })).toThrow(/released/);
  });
});

describe('native qgemm scalars given as numbers', () => {
  const a = Uint8Array.of(1, 2, 3, 4, 5, 6);
  const b = Int8Array.of(1, -2, 3, -4, 5, -6);
  const args = (extra: Record<string, unknown>) =>
    ({ a, M: 2, K: 3, output: 'uint8' as const, yZeroPoint: 3, out: new Uint8Array(4), ...extra }) as unknown as NativeQGemmArgs;

  it('equal the one-element array forms, bit for bit', () => {
    const packed = binding.packWeights(b, 3, 2, Int32Array.of(0));
    const s = Math.fround(0.37);
    const viaArrays = new Uint8Array(4);
    const viaNumbers = new Uint8Array(4);
    binding.qgemm(args({ b: packed, aZeroPoint: Int32Array.of(2), aScale: Float32Array.of(s), bScale: Float32Array.of(s), yScale: Float32Array.of(s), out: viaArrays }));
    binding.qgemm(args({ b: packed, aZeroPoint: 2, aScale: s, bScale: s, yScale: s, out: viaNumbers }));
    expect(Array.from(viaNumbers)).toEqual(Array.from(viaArrays));
    packed.release();
  });

  it('reject numbers that are not float32 values, non-positive scales and zero points out of range', () => {
    const packed = binding.packWeights(b, 3, 2, Int32Array.of(0));
    expect(() => binding.qgemm(args({ b: packed, aZeroPoint: 2, aScale: 0.1, bScale: 1, yScale: 1 }))).toThrow(/aScale .*Math\.fround/);
    expect(() => binding.qgemm(args({ b: packed, aZeroPoint: 2, aScale: 1, bScale: -1, yScale: 1 }))).toThrow(RangeError);
    expect(() => binding.qgemm(args({ b: packed, aZeroPoint: 2, aScale: 1, bScale: 1, yScale: Infinity }))).toThrow(/yScale/);
    expect(() => binding.qgemm(args({ b: packed, aZeroPoint: 256, aScale: 1, bScale: 1, yScale: 1 }))).toThrow(/aZeroPoint/);
    expect(() => binding.qgemm(args({ b: packed, aZeroPoint: 1.5, aScale: 1, bScale: 1, yScale: 1 }))).toThrow(RangeError);
    packed.release();
  });
});

describe('attrs.out: caller-provided outputs', () => {
  const a = new Tensor('uint8', Uint8Array.from({ length: 12 }, (_, i) => i * 17), [3, 4]);
  const b = new Tensor('int8', Int8Array.from({ length: 20 }, (_, i) => i * 13 - 100), [4, 5]);

  it('are written in place and equal a freshly allocated result', () => {
    const fresh = ops.qlinearMatMul(a, 0.05, 3, b, 0.01, 0, 0.2, 7);
    const out = new Tensor('uint8', new Uint8Array(15).fill(99), [3, 5]);
    const got = ops.qlinearMatMul(a, 0.05, 3, b, 0.01, 0, 0.2, 7, { out });
    expect(got).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    const acc = new Tensor('int32', new Int32Array(15), [3, 5]);
    expect(ops.matmulInteger(a, b, 3, 0, { out: acc })).toBe(acc);
    expect(Array.from(acc.data)).toEqual(Array.from(ops.matmulInteger(a, b, 3, 0).data));
  });

  it('must have the result type and dims', () => {
    expect(() => ops.qlinearMatMul(a, 0.05, 3, b, 0.01, 0, 0.2, 7, { out: new Tensor('int8', new Int8Array(15), [3, 5]) as never })).toThrow(TypeError);
    expect(() => ops.qlinearMatMul(a, 0.05, 3, b, 0.01, 0, 0.2, 7, { out: new Tensor('uint8', new Uint8Array(15), [5, 3]) })).toThrow(/attrs\.out must have dims \[3,5\]/);
    expect(() => ops.matmulInteger(a, b, 3, 0, { out: new Tensor('int32', new Int32Array(16), [4, 4]) })).toThrow(RangeError);
  });
});
