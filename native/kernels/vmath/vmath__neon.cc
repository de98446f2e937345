// NEON vmath path (AArch64): 4 floats per vector. NEON's fmax/fmin differ from the scalar definition
// on NaN and on ±0, so max and min are a compare and a bit select, exactly "a > b ? a : b".
#include <arm_neon.h>

#include <cstdint>

#include "vmath.h"

namespace octet {

namespace {

constexpr size_t kLanes = 4;
using F = float32x4_t;
using I = int32x4_t;
using M = uint32x4_t;

inline F splat(float v) { return vdupq_n_f32(v); }
inline I isplat(int32_t v) { return vdupq_n_s32(v); }
inline F load(const float* p) { return vld1q_f32(p); }
inline void store(float* p, F v) { vst1q_f32(p, v); }
inline F add(F a, F b) { return vaddq_f32(a, b); }
inline F sub(F a, F b) { return vsubq_f32(a, b); }
inline F mul(F a, F b) { return vmulq_f32(a, b); }
inline F div(F a, F b) { return vdivq_f32(a, b); }
inline F fmadd(F a, F b, F c) { return vfmaq_f32(c, a, b); }
inline M gt(F a, F b) { return vcgtq_f32(a, b); }
inline M lt(F a, F b) { return vcltq_f32(a, b); }
inline M ge(F a, F b) { return vcgeq_f32(a, b); }
inline M isnan(F a) { return vmvnq_u32(vceqq_f32(a, a)); }
inline F select(M m, F a, F b) { return vbslq_f32(m, a, b); }
inline F vmax(F a, F b) { return select(gt(a, b), a, b); }
inline F vmin(F a, F b) { return select(lt(a, b), a, b); }
inline I as_int(F v) { return vreinterpretq_s32_f32(v); }
inline F as_float(I i) { return vreinterpretq_f32_s32(i); }
inline F fand(F a, F b) { return as_float(vandq_s32(as_int(a), as_int(b))); }
inline F f_or(F a, F b) { return as_float(vorrq_s32(as_int(a), as_int(b))); }
inline F fxor(F a, F b) { return as_float(veorq_s32(as_int(a), as_int(b))); }
inline I iadd(I a, I b) { return vaddq_s32(a, b); }
inline I isub(I a, I b) { return vsubq_s32(a, b); }
inline I iand(I a, I b) { return vandq_s32(a, b); }
inline I shl23(I a) { return vshlq_n_s32(a, 23); }
inline I sar1(I a) { return vshrq_n_s32(a, 1); }
inline I sar23(I a) { return vshrq_n_s32(a, 23); }
inline F to_float(I a) { return vcvtq_f32_s32(a); }

#include "vmath_algorithms.h"

const VMathKernels kTable = OCTET_VMATH_TABLE(Isa::kNeon);

}  // namespace

const VMathKernels* vmath_kernels_neon() { return &kTable; }

}  // namespace octet
