// What the quantized graph operators share: reading and checking their scales and zero points at
// create (a constant scale must be positive and finite), the value of a zero-point byte, and
// requantization of a float to an output byte with the rounding the ONNX definitions use.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "../graph/op.h"

namespace octet {

inline bool is_byte_type(DType t) { return t == DType::kUint8 || t == DType::kInt8; }

// Element i of a uint8 or int8 tensor (a zero point) as int32.
inline int32_t byte_value(const void* p, DType t, size_t i = 0) {
  return t == DType::kInt8 ? static_cast<const int8_t*>(p)[i] : static_cast<const uint8_t*>(p)[i];
}

inline std::string float_text(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// 1.5·2^23: for |f| < 2^22, (f + kRoundMagic) - kRoundMagic is exactly std::nearbyint(f). The sum lies
// in [2^23, 2^24), where float spacing is 1, so the addition rounds f to an integer in the current
// rounding mode (half to even by default) and the subtraction is exact. std::nearbyint itself is a libm
// call on baseline x86-64 (no roundps before SSE4.1), which would keep these loops scalar.
constexpr float kRoundMagic = 12582912.0f;

// requant(f, zp) for the range [lo, hi] = [qmin - zp, qmax - zp]. Clamping f to the range first gives
// the same integer as clamping after rounding (the bounds are integers) and keeps |f| <= 255, within
// the rounding trick's domain and the int32 conversion's. NaN compares false and takes lo (qmin), as
// QuantizeLinear's kernels do.
inline int32_t requant(float f, float lo, float hi, int32_t zp) {
  f = f > lo ? f : lo;
  f = f < hi ? f : hi;
  f = (f + kRoundMagic) - kRoundMagic;
  return static_cast<int32_t>(f) + zp;
}

inline const ValueInfo& required_input(const OpInit& init, size_t index, const char* name) {
  if (!init.has_input(index)) throw_node_type(init.node, std::string(name) + " (input " + std::to_string(index) + ") is required");
  return init.input(index);
}

// Constant scales must be usable multipliers: a zero, negative, infinite or NaN scale would make
// every output 0, saturated or qmin without a word.
inline void check_scale_values(const NodeSpec& node, const ValueInfo& s, const char* name) {
  if (!s.constant) return;
  const float* v = static_cast<const float*>(s.constant);
  for (int64_t i = 0; i < s.numel(); ++i)
    if (!(v[i] > 0.0f) || !std::isfinite(v[i]))
      throw_node_range(node, std::string(name) + (s.numel() > 1 ? "[" + std::to_string(i) + "]" : std::string()) + " is " + float_text(v[i]) +
                                 "; a scale must be positive and finite");
}

// A per-tensor float32 scale (required), its constant value checked.
inline const ValueInfo& check_scale(const OpInit& init, size_t index, const char* name) {
  const ValueInfo& s = required_input(init, index, name);
  if (s.dtype != DType::kFloat32) throw_node_type(init.node, std::string(name) + " must be float32, got " + dtype_name(s.dtype));
  if (s.numel() != 1) throw_node_range(init.node, std::string(name) + " must hold one value (per-tensor), got " + shape_string(s.shape));
  check_scale_values(init.node, s, name);
  return s;
}

// An optional per-tensor zero point of type `dtype` (that of its tensor, named `owner`).
inline void check_zero_point(const OpInit& init, size_t index, const char* name, DType dtype, const char* owner) {
  if (!init.has_input(index)) return;
  const ValueInfo& z = init.input(index);
  if (z.dtype != dtype)
    throw_node_type(init.node, std::string(name) + " must have " + owner + "'s type " + dtype_name(dtype) + ", got " + dtype_name(z.dtype));
  if (z.numel() != 1) throw_node_range(init.node, std::string(name) + " must hold one value (per-tensor), got " + shape_string(z.shape));
}

// The output range of a requantizing operator: its type's, narrowed by the attributes `output_min` /
// `output_max` (quantized values) when QDQ fusion folded a Relu or Clip into it — exact, as
// quantization is monotone: Q(clip(y, a, b)) = clamp(Q(y), Q(a), Q(b)).
struct OutputRange {
  int32_t qmin = 0, qmax = 255;
};

inline OutputRange read_output_range(const NodeSpec& node, DType output) {
  OutputRange r;
  r.qmin = output == DType::kInt8 ? -128 : 0;
  r.qmax = output == DType::kInt8 ? 127 : 255;
  int64_t lo = r.qmin, hi = r.qmax;
  try {
    lo = node.attrs.get_int("output_min", r.qmin);
    hi = node.attrs.get_int("output_max", r.qmax);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (lo < r.qmin || hi > r.qmax || lo > hi)
    throw_node_range(node, "output_min " + std::to_string(lo) + " and output_max " + std::to_string(hi) + " must satisfy " + std::to_string(r.qmin) +
                               " <= output_min <= output_max <= " + std::to_string(r.qmax));
  r.qmin = static_cast<int32_t>(lo);
  r.qmax = static_cast<int32_t>(hi);
  return r;
}

}  // namespace octet
