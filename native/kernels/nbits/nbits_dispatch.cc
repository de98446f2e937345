// Picks the weight dequantization kernels for a path; paths this architecture does not build
// report "absent" instead of failing to link.
#include <string>

#include "../../core/status.h"
#include "nbits_kernel.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
const NBitsKernels* nbits_kernels_avx2() { return nullptr; }
const NBitsKernels* nbits_kernels_avx512() { return nullptr; }
#endif
#if !defined(__aarch64__)
const NBitsKernels* nbits_kernels_neon() { return nullptr; }
#endif

const NBitsKernels& nbits_kernels(Isa isa) {
  const NBitsKernels* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = nbits_kernels_scalar(); break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: k = nbits_kernels_avx2(); break;
    case Isa::kAvx512Vnni: k = nbits_kernels_avx512(); break;
    case Isa::kNeon:
    case Isa::kNeonDot: k = nbits_kernels_neon(); break;
  }
  if (k == nullptr) throw_range(std::string("no weight dequantization kernels for ISA ") + isa_name(isa) + " in this build");
  return *k;
}

}  // namespace octet
