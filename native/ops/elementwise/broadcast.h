// Multidirectional (numpy) broadcasting, planned once at create: the output's dimensions with size-1
// dimensions dropped and neighbours merged wherever every input is either full or broadcast along
// both, and each input's element stride per merged dimension (0 where it is broadcast). run() walks
// the output in "segments" — runs along the innermost merged dimension in which each input either
// advances by one element or repeats one value — so kernels see only three shapes of work:
// vector-vector, vector-scalar and scalar-vector.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "../../core/tensor_view.h"

namespace octet::elementwise {

constexpr int kMaxInputs = 3;
constexpr int kMaxRank = 16;

// The broadcast of `shapes`; false if two dimensions differ and neither is 1.
bool broadcast_shapes(const std::vector<Shape>& shapes, Shape* out);

struct BroadcastPlan {
  int inputs = 0;
  int rank = 0;                                  // merged dimensions, >= 1
  std::array<int64_t, kMaxRank> dims{};          // merged output dimensions
  std::array<std::array<int64_t, kMaxRank>, kMaxInputs> strides{};  // element strides, 0 = broadcast
  int64_t total = 0;                             // output elements

  int64_t inner() const { return dims[rank - 1]; }
  bool inner_advances(int input) const { return strides[input][rank - 1] != 0; }
};

// Plans the broadcast of `shapes` to `out` (which must be their broadcast, or larger). Throws a
// RangeError-kind Error if the merged rank exceeds kMaxRank.
BroadcastPlan make_broadcast_plan(const Shape& out, const std::vector<Shape>& shapes);

// Calls fn(offsets, out_offset, length) for the segments covering output elements [begin, end):
// offsets[i] is input i's element offset at the segment's start; along the segment input i advances
// by one element if plan.inner_advances(i), else repeats. No allocation.
template <class Fn>
void for_each_segment(const BroadcastPlan& plan, int64_t begin, int64_t end, Fn fn) {
  if (begin >= end) return;
  const int outer_rank = plan.rank - 1;
  const int64_t inner = plan.inner();
  std::array<int64_t, kMaxRank> index{};
  int64_t row = begin / inner, col = begin % inner;
  for (int d = outer_rank - 1; d >= 0; --d) {
    index[d] = row % plan.dims[d];
    row /= plan.dims[d];
  }
  std::array<int64_t, kMaxInputs> offsets{};
  for (int i = 0; i < plan.inputs; ++i) {
    int64_t o = col * plan.strides[i][plan.rank - 1];
    for (int d = 0; d < outer_rank; ++d) o += index[d] * plan.strides[i][d];
    offsets[i] = o;
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t length = std::min(inner - col, end - pos);
    fn(offsets, pos, length);
    pos += length;
    if (pos >= end) break;
    // Next row: undo this row's inner advance, then step the outer index with carry.
    for (int i = 0; i < plan.inputs; ++i) offsets[i] -= col * plan.strides[i][plan.rank - 1];
    col = 0;
    for (int d = outer_rank - 1; d >= 0; --d) {
      ++index[d];
      for (int i = 0; i < plan.inputs; ++i) offsets[i] += plan.strides[i][d];
      if (index[d] < plan.dims[d]) break;
      for (int i = 0; i < plan.inputs; ++i) offsets[i] -= plan.strides[i][d] * plan.dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace octet::elementwise
