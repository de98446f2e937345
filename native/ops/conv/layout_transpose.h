// NCHW <-> NHWC for the operators that compute channels-last inside (Conv, ConvTranspose, pooling)
// but are handed ONNX-layout tensors (channels_last = 0). Both are a batch of 2-D transposes, done in
// cache-sized blocks on the pool's threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet {

// dst[b][j][i] = src[b][i][j] for each of `batches` row-major [rows, cols] matrices.
// T is float, uint8_t/int8_t (1 byte) or int64_t.
template <typename T>
void transpose_batched(const T* src, T* dst, size_t batches, size_t rows, size_t cols, int threads);

// [N, C, HW] -> [N, HW, C]
template <typename T>
inline void nchw_to_nhwc(const T* src, T* dst, size_t n, size_t c, size_t hw, int threads) {
  transpose_batched(src, dst, n, c, hw, threads);
}
// [N, HW, C] -> [N, C, HW]
template <typename T>
inline void nhwc_to_nchw(const T* src, T* dst, size_t n, size_t c, size_t hw, int threads) {
  transpose_batched(src, dst, n, hw, c, threads);
}

}  // namespace octet
