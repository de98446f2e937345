// Expand and Tile repeat the input without arithmetic, so both are one planned StridedCopy:
//   Expand: numpy broadcasting, a broadcast dim reads with stride 0;
//   Tile:   output dim k of size r*d is viewed as the pair [r, d] (row-major, index i*d + j reads
//           input index j), with stride 0 on r. Collapsing then merges whatever stays contiguous,
//           so tiling the outer dims of a tensor becomes whole-block memcpy calls.
#include <memory>

#include "strided_copy_op.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

std::unique_ptr<Op> create_expand(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const std::vector<int64_t> shape = read_int_param(init, 1, "shape");
  if (init.input(1).shape.size() != 1) throw_node_range(node, "shape must be 1-D, got " + shape_string(init.input(1).shape));
  const size_t rank = std::max(in.shape.size(), shape.size());
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape);
  Shape out(rank);
  std::vector<int64_t> src_strides(rank, 0);
  for (size_t k = 0; k < rank; ++k) {
    // Right-aligned: dims missing on either side count as 1.
    const bool has_in = k + in.shape.size() >= rank, has_shape = k + shape.size() >= rank;
    const size_t ki = k + in.shape.size() - rank, ks = k + shape.size() - rank;
    const int64_t a = has_in ? in.shape[ki] : 1, b = has_shape ? shape[ks] : 1;
    if (b < 0) throw_node_range(node, "shape " + shape_string(shape) + " has a negative dimension");
    if (a != b && a != 1 && b != 1) {
      throw_node_range(node, "cannot broadcast input " + shape_string(in.shape) + " to shape " + shape_string(shape) +
                                 " (dimension " + std::to_string(a) + " against " + std::to_string(b) + ")");
    }
    out[k] = a == 1 ? b : a;
    src_strides[k] = (has_in && a != 1) ? in_strides[ki] : 0;
  }
  check_output(init, 0, in.dtype, out);
  const size_t esize = dtype_size(in.dtype);
  return std::make_unique<StridedCopyOp>(esize, StridedCopy::to_contiguous(esize, out, src_strides));
}

std::unique_ptr<Op> create_tile(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const size_t rank = in.shape.size();
  std::vector<int64_t> repeats;
  if (node.opset >= 6) {
    repeats = read_int_param(init, 1, "repeats");
    if (init.input(1).shape.size() != 1) throw_node_range(node, "repeats must be 1-D, got " + shape_string(init.input(1).shape));
  } else {
    // Tile-1: a scalar count of copies along one axis (inputs 1 and 2).
    const std::vector<int64_t> tiles = read_int_param(init, 1, "tiles");
    const std::vector<int64_t> axis = read_int_param(init, 2, "axis");
    if (tiles.size() != 1 || axis.size() != 1) throw_node_range(node, "tiles and axis must hold one value each");
    repeats.assign(rank, 1);
    repeats[static_cast<size_t>(normalize_axis(node, axis[0], static_cast<int64_t>(rank), "axis"))] = tiles[0];
  }
  if (repeats.size() != rank) {
    throw_node_range(node, "repeats " + shape_string(repeats) + " has " + std::to_string(repeats.size()) +
                               " values for an input of rank " + std::to_string(rank));
  }
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape);
  Shape out(rank), view;
  std::vector<int64_t> src_strides;
  for (size_t k = 0; k < rank; ++k) {
    if (repeats[k] < 0) throw_node_range(node, "repeats " + shape_string(repeats) + " has a negative value");
    out[k] = in.shape[k] * repeats[k];
    view.insert(view.end(), {repeats[k], in.shape[k]});
    src_strides.insert(src_strides.end(), {0, in_strides[k]});
  }
  check_output(init, 0, in.dtype, out);
  const size_t esize = dtype_size(in.dtype);
  return std::make_unique<StridedCopyOp>(esize, StridedCopy::to_contiguous(esize, view, src_strides));
}

}  // namespace

void register_expand_tile_ops(OpRegistry& r) {
  r.add("Expand", &create_expand);
  r.add("Tile", &create_tile);
}

}  // namespace octet::tensor
