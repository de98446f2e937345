// Concat and Split: a tensor seen as [outer, axis, inner]; each input (output) is a block of rows of
// `size * inner` contiguous elements at a column offset of the wide side. Each block is one planned
// StridedCopy, which turns it into memcpy calls (one big one when outer is 1).
#include <memory>
#include <numeric>

#include "strided_copy.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

struct Block {
  size_t index;           // input (Concat) or output (Split) position
  int64_t wide_offset;    // elements from the start of the wide tensor
  StridedCopy copy;
};

// Rows of `size * inner` elements between a narrow contiguous tensor and the wide one whose rows
// hold `wide * inner` elements.
StridedCopy block_copy(size_t esize, int64_t outer, int64_t size, int64_t wide, int64_t inner, bool narrow_is_src) {
  const Shape shape{outer, size * inner};
  const std::vector<int64_t> narrow{size * inner, 1}, wide_strides{wide * inner, 1};
  return narrow_is_src ? StridedCopy(esize, shape, narrow, wide_strides) : StridedCopy(esize, shape, wide_strides, narrow);
}

class ConcatOp : public Op {
 public:
  ConcatOp(size_t esize, std::vector<Block> blocks) : esize_(esize), blocks_(std::move(blocks)) {}
  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    auto* out = static_cast<uint8_t*>(outputs[0]->data);
    for (const Block& b : blocks_) b.copy.run(inputs[b.index]->data, out + b.wide_offset * static_cast<int64_t>(esize_), ctx.threads);
  }

 private:
  size_t esize_;
  std::vector<Block> blocks_;
};

class SplitOp : public Op {
 public:
  SplitOp(size_t esize, std::vector<Block> blocks) : esize_(esize), blocks_(std::move(blocks)) {}
  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const auto* in = static_cast<const uint8_t*>(inputs[0]->data);
    for (const Block& b : blocks_) b.copy.run(in + b.wide_offset * static_cast<int64_t>(esize_), outputs[b.index]->data, ctx.threads);
  }

 private:
  size_t esize_;
  std::vector<Block> blocks_;
};

std::unique_ptr<Op> create_concat(const OpInit& init) {
  const NodeSpec& node = init.node;
  if (init.input_count() == 0) throw_node_type(node, "needs at least one input");
  // Opsets 1-3 default the axis to 1; from 4 it is required.
  const int64_t axis_attr = node.opset < 4 ? node.attrs.get_int("axis", 1) : node.attrs.require_int("axis");
  for (size_t i = 0; i < init.input_count(); ++i) init.input(i);  // every input present
  // Exporters (PyTorch's legacy cat) feed 1-D empty tensors next to real ones: those add nothing and
  // are skipped when their rank differs. The first other input fixes rank and non-axis dims.
  auto skipped = [&](size_t i, size_t rank) { return init.input(i).shape.size() == 1 && init.input(i).shape[0] == 0 && rank != 1; };
  size_t ref = 0;
  for (size_t i = 0; i < init.input_count(); ++i) {
    if (!(init.input(i).shape.size() == 1 && init.input(i).shape[0] == 0)) {
      ref = i;
      break;
    }
  }
  const ValueInfo& first = init.input(ref);
  require_known_dtype(node, first.dtype, "input " + std::to_string(ref));
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  if (rank == 0) throw_node_range(node, "cannot concatenate scalars (input " + std::to_string(ref) + " has rank 0)");
  const size_t axis = static_cast<size_t>(normalize_axis(node, axis_attr, rank, "axis"));

  Shape out = first.shape;
  out[axis] = 0;
  for (size_t i = 0; i < init.input_count(); ++i) {
    const ValueInfo& in = init.input(i);
    require_same_dtype(node, first.dtype, in.dtype, "input " + std::to_string(i));
    if (skipped(i, first.shape.size())) continue;
    if (in.shape.size() != first.shape.size()) {
      throw_node_range(node, "input " + std::to_string(i) + " has shape " + shape_string(in.shape) + ", rank " +
                                 std::to_string(in.shape.size()) + " instead of " + std::to_string(rank) + " (input " +
                                 std::to_string(ref) + " has shape " + shape_string(first.shape) + ")");
    }
    for (size_t k = 0; k < first.shape.size(); ++k) {
      if (k != axis && in.shape[k] != first.shape[k]) {
        throw_node_range(node, "input " + std::to_string(i) + " has shape " + shape_string(in.shape) + ", which differs from " +
                                   shape_string(first.shape) + " (input " + std::to_string(ref) + ") on axis " +
                                   std::to_string(k) + ", not the concatenation axis " + std::to_string(axis));
      }
    }
    out[axis] += in.shape[axis];
  }
  check_output(init, 0, first.dtype, out);

  const int64_t outer = std::accumulate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(axis), int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(out.begin() + static_cast<std::ptrdiff_t>(axis) + 1, out.end(), int64_t{1}, std::multiplies<>());
  const size_t esize = dtype_size(first.dtype);
  std::vector<Block> blocks;
  int64_t offset = 0;
  for (size_t i = 0; i < init.input_count(); ++i) {
    const ValueInfo& in = init.input(i);
    if (skipped(i, first.shape.size()) || in.numel() == 0) continue;
    const int64_t size = in.shape[axis];
    blocks.push_back({i, offset * inner, block_copy(esize, outer, size, out[axis], inner, true)});
    offset += size;
  }
  return std::make_unique<ConcatOp>(esize, std::move(blocks));
}

std::unique_ptr<Op> create_split(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  if (rank == 0) throw_node_range(node, "cannot split a scalar");
  const size_t axis = static_cast<size_t>(normalize_axis(node, node.attrs.get_int("axis", 0), rank, "axis"));
  const int64_t dim = in.shape[axis];
  const size_t n = init.outputs.size();
  if (n == 0) throw_node_type(node, "needs at least one output");

  // Sizes: input 'split' (opset 1, and 13+), attribute 'split' (opsets 1-12), num_outputs (18+, the
  // last chunk may be smaller), else equal parts.
  std::vector<int64_t> sizes;
  const bool split_input = (node.opset >= 13 || node.opset == 1) && has_param(init, 1);
  const bool split_attr = node.opset < 13 && node.attrs.has("split");
  const bool num_outputs = node.opset >= 18 && node.attrs.has("num_outputs");
  if (split_input) sizes = read_int_param(init, 1, "split");
  else if (split_attr) sizes = node.attrs.get_ints("split");
  if ((split_input || split_attr) && num_outputs) throw_node_type(node, "give either 'split' or 'num_outputs', not both");
  if (split_input || split_attr) {
    if (sizes.size() != n) {
      throw_node_range(node, "split " + shape_string(sizes) + " has " + std::to_string(sizes.size()) +
                                 " sizes for " + std::to_string(n) + " outputs");
    }
  } else if (num_outputs || node.opset >= 18) {
    const int64_t parts = num_outputs ? node.attrs.get_int("num_outputs", 0) : static_cast<int64_t>(n);
    if (parts != static_cast<int64_t>(n)) {
      throw_node_range(node, "num_outputs is " + std::to_string(parts) + " but the node has " + std::to_string(n) + " outputs");
    }
    const int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  } else {
    if (dim % static_cast<int64_t>(n) != 0) {
      throw_node_range(node, "axis " + std::to_string(axis) + " of size " + std::to_string(dim) + " does not split into " +
                                 std::to_string(n) + " equal parts (give 'split')");
    }
    sizes.assign(n, dim / static_cast<int64_t>(n));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) throw_node_range(node, "split " + shape_string(sizes) + " has a negative size");
    total += s;
  }
  if (total != dim) {
    throw_node_range(node, "split " + shape_string(sizes) + " sums to " + std::to_string(total) + ", but axis " +
                               std::to_string(axis) + " of " + shape_string(in.shape) + " has size " + std::to_string(dim));
  }

  const int64_t outer = std::accumulate(in.shape.begin(), in.shape.begin() + static_cast<std::ptrdiff_t>(axis), int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(in.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, in.shape.end(), int64_t{1}, std::multiplies<>());
  const size_t esize = dtype_size(in.dtype);
  std::vector<Block> blocks;
  int64_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    Shape out = in.shape;
    out[axis] = sizes[i];
    if (init.has_output(i)) {
      check_output(init, i, in.dtype, out);
      if (shape_numel(out) > 0) blocks.push_back({i, offset * inner, block_copy(esize, outer, sizes[i], dim, inner, false)});
    }
    offset += sizes[i];
  }
  return std::make_unique<SplitOp>(esize, std::move(blocks));
}

}  // namespace

void register_concat_split_ops(OpRegistry& r) {
  r.add("Concat", &create_concat);
  r.add("Split", &create_split);
}

}  // namespace octet::tensor
