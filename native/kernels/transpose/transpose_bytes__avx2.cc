// 16 source rows by 32 columns: the 16x16 interleave network on both 128-bit lanes of a ymm register
// (vpunpck*bw work per lane), lane L holding the tile of columns 16L..16L+15.
#include <immintrin.h>

#include "transpose_bytes.h"

namespace octet {

namespace {

void transpose_16x32(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride) {
  __m256i r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i * src_stride));
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm256_unpacklo_epi8(r[i], r[i + 8]);
      t[2 * i + 1] = _mm256_unpackhi_epi8(r[i], r[i + 8]);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
  // Lane L of r[i] is destination row 16L + i (its 16 bytes: the 16 source rows).
  for (int i = 0; i < 16; ++i) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dst_stride), _mm256_castsi256_si128(r[i]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (16 + i) * dst_stride), _mm256_extracti128_si256(r[i], 1));
  }
}

}  // namespace

TransposeBytesFn transpose_bytes_16x32_avx2() { return transpose_16x32; }

}  // namespace octet
