/**
 * Compile-time contract of the public types (checked by `tsc -p test/tsconfig.json`; at run time
 * these are trivial calls). Output tensor types follow the zero point / scale types as in ONNX.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { Tensor, ops, type PackedWeights, type TensorType } from '../../lib/index.js';

describe('public types', () => {
  it('Tensor generics follow the type argument or the TypedArray', () => {
    expectTypeOf(new Tensor('uint8', new Uint8Array(2), [2])).toEqualTypeOf<Tensor<'uint8'>>();
    expectTypeOf(new Tensor('float16', new Uint16Array(2), [2]).data).toEqualTypeOf<Uint16Array>();
    expectTypeOf(new Tensor(new Float32Array(2)).type).toEqualTypeOf<'float32'>();
    expectTypeOf(new Tensor(new Int32Array(2), [2])).toEqualTypeOf<Tensor<'int32'>>();
    expectTypeOf<Tensor['type']>().toEqualTypeOf<TensorType>();
    // @ts-expect-error an Int8Array is not uint8 data
    void (() => new Tensor('uint8', new Int8Array(2), [2]));
  });

  it('operator result types', () => {
    const x = new Tensor('float32', new Float32Array(4), [4]);
    expectTypeOf(ops.quantizeLinear(x, 0.5)).toEqualTypeOf<Tensor<'uint8'>>();
    expectTypeOf(ops.quantizeLinear(x, 0.5, new Tensor('int8', Int8Array.of(0), []))).toEqualTypeOf<Tensor<'int8'>>();
    const q = new Tensor('int8', new Int8Array(4), [4]);
    expectTypeOf(ops.dequantizeLinear(q, 0.5)).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(ops.dequantizeLinear(q, new Tensor('float16', Uint16Array.of(0x3c00), []))).toEqualTypeOf<Tensor<'float16'>>();
    expectTypeOf(ops.dynamicQuantizeLinear(x)).toEqualTypeOf<[Tensor<'uint8'>, Tensor<'float32'>, Tensor<'uint8'>]>();
    const a = new Tensor('uint8', new Uint8Array(4), [2, 2]);
    const b = new Tensor('int8', new Int8Array(4), [2, 2]);
    expectTypeOf(ops.matmulInteger(a, b)).toEqualTypeOf<Tensor<'int32'>>();
    expectTypeOf(ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, new Tensor('int8', Int8Array.of(0), []))).toEqualTypeOf<Tensor<'int8'>>();
    expectTypeOf(ops.qlinearMatMul(a, 1, 0, b, 1, 0, 1, 0)).toEqualTypeOf<Tensor<'uint8'>>();
    expectTypeOf(ops.prepackWeights).returns.toEqualTypeOf<PackedWeights>();
  });
});
