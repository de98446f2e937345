#include "reduce_layout.h"

#include <cstring>

namespace octet {

ReduceLayout make_reduce_layout(const NodeSpec& node, const Shape& shape, const std::vector<bool>& mask) {
  ReduceLayout l;
  l.outputs = 1;
  l.count = 1;
  for (size_t d = 0; d < shape.size(); ++d) (mask[d] ? l.count : l.outputs) *= shape[d];
  if (l.outputs == 0 || l.count == 0) return l;

  // Merge, innermost first, skipping size-1 dims: (size, reduced) runs.
  std::vector<int64_t> sizes;
  std::vector<bool> kinds;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    if (!sizes.empty() && kinds.back() == mask[d]) {
      sizes.back() *= shape[d];
    } else {
      sizes.push_back(shape[d]);
      kinds.push_back(mask[d]);
    }
  }
  if (sizes.size() > static_cast<size_t>(ReduceLayout::kMaxDims))
    throw_node_range(node, "too many alternating reduced and kept dimensions (" + std::to_string(sizes.size()) + ", at most " +
                               std::to_string(ReduceLayout::kMaxDims) + ")");
  if (sizes.empty()) {  // a single element
    l.rows = true;
    l.inner = 1;
    return l;
  }
  l.rows = kinds[0];
  l.inner = sizes[0];
  int64_t stride = sizes[0];
  for (size_t i = 1; i < sizes.size(); ++i) {
    auto& dims = kinds[i] ? l.red_dims : l.kept_dims;
    auto& strides = kinds[i] ? l.red_strides : l.kept_strides;
    dims.insert(dims.begin(), sizes[i]);
    strides.insert(strides.begin(), stride);
    stride *= sizes[i];
  }
  return l;
}

AxesArgument read_axes_argument(const OpInit& init, size_t input_index) {
  AxesArgument a;
  const bool has_attribute = init.node.attrs.has("axes");
  if (init.has_input(input_index)) {
    if (has_attribute) throw_node_type(init.node, "axes are given both as an attribute and as input " + std::to_string(input_index));
    const ValueInfo& v = init.input(input_index);
    if (v.dtype != DType::kInt64 && v.dtype != DType::kInt32)
      throw_node_type(init.node, std::string("axes must be int64, got ") + dtype_name(v.dtype));
    if (v.shape.size() > 1) throw_node_range(init.node, "axes must be 1-D, got shape " + shape_string(v.shape));
    const int64_t n = v.numel();
    // An empty axes tensor needs no data (a zero-length constant may well come with a null pointer).
    if (v.constant == nullptr && n != 0)
      throw_node_type(init.node, "axes must be a constant (input " + std::to_string(input_index) + " is computed at run time)");
    a.axes.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (v.dtype == DType::kInt64) {
        std::memcpy(&a.axes[i], static_cast<const char*>(v.constant) + i * 8, 8);
      } else {
        int32_t x;
        std::memcpy(&x, static_cast<const char*>(v.constant) + i * 4, 4);
        a.axes[i] = x;
      }
    }
    a.given = true;
  } else if (has_attribute) {
    a.axes = init.node.attrs.get_ints("axes");
    a.given = true;
  }
  return a;
}

std::vector<bool> axes_mask(const NodeSpec& node, const std::vector<int64_t>& axes, size_t rank) {
  std::vector<bool> mask(rank, false);
  const int64_t r = static_cast<int64_t>(rank);
  for (int64_t axis : axes) {
    if (axis < -r || axis >= r)
      throw_node_range(node, "axis " + std::to_string(axis) + " is out of range for an input of rank " + std::to_string(rank) +
                                 " (expected " + std::to_string(-r) + " to " + std::to_string(r - 1) + ")");
    const size_t d = static_cast<size_t>(axis < 0 ? axis + r : axis);
    if (mask[d]) throw_node_range(node, "axis " + std::to_string(d) + " is named more than once in axes");
    mask[d] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) out.push_back(shape[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

void check_output(const OpInit& init, size_t index, DType dtype, const Shape& shape) {
  const ValueInfo& out = init.output(index);
  if (out.dtype != dtype)
    throw_node_type(init.node, "output " + std::to_string(index) + " must be " + dtype_name(dtype) + ", the plan has " + dtype_name(out.dtype));
  if (out.shape != shape)
    throw_node_range(init.node, "output " + std::to_string(index) + " has shape " + shape_string(out.shape) + " in the plan, expected " +
                                    shape_string(shape));
}

}  // namespace octet
