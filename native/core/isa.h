// Instruction-set paths that kernels exist for. One enum shared by dispatch, kernels and the addon,
// so a path's name is spelled the same everywhere (OCTET_ISA, runtimeInfo(), test names).
#pragma once

namespace octet {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512Vnni = 2, kNeon = 3, kNeonDot = 4, kAvxVnni = 5 };

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeon: return "neon";
    case Isa::kNeonDot: return "neondot";
    case Isa::kAvxVnni: return "avxvnni";
  }
  return "unknown";
}

}  // namespace octet
