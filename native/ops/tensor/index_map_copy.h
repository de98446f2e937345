// The copy engine for outputs whose every axis picks its source index from a table of its own:
// Pad (constant, edge, reflect, wrap: the table says which input index each output index repeats,
// or -1 for the constant) and nearest-neighbour Resize/Upsample (the table is the nearest index;
// -1 marks tf_crop_and_resize's extrapolated positions).
//
// Planned at create: tables become element offsets; leading axes that copy straight through
// (identity tables) merge; the innermost axis is cut into segments — runs of consecutive source
// elements (one memcpy each) and runs of fill — or, when runs are short (upsampling), kept as a
// per-element offset table for a gather loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../../core/tensor_view.h"

namespace octet::tensor {

class IndexMapCopy {
 public:
  IndexMapCopy() = default;
  // maps[k] has out_shape[k] entries in [-1, src_shape[k]); `fill` is one element (esize bytes).
  IndexMapCopy(size_t element_size, const Shape& src_shape, const Shape& out_shape,
               const std::vector<std::vector<int64_t>>& maps, const std::vector<uint8_t>& fill);

  void run(const void* src, void* dst, int threads) const;

 private:
  struct Segment {
    int64_t begin, count;
    int64_t src;  // element offset of the first source element, or -1 for fill
  };

  size_t esize_ = 0;
  int64_t numel_ = 0;
  struct OuterAxis {
    int64_t dim;
    int64_t stride;               // source elements per index when `table` is empty (identity)
    std::vector<int64_t> table;   // else: source element offset per index, -1 = fill
  };

  std::vector<OuterAxis> outer_;                    // all axes but the innermost, after merging
  int64_t row_ = 1;                                 // innermost output length
  bool gather_ = false;                             // innermost by per-element table
  std::vector<int64_t> inner_offsets_;              // gather_: per output element, -1 = fill
  std::vector<Segment> segments_;                   // !gather_
  std::vector<uint8_t> fill_;
};

}  // namespace octet::tensor
