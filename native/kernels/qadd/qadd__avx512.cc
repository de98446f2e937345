// AVX-512 QLinearAdd: 16 elements per step, four steps per loop, a masked step for the tail (masked
// loads never touch the bytes they skip). Each step is the definition's IEEE operations lane by lane
// (vcvtdq2ps, vmulps, vaddps, vmaxps, vminps, then vcvtps2dq in the default round-half-even mode),
// so it matches the scalar kernel bit for bit; q is inside the output type's range, so vpmovdb's low
// bytes are exact.
#include <immintrin.h>

#include "qadd_kernel.h"

namespace octet {

namespace {

struct Constants {
  __m512i za, zb, zc;
  __m512 ra, rb, lo, hi;
  explicit Constants(const QAddParams& p)
      : za(_mm512_set1_epi32(p.za)), zb(_mm512_set1_epi32(p.zb)), zc(_mm512_set1_epi32(p.zc)),
        ra(_mm512_set1_ps(p.ra)), rb(_mm512_set1_ps(p.rb)), lo(_mm512_set1_ps(p.lo)), hi(_mm512_set1_ps(p.hi)) {}
};

template <bool Signed>
inline __m512i widen(__m128i bytes) {
  return Signed ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
}

template <bool Signed>
inline __m128i add16(__m128i a, __m128i b, const Constants& k) {
  const __m512 fa = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(widen<Signed>(a), k.za)), k.ra);
  const __m512 fb = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(widen<Signed>(b), k.zb)), k.rb);
  const __m512 f = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(fa, fb), k.lo), k.hi);
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(f), k.zc));
}

template <bool Signed>
void add(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p) {
  const Constants k(p);
  const auto at = [](const uint8_t* base, size_t i) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i)); };
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    // All four loads before the stores: y may be a or b.
    const __m128i a0 = at(a, i), a1 = at(a, i + 16), a2 = at(a, i + 32), a3 = at(a, i + 48);
    const __m128i b0 = at(b, i), b1 = at(b, i + 16), b2 = at(b, i + 32), b3 = at(b, i + 48);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), add16<Signed>(a0, b0, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i + 16), add16<Signed>(a1, b1, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i + 32), add16<Signed>(a2, b2, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i + 48), add16<Signed>(a3, b3, k));
  }
  for (; i + 16 <= n; i += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), add16<Signed>(at(a, i), at(b, i), k));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm_mask_storeu_epi8(y + i, m, add16<Signed>(_mm_maskz_loadu_epi8(m, a + i), _mm_maskz_loadu_epi8(m, b + i), k));
  }
}

const QAddKernels kAvx512{Isa::kAvx512Vnni, add<false>, add<true>};

}  // namespace

const QAddKernels* qadd_kernels_avx512() { return &kAvx512; }

}  // namespace octet
