// An operator that is one planned StridedCopy from input 0 (starting `src_offset` elements in) to
// output 0: Transpose, Slice, Expand, Tile, DepthToSpace, SpaceToDepth.
#pragma once

#include <cstdint>

#include "../../graph/op.h"
#include "strided_copy.h"

namespace octet::tensor {

class StridedCopyOp : public Op {
 public:
  StridedCopyOp(size_t element_size, StridedCopy copy, int64_t src_offset = 0)
      : src_offset_bytes_(src_offset * static_cast<int64_t>(element_size)), copy_(std::move(copy)) {}

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    copy_.run(static_cast<const uint8_t*>(inputs[0]->data) + src_offset_bytes_, outputs[0]->data, ctx.threads);
  }

 private:
  int64_t src_offset_bytes_;
  StridedCopy copy_;
};

}  // namespace octet::tensor
