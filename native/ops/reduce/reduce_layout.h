// A reduction over any set of axes, brought to one of two loop shapes. Size-1 dims are dropped and
// neighbouring dims of the same kind (kept or reduced) merged, so [N,C,H,W] over {2,3} becomes
// [N*C kept][H*W reduced] and [N,C,H,W] over {0,2,3} becomes [N red][C kept][H*W red]. The innermost
// merged dim, which is contiguous, decides the loop:
//   rows    (innermost reduced, `inner` long): each output reduces contiguous segments of `inner`
//           elements, one segment per combination of the outer reduced dims;
//   columns (innermost kept, `inner` wide): `inner` neighbouring outputs accumulate whole rows, one row
//           per combination of the outer reduced dims, element by element (vectorised across outputs).
// Both orders depend on the shapes only, never on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../core/tensor_view.h"
#include "../../graph/op.h"

namespace octet {

struct ReduceLayout {
  static constexpr int kMaxDims = 32;  // merged dims alternate kinds, so this is only reached by absurd ranks

  bool rows = true;     // innermost merged dim reduced (else kept)
  int64_t inner = 1;    // length of the innermost merged dim
  std::vector<int64_t> kept_dims, kept_strides;  // the outer kept dims, outermost first; input strides
  std::vector<int64_t> red_dims, red_strides;    // the outer reduced dims
  int64_t outputs = 0;  // output elements
  int64_t count = 0;    // input elements reduced into each output

  int64_t segments() const { return shape_numel(red_dims); }  // rows or segments per output
  int64_t groups() const { return shape_numel(kept_dims); }   // rows: outputs; columns: outputs / inner
};

// `mask[d]` says whether input dim d is reduced. Outputs and count may be 0 (then the loop dims are
// left empty: callers handle empty reductions before looping).
ReduceLayout make_reduce_layout(const NodeSpec& node, const Shape& shape, const std::vector<bool>& mask);

// Walks the offsets sum(index[d] * stride[d]) of a mixed-radix counter in row-major order, from a
// given linear position: no division after the start.
class Odometer {
 public:
  Odometer(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t start = 0)
      : n_(static_cast<int>(dims.size())), dims_(dims.data()), strides_(strides.data()) {
    if (start == 0) return;
    for (int d = n_ - 1; d >= 0; --d) {
      index_[d] = start % dims_[d];
      start /= dims_[d];
      offset_ += index_[d] * strides_[d];
    }
  }
  int64_t offset() const { return offset_; }
  void next() {
    for (int d = n_ - 1; d >= 0; --d) {
      offset_ += strides_[d];
      if (++index_[d] < dims_[d]) return;
      offset_ -= index_[d] * strides_[d];
      index_[d] = 0;
    }
  }

 private:
  int n_;
  const int64_t* dims_;
  const int64_t* strides_;
  int64_t index_[ReduceLayout::kMaxDims] = {};
  int64_t offset_ = 0;
};

// Calls fn(offset) for the start of every segment (rows) or row (columns) one output reduces, in
// row-major order of the outer reduced dims; offsets are relative to the output's first element.
template <typename Fn>
inline void for_each_segment(const ReduceLayout& l, Fn&& fn) {
  if (l.red_dims.empty()) {
    fn(int64_t{0});
    return;
  }
  const int64_t n = l.segments();
  Odometer segment(l.red_dims, l.red_strides);
  for (int64_t s = 0; s < n; ++s, segment.next()) fn(segment.offset());
}

// The axes a Reduce* node names: the `axes` attribute or the constant int64 input `input_index`
// (ReduceSum from opset 13, the others from 18). given = false when the node names none.
struct AxesArgument {
  std::vector<int64_t> axes;
  bool given = false;
};
AxesArgument read_axes_argument(const OpInit& init, size_t input_index);

// A mask of `rank` entries with the axes set; negative axes count from the back. An axis out of
// range or named twice is a RangeError naming the node.
std::vector<bool> axes_mask(const NodeSpec& node, const std::vector<int64_t>& axes, size_t rank);

// The shape left after reducing the masked dims: kept as 1s (keepdims) or dropped.
Shape reduced_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdims);

// Checks output `index` of the plan against the dtype and shape the operator computed.
void check_output(const OpInit& init, size_t index, DType dtype, const Shape& shape);

}  // namespace octet
