// Data-movement operators (any element type: they copy bytes, never look at values, except Resize's
// interpolation). Each concept lives in its own file under ops/tensor/.
#include "../graph/op.h"
#include "tensor/tensor_registry.h"

namespace octet {

void register_tensor_ops(OpRegistry& r) {
  tensor::register_concat_split_ops(r);
  tensor::register_slice_ops(r);
  tensor::register_gather_ops(r);
  tensor::register_transpose_ops(r);
  tensor::register_reshape_like_ops(r);
  tensor::register_expand_tile_ops(r);
  tensor::register_pad_ops(r);
  tensor::register_resize_ops(r);
  tensor::register_depth_space_ops(r);
  tensor::register_shape_like_ops(r);
}

}  // namespace octet
