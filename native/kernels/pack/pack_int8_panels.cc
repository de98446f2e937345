#include "pack_int8_panels.h"

#include <cstring>

namespace octet {

size_t int8_panels_bytes(int K, int N, int nr, int kr) {
  const int Kp = (K + kr - 1) / kr * kr;
  return (static_cast<size_t>(N) + nr - 1) / nr * int8_panel_bytes(Kp, nr);
}

void pack_int8_panels(const int8_t* b, size_t ldb, int K, int N, int nr, int kr, void* packed) {
  const int Kp = (K + kr - 1) / kr * kr;
  const size_t panel_size = int8_panel_bytes(Kp, nr);
  int8_t* panel = static_cast<int8_t*>(packed);
  for (int n0 = 0; n0 < N; n0 += nr) {
    std::memset(panel, 0, panel_size);
    const int cols = N - n0 < nr ? N - n0 : nr;
    for (int k = 0; k < K; ++k) {
      const int8_t* src = b + static_cast<size_t>(k) * ldb + n0;
      int8_t* group = panel + static_cast<size_t>(k / kr) * (kr * nr) + (k % kr);
      if (kr == 1) {
        std::memcpy(group, src, cols);
      } else {
        for (int c = 0; c < cols; ++c) group[c * kr] = src[c];
      }
    }
    panel += panel_size;
  }
}

}  // namespace octet
