// The GEMM form of a convolution on channels-last input: one im2col row per output pixel, its
// K = kD*kH*kW*cg columns in (kd, kh, kw, c) order — the order Conv packs its weights in, so a row
// times a packed weight column is the convolution sum in a fixed, documented order. Taps that fall
// into the padding are zeros (the sum still multiplies them, as the GEMM definition does).
#pragma once

#include <cstdint>

#include "conv_geometry.h"

namespace octet {

// Writes rows for output pixels [p0, p1), p = ((n*OD + od)*OH + oh)*OW + ow, into col (row stride
// kD*kH*kW*cg). x is [N, D, H, W, C]; the group's channels are [c0, c0 + cg). Padding taps are
// `pad`: 0 for float, the input's zero point for quantized bytes (so that x - zero_point is 0).
// T is float or uint8_t (int8 data as its bytes). row_stride (0: K) may exceed K: the columns
// [K, row_stride) of every row are then zero (the int8 GEMM reads K rounded up to 4 in place).
template <typename T>
void im2col_nhwc(const T* x, int64_t channels, int64_t c0, int64_t cg, const Window& win, int64_t p0, int64_t p1, T* col,
                 T pad = T(0), int64_t row_stride = 0);

}  // namespace octet
