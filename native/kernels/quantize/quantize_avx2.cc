// AVX2 quantize/dequantize, 8 floats per step; tails use the scalar definitions, so results are
// bit-identical (division, max/min with x86 NaN rules, round-to-nearest-even conversion).
#include <immintrin.h>

#include <cmath>

#include "quantize_kernel.h"

namespace octet {

namespace {

const QuantizeKernels& scalar() { return *quantize_kernels_scalar(); }

// 8 int32 already in the output range → 8 bytes.
template <bool Signed>
inline void store8(__m256i q, void* dst) {
  const __m128i w = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packs_epi32(q, q), 0x08));
  _mm_storel_epi64(static_cast<__m128i*>(dst), Signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w));
}

template <typename T, int Qmin, int Qmax>
void quantize(const float* x, size_t n, float scale, int32_t zero_point, T* y) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(Qmin - zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(Qmax - zero_point));
  const __m256i zp = _mm256_set1_epi32(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 f = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
    f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);
    store8<(Qmin < 0)>(_mm256_add_epi32(_mm256_cvtps_epi32(f), zp), y + i);
  }
  if (Qmin < 0) scalar().quantize_s8(x + i, n - i, scale, zero_point, reinterpret_cast<int8_t*>(y + i));
  else scalar().quantize_u8(x + i, n - i, scale, zero_point, reinterpret_cast<uint8_t*>(y + i));
}

template <typename T>
inline __m256i load8_widened(const T* p);
template <>
inline __m256i load8_widened<uint8_t>(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
template <>
inline __m256i load8_widened<int8_t>(const int8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
template <>
inline __m256i load8_widened<int32_t>(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

template <typename T>
void dequantize(const T* x, size_t n, float scale, int32_t zero_point, float* y) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i zp = _mm256_set1_epi32(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i d = _mm256_sub_epi32(load8_widened<T>(x + i), zp);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(d), s));
  }
  if constexpr (sizeof(T) == 4) scalar().dequantize_s32(x + i, n - i, scale, zero_point, y + i);
  else if constexpr (static_cast<T>(-1) < 0) scalar().dequantize_s8(x + i, n - i, scale, zero_point, y + i);
  else scalar().dequantize_u8(x + i, n - i, scale, zero_point, y + i);
}

bool minmax(const float* x, size_t n, float* min_out, float* max_out) {
  __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY);
  __m256 nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
  }
  if (_mm256_movemask_ps(nan) != 0) return false;
  alignas(32) float l[8], h[8];
  _mm256_store_ps(l, lo);
  _mm256_store_ps(h, hi);
  float tail_lo, tail_hi;
  if (!scalar().minmax(x + i, n - i, &tail_lo, &tail_hi)) return false;
  for (int j = 0; j < 8; ++j) {
    tail_lo = l[j] < tail_lo ? l[j] : tail_lo;
    tail_hi = h[j] > tail_hi ? h[j] : tail_hi;
  }
  *min_out = tail_lo;
  *max_out = tail_hi;
  return true;
}

const QuantizeKernels kKernels = {
    Isa::kAvx2,
    quantize<uint8_t, 0, 255>,
    quantize<int8_t, -128, 127>,
    dequantize<uint8_t>,
    dequantize<int8_t>,
    dequantize<int32_t>,
    minmax,
};

}  // namespace

const QuantizeKernels* quantize_kernels_avx2() { return &kKernels; }

}  // namespace octet
