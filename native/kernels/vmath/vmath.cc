// Picks the vmath table for a path. The other architecture's tables are absent from a build, so their
// getters are defined here as null (this file is portable and always compiled).
#include "vmath.h"

#include <string>

#include "../../core/status.h"
#include "../../dispatch/dispatch.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
const VMathKernels* vmath_kernels_avx2() { return nullptr; }
const VMathKernels* vmath_kernels_avx512() { return nullptr; }
#endif
#if !defined(__aarch64__)
const VMathKernels* vmath_kernels_neon() { return nullptr; }
#endif

const VMathKernels& vmath_kernels(Isa isa) {
  const VMathKernels* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = vmath_kernels_scalar(); break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: k = vmath_kernels_avx2(); break;
    case Isa::kAvx512Vnni: k = vmath_kernels_avx512(); break;
    case Isa::kNeon:
    case Isa::kNeonDot: k = vmath_kernels_neon(); break;
  }
  if (k == nullptr) throw_range(std::string("no vector math kernels for ISA ") + isa_name(isa) + " in this build");
  return *k;
}

const VMathKernels& vmath() { return vmath_kernels(active_isa()); }

}  // namespace octet
