// NEON quantize/dequantize (baseline ARMv8, shared by the neon and neondot paths), 8 floats per step;
// tails use the scalar definitions, so results are bit-identical: IEEE division (FDIV), the clamp of
// quantize_clamp() done with compares and selects (FMAX/FMIN would propagate a NaN; x86's maxps/minps
// rule, which defines the result, sends it to qmin), round to nearest even (FCVTNS), int→float with
// SCVTF (round to nearest, like static_cast<float>).
#include <arm_neon.h>

#include <cmath>

#include "quantize_kernel.h"

namespace octet {

namespace {

const QuantizeKernels& scalar() { return *quantize_kernels_scalar(); }

// round_half_even(clamp(x / scale)) + zero_point for 4 floats.
inline int32x4_t quantize4(float32x4_t x, float32x4_t s, float32x4_t lo, float32x4_t hi, int32x4_t zp) {
  float32x4_t f = vdivq_f32(x, s);
  f = vbslq_f32(vcgtq_f32(f, lo), f, lo);  // f > lo ? f : lo   (NaN → lo)
  f = vbslq_f32(vcltq_f32(f, hi), f, hi);  // f < hi ? f : hi
  return vaddq_s32(vcvtnq_s32_f32(f), zp);
}

template <typename T, int Qmin, int Qmax>
void quantize(const float* x, size_t n, float scale, int32_t zero_point, T* y) {
  const float32x4_t s = vdupq_n_f32(scale);
  const float32x4_t lo = vdupq_n_f32(static_cast<float>(Qmin - zero_point));
  const float32x4_t hi = vdupq_n_f32(static_cast<float>(Qmax - zero_point));
  const int32x4_t zp = vdupq_n_s32(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const int32x4_t q0 = quantize4(vld1q_f32(x + i), s, lo, hi, zp);
    const int32x4_t q1 = quantize4(vld1q_f32(x + i + 4), s, lo, hi, zp);
    // Already inside [Qmin, Qmax]: the truncating narrows are exact for u8 and s8 alike.
    const int8x8_t bytes = vmovn_s16(vcombine_s16(vmovn_s32(q0), vmovn_s32(q1)));
    vst1_s8(reinterpret_cast<int8_t*>(y + i), bytes);
  }
  if (Qmin < 0) scalar().quantize_s8(x + i, n - i, scale, zero_point, reinterpret_cast<int8_t*>(y + i));
  else scalar().quantize_u8(x + i, n - i, scale, zero_point, reinterpret_cast<uint8_t*>(y + i));
}

// 8 elements widened to two int32x4 (low, high).
inline void load8_widened(const uint8_t* p, int32x4_t& lo, int32x4_t& hi) {
  const uint16x8_t w = vmovl_u8(vld1_u8(p));
  lo = vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(w)));
  hi = vreinterpretq_s32_u32(vmovl_high_u16(w));
}
inline void load8_widened(const int8_t* p, int32x4_t& lo, int32x4_t& hi) {
  const int16x8_t w = vmovl_s8(vld1_s8(p));
  lo = vmovl_s16(vget_low_s16(w));
  hi = vmovl_high_s16(w);
}
inline void load8_widened(const int32_t* p, int32x4_t& lo, int32x4_t& hi) {
  lo = vld1q_s32(p);
  hi = vld1q_s32(p + 4);
}

template <typename T>
void dequantize(const T* x, size_t n, float scale, int32_t zero_point, float* y) {
  const float32x4_t s = vdupq_n_f32(scale);
  const int32x4_t zp = vdupq_n_s32(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    int32x4_t v0, v1;
    load8_widened(x + i, v0, v1);
    // x - zero_point wraps (SUB), like the scalar definition's uint32 arithmetic.
    vst1q_f32(y + i, vmulq_f32(vcvtq_f32_s32(vsubq_s32(v0, zp)), s));
    vst1q_f32(y + i + 4, vmulq_f32(vcvtq_f32_s32(vsubq_s32(v1, zp)), s));
  }
  if constexpr (sizeof(T) == 4) scalar().dequantize_s32(x + i, n - i, scale, zero_point, y + i);
  else if constexpr (static_cast<T>(-1) < 0) scalar().dequantize_s8(x + i, n - i, scale, zero_point, y + i);
  else scalar().dequantize_u8(x + i, n - i, scale, zero_point, y + i);
}

bool minmax(const float* x, size_t n, float* min_out, float* max_out) {
  float32x4_t lo = vdupq_n_f32(INFINITY), hi = vdupq_n_f32(-INFINITY);
  uint32x4_t ordered = vdupq_n_u32(~0u);  // lanes stay all-ones while no NaN was seen
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t v0 = vld1q_f32(x + i);
    const float32x4_t v1 = vld1q_f32(x + i + 4);
    ordered = vandq_u32(ordered, vandq_u32(vceqq_f32(v0, v0), vceqq_f32(v1, v1)));
    lo = vminq_f32(lo, vminq_f32(v0, v1));
    hi = vmaxq_f32(hi, vmaxq_f32(v0, v1));
  }
  if (vminvq_u32(ordered) == 0) return false;
  float tail_lo, tail_hi;
  if (!scalar().minmax(x + i, n - i, &tail_lo, &tail_hi)) return false;
  const float vec_lo = vminvq_f32(lo), vec_hi = vmaxvq_f32(hi);
  *min_out = vec_lo < tail_lo ? vec_lo : tail_lo;
  *max_out = vec_hi > tail_hi ? vec_hi : tail_hi;
  return true;
}

const QuantizeKernels kKernels = {
    Isa::kNeon,
    quantize<uint8_t, 0, 255>,
    quantize<int8_t, -128, 127>,
    dequantize<uint8_t>,
    dequantize<int8_t>,
    dequantize<int32_t>,
    minmax,
};

}  // namespace

const QuantizeKernels* quantize_kernels_neon() { return &kKernels; }

}  // namespace octet
