#include "tensor_common.h"

#include <cmath>
#include <limits>

namespace octet::tensor {

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

int64_t normalize_axis(const NodeSpec& node, int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank) {
    throw_node_range(node, what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank) +
                               " (expected [" + std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
  }
  return axis < 0 ? axis + rank : axis;
}

void require_known_dtype(const NodeSpec& node, DType dtype, const std::string& what) {
  if (dtype_size(dtype) == 0) {
    throw_node_type(node, what + " has element type " + std::to_string(static_cast<int>(dtype)) +
                              ", which the runtime does not hold");
  }
}

void require_same_dtype(const NodeSpec& node, DType expected, DType received, const std::string& what) {
  if (expected != received) {
    throw_node_type(node, what + " has type " + dtype_name(received) + ", expected " + dtype_name(expected));
  }
}

void check_output(const OpInit& init, size_t index, DType dtype, const Shape& shape) {
  const ValueInfo& out = init.output(index);
  if (out.dtype != dtype) {
    throw_node_type(init.node, "output " + std::to_string(index) + " has type " + dtype_name(out.dtype) + ", expected " +
                                   dtype_name(dtype));
  }
  if (out.shape != shape) {
    throw_node_range(init.node, "output " + std::to_string(index) + " has shape " + shape_string(out.shape) +
                                    " in the plan, but the operator computes " + shape_string(shape));
  }
}

bool has_param(const OpInit& init, size_t index) { return init.has_input(index); }

namespace {

const ValueInfo& constant_input(const OpInit& init, size_t index, const std::string& name) {
  const ValueInfo& v = init.input(index);
  if (v.constant == nullptr && v.numel() > 0) throw_node_type(init.node, name + " must be a constant");
  return v;
}

}  // namespace

std::vector<int64_t> read_int_param(const OpInit& init, size_t index, const std::string& name) {
  const ValueInfo& v = constant_input(init, index, name);
  const size_t n = static_cast<size_t>(v.numel());
  std::vector<int64_t> out(n);
  const auto* bytes = static_cast<const uint8_t*>(v.constant);
  if (v.dtype == DType::kInt64) {
    if (n) std::memcpy(out.data(), bytes, n * 8);
  } else if (v.dtype == DType::kInt32) {
    for (size_t i = 0; i < n; ++i) {
      int32_t x;
      std::memcpy(&x, bytes + 4 * i, 4);
      out[i] = x;
    }
  } else {
    throw_node_type(init.node, name + " has type " + dtype_name(v.dtype) + ", expected int64 (or int32)");
  }
  return out;
}

std::vector<float> read_float_param(const OpInit& init, size_t index, const std::string& name) {
  const ValueInfo& v = constant_input(init, index, name);
  const size_t n = static_cast<size_t>(v.numel());
  std::vector<float> out(n);
  const auto* bytes = static_cast<const uint8_t*>(v.constant);
  for (size_t i = 0; i < n; ++i) {
    switch (v.dtype) {
      case DType::kFloat32: std::memcpy(&out[i], bytes + 4 * i, 4); break;
      case DType::kFloat64: {
        double d;
        std::memcpy(&d, bytes + 8 * i, 8);
        out[i] = static_cast<float>(d);
        break;
      }
      case DType::kFloat16: {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = half_to_float(h);
        break;
      }
      default: throw_node_type(init.node, name + " has type " + dtype_name(v.dtype) + ", expected float32");
    }
  }
  return out;
}

std::vector<uint8_t> read_scalar_bytes(const OpInit& init, size_t index, const std::string& name) {
  const ValueInfo& v = constant_input(init, index, name);
  if (v.numel() != 1) {
    throw_node_range(init.node, name + " must hold one value, it has shape " + shape_string(v.shape));
  }
  const size_t esize = dtype_size(v.dtype);
  const auto* bytes = static_cast<const uint8_t*>(v.constant);
  return std::vector<uint8_t>(bytes, bytes + esize);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1F;
  const uint32_t mantissa = h & 0x3FF;
  float magnitude;
  if (exponent == 0) magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
  else if (exponent == 31) magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t abs_bits = bits & 0x7FFFFFFF;
  if (abs_bits > 0x7F800000) return static_cast<uint16_t>(sign | 0x7E00);  // NaN
  if (abs_bits >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);  // rounds to infinity (>= 65520)
  const int exponent = static_cast<int>(abs_bits >> 23) - 127;
  if (exponent < -14) {
    // Subnormal half: value / 2^-24 rounded to nearest even (nearbyint under the default mode).
    float magnitude;
    std::memcpy(&magnitude, &abs_bits, 4);
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(magnitude, 24))));
  }
  // Normal: keep 10 mantissa bits, round the 13 dropped ones to nearest even (a carry may bump the exponent).
  uint32_t h = ((static_cast<uint32_t>(exponent + 15)) << 10) | ((abs_bits >> 13) & 0x3FF);
  const uint32_t dropped = abs_bits & 0x1FFF;
  if (dropped > 0x1000 || (dropped == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

std::vector<uint8_t> scalar_bytes_of(DType dtype, double value) {
  std::vector<uint8_t> out(dtype_size(dtype));
  auto put = [&](auto v) { std::memcpy(out.data(), &v, sizeof(v)); };
  switch (dtype) {
    case DType::kFloat32: put(static_cast<float>(value)); break;
    case DType::kFloat64: put(value); break;
    case DType::kFloat16: put(float_to_half(static_cast<float>(value))); break;
    case DType::kUint8: put(static_cast<uint8_t>(static_cast<int64_t>(value))); break;
    case DType::kInt8: put(static_cast<int8_t>(static_cast<int64_t>(value))); break;
    case DType::kUint16: put(static_cast<uint16_t>(static_cast<int64_t>(value))); break;
    case DType::kInt16: put(static_cast<int16_t>(static_cast<int64_t>(value))); break;
    case DType::kInt32: put(static_cast<int32_t>(static_cast<int64_t>(value))); break;
    case DType::kUint32: put(static_cast<uint32_t>(static_cast<int64_t>(value))); break;
    case DType::kInt64: put(static_cast<int64_t>(value)); break;
    case DType::kUint64: put(static_cast<uint64_t>(value < 0 ? static_cast<uint64_t>(static_cast<int64_t>(value)) : static_cast<uint64_t>(value))); break;
    case DType::kBool: put(static_cast<uint8_t>(value != 0)); break;
    default: break;
  }
  return out;
}

void fill_elements(void* dst, const uint8_t* value, size_t esize, int64_t count) {
  if (count <= 0) return;
  auto* d = static_cast<uint8_t*>(dst);
  bool uniform = true;  // every byte equal (zero, -1, bytes): one memset
  for (size_t i = 1; i < esize; ++i) uniform = uniform && value[i] == value[0];
  if (uniform) {
    std::memset(d, value[0], static_cast<size_t>(count) * esize);
    return;
  }
  // Double the filled prefix: log2(count) memcpy calls instead of one per element.
  std::memcpy(d, value, esize);
  size_t done = esize;
  const size_t total = static_cast<size_t>(count) * esize;
  while (done < total) {
    const size_t n = done < total - done ? done : total - done;
    std::memcpy(d + done, d, n);
    done += n;
  }
}

void copy_bytes(const void* src, void* dst, size_t bytes, int threads) {
  if (bytes == 0 || src == dst) return;
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  parallel_ranges(static_cast<int64_t>(bytes), kTaskBytes * 4, threads, [&](int64_t begin, int64_t end) {
    std::memcpy(d + begin, s + begin, static_cast<size_t>(end - begin));
  });
}

}  // namespace octet::tensor
