/** Tensor construction, type inference, validation and dispose() of caller data (no native calls). */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Tensor, type TensorType } from '../../lib/index.js';

describe('Tensor', () => {
  it('holds type, data (no copy), dims and size', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const t = new Tensor('uint8', data, [2, 3]);
    expect(t.type).toBe('uint8');
    expect(t.data).toBe(data);
    expect(t.dims).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t).toBeInstanceOf(Tensor);
    expectTypeOf(t).toEqualTypeOf<Tensor<'uint8'>>();
    expectTypeOf(t.data).toEqualTypeOf<Uint8Array>();
  });

  it('dispose() drops the data but leaves the caller\'s array alone', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = new Tensor('float32', data, [2, 2]);
    const view = t.reshape([4]);
    expect(t.location).toBe('cpu');
    t.dispose();
    expect(t.location).toBe('none');
    expect(() => t.data).toThrow(/disposed/);
    expect(() => t.reshape([4])).toThrow(/disposed/);
    t.dispose();  // twice: nothing more happens
    expect(Array.from(data)).toEqual([1, 2, 3, 4]);
    expect(view.data).toBe(data);
    expect(view.location).toBe('cpu');
  });

  it('infers the type from the TypedArray; dims default to [length]', () => {
    const cases: [ArrayLike<number> & { length: number }, TensorType][] = [
      [new Float32Array(3), 'float32'],
      [new Uint16Array(3), 'float16'],
      [new Int32Array(3), 'int32'],
      [new Int8Array(3), 'int8'],
      [new Uint8Array(3), 'uint8'],
    ];
    for (const [data, type] of cases) {
      const t = new Tensor(data as Float32Array);
      expect(t.type).toBe(type);
      expect(t.dims).toEqual([3]);
    }
    const i8 = new Tensor(new Int8Array(4), [2, 2]);
    expectTypeOf(i8).toEqualTypeOf<Tensor<'int8'>>();
    expect(i8.dims).toEqual([2, 2]);
    expect(new Tensor('int32', new Int32Array(5)).dims).toEqual([5]);
  });

  it('scalars have dims [] and size 1; zero-size tensors are allowed', () => {
    const s = new Tensor('float32', Float32Array.of(2.5), []);
    expect(s.dims).toEqual([]);
    expect(s.size).toBe(1);
    const e = new Tensor('int8', new Int8Array(0), [3, 0, 2]);
    expect(e.size).toBe(0);
  });

  it('accepts plain number arrays for non-float16 types, checking integer ranges', () => {
    expect(Array.from(new Tensor('int8', [-128, 0, 127], [3]).data)).toEqual([-128, 0, 127]);
    expect(new Tensor('float32', [0.1], [1]).data).toBeInstanceOf(Float32Array);
    expect(() => new Tensor('uint8', [256], [1])).toThrow(RangeError);
    expect(() => new Tensor('int8', [1.5], [1])).toThrow(/data\[0\]/);
    expect(() => new Tensor('float16', [1], [1])).toThrow(TypeError);
  });

  it('dims are frozen copies', () => {
    const dims = [2, 2];
    const t = new Tensor('uint8', new Uint8Array(4), dims);
    dims[0] = 5;
    expect(t.dims).toEqual([2, 2]);
    expect(Object.isFrozen(t.dims)).toBe(true);
  });

  it('reshape shares the data', () => {
    const t = new Tensor('int8', new Int8Array(6), [2, 3]);
    const r = t.reshape([3, 2]);
    expect(r.data).toBe(t.data);
    expect(r.dims).toEqual([3, 2]);
    expect(() => t.reshape([4])).toThrow(RangeError);
  });

  describe('validation', () => {
    it('data class must match the type (TypeError naming both)', () => {
      expect(() => new Tensor('uint8', new Int8Array(2) as unknown as Uint8Array, [2])).toThrow(TypeError);
      expect(() => new Tensor('uint8', new Int8Array(2) as unknown as Uint8Array, [2])).toThrow(/uint8.*Uint8Array.*Int8Array/);
      expect(() => new Tensor('float16', new Float32Array(2) as unknown as Uint16Array, [2])).toThrow(/float16.*Uint16Array/);
      expect(() => new Tensor('float32', new Float64Array(2) as unknown as Float32Array, [2])).toThrow(TypeError);
    });

    it('unknown types and untyped data are TypeErrors', () => {
      expect(() => new Tensor('complex64' as 'uint8', new Uint8Array(1), [1])).toThrow(/type must be one of/);
      expect(() => new Tensor(new DataView(new ArrayBuffer(8)) as unknown as Float32Array)).toThrow(TypeError);
      expect(() => new Tensor({} as unknown as Float32Array)).toThrow(TypeError);
    });

    it('dims must be non-negative safe integers (RangeError)', () => {
      for (const bad of [[-1, 2], [1.5], [NaN], [Infinity], [2 ** 53]]) {
        expect(() => new Tensor('uint8', new Uint8Array(2), bad)).toThrow(RangeError);
      }
      expect(() => new Tensor('uint8', new Uint8Array(2), [-1, 2])).toThrow(/dims\[0\]/);
      expect(() => new Tensor('uint8', new Uint8Array(2), '2' as unknown as number[])).toThrow(TypeError);
    });

    it('the product of dims must equal data.length', () => {
      expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(RangeError);
      expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow('Tensor: dims [2,3] hold 6 elements but data has 5');
      expect(() => new Tensor('float32', new Float32Array(1), [])).not.toThrow();
      expect(() => new Tensor('float32', new Float32Array(0), [])).toThrow(/hold 1 elements but data has 0/);
    });
  });

  describe('the other onnxruntime element types', () => {
    it('infers float64, int16, uint32, int64 and uint64 from their arrays', () => {
      expect(new Tensor(new Float64Array(2)).type).toBe('float64');
      expect(new Tensor(new Int16Array(2)).type).toBe('int16');
      expect(new Tensor(new Uint32Array(2)).type).toBe('uint32');
      expect(new Tensor(new BigInt64Array(2)).type).toBe('int64');
      expect(new Tensor(new BigUint64Array(2)).type).toBe('uint64');
    });

    it('builds int64 from numbers or bigints, bool from booleans, uint16 by name', () => {
      const t = new Tensor('int64', [1, -2, 3n as unknown as number], [3]);
      expect(t.data).toBeInstanceOf(BigInt64Array);
      expect(Array.from(t.data)).toEqual([1n, -2n, 3n]);
      expect(() => new Tensor('int64', [1.5], [1])).toThrow(TypeError);
      expect(() => new Tensor('uint64', [-1], [1])).toThrow(TypeError);
      const b = new Tensor('bool', [true, false, 1] as unknown as number[], [3]);
      expect(b.type).toBe('bool');
      expect(Array.from(b.data)).toEqual([1, 0, 1]);
      expect(() => new Tensor('bool', [2], [1])).toThrow(RangeError);
      expect(new Tensor('uint16', new Uint16Array(2), [2]).type).toBe('uint16');
      expect(() => new Tensor('int16', [40000], [1])).toThrow(RangeError);
    });
  });
});
