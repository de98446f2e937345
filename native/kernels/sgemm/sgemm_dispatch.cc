// Picks the float GEMM kernel for a path. Paths this architecture does not build have no kernel
// symbols at all, so their references are compiled only where they exist.
#include <string>

#include "../../core/status.h"
#include "sgemm_kernel.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
const SGemmKernel* sgemm_kernel_avx2() { return nullptr; }
const SGemmKernel* sgemm_kernel_avx512() { return nullptr; }
#endif
#if !defined(__aarch64__)
const SGemmKernel* sgemm_kernel_neon() { return nullptr; }
#endif

const SGemmKernel& sgemm_kernel(Isa isa) {
  const SGemmKernel* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = sgemm_kernel_scalar(); break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: k = sgemm_kernel_avx2(); break;
    case Isa::kAvx512Vnni: k = sgemm_kernel_avx512(); break;
    case Isa::kNeon:
    case Isa::kNeonDot: k = sgemm_kernel_neon(); break;
  }
  if (k == nullptr) throw_range(std::string("no float GEMM kernel for ISA ") + isa_name(isa) + " in this build");
  return *k;
}

}  // namespace octet
