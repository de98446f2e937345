// Element-wise quantization kernels (ONNX QuantizeLinear / DequantizeLinear semantics), one table per ISA.
//
// quantize:   y = saturate(round_half_even(x / scale) + zero_point). Division, not multiplication by
//             1/scale, because that is what ONNX (and onnxruntime) specify and the two differ in the
//             last bit. Computed as: f = x / scale; f = max(f, qmin - zp); f = min(f, qmax - zp);
//             y = round_half_even(f) + zp — clamping first keeps the conversion in range. The max and
//             min follow x86's maxps/minps operand rule, so a NaN input yields qmin on every ISA.
// dequantize: y = float(x - zero_point) * scale (the subtraction is exact in int32).
// minmax:     smallest and largest element; returns false if any element is NaN.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

struct QuantizeKernels {
  Isa isa;
  void (*quantize_u8)(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y);
  void (*quantize_s8)(const float* x, size_t n, float scale, int32_t zero_point, int8_t* y);
  void (*dequantize_u8)(const uint8_t* x, size_t n, float scale, int32_t zero_point, float* y);
  void (*dequantize_s8)(const int8_t* x, size_t n, float scale, int32_t zero_point, float* y);
  void (*dequantize_s32)(const int32_t* x, size_t n, float scale, int32_t zero_point, float* y);
  bool (*minmax)(const float* x, size_t n, float* min_out, float* max_out);
};

// Scalar definitions, one element at a time: the oracle the vector tables must match.
inline float quantize_clamp(float f, float lo, float hi) {
  f = f > lo ? f : lo;  // maxps(f, lo): NaN compares false and takes lo
  f = f < hi ? f : hi;  // minps(f, hi)
  return f;
}

const QuantizeKernels* quantize_kernels_scalar();
const QuantizeKernels* quantize_kernels_avx2();
const QuantizeKernels* quantize_kernels_avx512();
const QuantizeKernels* quantize_kernels_neon();

}  // namespace octet
