// AVX-512 depthwise: 4 output pixels at a time (then 3, 2, 1) × 64 channels in 16 zmm accumulators,
// then 32 and 16 channels, then one masked step for the last 1-15 channels (masked loads do not
// fault on skipped lanes). Several pixels per step share each weight load and give the FMA pipes
// independent chains: one pixel of 16 or 32 channels is a single chain or two, which the fma
// latency throttles to a fraction of the FMA throughput (MobileNetV2's 32-channel layer).
// Per lane the operations are the scalar definition's — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"
#include "dwconv_pixel_loop.h"

namespace octet {

namespace {

template <bool Clamp>
inline __m512 finish(__m512 acc, __m512 bias, __m512 lo, __m512 hi) {
  __m512 y = _mm512_add_ps(acc, bias);
  // max(y, lo) = y > lo ? y : lo. The all-lanes masked forms are the same instructions; they only
  // spare GCC 12 a false "uninitialized" warning about the plain intrinsics' undefined source.
  if (Clamp) {
    y = _mm512_mask_max_ps(y, 0xFFFF, y, lo);
    y = _mm512_mask_min_ps(y, 0xFFFF, y, hi);
  }
  return y;
}

// P pixels × V vectors of 16 channels from channel c; with Masked (V = 1) only the lanes in `mask`.
// Pixel p's tap t reads in[p * step + t] + shift + p * input_stride (see dwconv_pixel_loop.h).
template <bool Clamp, int P, int V, bool Masked>
inline void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out,
                  size_t c, __mmask16 mask, __m512 lo, __m512 hi) {
  const size_t C = a.channels, T = a.taps;
  const auto load = [&](const float* p) { return Masked ? _mm512_maskz_loadu_ps(mask, p) : _mm512_loadu_ps(p); };
  __m512 acc[P][V];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[p][v] = _mm512_setzero_ps();
  const float* w = a.weights + c;
  for (size_t t = 0; t < T; ++t, w += C) {
    __m512 wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = load(w + 16 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* x = in[p * step + t] + (shift + p * a.input_stride) + c;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p][v] = _mm512_fmadd_ps(load(x + 16 * v), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m512 bias = load(a.bias + c + 16 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      float* y = out + p * a.output_stride + c + 16 * v;
      const __m512 r = finish<Clamp>(acc[p][v], bias, lo, hi);
      if (Masked) _mm512_mask_storeu_ps(y, mask, r);
      else _mm512_storeu_ps(y, r);
    }
  }
}

// What the shared pixel loop (dwconv_pixel_loop.h) runs: whole tiles of 64 channels, then 32, then
// 16, then one masked block for the last 1-15 channels.
struct Avx512 {
  using Vec = __m512;
  static Vec broadcast(float x) { return _mm512_set1_ps(x); }
  static constexpr size_t kLanes = 16;
  static constexpr int kTileVectors = 4;
  static constexpr bool kHalving = true;
  static constexpr bool kMaskedTail = true;
  // n is unsigned (at most 64): the call then narrows the loop's C - c to a 32-bit subtract, as the
  // shift count did when the mask was built in the loop — the same code as then.
  template <bool Clamp, int P, int V, bool Masked>
  static void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, size_t c,
                    unsigned n, Vec lo, Vec hi) {
    const __mmask16 mask = Masked ? static_cast<__mmask16>((1u << n) - 1) : 0xFFFF;
    octet::block<Clamp, P, V, Masked>(a, in, step, shift, out, c, mask, lo, hi);
  }
};

const DwConvKernel kAvx512{Isa::kAvx512Vnni, "dwconv_f32_4x64__avx512", dwconv::run<Avx512>};

}  // namespace

const DwConvKernel* dwconv_kernel_avx512() { return &kAvx512; }

}  // namespace octet
