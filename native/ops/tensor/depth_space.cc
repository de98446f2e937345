// DepthToSpace and SpaceToDepth are 6-D transposes of a [N, C, H, W] tensor: the output, viewed in
// 6-D, walks the input with the strides below, one planned StridedCopy.
//   DepthToSpace DCR: out[n, c, h*b + i, w*b + j] = in[n, (i*b + j)*C' + c, h, w]
//   DepthToSpace CRD: out[n, c, h*b + i, w*b + j] = in[n, c*b*b + i*b + j, h, w]
//   SpaceToDepth:     out[n, (i*b + j)*C + c, h, w] = in[n, c, h*b + i, w*b + j]
#include <memory>
#include <string>

#include "strided_copy_op.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

struct Nchw {
  int64_t n, c, h, w, b;
};

Nchw check_nchw(const OpInit& init) {
  const ValueInfo& in = init.input(0);
  require_known_dtype(init.node, in.dtype, "input 0");
  if (in.shape.size() != 4) throw_node_range(init.node, "input must be 4-D [N, C, H, W], got " + shape_string(in.shape));
  const int64_t b = init.node.attrs.require_int("blocksize");
  if (b < 1) throw_node_range(init.node, "blocksize must be at least 1, got " + std::to_string(b));
  return {in.shape[0], in.shape[1], in.shape[2], in.shape[3], b};
}

std::unique_ptr<Op> create_depth_to_space(const OpInit& init) {
  const NodeSpec& node = init.node;
  const Nchw s = check_nchw(init);
  const std::string mode = node.attrs.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") throw_node_range(node, "mode must be DCR or CRD, got '" + mode + "'");
  if (s.c % (s.b * s.b) != 0) {
    throw_node_range(node, "channels " + std::to_string(s.c) + " are not a multiple of blocksize^2 = " + std::to_string(s.b * s.b));
  }
  const int64_t c_out = s.c / (s.b * s.b), hw = s.h * s.w;
  const DType dtype = init.input(0).dtype;
  check_output(init, 0, dtype, {s.n, c_out, s.h * s.b, s.w * s.b});
  // Output viewed as [N, C', H, i, W, j].
  const Shape view{s.n, c_out, s.h, s.b, s.w, s.b};
  const std::vector<int64_t> strides =
      mode == "DCR" ? std::vector<int64_t>{s.c * hw, hw, s.w, s.b * c_out * hw, 1, c_out * hw}
                    : std::vector<int64_t>{s.c * hw, s.b * s.b * hw, s.w, s.b * hw, 1, hw};
  return std::make_unique<StridedCopyOp>(dtype_size(dtype), StridedCopy::to_contiguous(dtype_size(dtype), view, strides));
}

std::unique_ptr<Op> create_space_to_depth(const OpInit& init) {
  const NodeSpec& node = init.node;
  const Nchw s = check_nchw(init);
  if (s.h % s.b != 0 || s.w % s.b != 0) {
    throw_node_range(node, "spatial size " + std::to_string(s.h) + "x" + std::to_string(s.w) +
                               " is not a multiple of blocksize " + std::to_string(s.b));
  }
  const int64_t ho = s.h / s.b, wo = s.w / s.b;
  const DType dtype = init.input(0).dtype;
  check_output(init, 0, dtype, {s.n, s.c * s.b * s.b, ho, wo});
  // Output viewed as [N, i, j, C, H', W'].
  const Shape view{s.n, s.b, s.b, s.c, ho, wo};
  const std::vector<int64_t> strides{s.c * s.h * s.w, s.w, 1, s.h * s.w, s.b * s.w, s.b};
  return std::make_unique<StridedCopyOp>(dtype_size(dtype), StridedCopy::to_contiguous(dtype_size(dtype), view, strides));
}

}  // namespace

void register_depth_space_ops(OpRegistry& r) {
  r.add("DepthToSpace", &create_depth_to_space);
  r.add("SpaceToDepth", &create_space_to_depth);
}

}  // namespace octet::tensor
