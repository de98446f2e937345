// Depthwise convolution on quantized data, channels last: every output channel reads one input
// channel, so the work is a short integer sum of taps per channel, vectorised over channels. As for
// the float kernel (kernels/dwconv), the caller hands over per output pixel one pointer per tap (an
// indirection buffer) at channel 0 of the input pixel the tap reads — or at a vector filled with the
// input's zero point for taps in the padding, which then add exactly nothing — or, for a run of
// pixels that reads no padding, the first pixel's pointers and the spacing between pixels.
//
// The definition every ISA path matches bit for bit (the scalar kernel computes exactly this):
//   acc = bias[c] + Σ_t x[p][t][c] · w[t][c]        int32, wrapping (it cannot overflow for real
//                                                    layers: |x·w| < 2^16, taps < 2^15)
// where x is the input byte read as uint8 or int8 (input_signed) and w the int16 weights the caller
// prepared: w = weight - weight_zero_point, in [-255, 255]. The input zero point is not subtracted
// here: the caller folds it into bias (bias[c] = b[c] - x_zero_point · Σ_t w[t][c]), exactly.
// Then the output, as the int8 GEMM's epilogue (kernels/qgemm/qgemm_kernel.h) finishes it:
//   kInt32:  acc
//   kUint8 / kInt8:  f = float(acc) · scale[c];  f = max(f, lo); f = min(f, hi);
//                    q = nearbyint(f) + zero_point   (round half to even; lo = qmin - zero_point,
//                    hi = qmax - zero_point, as floats)
// Every step is one exact integer or IEEE operation, so all ISAs agree bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"
#include "../qgemm/qgemm_kernel.h"  // OutputKind

namespace octet {

struct QDwConvArgs {
  size_t channels = 0;
  size_t pixels = 0;  // output pixels in this call
  size_t taps = 0;    // kD * kH * kW
  // input_stride == 0: [pixels][taps] pointers, each to `channels` readable bytes. Otherwise [taps]
  // pointers for pixel 0, and pixel p's tap t reads input[t] + p * input_stride (bytes).
  const uint8_t* const* input = nullptr;
  size_t input_stride = 0;
  bool input_signed = false;    // bytes are int8 (else uint8)
  const void* weights = nullptr;  // packed by QDwConvKernel::pack for (taps, channels)
  const int32_t* bias = nullptr;  // [channels], the input zero point already folded in
  OutputKind kind = OutputKind::kUint8;  // kInt32, kUint8 or kInt8
  const float* scale = nullptr;   // [channels] requantization multipliers (unused for kInt32)
  int32_t zero_point = 0;         // output zero point (kUint8 / kInt8)
  float lo = 0, hi = 0;           // qmin - zero_point, qmax - zero_point
  // Every scale[c] is at most 0.5 (the caller checks): a kernel may round before it clamps, as the
  // int8 GEMM's (EpilogueTile::scale_at_most_half); the bytes are the same.
  bool scale_at_most_half = false;
  void* output = nullptr;         // pixel p at output + p * output_stride elements
  size_t output_stride = 0;       // elements (bytes for kUint8/kInt8, int32s for kInt32), >= channels
};

// Two output rows of a 3x3 depthwise convolution with stride 1 and dilation 1, over output columns
// whose taps are all inside the input (no padding). Output rows y and y + 1 read input rows y - 1 ...
// y + 2 (rows[0..3], each at the input pixel of the first column's left tap, channel 0). The middle
// pair of input rows serves both outputs, and each input column serves three neighbouring outputs,
// so a kernel interleaves and widens every input vector once instead of once per output and tap:
//   output row y:      rows 1,2 at columns +0,+1,+2 with (w1j, w2j); row 0 as (c, c+1) with
//                      (w00, w01), then as (c+1, c+2) with (0, w02)
//   output row y + 1:  rows 1,2 with (w0j, w1j); row 3 the same way with (w20, w21), (0, w22)
// The weights are the kernel's pack() of kRowPairTaps synthetic taps, in the order of those pairs
// (row_pair_taps builds them from w[9][channels]). Only for 8-bit output with scale_at_most_half;
// the sums are the definition's exact integers, so the bytes are run()'s.
struct QDwConvRowPairArgs {
  const QDwConvArgs* base = nullptr;  // channels, input_signed, bias, kind, scale, zero point, range
  const uint8_t* rows[4] = {};
  size_t input_pixel_stride = 0;  // bytes between neighbouring input pixels
  size_t pixels = 0;              // output columns
  uint8_t* output[2] = {};        // the two output rows at the first column
  size_t output_pixel_stride = 0;  // bytes between neighbouring output pixels, >= channels
  const void* weights = nullptr;  // pack() of row_pair_taps
};

constexpr size_t kRowPairTaps = 20;

// The synthetic taps of a row-pair kernel's weights, [kRowPairTaps][channels], from w [9][channels]
// (tap 3·i + j for row i, column j), pairs in this order: (w1j, w2j) for j = 0..2, (w0j, w1j) for
// j = 0..2, (w00, w01), (0, w02), (w20, w21), (0, w22).
inline void row_pair_taps(const int16_t* w, size_t channels, int16_t* out) {
  const int pairs[10][2] = {{3, 6}, {4, 7}, {5, 8}, {0, 3}, {1, 4}, {2, 5}, {0, 1}, {-1, 2}, {6, 7}, {-1, 8}};
  for (size_t p = 0; p < 10; ++p)
    for (size_t half = 0; half < 2; ++half)
      for (size_t c = 0; c < channels; ++c) {
        const int t = pairs[p][half];
        out[(2 * p + half) * channels + c] = t < 0 ? int16_t{0} : w[static_cast<size_t>(t) * channels + c];
      }
}

struct QDwConvKernel {
  Isa isa;
  const char* name;  // "qdwconv_c32__avx512": channel tile, ISA
  // Bytes pack() writes for these sizes.
  size_t (*packed_bytes)(size_t taps, size_t channels);
  // w: [taps][channels] int16 in [-255, 255] (weight minus its zero point) → the kernel's layout.
  void (*pack)(const int16_t* w, size_t taps, size_t channels, void* packed);
  void (*run)(const QDwConvArgs& args);
  // Optional (null: absent): see QDwConvRowPairArgs.
  void (*run_row_pair)(const QDwConvRowPairArgs& args) = nullptr;
};

// Per-ISA tables; null when this build does not carry the path.
const QDwConvKernel* qdwconv_kernel_scalar();
const QDwConvKernel* qdwconv_kernel_avx2();
const QDwConvKernel* qdwconv_kernel_avx512();
const QDwConvKernel* qdwconv_kernel_neon();

// The table for a path (kAvx512Vnni -> avx512, kAvx2/kAvxVnni -> avx2, kNeon/kNeonDot -> neon,
// kScalar -> scalar); throws a RangeError if this build lacks it.
const QDwConvKernel& qdwconv_kernel(Isa isa);

}  // namespace octet
