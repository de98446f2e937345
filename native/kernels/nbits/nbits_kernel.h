// Weight-only quantized B (com.microsoft MatMulNBits: unsigned 4- or 8-bit codes with a scale and a
// zero point per column and block of K) turned back into floats, a K slice at a time, in the float
// GEMM's panel layout — so the float micro-kernels compute on it unchanged and the weights stay
// 4 or 8 bits in memory.
//
// Packed codes (made once per session, see ops/matmul_nbits_ops.cc): for each panel of nr columns,
// K rows of codes. 8-bit: a row is nr bytes, byte j = column j. 4-bit: a row is nr/2 bytes, byte j
// holds column j in its low nibble and column j + nr/2 in its high nibble (so a vector unpacks a row
// with one mask and one shift, no interleaving).
//
// The definition every path computes, element for element (so every ISA gives the same bits):
//   out[r·nr + j] = (float(code(r, j)) - zero[j]) · scale[j]
// one exact conversion, one rounded subtraction (exact when the zero point is an integer), one
// rounded multiplication, never fused.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

struct NBitsKernels {
  Isa isa;
  int nr;  // the float GEMM kernel's panel width for this path
  // `rows` rows of packed codes → rows × nr floats; scale and zero hold nr values (one block).
  void (*dequant4)(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out);
  void (*dequant8)(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out);
};

// The definition as plain loops, for any even nr: the scalar path and the oracle of the tests.
inline void nbits_dequant4_reference(const uint8_t* codes, size_t rows, int nr, const float* scale, const float* zero,
                                     float* out) {
  const int half = nr / 2;
  for (size_t r = 0; r < rows; ++r, codes += half, out += nr) {
    for (int j = 0; j < half; ++j) {
      out[j] = (static_cast<float>(codes[j] & 15) - zero[j]) * scale[j];
      out[j + half] = (static_cast<float>(codes[j] >> 4) - zero[j + half]) * scale[j + half];
    }
  }
}

inline void nbits_dequant8_reference(const uint8_t* codes, size_t rows, int nr, const float* scale, const float* zero,
                                     float* out) {
  for (size_t r = 0; r < rows; ++r, codes += nr, out += nr) {
    for (int j = 0; j < nr; ++j) out[j] = (static_cast<float>(codes[j]) - zero[j]) * scale[j];
  }
}

const NBitsKernels* nbits_kernels_scalar();
const NBitsKernels* nbits_kernels_avx2();
const NBitsKernels* nbits_kernels_avx512();
const NBitsKernels* nbits_kernels_neon();

// The kernels for a path (kAvx2/kAvxVnni → AVX2, kAvx512Vnni → AVX-512, kNeon/kNeonDot → NEON).
const NBitsKernels& nbits_kernels(Isa isa);

}  // namespace octet
