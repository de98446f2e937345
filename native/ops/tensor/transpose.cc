// Transpose. A permutation that is a batch of 2-D transposes once the input dims that move together
// are merged (NCHW <-> NHWC, [B, R, C] -> [B, C, R]) of 1-, 4- or 8-byte elements runs on the layout
// transposes of the convolutions (ops/conv/layout_transpose: register tiles, the path's wide byte
// tiles, the three-row interleave of an RGB image's planes). Any other: the output walks the input
// with permuted strides, one planned StridedCopy; permutations that keep the innermost dim copy whole
// rows; permutations of size-1 dims collapse into a single memcpy.
#include <algorithm>
#include <memory>

#include "../conv/layout_transpose.h"

#include "strided_copy_op.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

// dst[b][c][r] = src[b][r][c]: the batched 2-D form of a permutation.
class BatchedTransposeOp final : public Op {
 public:
  BatchedTransposeOp(size_t element_size, size_t batches, size_t rows, size_t cols)
      : element_size_(element_size), batches_(batches), rows_(rows), cols_(cols) {}

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const void* src = inputs[0]->data;
    void* dst = outputs[0]->data;
    switch (element_size_) {  // elements move as bit patterns of their size
      case 1: transpose_batched(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), batches_, rows_, cols_, ctx.threads); break;
      case 4: transpose_batched(static_cast<const float*>(src), static_cast<float*>(dst), batches_, rows_, cols_, ctx.threads); break;
      default: transpose_batched(static_cast<const int64_t*>(src), static_cast<int64_t*>(dst), batches_, rows_, cols_, ctx.threads); break;
    }
  }

 private:
  size_t element_size_, batches_, rows_, cols_;
};

// The (batches, rows, cols) of a permutation that is a batched 2-D transpose once size-1 dims are
// dropped and input dims that stay adjacent and in order are merged; false for any other.
bool batched_transpose_form(const Shape& shape, const std::vector<int64_t>& perm, size_t& batches, size_t& rows, size_t& cols) {
  std::vector<int64_t> order;  // the output's input dims, size-1 ones dropped
  for (int64_t p : perm)
    if (shape[static_cast<size_t>(p)] != 1) order.push_back(p);
  // Runs of output-adjacent dims that are input-adjacent in the same order: {first input dim, size}.
  std::vector<std::pair<int64_t, size_t>> groups;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t size = static_cast<size_t>(shape[static_cast<size_t>(order[k])]);
    bool joins = false;
    if (k > 0) {  // the input dim before this one, skipping size-1 dims, is the previous output dim
      int64_t prev = order[k] - 1;
      while (prev >= 0 && shape[static_cast<size_t>(prev)] == 1) --prev;
      joins = prev == order[k - 1];
    }
    if (joins) groups.back().second *= size;
    else groups.push_back({order[k], size});
  }
  // The groups in input order.
  std::vector<size_t> by_input(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) by_input[g] = g;
  std::sort(by_input.begin(), by_input.end(), [&](size_t a, size_t b) { return groups[a].first < groups[b].first; });
  if (groups.size() == 2 && by_input[0] == 1) {  // output (C, R) of input (R, C)
    batches = 1;
    rows = groups[1].second;
    cols = groups[0].second;
    return true;
  }
  if (groups.size() == 3 && by_input[0] == 0 && by_input[1] == 2) {  // output (B, C, R) of input (B, R, C)
    batches = groups[0].second;
    rows = groups[2].second;
    cols = groups[1].second;
    return true;
  }
  return false;
}

std::unique_ptr<Op> create_transpose(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const size_t rank = in.shape.size();
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (!node.attrs.has("perm")) {
    for (size_t k = rank; k-- > 0;) perm.push_back(static_cast<int64_t>(k));  // default: reverse the dims
  }
  if (perm.size() != rank) {
    throw_node_range(node, "perm " + shape_string(perm) + " has " + std::to_string(perm.size()) +
                               " entries for an input of rank " + std::to_string(rank));
  }
  std::vector<bool> used(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || used[static_cast<size_t>(p)]) {
      throw_node_range(node, "perm " + shape_string(perm) + " is not a permutation of 0.." + std::to_string(rank - 1));
    }
    used[static_cast<size_t>(p)] = true;
  }
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape);
  Shape out(rank);
  std::vector<int64_t> src_strides(rank);
  for (size_t k = 0; k < rank; ++k) {
    out[k] = in.shape[static_cast<size_t>(perm[k])];
    src_strides[k] = in_strides[static_cast<size_t>(perm[k])];
  }
  check_output(init, 0, in.dtype, out);
  const size_t element = dtype_size(in.dtype);
  size_t batches = 0, rows = 0, cols = 0;
  if ((element == 1 || element == 4 || element == 8) && batched_transpose_form(in.shape, perm, batches, rows, cols))
    return std::make_unique<BatchedTransposeOp>(element, batches, rows, cols);
  return std::make_unique<StridedCopyOp>(dtype_size(in.dtype), StridedCopy::to_contiguous(dtype_size(in.dtype), out, src_strides));
}

}  // namespace

void register_transpose_ops(OpRegistry& r) { r.add("Transpose", &create_transpose); }

}  // namespace octet::tensor
