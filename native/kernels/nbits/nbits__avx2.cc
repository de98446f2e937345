// AVX2: a 16-column panel row is two vectors of 8 floats. 4-bit rows are 8 bytes (low nibbles =
// columns 0-7, high nibbles = columns 8-15), 8-bit rows 16 bytes.
#include <immintrin.h>

#include "nbits_kernel.h"

namespace octet {

namespace {

constexpr int kNr = 16;

inline void store_row(__m128i lo8, __m128i hi8, const __m256 zero[2], const __m256 scale[2], float* out) {
  const __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo8));
  const __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi8));
  _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_sub_ps(a, zero[0]), scale[0]));
  _mm256_storeu_ps(out + 8, _mm256_mul_ps(_mm256_sub_ps(b, zero[1]), scale[1]));
}

void dequant4(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const __m256 s[2] = {_mm256_loadu_ps(scale), _mm256_loadu_ps(scale + 8)};
  const __m256 z[2] = {_mm256_loadu_ps(zero), _mm256_loadu_ps(zero + 8)};
  const __m128i mask = _mm_set1_epi8(15);
  for (size_t r = 0; r < rows; ++r, codes += kNr / 2, out += kNr) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes));
    store_row(_mm_and_si128(v, mask), _mm_and_si128(_mm_srli_epi16(v, 4), mask), z, s, out);
  }
}

void dequant8(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const __m256 s[2] = {_mm256_loadu_ps(scale), _mm256_loadu_ps(scale + 8)};
  const __m256 z[2] = {_mm256_loadu_ps(zero), _mm256_loadu_ps(zero + 8)};
  for (size_t r = 0; r < rows; ++r, codes += kNr, out += kNr) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes));
    store_row(v, _mm_srli_si128(v, 8), z, s, out);
  }
}

const NBitsKernels kKernels{Isa::kAvx2, kNr, dequant4, dequant8};

}  // namespace

const NBitsKernels* nbits_kernels_avx2() { return &kKernels; }

}  // namespace octet
