// Portable path, and the shape of every vector kernel written out in plain C++: a 4×8 tile of
// accumulators, one std::fma chain per element, k in order. It runs where no SIMD path is supported
// and under OCTET_ISA=scalar.
#include <cmath>

#include "sgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

void ukernel(const SGemmTile& t) {
  float acc[kMr][kNr];
  for (int r = 0; r < t.rows; ++r)
    for (int j = 0; j < kNr; ++j) acc[r][j] = t.accumulate && j < t.cols ? t.c[r * t.ldc + j] : 0.0f;
  for (size_t k = 0; k < t.kc; ++k) {
    const float* b = t.b + k * t.ldb;
    for (int r = 0; r < t.rows; ++r) {
      const float a = t.a[r * t.lda + k];
      for (int j = 0; j < kNr; ++j) acc[r][j] = std::fma(a, b[j], acc[r][j]);
    }
  }
  for (int r = 0; r < t.rows; ++r) {
    float* c = t.c + r * t.ldc;
    for (int j = 0; j < t.cols; ++j) {
      float v = acc[r][j];
      if (t.finish) {
        if (t.bias != nullptr) v = v + t.bias[j];
        if (t.clamp) v = sgemm_clamp(v, t.min, t.max);
      }
      c[j] = v;
    }
  }
}

const SGemmKernel kKernel = {"sgemm_4x8__scalar", Isa::kScalar, kMr, kNr, ukernel, nullptr};

}  // namespace

const SGemmKernel* sgemm_kernel_scalar() { return &kKernel; }

}  // namespace octet
