// Slice: per axis a start, a step and a count, so the output is an affine view of the input
// (stride = step * input stride, possibly negative) copied by one planned StridedCopy. Opset 1 takes
// starts/ends/axes as attributes; 10+ as inputs (with steps), int32 or int64.
#include <algorithm>
#include <limits>
#include <memory>

#include "strided_copy_op.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

// ONNX's clamping: negative positions count from the end; then, for a positive step, start and end
// are clamped to [0, dim]; for a negative step to [0, dim-1] and [-1, dim-1]. Works for the
// INT64_MAX / INT64_MIN values exporters use for "to the end".
struct AxisSlice {
  int64_t start = 0, step = 1, count = 0;
};

AxisSlice slice_axis(int64_t start, int64_t end, int64_t step, int64_t dim) {
  AxisSlice s;
  if (dim == 0) return s;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  // A step beyond the axis takes at most one element: clamping it keeps the arithmetic (and
  // step * stride) from overflowing without changing the result.
  const int64_t magnitude = step > 0 ? std::min(step, dim + 1)
                                     : (step == std::numeric_limits<int64_t>::min() ? dim + 1 : std::min(-step, dim + 1));
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    s.count = end > start ? (end - start + magnitude - 1) / magnitude : 0;
    s.step = magnitude;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    s.count = start > end ? (start - end + magnitude - 1) / magnitude : 0;
    s.step = -magnitude;
  }
  s.start = s.count > 0 ? start : 0;
  return s;
}

std::unique_ptr<Op> create_slice(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const int64_t rank = static_cast<int64_t>(in.shape.size());

  std::vector<int64_t> starts, ends, axes, steps;
  bool have_axes = false, have_steps = false;
  if (node.opset >= 10) {
    starts = read_int_param(init, 1, "starts");
    ends = read_int_param(init, 2, "ends");
    if (has_param(init, 3)) {
      axes = read_int_param(init, 3, "axes");
      have_axes = true;
    }
    if (has_param(init, 4)) {
      steps = read_int_param(init, 4, "steps");
      have_steps = true;
    }
    if (init.has_input(1) && init.has_input(2) && init.input(1).dtype != init.input(2).dtype) {
      throw_node_type(node, "starts and ends must have the same type");
    }
  } else {
    if (!node.attrs.has("starts") || !node.attrs.has("ends")) throw_node_type(node, "attributes 'starts' and 'ends' are required");
    starts = node.attrs.get_ints("starts");
    ends = node.attrs.get_ints("ends");
    if (node.attrs.has("axes")) {
      axes = node.attrs.get_ints("axes");
      have_axes = true;
    }
  }
  if (starts.size() != ends.size()) {
    throw_node_range(node, "starts has " + std::to_string(starts.size()) + " values but ends has " + std::to_string(ends.size()));
  }
  if (!have_axes) {
    if (static_cast<int64_t>(starts.size()) > rank) {
      throw_node_range(node, "starts has " + std::to_string(starts.size()) + " values for an input of rank " + std::to_string(rank));
    }
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (!have_steps) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size()) {
    throw_node_range(node, "axes has " + std::to_string(axes.size()) + " values but starts has " + std::to_string(starts.size()));
  }
  if (steps.size() != starts.size()) {
    throw_node_range(node, "steps has " + std::to_string(steps.size()) + " values but starts has " + std::to_string(starts.size()));
  }

  std::vector<AxisSlice> per_axis(static_cast<size_t>(rank));
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < per_axis.size(); ++k) per_axis[k] = {0, 1, in.shape[k]};
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t k = static_cast<size_t>(normalize_axis(node, axes[i], rank, "axis"));
    if (seen[k]) throw_node_range(node, "axis " + std::to_string(axes[i]) + " is listed twice");
    seen[k] = true;
    if (steps[i] == 0) throw_node_range(node, "step 0 on axis " + std::to_string(axes[i]) + " (steps must be non-zero)");
    per_axis[k] = slice_axis(starts[i], ends[i], steps[i], in.shape[k]);
  }

  const std::vector<int64_t> in_strides = contiguous_strides(in.shape);
  Shape out(per_axis.size());
  std::vector<int64_t> src_strides(per_axis.size());
  int64_t offset = 0;
  for (size_t k = 0; k < per_axis.size(); ++k) {
    out[k] = per_axis[k].count;
    src_strides[k] = per_axis[k].step * in_strides[k];
    offset += per_axis[k].start * in_strides[k];
  }
  check_output(init, 0, in.dtype, out);
  const size_t esize = dtype_size(in.dtype);
  return std::make_unique<StridedCopyOp>(esize, StridedCopy::to_contiguous(esize, out, src_strides), shape_numel(out) > 0 ? offset : 0);
}

}  // namespace

void register_slice_ops(OpRegistry& r) { r.add("Slice", &create_slice); }

}  // namespace octet::tensor
