// Picks the wide byte-transpose tile for a path; paths this architecture does not build report
// "absent" instead of failing to link.
#include "transpose_bytes.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
TransposeBytesFn transpose_bytes_16x32_avx2() { return nullptr; }
TransposeBytesFn transpose_bytes_16x64_avx512() { return nullptr; }
#endif

TransposeBytesTile transpose_bytes_tile(Isa isa) {
  TransposeBytesTile tile;
  switch (isa) {
    case Isa::kAvx512Vnni: tile = {transpose_bytes_16x64_avx512(), 64}; break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: tile = {transpose_bytes_16x32_avx2(), 32}; break;
    default: break;
  }
  if (tile.fn == nullptr) tile.columns = 0;
  return tile;
}

}  // namespace octet
