// AVX-512 VBMI table lookup (compiled with the AVX-512 path's flags; VBMI enabled per function, as
// the path itself does not require it). vpermi2b looks up 128 entries by the index's low 7 bits;
// the index's top bit then picks the lower or upper half.
#include <immintrin.h>

#include "lookup_kernel.h"

namespace octet {

namespace {

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void lookup_vbmi(const uint8_t* x, uint8_t* y, size_t n,
                                                                       const uint8_t* table) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i v = _mm512_loadu_si512(x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
  if (i < n) {
    const __mmask64 k = (~uint64_t{0}) >> (64 - (n - i));  // masked: no byte outside [i, n) is touched
    const __m512i v = _mm512_maskz_loadu_epi8(k, x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, k, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
}

}  // namespace

LookupFn lookup_bytes_avx512vbmi() { return lookup_vbmi; }

}  // namespace octet
