// AVX2+FMA depthwise: 4 output pixels at a time (then 3, 2, 1) × 16 channels in 8 ymm accumulators,
// then 8 channels, then one masked step for the last 1-7 channels (maskload never touches the lanes
// it skips, so no read goes past a caller's buffer). Several pixels per step share each weight load
// and give the FMA pipes independent chains (one pixel's few chains are throttled by the fma
// latency). Per lane the operations are the scalar definition's: fma per tap in order, + bias,
// maxps/minps clamp — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"
#include "dwconv_pixel_loop.h"

namespace octet {

namespace {

alignas(32) const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <bool Clamp>
inline __m256 finish(__m256 acc, __m256 bias, __m256 lo, __m256 hi) {
  __m256 y = _mm256_add_ps(acc, bias);
  if (Clamp) y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);  // max(y, lo) = y > lo ? y : lo
  return y;
}

// P pixels × V vectors of 8 channels from channel c; with Masked (V = 1) only the lanes in `mask`.
// 8 accumulators, 2 weights and a load: 11 of the 16 ymm registers. Pixel p's tap t reads
// in[p * step + t] + shift + p * input_stride (see dwconv_pixel_loop.h).
template <bool Clamp, int P, int V, bool Masked>
inline void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out,
                  size_t c, __m256i mask, __m256 lo, __m256 hi) {
  const size_t C = a.channels, T = a.taps;
  const auto load = [&](const float* p) { return Masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p); };
  __m256 acc[P][V];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[p][v] = _mm256_setzero_ps();
  const float* w = a.weights + c;
  for (size_t t = 0; t < T; ++t, w += C) {
    __m256 wv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) wv[v] = load(w + 8 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* x = in[p * step + t] + (shift + p * a.input_stride) + c;
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[p][v] = _mm256_fmadd_ps(load(x + 8 * v), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 2
  for (int v = 0; v < V; ++v) {
    const __m256 bias = load(a.bias + c + 8 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      float* y = out + p * a.output_stride + c + 8 * v;
      const __m256 r = finish<Clamp>(acc[p][v], bias, lo, hi);
      if (Masked) _mm256_maskstore_ps(y, mask, r);
      else _mm256_storeu_ps(y, r);
    }
  }
}

// What the shared pixel loop (dwconv_pixel_loop.h) runs: whole tiles of 16 channels, then 8, then
// one masked block for the last 1-7 channels.
struct Avx2 {
  using Vec = __m256;
  static Vec broadcast(float x) { return _mm256_set1_ps(x); }
  static constexpr size_t kLanes = 8;
  static constexpr int kTileVectors = 2;
  static constexpr bool kHalving = true;
  static constexpr bool kMaskedTail = true;
  template <bool Clamp, int P, int V, bool Masked>
  static void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, size_t c,
                    size_t n, Vec lo, Vec hi) {
    const __m256i mask = Masked ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - n))
                                : _mm256_set1_epi32(-1);
    octet::block<Clamp, P, V, Masked>(a, in, step, shift, out, c, mask, lo, hi);
  }
};

const DwConvKernel kAvx2{Isa::kAvx2, "dwconv_f32_4x16__avx2", dwconv::run<Avx2>};

}  // namespace

const DwConvKernel* dwconv_kernel_avx2() { return &kAvx2; }

}  // namespace octet
