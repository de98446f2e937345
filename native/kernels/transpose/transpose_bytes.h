// Wide byte transposes for the layout changes at a quantized convolution's boundary (NCHW <-> NHWC
// of uint8/int8 tensors): dst[j * dst_stride + i] = src[i * src_stride + j] for a tile of 16 source
// rows by `columns` source columns. The 16x16 network of the baseline path (four rounds of byte
// interleaves, ops/conv/layout_transpose.cc) runs on every 128-bit lane of a wider register at once,
// so one pass transposes 2 (AVX2) or 4 (AVX-512) tiles side by side: on a 144-channel 56x56 tensor
// the AVX-512 tile takes 31 µs where the 16x16 one takes 74 µs. They move bits only: every path gives
// the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

using TransposeBytesFn = void (*)(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride);

struct TransposeBytesTile {
  TransposeBytesFn fn = nullptr;  // null: no wide tile on this path (the 16x16 baseline does it all)
  size_t columns = 0;             // source columns per tile (32 or 64); always 16 source rows
  // A 16x32 tile for the columns a 64-wide one leaves (a 32-channel layer's whole width), or null.
  TransposeBytesFn half = nullptr;
};

// Null when this build lacks the path.
TransposeBytesFn transpose_bytes_16x32_avx2();
TransposeBytesFn transpose_bytes_16x64_avx512();

// The widest tile for a path.
TransposeBytesTile transpose_bytes_tile(Isa isa);

// dst[3 * j + i] = src[i * src_stride + j] for rows i < 3 and j < n: three byte rows (an image's RGB
// planes) into n pixels.
using InterleaveBytesFn = void (*)(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t n);

// Null when this build or CPU lacks AVX-512 VBMI.
InterleaveBytesFn interleave3_bytes_avx512vbmi();

// The fast three-row interleave for a path, or null (the plain loop then does it).
InterleaveBytesFn interleave3_bytes(Isa isa);

}  // namespace octet
