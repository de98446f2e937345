// Transpose: the output walks the input with permuted strides, one planned StridedCopy. Its tile
// loop covers the costly cases (the innermost output dim strided in the input: 2-D transposes,
// NCHW<->NHWC); permutations that keep the innermost dim copy whole rows; permutations of size-1
// dims collapse into a single memcpy.
#include <memory>

#include "strided_copy_op.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

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
  return std::make_unique<StridedCopyOp>(dtype_size(in.dtype), StridedCopy::to_contiguous(dtype_size(in.dtype), out, src_strides));
}

}  // namespace

void register_transpose_ops(OpRegistry& r) { r.add("Transpose", &create_transpose); }

}  // namespace octet::tensor
