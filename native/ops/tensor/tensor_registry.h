// Registration of the data-movement operators, one function per file of native/ops/tensor/;
// register_tensor_ops (native/ops/tensor_ops.cc) calls them all.
#pragma once

#include "../../graph/op.h"

namespace octet::tensor {

void register_concat_split_ops(OpRegistry& r);   // Concat, Split                                  (concat_split.cc)
void register_slice_ops(OpRegistry& r);          // Slice                                          (slice.cc)
void register_gather_ops(OpRegistry& r);         // Gather, GatherElements                         (gather.cc)
void register_transpose_ops(OpRegistry& r);      // Transpose                                      (transpose.cc)
void register_reshape_like_ops(OpRegistry& r);   // Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout, octet.Copy (reshape_like.cc)
void register_expand_tile_ops(OpRegistry& r);    // Expand, Tile                                   (expand_tile.cc)
void register_pad_ops(OpRegistry& r);            // Pad                                            (pad.cc)
void register_resize_ops(OpRegistry& r);         // Resize, Upsample                               (resize.cc)
void register_depth_space_ops(OpRegistry& r);    // DepthToSpace, SpaceToDepth                     (depth_space.cc)
void register_shape_like_ops(OpRegistry& r);     // Shape, Size, ConstantOfShape, Range            (shape_like.cc)

}  // namespace octet::tensor
