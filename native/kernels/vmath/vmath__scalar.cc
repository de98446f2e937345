// The scalar vmath path: the algorithms of vmath_algorithms.h on a "vector" of one float. This is the
// oracle the vector paths match bit for bit; std::fma where they fuse, plain float operations elsewhere
// (the build's -ffp-contract=off keeps the compiler from fusing anything else).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "vmath.h"

namespace octet {

namespace {

constexpr size_t kLanes = 1;
using F = float;
using I = int32_t;
using M = bool;

inline F splat(float v) { return v; }
inline I isplat(int32_t v) { return v; }
inline F load(const float* p) { return *p; }
inline void store(float* p, F v) { *p = v; }
inline F add(F a, F b) { return a + b; }
inline F sub(F a, F b) { return a - b; }
inline F mul(F a, F b) { return a * b; }
inline F div(F a, F b) { return a / b; }
inline F fmadd(F a, F b, F c) { return std::fma(a, b, c); }
inline F vmax(F a, F b) { return a > b ? a : b; }
inline F vmin(F a, F b) { return a < b ? a : b; }
inline M gt(F a, F b) { return a > b; }
inline M lt(F a, F b) { return a < b; }
inline M ge(F a, F b) { return a >= b; }
inline M isnan(F a) { return a != a; }
inline F select(M m, F a, F b) { return m ? a : b; }
inline I as_int(F v) {
  I i;
  std::memcpy(&i, &v, 4);
  return i;
}
inline F as_float(I i) {
  F v;
  std::memcpy(&v, &i, 4);
  return v;
}
inline F fand(F a, F b) { return as_float(as_int(a) & as_int(b)); }
inline F f_or(F a, F b) { return as_float(as_int(a) | as_int(b)); }
inline F fxor(F a, F b) { return as_float(as_int(a) ^ as_int(b)); }
// Wrapping int32 arithmetic, as the vector units do.
inline I iadd(I a, I b) { return static_cast<I>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
inline I isub(I a, I b) { return static_cast<I>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
inline I iand(I a, I b) { return a & b; }
inline I shl23(I a) { return static_cast<I>(static_cast<uint32_t>(a) << 23); }
inline I sar1(I a) { return a >> 1; }
inline I sar23(I a) { return a >> 23; }
inline F to_float(I a) { return static_cast<float>(a); }

#include "vmath_algorithms.h"

const VMathKernels kTable = OCTET_VMATH_TABLE(Isa::kScalar);

}  // namespace

const VMathKernels* vmath_kernels_scalar() { return &kTable; }

}  // namespace octet
