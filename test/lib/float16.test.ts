/**
 * float32 <-> float16 conversion against an independent search-based reference: every half value
 * round-trips, every midpoint between neighbouring halves rounds to the even one, values one float32
 * ulp either side of a midpoint round to the nearer one; Infinity, NaN, signed zeros, subnormals.
 */
import { describe, expect, it } from 'vitest';
import { float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from '../../lib/float16.js';
import { Rng } from '../helpers/random.js';
import { float16BitsRef, float16ValueRef } from '../helpers/reference.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function nextUp(v: number): number {
  f32[0] = v;
  u32[0] = v >= 0 ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0]!;
}
function nextDown(v: number): number {
  return -nextUp(-v);
}

describe('float16', () => {
  // Mismatches are collected (an expect per element would dominate the run time) and listed on failure.
  it('decodes all 65536 bit patterns exactly and every non-NaN one round-trips', () => {
    const bad: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = float16BitsToFloat32(h);
      const ref = float16ValueRef(h);
      if (Number.isNaN(ref)) {
        if (!Number.isNaN(v) || !Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(v)))) bad.push(`0x${h.toString(16)}: NaN lost`);
        continue;
      }
      if (!Object.is(v, ref)) bad.push(`0x${h.toString(16)} decodes to ${v}, expected ${ref}`);
      if (float32ToFloat16Bits(v) !== h) bad.push(`0x${h.toString(16)} re-encodes to 0x${float32ToFloat16Bits(v).toString(16)}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('midpoints round to even; one float32 ulp off a midpoint rounds to the nearer half', () => {
    const bad: string[] = [];
    const want = (v: number, bits: number, what: string) => {
      const got = float32ToFloat16Bits(v);
      if (got !== bits) bad.push(`${what} ${v}: got 0x${got.toString(16)}, expected 0x${bits.toString(16)}`);
    };
    for (let h = 0; h < 0x7bff; h++) {
      const lo = float16BitsToFloat32(h);
      const hi = float16BitsToFloat32(h + 1);
      const mid = (lo + hi) / 2;
      if (Math.fround(mid) !== mid) bad.push(`midpoint after 0x${h.toString(16)} is not a float32`);
      for (const sign of [1, -1]) {
        const s = sign < 0 ? 0x8000 : 0;
        want(sign * mid, s | (h % 2 === 0 ? h : h + 1), 'midpoint');
        want(sign * nextDown(mid), s | h, 'below midpoint');
        want(sign * nextUp(mid), s | (h + 1), 'above midpoint');
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('overflow, Infinity, NaN, signed zero and underflow', () => {
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519.996)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // midpoint to 2^16 rounds to "even" = Infinity
    expect(float32ToFloat16Bits(1e10)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(NaN) & 0x7e00).toBe(0x7e00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(float32ToFloat16Bits(nextUp(2 ** -25))).toBe(1);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 units → 2
    expect(float32ToFloat16Bits(1e-45)).toBe(0);
    expect(float32ToFloat16Bits(-1e-30)).toBe(0x8000);
  });

  it('random float32 values match the search-based reference', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 20000; i++) {
      u32[0] = rng.nextUint32();
      const v = f32[0]!;
      if (Number.isNaN(v)) continue;
      expect(float32ToFloat16Bits(v), `${v}`).toBe(float16BitsRef(v));
    }
  });

  it('array helpers convert element-wise', () => {
    const halves = float32ArrayToFloat16(Float32Array.of(1, -2, 0.5, 65504));
    expect(Array.from(halves)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff]);
    expect(Array.from(float16ArrayToFloat32(halves))).toEqual([1, -2, 0.5, 65504]);
  });
});
