// Picks the quantized depthwise table for a path. Tables of the other architecture are not compiled
// at all, hence the guards (dispatch/unbuilt_kernels.cc is shared and stays untouched).
#include <string>

#include "../../core/status.h"
#include "qdwconv_kernel.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
const QDwConvKernel* qdwconv_kernel_avx2() { return nullptr; }
const QDwConvKernel* qdwconv_kernel_avx512() { return nullptr; }
#endif
#if !defined(__aarch64__)
const QDwConvKernel* qdwconv_kernel_neon() { return nullptr; }
#endif

const QDwConvKernel& qdwconv_kernel(Isa isa) {
  const QDwConvKernel* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = qdwconv_kernel_scalar(); break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: k = qdwconv_kernel_avx2(); break;
    case Isa::kAvx512Vnni: k = qdwconv_kernel_avx512(); break;
    case Isa::kNeon:
    case Isa::kNeonDot: k = qdwconv_kernel_neon(); break;
  }
  if (k == nullptr) {
    throw_range(std::string("no quantized depthwise convolution kernel for ISA ") + isa_name(isa) + " in this build");
  }
  return *k;
}

}  // namespace octet
