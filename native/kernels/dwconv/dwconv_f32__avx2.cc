// AVX2+FMA depthwise: 32 channels per step in four ymm accumulators (independent fma chains hide the
// fma latency), then 8 at a time, then one masked step for the last 1-7 channels (maskload never
// touches the lanes it skips, so no read goes past a caller's buffer). Per lane the operations are
// the scalar definition's: fma per tap in order, + bias, maxps/minps clamp — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"

namespace octet {

namespace {

alignas(32) const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <bool Clamp>
inline __m256 finish(__m256 acc, __m256 bias, __m256 lo, __m256 hi) {
  __m256 y = _mm256_add_ps(acc, bias);
  if (Clamp) y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);  // max(y, lo) = y > lo ? y : lo
  return y;
}

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const size_t C = a.channels, T = a.taps;
  const __m256 lo = _mm256_set1_ps(a.min), hi = _mm256_set1_ps(a.max);
  for (size_t p = 0; p < a.pixels; ++p) {
    const float* const* in = a.input + p * T;
    float* out = a.output + p * a.output_stride;
    size_t c = 0;
    for (; c + 32 <= C; c += 32) {
      __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) {
        const float* x = in[t] + c;
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(w), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8), _mm256_loadu_ps(w + 8), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 16), _mm256_loadu_ps(w + 16), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 24), _mm256_loadu_ps(w + 24), acc3);
      }
      _mm256_storeu_ps(out + c, finish<Clamp>(acc0, _mm256_loadu_ps(a.bias + c), lo, hi));
      _mm256_storeu_ps(out + c + 8, finish<Clamp>(acc1, _mm256_loadu_ps(a.bias + c + 8), lo, hi));
      _mm256_storeu_ps(out + c + 16, finish<Clamp>(acc2, _mm256_loadu_ps(a.bias + c + 16), lo, hi));
      _mm256_storeu_ps(out + c + 24, finish<Clamp>(acc3, _mm256_loadu_ps(a.bias + c + 24), lo, hi));
    }
    for (; c + 8 <= C; c += 8) {
      __m256 acc = _mm256_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) acc = _mm256_fmadd_ps(_mm256_loadu_ps(in[t] + c), _mm256_loadu_ps(w), acc);
      _mm256_storeu_ps(out + c, finish<Clamp>(acc, _mm256_loadu_ps(a.bias + c), lo, hi));
    }
    if (c < C) {
      const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - (C - c)));
      __m256 acc = _mm256_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C)
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(in[t] + c, mask), _mm256_maskload_ps(w, mask), acc);
      _mm256_maskstore_ps(out + c, mask, finish<Clamp>(acc, _mm256_maskload_ps(a.bias + c, mask), lo, hi));
    }
  }
}

void dwconv_f32_avx2(const DwConvF32Args& a) {
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kAvx2{Isa::kAvx2, "dwconv_f32_c32__avx2", dwconv_f32_avx2};

}  // namespace

const DwConvKernel* dwconv_kernel_avx2() { return &kAvx2; }

}  // namespace octet
