// AVX-512 vmath path: 16 floats per vector, mask registers for compares. Compiled with the avx512vnni
// group's flags (AVX-512 F/BW/VL/DQ). Same primitive semantics as the scalar file.
#include <immintrin.h>

#include <cstdint>

#include "vmath.h"

// GCC 12's avx512fintrin.h seeds results with _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports once per inlined intrinsic: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace octet {

namespace {

constexpr size_t kLanes = 16;
using F = __m512;
using I = __m512i;
using M = __mmask16;

inline F splat(float v) { return _mm512_set1_ps(v); }
inline I isplat(int32_t v) { return _mm512_set1_epi32(v); }
inline F load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, F v) { _mm512_storeu_ps(p, v); }
inline F add(F a, F b) { return _mm512_add_ps(a, b); }
inline F sub(F a, F b) { return _mm512_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
inline F div(F a, F b) { return _mm512_div_ps(a, b); }
inline F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
inline F vmax(F a, F b) { return _mm512_max_ps(a, b); }
inline F vmin(F a, F b) { return _mm512_min_ps(a, b); }
inline M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
inline M isnan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
inline I as_int(F v) { return _mm512_castps_si512(v); }
inline F as_float(I i) { return _mm512_castsi512_ps(i); }
inline F fand(F a, F b) { return _mm512_and_ps(a, b); }
inline F f_or(F a, F b) { return _mm512_or_ps(a, b); }
inline F fxor(F a, F b) { return _mm512_xor_ps(a, b); }
inline I iadd(I a, I b) { return _mm512_add_epi32(a, b); }
inline I isub(I a, I b) { return _mm512_sub_epi32(a, b); }
inline I iand(I a, I b) { return _mm512_and_si512(a, b); }
inline I shl23(I a) { return _mm512_slli_epi32(a, 23); }
inline I sar1(I a) { return _mm512_srai_epi32(a, 1); }
inline I sar23(I a) { return _mm512_srai_epi32(a, 23); }
inline F to_float(I a) { return _mm512_cvtepi32_ps(a); }

#include "vmath_algorithms.h"

const VMathKernels kTable = OCTET_VMATH_TABLE(Isa::kAvx512Vnni);

}  // namespace

const VMathKernels* vmath_kernels_avx512() { return &kTable; }

}  // namespace octet
