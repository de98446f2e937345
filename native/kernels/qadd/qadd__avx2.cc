// AVX2 QLinearAdd: 8 elements per step, two steps per loop; the last 0-7 elements go through the
// scalar kernel (the definition, which every step here matches bit for bit: the same IEEE operations
// lane by lane, vcvtps2dq rounding half to even). q is inside the output type's range, so the
// saturating packs never saturate.
#include <immintrin.h>

#include "qadd_kernel.h"

namespace octet {

namespace {

struct Constants {
  __m256i za, zb, zc;
  __m256 ra, rb, lo, hi;
  explicit Constants(const QAddParams& p)
      : za(_mm256_set1_epi32(p.za)), zb(_mm256_set1_epi32(p.zb)), zc(_mm256_set1_epi32(p.zc)),
        ra(_mm256_set1_ps(p.ra)), rb(_mm256_set1_ps(p.rb)), lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)) {}
};

template <bool Signed>
inline __m256i widen(const uint8_t* p) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return Signed ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
}

// The 8 results as the low 8 bytes.
template <bool Signed>
inline __m128i add8(const uint8_t* a, const uint8_t* b, const Constants& k) {
  const __m256 fa = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(widen<Signed>(a), k.za)), k.ra);
  const __m256 fb = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(widen<Signed>(b), k.zb)), k.rb);
  const __m256 f = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(fa, fb), k.lo), k.hi);
  const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(f), k.zc);
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  return Signed ? _mm_packs_epi16(words, words) : _mm_packus_epi16(words, words);
}

template <bool Signed>
void add(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p) {
  const Constants k(p);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // Both halves computed before either is stored: y may be a or b.
    const __m128i low = add8<Signed>(a + i, b + i, k);
    const __m128i high = add8<Signed>(a + i + 8, b + i + 8, k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm_unpacklo_epi64(low, high));
  }
  for (; i + 8 <= n; i += 8) _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), add8<Signed>(a + i, b + i, k));
  if (i < n) {
    const QAddKernels& scalar = *qadd_kernels_scalar();
    (Signed ? scalar.add_s8 : scalar.add_u8)(a + i, b + i, y + i, n - i, p);
  }
}

const QAddKernels kAvx2{Isa::kAvx2, add<false>, add<true>};

}  // namespace

const QAddKernels* qadd_kernels_avx2() { return &kAvx2; }

}  // namespace octet
