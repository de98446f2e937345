// AVX-512 quantize/dequantize, 16 floats per step; the tail is a masked step (masked loads do not
// touch memory past the mask). Same operations as the scalar definitions, so the same bits.
#include <immintrin.h>

#include <cmath>

#include "quantize_kernel.h"

namespace octet {

namespace {

inline __mmask16 tail_mask(size_t left) { return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1); }

// Whole steps narrow in a register and store 16 bytes: vpmovdb straight to memory is microcoded and
// slow on AMD cores (it made this loop several times slower). The tail is one masked step.
template <typename T, int Qmin, int Qmax>
void quantize(const float* x, size_t n, float scale, int32_t zero_point, T* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(Qmin - zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(Qmax - zero_point));
  const __m512i zp = _mm512_set1_epi32(zero_point);
  const auto step = [&](__m512 v) {
    const __m512 f = _mm512_min_ps(_mm512_max_ps(_mm512_div_ps(v, s), lo), hi);
    return _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp));
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), step(_mm512_loadu_ps(x + i)));  // q is in range: truncation is exact
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm_mask_storeu_epi8(y + i, m, step(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

template <typename T>
inline __m512i load16_widened(__mmask16 m, const T* p);
template <>
inline __m512i load16_widened<uint8_t>(__mmask16 m, const uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, p)); }
template <>
inline __m512i load16_widened<int8_t>(__mmask16 m, const int8_t* p) { return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p)); }
template <>
inline __m512i load16_widened<int32_t>(__mmask16 m, const int32_t* p) { return _mm512_maskz_loadu_epi32(m, p); }

template <typename T>
void dequantize(const T* x, size_t n, float scale, int32_t zero_point, float* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i zp = _mm512_set1_epi32(zero_point);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512i d = _mm512_sub_epi32(load16_widened<T>(m, x + i), zp);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(d), s));
  }
}

bool minmax(const float* x, size_t n, float* min_out, float* max_out) {
  __m512 lo = _mm512_set1_ps(INFINITY), hi = _mm512_set1_ps(-INFINITY);
  __mmask16 nan = 0;
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    nan |= _mm512_mask_cmp_ps_mask(m, v, v, _CMP_UNORD_Q);
    lo = _mm512_mask_min_ps(lo, m, lo, v);
    hi = _mm512_mask_max_ps(hi, m, hi, v);
  }
  if (nan != 0) return false;
  *min_out = _mm512_reduce_min_ps(lo);
  *max_out = _mm512_reduce_max_ps(hi);
  return true;
}

const QuantizeKernels kKernels = {
    Isa::kAvx512Vnni,
    quantize<uint8_t, 0, 255>,
    quantize<int8_t, -128, 127>,
    dequantize<uint8_t>,
    dequantize<int8_t>,
    dequantize<int32_t>,
    minmax,
};

}  // namespace

const QuantizeKernels* quantize_kernels_avx512() { return &kKernels; }

}  // namespace octet
