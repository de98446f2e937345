// The scalar QLinearAdd (the definition, qadd_kernel.h) and the choice of path.
#include <cmath>

#include "qadd_kernel.h"

namespace octet {

namespace {

// 1.5·2^23: for |f| < 2^22, (f + kRoundMagic) - kRoundMagic is nearbyint(f) in the default
// round-half-even mode; clamped f is within ±255. (nearbyint is a libm call on baseline x86-64.)
constexpr float kRoundMagic = 12582912.0f;

template <typename T>
void add(const uint8_t* a_bytes, const uint8_t* b_bytes, uint8_t* y_bytes, size_t n, const QAddParams& p) {
  const T* a = reinterpret_cast<const T*>(a_bytes);
  const T* b = reinterpret_cast<const T*>(b_bytes);
  T* y = reinterpret_cast<T*>(y_bytes);
  const int32_t za = p.za, zb = p.zb, zc = p.zc;
  const float ra = p.ra, rb = p.rb, lo = p.lo, hi = p.hi;
  for (size_t i = 0; i < n; ++i) {
    float f = static_cast<float>(a[i] - za) * ra + static_cast<float>(b[i] - zb) * rb;
    f = f > lo ? f : lo;
    f = f < hi ? f : hi;
    y[i] = static_cast<T>(static_cast<int32_t>((f + kRoundMagic) - kRoundMagic) + zc);
  }
}

const QAddKernels kScalar{Isa::kScalar, add<uint8_t>, add<int8_t>};

}  // namespace

const QAddKernels* qadd_kernels_scalar() { return &kScalar; }

#if !(defined(__x86_64__) || defined(_M_X64))
const QAddKernels* qadd_kernels_avx2() { return nullptr; }
const QAddKernels* qadd_kernels_avx512() { return nullptr; }
#endif

const QAddKernels& qadd_kernels(Isa isa) {
  const QAddKernels* k = nullptr;
  if (isa == Isa::kAvx512Vnni) k = qadd_kernels_avx512();
  else if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) k = qadd_kernels_avx2();
  return k != nullptr ? *k : kScalar;
}

}  // namespace octet
