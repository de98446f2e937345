// AVX-512 depthwise: 64 channels per step in four zmm accumulators, then 16 at a time, then one
// masked step for the last 1-15 channels (masked loads do not fault on skipped lanes). Per lane the
// operations are the scalar definition's — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"

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

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const size_t C = a.channels, T = a.taps;
  const __m512 lo = _mm512_set1_ps(a.min), hi = _mm512_set1_ps(a.max);
  for (size_t p = 0; p < a.pixels; ++p) {
    const float* const* in = a.input + p * T;
    float* out = a.output + p * a.output_stride;
    size_t c = 0;
    for (; c + 64 <= C; c += 64) {
      __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) {
        const float* x = in[t] + c;
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x), _mm512_loadu_ps(w), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 16), _mm512_loadu_ps(w + 16), acc1);
        acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 32), _mm512_loadu_ps(w + 32), acc2);
        acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + 48), _mm512_loadu_ps(w + 48), acc3);
      }
      _mm512_storeu_ps(out + c, finish<Clamp>(acc0, _mm512_loadu_ps(a.bias + c), lo, hi));
      _mm512_storeu_ps(out + c + 16, finish<Clamp>(acc1, _mm512_loadu_ps(a.bias + c + 16), lo, hi));
      _mm512_storeu_ps(out + c + 32, finish<Clamp>(acc2, _mm512_loadu_ps(a.bias + c + 32), lo, hi));
      _mm512_storeu_ps(out + c + 48, finish<Clamp>(acc3, _mm512_loadu_ps(a.bias + c + 48), lo, hi));
    }
    for (; c + 16 <= C; c += 16) {
      __m512 acc = _mm512_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C) acc = _mm512_fmadd_ps(_mm512_loadu_ps(in[t] + c), _mm512_loadu_ps(w), acc);
      _mm512_storeu_ps(out + c, finish<Clamp>(acc, _mm512_loadu_ps(a.bias + c), lo, hi));
    }
    if (c < C) {
      const __mmask16 mask = static_cast<__mmask16>((1u << (C - c)) - 1);
      __m512 acc = _mm512_setzero_ps();
      const float* w = a.weights + c;
      for (size_t t = 0; t < T; ++t, w += C)
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, in[t] + c), _mm512_maskz_loadu_ps(mask, w), acc);
      _mm512_mask_storeu_ps(out + c, mask, finish<Clamp>(acc, _mm512_maskz_loadu_ps(mask, a.bias + c), lo, hi));
    }
  }
}

void dwconv_f32_avx512(const DwConvF32Args& a) {
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kAvx512{Isa::kAvx512Vnni, "dwconv_f32_c64__avx512", dwconv_f32_avx512};

}  // namespace

const DwConvKernel* dwconv_kernel_avx512() { return &kAvx512; }

}  // namespace octet
