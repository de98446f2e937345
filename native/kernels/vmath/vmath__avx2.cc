// AVX2+FMA vmath path: 8 floats per vector. Compiled with -mavx2 -mfma. The primitives below carry
// exactly the scalar file's semantics (maxps/minps are "a > b ? a : b" / "a < b ? a : b").
#include <immintrin.h>

#include <cstdint>

#include "vmath.h"

namespace octet {

namespace {

constexpr size_t kLanes = 8;
using F = __m256;
using I = __m256i;
using M = __m256;

inline F splat(float v) { return _mm256_set1_ps(v); }
inline I isplat(int32_t v) { return _mm256_set1_epi32(v); }
inline F load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
inline F add(F a, F b) { return _mm256_add_ps(a, b); }
inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
inline F div(F a, F b) { return _mm256_div_ps(a, b); }
inline F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
inline F vmax(F a, F b) { return _mm256_max_ps(a, b); }
inline F vmin(F a, F b) { return _mm256_min_ps(a, b); }
inline M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
inline M isnan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
inline I as_int(F v) { return _mm256_castps_si256(v); }
inline F as_float(I i) { return _mm256_castsi256_ps(i); }
inline F fand(F a, F b) { return _mm256_and_ps(a, b); }
inline F f_or(F a, F b) { return _mm256_or_ps(a, b); }
inline F fxor(F a, F b) { return _mm256_xor_ps(a, b); }
inline I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
inline I isub(I a, I b) { return _mm256_sub_epi32(a, b); }
inline I iand(I a, I b) { return _mm256_and_si256(a, b); }
inline I shl23(I a) { return _mm256_slli_epi32(a, 23); }
inline I sar1(I a) { return _mm256_srai_epi32(a, 1); }
inline I sar23(I a) { return _mm256_srai_epi32(a, 23); }
inline F to_float(I a) { return _mm256_cvtepi32_ps(a); }

#include "vmath_algorithms.h"

const VMathKernels kTable = OCTET_VMATH_TABLE(Isa::kAvx2);

}  // namespace

const VMathKernels* vmath_kernels_avx2() { return &kTable; }

}  // namespace octet
