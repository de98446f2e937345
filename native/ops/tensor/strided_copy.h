// The copy engine behind every operator whose output element i comes from one input element at an
// affine offset: Transpose, Slice (any steps), Expand (stride 0), Tile (as [r, d] pairs of dims with
// stride 0 on r), DepthToSpace/SpaceToDepth (6-D transposes), Concat/Split (strided rows).
//
// It is planned once at create: dims of size 1 are dropped and neighbouring dims that are contiguous
// in both source and destination merge, so e.g. a Slice that keeps whole rows becomes a handful of
// memcpy calls. Then one of three loops runs:
//   rows      — the innermost dim is contiguous on both sides: memcpy per row (long rows are cut in
//               pieces so that even one huge row is shared between threads);
//   tiles     — the destination's innermost dim is contiguous and another dim is contiguous in the
//               source (a transpose, NCHW<->NHWC): the two dims are copied by square tiles of a
//               cache line or two a side, so reads and writes both stay in L1;
//   elements  — anything else (steps, broadcasts): a typed loop on the innermost dim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../../core/tensor_view.h"

namespace octet::tensor {

class StridedCopy {
 public:
  StridedCopy() = default;
  // dst[sum_k i_k * dst_strides[k]] = src[sum_k i_k * src_strides[k]] for every index i of `shape`.
  // Strides are in elements and may be negative (src) or zero (src, broadcast). Throws a RangeError
  // when the collapsed rank exceeds kMaxCopyRank.
  StridedCopy(size_t element_size, const Shape& shape, const std::vector<int64_t>& src_strides,
              const std::vector<int64_t>& dst_strides);

  // Same with a contiguous destination.
  static StridedCopy to_contiguous(size_t element_size, const Shape& shape, const std::vector<int64_t>& src_strides);

  // `src` and `dst` point at index (0, ..., 0) of each side.
  void run(const void* src, void* dst, int threads) const;

  int64_t numel() const { return numel_; }

 private:
  enum class Kind { kEmpty, kRows, kTiles, kElements };

  void run_rows(const uint8_t* src, uint8_t* dst, int threads) const;
  void run_tiles(const uint8_t* src, uint8_t* dst, int threads) const;
  void run_elements(const uint8_t* src, uint8_t* dst, int threads) const;

  Kind kind_ = Kind::kEmpty;
  size_t esize_ = 0;
  int64_t numel_ = 0;
  std::vector<int64_t> dims_, src_strides_, dst_strides_;  // collapsed, outermost first, >= 1 dim
  // kTiles: the dim whose source stride is 1 (`tile_axis_`) and the outer dims without it and the
  // innermost one.
  int tile_axis_ = -1;
  std::vector<int64_t> outer_dims_, outer_src_, outer_dst_;
  int64_t row_pieces_ = 1;  // kRows: pieces each row is cut into
};

}  // namespace octet::tensor
