// 16 source rows by 64 columns: the 16x16 interleave network on all four 128-bit lanes of a zmm
// register (vpunpck*bw work per lane), lane L holding the tile of columns 16L..16L+15.
#include <immintrin.h>

#include "transpose_bytes.h"

namespace octet {

namespace {

void transpose_16x64(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride) {
  __m512i r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(src + i * src_stride);
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_epi8(r[i], r[i + 8]);
      t[2 * i + 1] = _mm512_unpackhi_epi8(r[i], r[i + 8]);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
  // Lane L of r[i] is destination row 16L + i (its 16 bytes: the 16 source rows).
  for (int i = 0; i < 16; ++i) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dst_stride), _mm512_castsi512_si128(r[i]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (16 + i) * dst_stride), _mm512_extracti32x4_epi32(r[i], 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (32 + i) * dst_stride), _mm512_extracti32x4_epi32(r[i], 2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (48 + i) * dst_stride), _mm512_extracti32x4_epi32(r[i], 3));
  }
}

}  // namespace

TransposeBytesFn transpose_bytes_16x64_avx512() { return transpose_16x64; }

}  // namespace octet
