// NEON depthwise: 4 output pixels at a time (then 3, 2, 1) × 16 channels in 16 q accumulators, then
// 4 channels, then the last 1-3 channels one by one with std::fma (a single fused fmadd, like
// vfmaq_f32). Several pixels per step share each weight load and give the FMA pipes independent
// chains. The clamp is a compare and select, not vmaxq/vminq, so NaN and signed zeros follow the
// x86 maxps/minps rules of the definition — bit-identical to the scalar kernel.
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

// P pixels × V vectors of 4 channels from channel c: up to 16 accumulators and 4 weights of the 32
// q registers. Pixel p's tap t reads in[p * step + t] + shift + p * input_stride (see dwconv()).
template <bool Clamp, int P, int V>
inline void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out,
                  size_t c, float32x4_t lo, float32x4_t hi) {
  const size_t C = a.channels, T = a.taps;
  float32x4_t acc[P][V];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[p][v] = vdupq_n_f32(0.0f);
  const float* w = a.weights + c;
  for (size_t t = 0; t < T; ++t, w += C) {
    float32x4_t wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = vld1q_f32(w + 4 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* x = in[p * step + t] + (shift + p * a.input_stride) + c;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p][v] = vfmaq_f32(acc[p][v], vld1q_f32(x + 4 * v), wv[v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const float32x4_t bias = vld1q_f32(a.bias + c + 4 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) vst1q_f32(out + p * a.output_stride + c + 4 * v, finish<Clamp>(acc[p][v], bias, lo, hi));
  }
}

// All channels of P pixels.
template <bool Clamp, int P>
void pixels(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, float32x4_t lo, float32x4_t hi) {
  const size_t C = a.channels, T = a.taps;
  size_t c = 0;
  for (; c + 16 <= C; c += 16) block<Clamp, P, 4>(a, in, step, shift, out, c, lo, hi);
  for (; c + 4 <= C; c += 4) block<Clamp, P, 1>(a, in, step, shift, out, c, lo, hi);
  for (; c < C; ++c)
    for (int p = 0; p < P; ++p) {
      float acc = 0.0f;
      for (size_t t = 0; t < T; ++t) acc = std::fma(in[p * step + t][shift + p * a.input_stride + c], a.weights[t * C + c], acc);
      float y = acc + a.bias[c];
      if (Clamp) {
        y = y > a.min ? y : a.min;
        y = y < a.max ? y : a.max;
      }
      out[p * a.output_stride + c] = y;
    }
}

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const float32x4_t lo = vdupq_n_f32(a.min), hi = vdupq_n_f32(a.max);
  const size_t T = a.taps;
  // Pixel p's tap t is input[p * step + t] + p * input_stride: a pointer per pixel and tap (step =
  // taps, input_stride = 0), or per tap (step = 0, see DwConvF32Args).
  const size_t step = a.input_stride == 0 ? T : 0;
  size_t p = 0;
  for (; p + 4 <= a.pixels; p += 4)
    pixels<Clamp, 4>(a, a.input + p * step, step, p * a.input_stride, a.output + p * a.output_stride, lo, hi);
  const float* const* in = a.input + p * step;
  const size_t shift = p * a.input_stride;
  float* out = a.output + p * a.output_stride;
  switch (a.pixels - p) {
    case 3: pixels<Clamp, 3>(a, in, step, shift, out, lo, hi); break;
    case 2: pixels<Clamp, 2>(a, in, step, shift, out, lo, hi); break;
    case 1: pixels<Clamp, 1>(a, in, step, shift, out, lo, hi); break;
    default: break;
  }
}

void dwconv_f32_neon(const DwConvF32Args& args) {
  // A private copy: vector stores may alias anything, so through the caller's struct every field was
  // reloaded after every store; a local whose address never escapes stays in registers.
  const DwConvF32Args a = args;
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kNeon{Isa::kNeon, "dwconv_f32_4x16__neon", dwconv_f32_neon};

}  // namespace

const DwConvKernel* dwconv_kernel_neon() { return &kNeon; }

}  // namespace octet
