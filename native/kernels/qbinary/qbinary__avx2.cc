// AVX2 QLinearAdd / QLinearMul: 8 elements per step, two steps per loop; the last 0-7 elements go
// through the scalar kernel (the definition, which every step here matches bit for bit: the same
// operations lane by lane, vcvtps2dq rounding half to even). q is inside the output type's range,
// so the saturating packs never saturate. A broadcast b is widened once.
#include <immintrin.h>

#include "qbinary_kernel.h"

namespace octet {

namespace {

struct Constants {
  __m256i za, zb, zc;
  __m256 ra, rb, lo, hi;
  explicit Constants(const QBinaryParams& p)
      : za(_mm256_set1_epi32(p.za)), zb(_mm256_set1_epi32(p.zb)), zc(_mm256_set1_epi32(p.zc)),
        ra(_mm256_set1_ps(p.ra)), rb(_mm256_set1_ps(p.rb)), lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)) {}
};

template <bool Signed>
inline __m256i minus_zero_point(const uint8_t* p, __m256i zero_point) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_sub_epi32(Signed ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes), zero_point);
}

// The 8 results from a - za and b - zb, as the low 8 bytes.
template <bool Signed, bool Mul>
inline __m128i step(__m256i da, __m256i db, const Constants& k) {
  __m256 f;
  if (Mul) f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(da, db)), k.ra);
  else f = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(da), k.ra), _mm256_mul_ps(_mm256_cvtepi32_ps(db), k.rb));
  f = _mm256_min_ps(_mm256_max_ps(f, k.lo), k.hi);
  const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(f), k.zc);
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  return Signed ? _mm_packs_epi16(words, words) : _mm_packus_epi16(words, words);
}

template <bool Signed, bool Mul>
void binary(const uint8_t* a, const uint8_t* b, size_t b_step, uint8_t* y, size_t n, const QBinaryParams& p) {
  const Constants k(p);
  const __m256i db_all = b_step == 0 ? _mm256_sub_epi32(_mm256_set1_epi32(Signed ? static_cast<int8_t>(b[0]) : b[0]), k.zb) : _mm256_setzero_si256();
  const auto db_at = [&](size_t i) { return b_step == 0 ? db_all : minus_zero_point<Signed>(b + i, k.zb); };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // Both halves computed before either is stored: y may be a or b.
    const __m128i low = step<Signed, Mul>(minus_zero_point<Signed>(a + i, k.za), db_at(i), k);
    const __m128i high = step<Signed, Mul>(minus_zero_point<Signed>(a + i + 8, k.za), db_at(i + 8), k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm_unpacklo_epi64(low, high));
  }
  for (; i + 8 <= n; i += 8) _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), step<Signed, Mul>(minus_zero_point<Signed>(a + i, k.za), db_at(i), k));
  if (i < n) {
    const QBinaryKernels& scalar = *qbinary_kernels_scalar();
    const QBinaryFn rest = Mul ? (Signed ? scalar.mul_s8 : scalar.mul_u8) : (Signed ? scalar.add_s8 : scalar.add_u8);
    rest(a + i, b + i * b_step, b_step, y + i, n - i, p);
  }
}

const QBinaryKernels kAvx2{Isa::kAvx2, binary<false, false>, binary<true, false>, binary<false, true>, binary<true, true>};

}  // namespace

const QBinaryKernels* qbinary_kernels_avx2() { return &kAvx2; }

}  // namespace octet
