// The scalar QLinearAdd / QLinearMul (the definitions, qbinary_kernel.h) and the choice of path.
#include "qbinary_kernel.h"

namespace octet {

namespace {

// 1.5·2^23: for |f| < 2^22, (f + kRoundMagic) - kRoundMagic is nearbyint(f) in the default
// round-half-even mode; clamped f is within ±255. (nearbyint is a libm call on baseline x86-64.)
constexpr float kRoundMagic = 12582912.0f;

inline int32_t requant(float f, const QBinaryParams& p) {
  f = f > p.lo ? f : p.lo;
  f = f < p.hi ? f : p.hi;
  return static_cast<int32_t>((f + kRoundMagic) - kRoundMagic) + p.zc;
}

template <typename T, bool Mul>
void binary(const uint8_t* a_bytes, const uint8_t* b_bytes, size_t b_step, uint8_t* y_bytes, size_t n, const QBinaryParams& p) {
  const T* a = reinterpret_cast<const T*>(a_bytes);
  const T* b = reinterpret_cast<const T*>(b_bytes);
  T* y = reinterpret_cast<T*>(y_bytes);
  for (size_t i = 0; i < n; ++i) {
    const int32_t da = a[i] - p.za, db = b[i * b_step] - p.zb;
    const float f = Mul ? static_cast<float>(da * db) * p.ra : static_cast<float>(da) * p.ra + static_cast<float>(db) * p.rb;
    y[i] = static_cast<T>(requant(f, p));
  }
}

const QBinaryKernels kScalar{Isa::kScalar, binary<uint8_t, false>, binary<int8_t, false>, binary<uint8_t, true>, binary<int8_t, true>};

}  // namespace

const QBinaryKernels* qbinary_kernels_scalar() { return &kScalar; }

#if !(defined(__x86_64__) || defined(_M_X64))
const QBinaryKernels* qbinary_kernels_avx2() { return nullptr; }
const QBinaryKernels* qbinary_kernels_avx512() { return nullptr; }
#endif

const QBinaryKernels& qbinary_kernels(Isa isa) {
  const QBinaryKernels* k = nullptr;
  if (isa == Isa::kAvx512Vnni) k = qbinary_kernels_avx512();
  else if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) k = qbinary_kernels_avx2();
  return k != nullptr ? *k : kScalar;
}

}  // namespace octet
