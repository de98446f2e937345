// Depthwise convolution, float32, channels last: every output channel reads one input channel, so
// the work is not a GEMM but a short sum of taps per channel, vectorised over channels (XNNPACK's
// "up" kernels, written afresh). The caller hands over, per output pixel, one pointer per tap (an
// indirection buffer) at channel 0 of the input pixel the tap reads, or at a zero vector for taps in
// the padding — so the kernel has no border cases and strides/dilations/padding cost nothing here.
// Where a run of output pixels reads no padding, each tap's input pixels are evenly spaced: then the
// caller may hand over the first pixel's pointers and the spacing (input_stride) instead, sparing
// it `taps` pointers per pixel — as much work as the sums themselves when channels are few.
//
// The definition every ISA path matches bit for bit (the scalar kernel computes exactly this), the
// same as Conv's GEMM form (ops/sgemm.h) with K = taps:
//   acc = +0.0f; for t in 0..taps-1: acc = fmaf(input[p][t][c], weights[t][c], acc)
//   y = acc + bias[c]
//   if clamp: y = y > min ? y : min; y = y < max ? y : max   (x86 maxps/minps rules, also on NEON)
// A NaN result is NaN on every path; which NaN operand an add or fma passes on (sign, payload)
// depends on the instruction form the compiler picks, as for sgemm.
#pragma once

#include <cstddef>

#include "../../core/isa.h"

namespace octet {

struct DwConvF32Args {
  size_t channels = 0;
  size_t pixels = 0;               // output pixels in this call
  size_t taps = 0;                 // kH * kW
  // input_stride == 0: [pixels][taps] pointers, each to `channels` readable floats. Otherwise [taps]
  // pointers for pixel 0, and pixel p's tap t reads input[t] + p * input_stride.
  const float* const* input = nullptr;
  size_t input_stride = 0;
  const float* weights = nullptr;  // [taps][channels]
  const float* bias = nullptr;     // [channels]
  float* output = nullptr;         // pixel p at output + p * output_stride
  size_t output_stride = 0;        // floats, >= channels
  bool clamp = false;
  float min = 0, max = 0;
};

struct DwConvKernel {
  Isa isa;
  const char* name;  // "dwconv_f32_c32__avx512": element type, channel tile, ISA
  void (*f32)(const DwConvF32Args& args);
};

// Per-ISA tables; null when this build does not carry the path.
const DwConvKernel* dwconv_kernel_scalar();
const DwConvKernel* dwconv_kernel_avx2();
const DwConvKernel* dwconv_kernel_avx512();
const DwConvKernel* dwconv_kernel_neon();

// The table for a path (kAvx512Vnni -> avx512, kAvx2/kAvxVnni -> avx2, kNeon/kNeonDot -> neon);
// throws a RangeError if this build lacks it.
const DwConvKernel& dwconv_kernel(Isa isa);

}  // namespace octet
