// Round-first requantization of int32 sums to 8-bit outputs on AVX-512, shared by the int8 GEMM's
// fused tile (kernels/qgemm) and the depthwise kernel (kernels/qdwconv). Only for scales of at most
// 0.5 (EpilogueTile::scale_at_most_half, QDwConvArgs::scale_at_most_half): then |v·scale| ≤ 2^30 and
// round(v·scale) converts to int32 exactly. The steps: round(v·scale); pack to int16 with saturation;
// + zero point with saturation; pack to bytes with saturation, which clamps to the type's range; then
// max/min to [qmin, qmax]. Rounding is monotonic and keeps integers, so with integer bounds
// clamp(round(f)) = round(clamp(f)): the definition's bytes (clamp, round, + zero point).
//
// The packs work per 128-bit lane: words() leaves, per lane, 4 values of a then 4 of b; bytes() leaves,
// per lane, 8 bytes of its first argument then 8 of its second. Each caller permutes them into its
// own channel order.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace octet::requant_avx512 {

// The output's constants, broadcast once.
struct Constants {
  __m512i zero_point16, qmin, qmax;  // int16 zero point; qmin / qmax as bytes
  // lo, hi: qmin - zero_point, qmax - zero_point as floats (exact integers).
  Constants(int32_t zero_point, float lo, float hi)
      : zero_point16(_mm512_set1_epi16(static_cast<int16_t>(zero_point))),
        qmin(_mm512_set1_epi8(static_cast<char>(static_cast<int32_t>(lo) + zero_point))),
        qmax(_mm512_set1_epi8(static_cast<char>(static_cast<int32_t>(hi) + zero_point))) {}
};

inline __m512i round_scaled(__m512i v, __m512 scale) {
  return _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(v), scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// round(a·sa) and round(b·sb) as int16 with the zero point added, both saturating.
inline __m512i words(__m512i a, __m512 sa, __m512i b, __m512 sb, const Constants& k) {
  return _mm512_adds_epi16(_mm512_packs_epi32(round_scaled(a, sa), round_scaled(b, sb)), k.zero_point16);
}

// Two words() results as 64 bytes of the output type, clamped to [qmin, qmax].
template <bool Signed>
inline __m512i bytes(__m512i w0, __m512i w1, const Constants& k) {
  if constexpr (Signed) return _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(w0, w1), k.qmin), k.qmax);
  else return _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(w0, w1), k.qmin), k.qmax);
}

}  // namespace octet::requant_avx512
