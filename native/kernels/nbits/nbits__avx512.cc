// AVX-512: a 32-column panel row is two vectors of 16 floats. 4-bit rows are 16 bytes (low nibbles =
// columns 0-15, high nibbles = columns 16-31), 8-bit rows 32 bytes.
#include <immintrin.h>

#include "nbits_kernel.h"

namespace octet {

namespace {

constexpr int kNr = 32;

inline void store_row(__m128i lo16, __m128i hi16, const __m512 zero[2], const __m512 scale[2], float* out) {
  const __m512 a = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(lo16));
  const __m512 b = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(hi16));
  _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_sub_ps(a, zero[0]), scale[0]));
  _mm512_storeu_ps(out + 16, _mm512_mul_ps(_mm512_sub_ps(b, zero[1]), scale[1]));
}

void dequant4(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const __m512 s[2] = {_mm512_loadu_ps(scale), _mm512_loadu_ps(scale + 16)};
  const __m512 z[2] = {_mm512_loadu_ps(zero), _mm512_loadu_ps(zero + 16)};
  const __m128i mask = _mm_set1_epi8(15);
  for (size_t r = 0; r < rows; ++r, codes += kNr / 2, out += kNr) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes));
    store_row(_mm_and_si128(v, mask), _mm_and_si128(_mm_srli_epi16(v, 4), mask), z, s, out);
  }
}

void dequant8(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const __m512 s[2] = {_mm512_loadu_ps(scale), _mm512_loadu_ps(scale + 16)};
  const __m512 z[2] = {_mm512_loadu_ps(zero), _mm512_loadu_ps(zero + 16)};
  for (size_t r = 0; r < rows; ++r, codes += kNr, out += kNr) {
    const __m128i* p = reinterpret_cast<const __m128i*>(codes);
    store_row(_mm_loadu_si128(p), _mm_loadu_si128(p + 1), z, s, out);
  }
}

const NBitsKernels kKernels{Isa::kAvx512Vnni, kNr, dequant4, dequant8};

}  // namespace

const NBitsKernels* nbits_kernels_avx512() { return &kKernels; }

}  // namespace octet
