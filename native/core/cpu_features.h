// What this CPU (and its OS) can run. Read once per process.
#pragma once

#include <string>
#include <vector>

namespace octet {

struct CpuFeatures {
  bool avx2 = false;        // with FMA; OS saves ymm state
  bool avx512vnni = false;  // AVX-512 F/BW/VL/VNNI; OS saves zmm and opmask state
  bool avx_vnni = false;
  bool avx512_vpopcntdq = false;
  bool avx512_vbmi = false;  // byte permutes (vpermb, vpermi2b): the table lookups
  bool neon = false;
  bool neon_dot = false;    // SDOT/UDOT (ARMv8.2 dot product)
  bool neon_i8mm = false;
  std::vector<std::string> names() const;
};

const CpuFeatures& cpu_features();

}  // namespace octet
