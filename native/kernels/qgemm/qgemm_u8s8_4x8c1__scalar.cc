// Portable path: plain C++ loops over the same packed layout contract as the SIMD kernels (panels of
// nr columns, K-major inside a panel). It runs on CPUs with no supported SIMD and is forced with
// OCTET_ISA=scalar.

#include "../pack/pack_int8_panels.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;
constexpr int kKr = 1;

using Panels = Int8Panels<kNr, kKr>;

void ukernel(int mr_used, int Kp, const void* a, size_t a_stride, const void* b_panel, int32_t* acc) {
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  for (int r = 0; r < mr_used; ++r) {
    const uint8_t* a_row = static_cast<const uint8_t*>(a) + static_cast<size_t>(r) * a_stride;
    uint32_t sums[kNr] = {};  // unsigned: wraps like the SIMD paths
    for (int k = 0; k < Kp; ++k) {
      const uint32_t av = a_row[k];
      for (int c = 0; c < kNr; ++c) sums[c] += av * static_cast<uint32_t>(static_cast<int32_t>(b[k * kNr + c]));
    }
    for (int c = 0; c < kNr; ++c) acc[r * kNr + c] = static_cast<int32_t>(sums[c]);
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_4x8c1__scalar", Isa::kScalar, kMr, kNr, kKr, AFormat::kU8, 0,
    Panels::packed_b_bytes, Panels::pack_b, ukernel, Panels::panel_bytes, qgemm_epilogue_scalar,
};

}  // namespace

const QGemmKernel* qgemm_kernel_scalar() { return &kKernel; }

}  // namespace octet
