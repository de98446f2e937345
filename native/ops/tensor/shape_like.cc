// Operators whose output depends only on shapes or on constant parameters: Shape, Size,
// ConstantOfShape, Range. TypeScript normally folds them; natively every result is known at
// create (shapes are fixed per plan, parameters are constants), so run() writes precomputed bytes.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

// Writes fixed bytes (Shape, Size, Range), or `count` copies of one element (ConstantOfShape).
class ConstantOutputOp : public Op {
 public:
  ConstantOutputOp(std::vector<uint8_t> bytes, int64_t repeat) : bytes_(std::move(bytes)), repeat_(repeat) {}
  void run(const RunContext&, const TensorView* const*, TensorView* const* outputs) const override {
    if (repeat_ < 0) {
      if (!bytes_.empty()) std::memcpy(outputs[0]->data, bytes_.data(), bytes_.size());
    } else {
      fill_elements(outputs[0]->data, bytes_.data(), bytes_.size(), repeat_);
    }
  }

 private:
  std::vector<uint8_t> bytes_;
  int64_t repeat_;  // -1: bytes_ is the whole output
};

std::vector<uint8_t> int64_bytes(const std::vector<int64_t>& values) {
  std::vector<uint8_t> bytes(values.size() * 8);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::unique_ptr<Op> create_shape(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  // Opset 15: a [start, end) range of dims, negative from the end, clamped to [0, rank].
  auto clamp_dim = [&](int64_t v) {
    if (v < 0) v += rank;
    return v < 0 ? 0 : (v > rank ? rank : v);
  };
  const int64_t start = clamp_dim(node.attrs.get_int("start", 0));
  const int64_t end = clamp_dim(node.attrs.get_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t k = start; k < end; ++k) dims.push_back(in.shape[static_cast<size_t>(k)]);
  check_output(init, 0, DType::kInt64, {static_cast<int64_t>(dims.size())});
  return std::make_unique<ConstantOutputOp>(int64_bytes(dims), -1);
}

std::unique_ptr<Op> create_size(const OpInit& init) {
  const ValueInfo& in = init.input(0);
  check_output(init, 0, DType::kInt64, {});
  return std::make_unique<ConstantOutputOp>(int64_bytes({in.numel()}), -1);
}

// ConstantOfShape's 'value' is a one-element tensor attribute in ONNX; the plan carries attributes
// as ints/floats only, so it arrives as an int or float (or a one-element list) — or not at all,
// meaning zero. The element type is the plan's output type.
std::vector<uint8_t> constant_of_shape_value(const NodeSpec& node, DType dtype) {
  if (!node.attrs.has("value")) return std::vector<uint8_t>(dtype_size(dtype), 0);
  auto as_int = [&](int64_t v) {
    if (dtype == DType::kInt64 || dtype == DType::kUint64) return int64_bytes({v});  // exact beyond 2^53
    return scalar_bytes_of(dtype, static_cast<double>(v));
  };
  try {
    return as_int(node.attrs.get_int("value", 0));
  } catch (const Error&) {
  }
  try {
    return scalar_bytes_of(dtype, node.attrs.get_float("value", 0.0f));
  } catch (const Error&) {
  }
  try {
    const std::vector<int64_t> v = node.attrs.get_ints("value");
    if (v.size() == 1) return as_int(v[0]);
  } catch (const Error&) {
  }
  try {
    const std::vector<float> v = node.attrs.get_floats("value");
    if (v.size() == 1) return scalar_bytes_of(dtype, v[0]);
  } catch (const Error&) {
  }
  throw_node_type(node, "attribute 'value' must be one int or float");
}

std::unique_ptr<Op> create_constant_of_shape(const OpInit& init) {
  const NodeSpec& node = init.node;
  const std::vector<int64_t> shape = read_int_param(init, 0, "shape");
  if (init.input(0).shape.size() != 1) throw_node_range(node, "shape must be 1-D, got " + shape_string(init.input(0).shape));
  for (int64_t d : shape) {
    if (d < 0) throw_node_range(node, "shape " + shape_string(shape) + " has a negative dimension");
  }
  const DType dtype = init.output(0).dtype;
  require_known_dtype(node, dtype, "output 0");
  check_output(init, 0, dtype, shape);
  return std::make_unique<ConstantOutputOp>(constant_of_shape_value(node, dtype), shape_numel(shape));
}

template <typename T>
T scalar_at(const ValueInfo& v) {
  T x;
  std::memcpy(&x, v.constant, sizeof(T));
  return x;
}

// output[i] = start + i * delta (the ONNX definition, in T), count = max(ceil((limit - start) / delta), 0).
template <typename T>
std::vector<uint8_t> range_values(const NodeSpec& node, const ValueInfo& s, const ValueInfo& l, const ValueInfo& d, int64_t* count) {
  const T start = scalar_at<T>(s), limit = scalar_at<T>(l), delta = scalar_at<T>(d);
  if (delta == T(0)) throw_node_range(node, "delta must be non-zero");
  double n;
  if constexpr (std::is_integral_v<T>) {
    const int64_t span = static_cast<int64_t>(limit) - static_cast<int64_t>(start), step = static_cast<int64_t>(delta);
    n = static_cast<double>(span / step + ((span % step != 0 && ((span < 0) == (step < 0))) ? 1 : 0));
  } else {
    n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
    if (std::isnan(n)) throw_node_range(node, "start, limit and delta must be finite");
  }
  if (n > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    throw_node_range(node, "Range would produce " + std::to_string(n) + " elements");
  }
  *count = n > 0 ? static_cast<int64_t>(n) : 0;
  std::vector<uint8_t> bytes(static_cast<size_t>(*count) * sizeof(T));
  for (int64_t i = 0; i < *count; ++i) {
    T v;
    if constexpr (std::is_integral_v<T>) v = static_cast<T>(static_cast<int64_t>(start) + i * static_cast<int64_t>(delta));
    else v = static_cast<T>(start + static_cast<T>(i) * delta);
    std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(T), &v, sizeof(T));
  }
  return bytes;
}

std::unique_ptr<Op> create_range(const OpInit& init) {
  const NodeSpec& node = init.node;
  const char* names[3] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i) {
    const ValueInfo& v = init.input(i);
    if (v.numel() != 1) throw_node_range(node, std::string(names[i]) + " must be a scalar, got shape " + shape_string(v.shape));
    if (v.constant == nullptr) throw_node_type(node, std::string(names[i]) + " must be a constant");
    require_same_dtype(node, init.input(0).dtype, v.dtype, names[i]);
  }
  const ValueInfo &s = init.input(0), &l = init.input(1), &d = init.input(2);
  int64_t count = 0;
  std::vector<uint8_t> bytes;
  switch (s.dtype) {
    case DType::kFloat32: bytes = range_values<float>(node, s, l, d, &count); break;
    case DType::kFloat64: bytes = range_values<double>(node, s, l, d, &count); break;
    case DType::kInt16: bytes = range_values<int16_t>(node, s, l, d, &count); break;
    case DType::kInt32: bytes = range_values<int32_t>(node, s, l, d, &count); break;
    case DType::kInt64: bytes = range_values<int64_t>(node, s, l, d, &count); break;
    default: throw_node_type(node, std::string("type ") + dtype_name(s.dtype) + " is not float32, float64, int16, int32 or int64");
  }
  check_output(init, 0, s.dtype, {count});
  return std::make_unique<ConstantOutputOp>(std::move(bytes), -1);
}

}  // namespace

void register_shape_like_ops(OpRegistry& r) {
  r.add("Shape", &create_shape);
  r.add("Size", &create_size);
  r.add("ConstantOfShape", &create_constant_of_shape);
  r.add("Range", &create_range);
}

}  // namespace octet::tensor
