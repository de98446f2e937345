// NEON depthwise: 16 channels per step in four q accumulators, then 4 at a time, then the last 1-3
// channels one by one with std::fma (a single fused fmadd, like vfmaq_f32). The clamp is a compare
// and select, not vmaxq/vminq, so NaN and signed zeros follow the x86 maxps/minps rules of the
// definition — bit-identical to the scalar kernel.
#include <arm_neon.h>

#include <cmath>

#include "dwconv_kernel.h"

namespace octet {

namespace {

template <bool Clamp>
inline float32x4_t finish(float32x4_t acc, float32x4_t bias, float32x4_t lo, float32x4_t hi) {
  float32x4_t y = vaddq_f32(acc, bias);
  if (Clamp) {
    y = vbslq_f32(vcgtq_f32(y, lo), y, lo);
    y = vbslq_f32(vcltq_f32(y, hi), y, hi);
  }
  return y;
}

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const size_t C = a.channels, T = a.taps;
  const float32x4_t lo = vdupq_n_f32(a.min), hi = vdupq_n_f32(a.max);
  for (size_t p = 0; p < a.pixels; ++p) {
    const float* const* in = a.input + p * T;
    float* out = a.output + p * a.output_stride;
    size_t c = 0;
    for (; c + 16 <= C; c += 16) {
      float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) {
        const float* x = in[t] + c;
        acc0 = vfmaq_f32(acc0, vld1q_f32(x), vld1q_f32(w));
        acc1 = vfmaq_f32(acc1, vld1q_f32(x + 4), vld1q_f32(w + 4));
        acc2 = vfmaq_f32(acc2, vld1q_f32(x + 8), vld1q_f32(w + 8));
        acc3 = vfmaq_f32(acc3, vld1q_f32(x + 12), vld1q_f32(w + 12));
      }
      vst1q_f32(out + c, finish<Clamp>(acc0, vld1q_f32(a.bias + c), lo, hi));
      vst1q_f32(out + c + 4, finish<Clamp>(acc1, vld1q_f32(a.bias + c + 4), lo, hi));
      vst1q_f32(out + c + 8, finish<Clamp>(acc2, vld1q_f32(a.bias + c + 8), lo, hi));
      vst1q_f32(out + c + 12, finish<Clamp>(acc3, vld1q_f32(a.bias + c + 12), lo, hi));
    }
    for (; c + 4 <= C; c += 4) {
      float32x4_t acc = vdupq_n_f32(0.0f);
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) acc = vfmaq_f32(acc, vld1q_f32(in[t] + c), vld1q_f32(w));
      vst1q_f32(out + c, finish<Clamp>(acc, vld1q_f32(a.bias + c), lo, hi));
    }
    for (; c < C; ++c) {
      float acc = 0.0f;
      for (size_t t = 0; t < T; ++t) acc = std::fma(in[t][c], a.weights[t * C + c], acc);
      float y = acc + a.bias[c];
      if (Clamp) {
        y = y > a.min ? y : a.min;
        y = y < a.max ? y : a.max;
      }
      out[c] = y;
    }
  }
}

void dwconv_f32_neon(const DwConvF32Args& a) {
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kNeon{Isa::kNeon, "dwconv_f32_c16__neon", dwconv_f32_neon};

}  // namespace

const DwConvKernel* dwconv_kernel_neon() { return &kNeon; }

}  // namespace octet
