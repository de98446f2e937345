// The int8 weight layout shared by the scalar, AVX-512 VNNI, NEON and NEON-dot kernels (AVX2 packs
// int16 pairs instead, see its kernel file). B (K×N, row-major) becomes ceil(N/nr) panels of nr
// columns; inside a panel K is padded to a multiple of kr and cut into groups of kr values, and each
// column's kr values of a group are contiguous:
//   byte (k, c) of a panel is at (k / kr)·(kr·nr) + c·kr + k % kr
// so one vector load feeds a multiply-accumulate instruction for a run of columns (kr = 4: one
// vpdpbusd / sdot lane per column; kr = 1: one row of the panel). Padding columns and K values are
// zero, which adds nothing to any sum.
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet {

// Bytes of one panel for K padded to Kp, and of all panels of a K×N matrix.
inline size_t int8_panel_bytes(int Kp, int nr) { return static_cast<size_t>(Kp) * nr; }
size_t int8_panels_bytes(int K, int N, int nr, int kr);

void pack_int8_panels(const int8_t* b, size_t ldb, int K, int N, int nr, int kr, void* packed);

// The three QGemmKernel packing entries for a kernel that uses this layout with panel width NR and
// K group KR: Int8Panels<kNr, kKr>::pack_b and so on.
template <int NR, int KR>
struct Int8Panels {
  static size_t panel_bytes(int Kp) { return int8_panel_bytes(Kp, NR); }
  static size_t packed_b_bytes(int K, int N) { return int8_panels_bytes(K, N, NR, KR); }
  static void pack_b(const int8_t* b, size_t ldb, int K, int N, void* packed) { pack_int8_panels(b, ldb, K, N, NR, KR, packed); }
};

}  // namespace octet
