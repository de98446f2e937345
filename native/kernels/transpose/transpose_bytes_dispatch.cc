// Picks the wide byte-transpose tile for a path; paths this architecture does not build report
// "absent" instead of failing to link.
#include "transpose_bytes.h"

#include "../../core/cpu_features.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
TransposeBytesFn transpose_bytes_16x32_avx2() { return nullptr; }
TransposeBytesFn transpose_bytes_16x64_avx512() { return nullptr; }
InterleaveBytesFn interleave3_bytes_avx512vbmi() { return nullptr; }
#endif

TransposeBytesTile transpose_bytes_tile(Isa isa) {
  TransposeBytesTile tile;
  switch (isa) {
    case Isa::kAvx512Vnni: tile = {transpose_bytes_16x64_avx512(), 64, transpose_bytes_16x32_avx2()}; break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: tile = {transpose_bytes_16x32_avx2(), 32}; break;
    default: break;
  }
  if (tile.fn == nullptr) tile = {};
  return tile;
}

InterleaveBytesFn interleave3_bytes(Isa isa) {
  // VBMI is not part of AVX-512 VNNI (Cascade Lake has VNNI without it; Ice Lake, Zen 4 and later
  // have both).
  if (isa == Isa::kAvx512Vnni && cpu_features().avx512_vbmi) return interleave3_bytes_avx512vbmi();
  return nullptr;
}

}  // namespace octet
