#include "layout_transpose.h"

#include <algorithm>
#include <type_traits>

#include "../../core/parallel.h"
#include "../../dispatch/dispatch.h"
#include "../../kernels/transpose/transpose_bytes.h"

// 4x4 register transposes for 4-byte elements and 16x16 ones for bytes, with the baseline vector ISA of each architecture
// (SSE on x86-64, NEON on AArch64: no special compiler flags). They only move bits, so every path
// gives the same result; elsewhere the plain loop does.
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#define OCTET_TRANSPOSE_4X4 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#define OCTET_TRANSPOSE_4X4 1
#endif

namespace octet {

namespace {

// 64x64 blocks: 16 KiB of floats read and 16 KiB written, both in L1; each task takes a band of
// blocks so that a task is worth the pool's hand-off (~32K elements).
constexpr size_t kBlock = 64;
constexpr size_t kElementsPerTask = 32 * 1024;

#if defined(OCTET_TRANSPOSE_4X4)
// dst[j][i] = src[i][j] for a 4x4 tile of floats (bit patterns, NaN payloads included).
inline void transpose_4x4(const float* src, size_t src_stride, float* dst, size_t dst_stride) {
#if defined(__x86_64__) || defined(_M_X64)
  __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + src_stride);
  __m128 r2 = _mm_loadu_ps(src + 2 * src_stride), r3 = _mm_loadu_ps(src + 3 * src_stride);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(dst, r0);
  _mm_storeu_ps(dst + dst_stride, r1);
  _mm_storeu_ps(dst + 2 * dst_stride, r2);
  _mm_storeu_ps(dst + 3 * dst_stride, r3);
#else
  const float32x4x2_t t01 = vtrnq_f32(vld1q_f32(src), vld1q_f32(src + src_stride));
  const float32x4x2_t t23 = vtrnq_f32(vld1q_f32(src + 2 * src_stride), vld1q_f32(src + 3 * src_stride));
  vst1q_f32(dst, vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0])));
  vst1q_f32(dst + dst_stride, vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1])));
  vst1q_f32(dst + 2 * dst_stride, vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0])));
  vst1q_f32(dst + 3 * dst_stride, vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1])));
#endif
}

// dst[j][i] = src[i][j] for a 16x16 tile of bytes. Each of the four rounds interleaves register i
// with register i + 8 (bytes of both, low halves into 2i, high halves into 2i + 1): with the tile
// index written as (row bits, column bits), a round rotates those eight bits left by one, so four
// rounds swap rows and columns.
inline void transpose_16x16_bytes(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride) {
#if defined(__x86_64__) || defined(_M_X64)
  __m128i r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i * src_stride));
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm_unpacklo_epi8(r[i], r[i + 8]);
      t[2 * i + 1] = _mm_unpackhi_epi8(r[i], r[i + 8]);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
  for (int i = 0; i < 16; ++i) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dst_stride), r[i]);
#else
  uint8x16_t r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = vld1q_u8(src + i * src_stride);
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = vzip1q_u8(r[i], r[i + 8]);
      t[2 * i + 1] = vzip2q_u8(r[i], r[i + 8]);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
  for (int i = 0; i < 16; ++i) vst1q_u8(dst + i * dst_stride, r[i]);
#endif
}
#endif

// `wide`: a wider byte tile for the active path (kernels/transpose), taken first where whole ones fit.
template <typename T>
void transpose_block(const T* src, T* dst, size_t rows, size_t cols, size_t r0, size_t r1, size_t c0, size_t c1, [[maybe_unused]] const TransposeBytesTile& wide) {
#if defined(OCTET_TRANSPOSE_4X4)
  if constexpr (std::is_same_v<T, float>) {
    // Whole 4x4 tiles in registers; the ragged right and bottom edges fall through to the loop below.
    const size_t r4 = r0 + (r1 - r0) / 4 * 4, c4 = c0 + (c1 - c0) / 4 * 4;
    for (size_t i = r0; i < r4; i += 4)
      for (size_t j = c0; j < c4; j += 4) transpose_4x4(src + i * cols + j, cols, dst + j * rows + i, rows);
    for (size_t i = r4; i < r1; ++i)
      for (size_t j = c0; j < c1; ++j) dst[j * rows + i] = src[i * cols + j];
    for (size_t j = c4; j < c1; ++j)
      for (size_t i = r0; i < r4; ++i) dst[j * rows + i] = src[i * cols + j];
    return;
  }
  if constexpr (sizeof(T) == 1) {
    const size_t r16 = r0 + (r1 - r0) / 16 * 16, c16 = c0 + (c1 - c0) / 16 * 16;
    for (size_t i = r0; i < r16; i += 16) {
      size_t j = c0;
      if (wide.fn != nullptr)
        for (; j + wide.columns <= c1; j += wide.columns)
          wide.fn(reinterpret_cast<const uint8_t*>(src + i * cols + j), cols, reinterpret_cast<uint8_t*>(dst + j * rows + i), rows);
      if (wide.half != nullptr)
        for (; j + 32 <= c1; j += 32)
          wide.half(reinterpret_cast<const uint8_t*>(src + i * cols + j), cols, reinterpret_cast<uint8_t*>(dst + j * rows + i), rows);
      for (; j < c16; j += 16)
        transpose_16x16_bytes(reinterpret_cast<const uint8_t*>(src + i * cols + j), cols, reinterpret_cast<uint8_t*>(dst + j * rows + i), rows);
    }
    for (size_t i = r16; i < r1; ++i)
      for (size_t j = c0; j < c1; ++j) dst[j * rows + i] = src[i * cols + j];
    for (size_t j = c16; j < c1; ++j)
      for (size_t i = r0; i < r16; ++i) dst[j * rows + i] = src[i * cols + j];
    return;
  }
#endif
  // 8x8 sub-tiles keep both the 8 source rows and the 8 destination rows in flight.
  for (size_t i0 = r0; i0 < r1; i0 += 8) {
    const size_t i1 = std::min(r1, i0 + 8);
    for (size_t j0 = c0; j0 < c1; j0 += 8) {
      const size_t j1 = std::min(c1, j0 + 8);
      for (size_t j = j0; j < j1; ++j) {
        T* d = dst + j * rows;
        for (size_t i = i0; i < i1; ++i) d[i] = src[i * cols + j];
      }
    }
  }
}

}  // namespace

// Fewer than 4 rows (an RGB image's channels): interleave the rows, writing dst in order.
template <size_t Rows, typename T>
void interleave_rows(const T* src, T* dst, size_t cols, size_t c0, size_t c1) {
  for (size_t j = c0; j < c1; ++j)
    for (size_t i = 0; i < Rows; ++i) dst[j * Rows + i] = src[i * cols + j];
}

template <typename T>
void transpose_batched(const T* src, T* dst, size_t batches, size_t rows, size_t cols, int threads) {
  if (batches == 0 || rows == 0 || cols == 0) return;
  if (rows < 4) {
    InterleaveBytesFn interleave3 = nullptr;  // bytes: the path's fast interleave of three rows
    if constexpr (sizeof(T) == 1) interleave3 = interleave3_bytes(active_isa());
    const size_t chunk = kElementsPerTask / rows;
    const size_t chunks = (cols + chunk - 1) / chunk;
    parallel_tasks(batches * chunks, threads, [&](size_t t) {
      const size_t b = t / chunks, c0 = t % chunks * chunk;
      const T* s = src + b * rows * cols;
      T* d = dst + b * rows * cols;
      const size_t c1 = std::min(cols, c0 + chunk);
      if (rows == 3 && interleave3 != nullptr) {
        interleave3(reinterpret_cast<const uint8_t*>(s) + c0, cols, reinterpret_cast<uint8_t*>(d) + 3 * c0, c1 - c0);
        return;
      }
      switch (rows) {  // a constant row count lets the compiler vectorise the interleave
        case 1: interleave_rows<1>(s, d, cols, c0, c1); break;
        case 2: interleave_rows<2>(s, d, cols, c0, c1); break;
        default: interleave_rows<3>(s, d, cols, c0, c1); break;
      }
    });
    return;
  }
  const size_t row_blocks = (rows + kBlock - 1) / kBlock;
  const size_t col_blocks = (cols + kBlock - 1) / kBlock;
  // Tasks are bands of whole column blocks within one row block of one matrix.
  const size_t block_elems = std::min(rows, kBlock) * std::min(cols, kBlock);
  const size_t band = std::max<size_t>(1, std::min(col_blocks, kElementsPerTask / std::max<size_t>(block_elems, 1)));
  const size_t bands = (col_blocks + band - 1) / band;
  const size_t tasks = batches * row_blocks * bands;
  TransposeBytesTile wide;
  if constexpr (sizeof(T) == 1) wide = transpose_bytes_tile(active_isa());
  parallel_tasks(tasks, threads, [&](size_t t) {
    const size_t b = t / (row_blocks * bands);
    const size_t rb = t / bands % row_blocks;
    const size_t cb0 = t % bands * band;
    const size_t r0 = rb * kBlock, r1 = std::min(rows, r0 + kBlock);
    const T* s = src + b * rows * cols;
    T* d = dst + b * rows * cols;
    for (size_t cb = cb0; cb < std::min(col_blocks, cb0 + band); ++cb)
      transpose_block(s, d, rows, cols, r0, r1, cb * kBlock, std::min(cols, cb * kBlock + kBlock), wide);
  });
}

template void transpose_batched<float>(const float*, float*, size_t, size_t, size_t, int);
template void transpose_batched<uint8_t>(const uint8_t*, uint8_t*, size_t, size_t, size_t, int);
template void transpose_batched<int8_t>(const int8_t*, int8_t*, size_t, size_t, size_t, int);
template void transpose_batched<int64_t>(const int64_t*, int64_t*, size_t, size_t, size_t, int);

}  // namespace octet
