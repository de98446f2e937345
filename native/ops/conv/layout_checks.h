// Create-time checks shared by the convolution and pooling operators: dtypes, the rank of a
// [N, C, spatial...] tensor in either layout, the `channels_last` attribute, and the plan's output
// shape against the operator's own arithmetic — each error naming what was expected and received.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../graph/op.h"

namespace octet {

inline void require_dtype(const NodeSpec& node, const ValueInfo& v, DType want, const char* what) {
  if (v.dtype != want)
    throw_node_type(node, std::string(what) + " must be " + dtype_name(want) + ", got " + dtype_name(v.dtype));
}

inline bool read_channels_last(const NodeSpec& node) {
  int64_t v = 0;
  try {
    v = node.attrs.get_int("channels_last", 0);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (v != 0 && v != 1) throw_node_range(node, "attribute 'channels_last' is " + std::to_string(v) + ", expected 0 or 1");
  return v == 1;
}

// Conv's `group` (>= 1).
inline int64_t read_group(const NodeSpec& node) {
  int64_t g = 1;
  try {
    g = node.attrs.get_int("group", 1);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (g < 1) throw_node_range(node, "attribute 'group' is " + std::to_string(g) + ", expected >= 1");
  return g;
}

inline int64_t read_flag(const NodeSpec& node, const char* name) {
  int64_t v = 0;
  try {
    v = node.attrs.get_int(name, 0);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (v != 0 && v != 1)
    throw_node_range(node, std::string("attribute '") + name + "' is " + std::to_string(v) + ", expected 0 or 1");
  return v;
}

// A [N, C, spatial...] activation ([N, spatial..., C] when channels_last), with 1 to max_spatial
// spatial axes (3 for the windowed operators, any number for the global pools).
struct ActivationLayout {
  int64_t batch = 0, channels = 0;
  std::vector<int64_t> spatial;
  bool channels_last = false;

  // The tensor's shape for channel count `c` and spatial sizes `s`, in this layout.
  Shape shape_with(int64_t c, const std::vector<int64_t>& s) const {
    Shape out{batch};
    if (!channels_last) out.push_back(c);
    out.insert(out.end(), s.begin(), s.end());
    if (channels_last) out.push_back(c);
    return out;
  }
  int64_t pixels() const {
    int64_t p = 1;
    for (int64_t d : spatial) p *= d;
    return p;
  }
};

inline ActivationLayout read_layout(const NodeSpec& node, const ValueInfo& x, bool channels_last, size_t max_spatial,
                                    const char* what) {
  const size_t rank = x.shape.size();
  if (rank < 3)
    throw_node_range(node, std::string(what) + " must have rank 3 or more ([N, C, spatial...]), got " + shape_string(x.shape));
  if (rank - 2 > max_spatial)
    throw_node_type(node, std::to_string(rank - 2) + "-D input " + shape_string(x.shape) + " is not supported (only 1-D to " +
                              std::to_string(max_spatial) + "-D)");
  for (int64_t d : x.shape)
    if (d < 0) throw_node_range(node, std::string(what) + " has a negative dimension: " + shape_string(x.shape));
  ActivationLayout l;
  l.channels_last = channels_last;
  l.batch = x.shape[0];
  l.channels = channels_last ? x.shape[rank - 1] : x.shape[1];
  l.spatial.assign(x.shape.begin() + (channels_last ? 1 : 2), x.shape.end() - (channels_last ? 1 : 0));
  return l;
}

inline void require_output(const NodeSpec& node, const ValueInfo& y, DType dtype, const Shape& expected, const char* what) {
  if (y.dtype != dtype) throw_node_type(node, std::string(what) + " must be " + dtype_name(dtype) + ", got " + dtype_name(y.dtype));
  if (y.shape != expected)
    throw_node_range(node, std::string(what) + " has shape " + shape_string(y.shape) + " in the plan, but the operator computes " +
                               shape_string(expected));
}

}  // namespace octet
