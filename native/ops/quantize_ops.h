// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear over whole tensors. A tensor is viewed as
// [outer, channels, inner]: per-tensor parameters have channels = 1, per-axis ones one per channel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../core/isa.h"

namespace octet {

enum class QuantType { kUint8, kInt8 };

void quantize_linear(Isa isa, const float* x, const float* scale, const int32_t* zero_point, size_t outer,
                     size_t channels, size_t inner, QuantType type, void* y, int threads);

enum class DequantInput { kUint8, kInt8, kInt32 };

void dequantize_linear(Isa isa, const void* x, DequantInput type, const float* scale, const int32_t* zero_point,
                       size_t outer, size_t channels, size_t inner, float* y, int threads);

struct DynamicQuantParams {
  float scale;
  int32_t zero_point;
};

// ONNX DynamicQuantizeLinear (uint8), with onnxruntime's choice of scale 1 for an all-zero input.
// Throws a RangeError-kind Error if x holds a NaN.
DynamicQuantParams dynamic_quantize_linear(Isa isa, const float* x, size_t n, uint8_t* y, int threads);

}  // namespace octet
