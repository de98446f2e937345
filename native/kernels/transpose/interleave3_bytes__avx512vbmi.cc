// Three byte rows into pixels with AVX-512 VBMI (compiled with the AVX-512 path's flags; VBMI enabled
// per function, as the path itself does not require it): 64 pixels per step. Each 64-byte output
// vector is one two-source byte permute of the first two rows, and a masked one-source permute fills
// in the third row's bytes. A quantized image model's input (RGB planes, NCHW) becomes channels-last
// this way at memory speed; the plain loop moved one byte at a time.
#include <immintrin.h>

#include "transpose_bytes.h"

namespace octet {

namespace {

// For output vector k, byte i holds channel (64k + i) % 3 of pixel (64k + i) / 3: index into the
// permute of rows 0 and 1 (row 1 from 64), and whether row 2 supplies the byte.
struct Step {
  alignas(64) uint8_t index01[3][64];
  alignas(64) uint8_t index2[3][64];
  uint64_t row2[3];
  Step() {
    for (int k = 0; k < 3; ++k) {
      row2[k] = 0;
      for (int i = 0; i < 64; ++i) {
        const int q = 64 * k + i, pixel = q / 3, channel = q % 3;
        index01[k][i] = static_cast<uint8_t>(channel == 1 ? 64 + pixel : pixel);
        index2[k][i] = static_cast<uint8_t>(pixel);
        if (channel == 2) row2[k] |= uint64_t{1} << i;
      }
    }
  }
};

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void interleave3(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t n) {
  static const Step step;
  const __m512i i01[3] = {_mm512_load_si512(step.index01[0]), _mm512_load_si512(step.index01[1]), _mm512_load_si512(step.index01[2])};
  const __m512i i2[3] = {_mm512_load_si512(step.index2[0]), _mm512_load_si512(step.index2[1]), _mm512_load_si512(step.index2[2])};
  const uint8_t* r0 = src;
  const uint8_t* r1 = src + src_stride;
  const uint8_t* r2 = src + 2 * src_stride;
  size_t j = 0;
  for (; j + 64 <= n; j += 64) {
    const __m512i a = _mm512_loadu_si512(r0 + j), b = _mm512_loadu_si512(r1 + j), c = _mm512_loadu_si512(r2 + j);
    for (int k = 0; k < 3; ++k) {
      const __m512i ab = _mm512_permutex2var_epi8(a, i01[k], b);
      _mm512_storeu_si512(dst + 3 * j + 64 * k, _mm512_mask_permutexvar_epi8(ab, step.row2[k], i2[k], c));
    }
  }
  for (; j < n; ++j) {  // the last 0-63 pixels
    dst[3 * j] = r0[j];
    dst[3 * j + 1] = r1[j];
    dst[3 * j + 2] = r2[j];
  }
}

}  // namespace

InterleaveBytesFn interleave3_bytes_avx512vbmi() { return interleave3; }

}  // namespace octet
