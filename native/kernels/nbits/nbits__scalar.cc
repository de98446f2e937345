// The scalar path: the definition's loops at the scalar float GEMM's panel width (8).
#include "nbits_kernel.h"

namespace octet {

namespace {

constexpr int kNr = 8;

void dequant4(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  nbits_dequant4_reference(codes, rows, kNr, scale, zero, out);
}

void dequant8(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  nbits_dequant8_reference(codes, rows, kNr, scale, zero, out);
}

const NBitsKernels kKernels{Isa::kScalar, kNr, dequant4, dequant8};

}  // namespace

const NBitsKernels* nbits_kernels_scalar() { return &kKernels; }

}  // namespace octet
