// NEON depthwise: 4 output pixels at a time (then 3, 2, 1) × 16 channels in 16 q accumulators, then
// 4 channels, then the last 1-3 channels one by one with std::fma (a single fused fmadd, like
// vfmaq_f32). Several pixels per step share each weight load and give the FMA pipes independent
// chains. The clamp is a compare and select, not vmaxq/vminq, so NaN and signed zeros follow the
// x86 maxps/minps rules of the definition — bit-identical to the scalar kernel.
#include <arm_neon.h>

#include "dwconv_kernel.h"
#include "dwconv_pixel_loop.h"

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
// q registers. Pixel p's tap t reads in[p * step + t] + shift + p * input_stride (see
// dwconv_pixel_loop.h).
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

// What the shared pixel loop (dwconv_pixel_loop.h) runs: whole tiles of 16 channels, then 4 at a
// time, then the last 1-3 channels one by one.
struct Neon {
  using Vec = float32x4_t;
  static Vec broadcast(float x) { return vdupq_n_f32(x); }
  static constexpr size_t kLanes = 4;
  static constexpr int kTileVectors = 4;
  static constexpr bool kHalving = false;
  static constexpr bool kMaskedTail = false;
  template <bool Clamp, int P, int V, bool Masked>
  static void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, size_t c,
                    size_t n, Vec lo, Vec hi) {
    static_assert(!Masked, "no masked blocks on NEON");
    octet::block<Clamp, P, V>(a, in, step, shift, out, c, lo, hi);
  }
};

const DwConvKernel kNeon{Isa::kNeon, "dwconv_f32_4x16__neon", dwconv::run<Neon>};

}  // namespace

const DwConvKernel* dwconv_kernel_neon() { return &kNeon; }

}  // namespace octet
