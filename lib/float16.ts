/**
 * Exact IEEE binary16 <-> binary32 conversion. Tensors of type 'float16' carry raw half bits in a
 * Uint16Array (as onnxruntime-common does); operators widen them to float32 (exact), compute in
 * float32 and narrow the result with round-to-nearest-even, which is what a float16 ONNX output means.
 */

// One scratch word to read a float32's bits without allocating.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Bits of the float16 nearest to `value` (first rounded to float32, since every caller holds a
 * float32 result). Ties go to the even mantissa; overflow gives ±Infinity; NaN stays a quiet NaN.
 */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) {
    // Infinity keeps a zero mantissa; NaN keeps its top payload bits and is forced quiet.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // ≥ 2^16: beyond every finite half even after rounding

  if (halfExponent <= 0) {
    // Result is subnormal (or zero): units of 2^-24 are significand >> (14 - halfExponent).
    if (halfExponent < -10) return sign; // < 2^-25: rounds to zero (2^-25 itself is handled below)
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent; // 14..24
    let half = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1; // may carry into the smallest normal
    return sign | half;
  }

  // Normal: keep 10 mantissa bits, round on the 13 dropped; a carry may roll into the exponent (even up to Infinity).
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** The float32 value (exact: every half is a float32) of the half with these bits. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Widens a whole array of half bits to float32. */
export function float16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  return out;
}

/** Narrows a whole float32 array to half bits (round to nearest even). */
export function float32ArrayToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}
