#include "broadcast.h"

#include <algorithm>

#include "../../core/status.h"

namespace octet::elementwise {

bool broadcast_shapes(const std::vector<Shape>& shapes, Shape* out) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape result(rank, 1);
  for (const Shape& s : shapes) {
    const size_t pad = rank - s.size();
    for (size_t d = 0; d < s.size(); ++d) {
      const int64_t v = s[d];
      int64_t& r = result[pad + d];
      if (v == r || v == 1) continue;
      if (r == 1) r = v;
      else return false;
    }
  }
  *out = result;
  return true;
}

BroadcastPlan make_broadcast_plan(const Shape& out, const std::vector<Shape>& shapes) {
  BroadcastPlan plan;
  plan.inputs = static_cast<int>(shapes.size());
  plan.total = shape_numel(out);
  // Per output dimension (size > 1 only): its size and, per input, whether the input is full there.
  std::vector<int64_t> dims;
  std::vector<std::array<bool, kMaxInputs>> full;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    std::array<bool, kMaxInputs> f{};
    for (size_t i = 0; i < shapes.size(); ++i) {
      const Shape& s = shapes[i];
      const size_t pad = out.size() - s.size();
      f[i] = d >= pad && s[d - pad] != 1;
    }
    if (!dims.empty() && full.back() == f) {
      dims.back() *= out[d];  // merge with the previous dimension
    } else {
      dims.push_back(out[d]);
      full.push_back(f);
    }
  }
  if (dims.empty()) {  // a single element (or every dimension 1)
    dims.push_back(1);
    full.push_back({});
  }
  if (dims.size() > static_cast<size_t>(kMaxRank))
    throw_range("broadcast of rank " + std::to_string(dims.size()) + " after merging dimensions exceeds " + std::to_string(kMaxRank));
  plan.rank = static_cast<int>(dims.size());
  for (int d = 0; d < plan.rank; ++d) plan.dims[d] = dims[d];
  for (int i = 0; i < plan.inputs; ++i) {
    int64_t stride = 1;
    for (int d = plan.rank - 1; d >= 0; --d) {
      plan.strides[i][d] = full[d][i] ? stride : 0;
      if (full[d][i]) stride *= dims[d];
    }
  }
  return plan;
}

}  // namespace octet::elementwise
