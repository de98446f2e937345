// AVX-512 QLinearAdd / QLinearMul: 16 elements per step, four steps per loop, a masked step for the
// tail (masked loads never touch the bytes they skip). Each step is the definition's operations lane
// by lane (vpmulld exact, vcvtdq2ps, vmulps, vaddps, vmaxps, vminps, then vcvtps2dq in the default
// round-half-even mode), so it matches the scalar kernels bit for bit; q is inside the output type's
// range, so vpmovdb's low bytes are exact. A broadcast b is widened once.
#include <immintrin.h>

#include "qbinary_kernel.h"

namespace octet {

namespace {

struct Constants {
  __m512i za, zb, zc;
  __m512 ra, rb, lo, hi;
  explicit Constants(const QBinaryParams& p)
      : za(_mm512_set1_epi32(p.za)), zb(_mm512_set1_epi32(p.zb)), zc(_mm512_set1_epi32(p.zc)),
        ra(_mm512_set1_ps(p.ra)), rb(_mm512_set1_ps(p.rb)), lo(_mm512_set1_ps(p.lo)), hi(_mm512_set1_ps(p.hi)) {}
};

template <bool Signed>
inline __m512i minus_zero_point(__m128i bytes, __m512i zero_point) {
  return _mm512_sub_epi32(Signed ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes), zero_point);
}

// 16 results from a - za and b - zb.
template <bool Mul>
inline __m128i step(__m512i da, __m512i db, const Constants& k) {
  __m512 f;
  if (Mul) f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_mullo_epi32(da, db)), k.ra);
  else f = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(da), k.ra), _mm512_mul_ps(_mm512_cvtepi32_ps(db), k.rb));
  f = _mm512_min_ps(_mm512_max_ps(f, k.lo), k.hi);
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(f), k.zc));
}

template <bool Signed, bool Mul>
void binary(const uint8_t* a, const uint8_t* b, size_t b_step, uint8_t* y, size_t n, const QBinaryParams& p) {
  const Constants k(p);
  const auto at = [](const uint8_t* base, size_t i) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i)); };
  const auto store = [&](size_t i, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), v); };
  // A broadcast b: b - zb once, for every step.
  const __m512i db_all = b_step == 0 ? _mm512_sub_epi32(_mm512_set1_epi32(Signed ? static_cast<int8_t>(b[0]) : b[0]), k.zb) : _mm512_setzero_si512();
  const auto db_at = [&](size_t i) { return b_step == 0 ? db_all : minus_zero_point<Signed>(at(b, i), k.zb); };
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    // All loads before the stores: y may be a or b.
    const __m512i a0 = minus_zero_point<Signed>(at(a, i), k.za), a1 = minus_zero_point<Signed>(at(a, i + 16), k.za);
    const __m512i a2 = minus_zero_point<Signed>(at(a, i + 32), k.za), a3 = minus_zero_point<Signed>(at(a, i + 48), k.za);
    const __m512i b0 = db_at(i), b1 = db_at(i + 16), b2 = db_at(i + 32), b3 = db_at(i + 48);
    store(i, step<Mul>(a0, b0, k));
    store(i + 16, step<Mul>(a1, b1, k));
    store(i + 32, step<Mul>(a2, b2, k));
    store(i + 48, step<Mul>(a3, b3, k));
  }
  for (; i + 16 <= n; i += 16) store(i, step<Mul>(minus_zero_point<Signed>(at(a, i), k.za), db_at(i), k));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512i da = minus_zero_point<Signed>(_mm_maskz_loadu_epi8(m, a + i), k.za);
    const __m512i db = b_step == 0 ? db_all : minus_zero_point<Signed>(_mm_maskz_loadu_epi8(m, b + i), k.zb);
    _mm_mask_storeu_epi8(y + i, m, step<Mul>(da, db, k));
  }
}

const QBinaryKernels kAvx512{Isa::kAvx512Vnni, binary<false, false>, binary<true, false>, binary<false, true>, binary<true, true>};

}  // namespace

const QBinaryKernels* qbinary_kernels_avx512() { return &kAvx512; }

}  // namespace octet
