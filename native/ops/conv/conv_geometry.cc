#include "conv_geometry.h"

#include <algorithm>

namespace octet {

std::string ints_string(const std::vector<int64_t>& v) { return shape_string(v); }

namespace {

std::vector<int64_t> read_ints(const NodeSpec& node, const char* name, size_t count, int64_t fallback, int64_t min_value) {
  std::vector<int64_t> v;
  try {
    v = node.attrs.get_ints(name, std::vector<int64_t>(count, fallback));
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (v.size() != count)
    throw_node_range(node, std::string("attribute '") + name + "' has " + std::to_string(v.size()) + " values " +
                               ints_string(v) + ", expected " + std::to_string(count));
  for (int64_t x : v)
    if (x < min_value)
      throw_node_range(node, std::string("attribute '") + name + "' is " + ints_string(v) + ": every value must be >= " +
                                 std::to_string(min_value));
  return v;
}

}  // namespace

WindowAttrs read_window_attrs(const NodeSpec& node, size_t rank, const int64_t* weight_kernel, bool read_dilations) {
  WindowAttrs a;
  a.rank = rank;
  std::string auto_pad;
  try {
    auto_pad = node.attrs.get_string("auto_pad", "NOTSET");
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (auto_pad == "NOTSET" || auto_pad.empty()) a.auto_pad = AutoPad::kNotSet;
  else if (auto_pad == "SAME_UPPER") a.auto_pad = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER") a.auto_pad = AutoPad::kSameLower;
  else if (auto_pad == "VALID") a.auto_pad = AutoPad::kValid;
  else throw_node_range(node, "attribute 'auto_pad' is '" + auto_pad + "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");

  if (node.attrs.has("kernel_shape")) {
    a.kernel = read_ints(node, "kernel_shape", rank, 1, 1);
    if (weight_kernel != nullptr)
      for (size_t i = 0; i < rank; ++i)
        if (a.kernel[i] != weight_kernel[i])
          throw_node_range(node, "attribute 'kernel_shape' is " + ints_string(a.kernel) + " but the weights' spatial shape is " +
                                     ints_string(std::vector<int64_t>(weight_kernel, weight_kernel + rank)));
  } else if (weight_kernel != nullptr) {
    a.kernel.assign(weight_kernel, weight_kernel + rank);
    for (int64_t k : a.kernel)
      if (k < 1) throw_node_range(node, "the weights' spatial shape " + ints_string(a.kernel) + " has an empty kernel");
  } else {
    throw_node_type(node, "attribute 'kernel_shape' is required");
  }
  a.strides = read_ints(node, "strides", rank, 1, 1);
  a.dilations = read_dilations ? read_ints(node, "dilations", rank, 1, 1) : std::vector<int64_t>(rank, 1);
  a.pads = read_ints(node, "pads", 2 * rank, 0, 0);
  return a;
}

WindowAxis forward_axis(const NodeSpec& node, const WindowAttrs& a, size_t axis, int64_t in, bool ceil_mode,
                        const char* axis_name) {
  WindowAxis w;
  w.in = in;
  w.kernel = a.kernel[axis];
  w.stride = a.strides[axis];
  w.dilation = a.dilations[axis];
  const int64_t extent = w.extent();
  switch (a.auto_pad) {
    case AutoPad::kNotSet:
    case AutoPad::kValid: {
      if (a.auto_pad == AutoPad::kNotSet) {
        w.pad_begin = a.pads[axis];
        w.pad_end = a.pads[a.rank + axis];
      }
      const int64_t span = in + w.pad_begin + w.pad_end - extent;
      if (span < 0)
        throw_node_range(node, std::string("the window (kernel ") + std::to_string(w.kernel) + ", dilation " +
                                   std::to_string(w.dilation) + ", extent " + std::to_string(extent) + ") does not fit the " +
                                   axis_name + " axis: input " + std::to_string(in) + " plus pads " +
                                   std::to_string(w.pad_begin) + "+" + std::to_string(w.pad_end));
      // auto_pad VALID rounds the same way in both modes (ceil((in-extent+1)/s) == floor((in-extent)/s)+1).
      if (ceil_mode && a.auto_pad == AutoPad::kNotSet) {
        w.out = ceil_div(span, w.stride) + 1;
        // The last window must start inside the input or the begin padding.
        if ((w.out - 1) * w.stride >= in + w.pad_begin) --w.out;
      } else {
        w.out = span / w.stride + 1;
      }
      break;
    }
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower: {
      w.out = ceil_div(in, w.stride);
      const int64_t total = std::max<int64_t>(0, (w.out - 1) * w.stride + extent - in);
      const int64_t smaller = total / 2;
      w.pad_begin = a.auto_pad == AutoPad::kSameUpper ? smaller : total - smaller;
      w.pad_end = total - w.pad_begin;
      break;
    }
  }
  if (w.out < 1) throw_node_range(node, std::string("the ") + axis_name + " axis of the output would be empty (input " + std::to_string(in) + ")");
  return w;
}

WindowAxis transpose_axis(const NodeSpec& node, const WindowAttrs& a, size_t axis, int64_t in, int64_t output_padding,
                          int64_t output_shape, const char* axis_name) {
  WindowAxis w;
  w.in = in;
  w.kernel = a.kernel[axis];
  w.stride = a.strides[axis];
  w.dilation = a.dilations[axis];
  const int64_t full = w.stride * (in - 1) + output_padding + w.extent();  // output size before padding
  const bool same = a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower;
  if (output_shape >= 0 || same) {
    // The spec: the padding is whatever makes the output output_shape (or in*stride for SAME_*),
    // split evenly, the odd one at the end for SAME_UPPER and at the beginning otherwise.
    w.out = output_shape >= 0 ? output_shape : in * w.stride;
    const int64_t total = full - w.out;
    if (a.auto_pad == AutoPad::kSameUpper) {
      w.pad_begin = floor_div(total, 2);
      w.pad_end = total - w.pad_begin;
    } else {
      w.pad_end = floor_div(total, 2);
      w.pad_begin = total - w.pad_end;
    }
  } else {
    if (a.auto_pad == AutoPad::kNotSet) {
      w.pad_begin = a.pads[axis];
      w.pad_end = a.pads[a.rank + axis];
    }
    w.out = full - w.pad_begin - w.pad_end;
  }
  if (w.out < 1)
    throw_node_range(node, std::string("the ") + axis_name + " axis of the output would be empty (" + std::to_string(w.out) +
                               "): input " + std::to_string(in) + ", pads " + std::to_string(w.pad_begin) + "+" +
                               std::to_string(w.pad_end));
  return w;
}

Window forward_window(const NodeSpec& node, const WindowAttrs& a, const std::vector<int64_t>& in, bool ceil_mode) {
  Window win;
  for (size_t i = 0; i < a.rank; ++i) win.axis(a.rank, i) = forward_axis(node, a, i, in[i], ceil_mode, spatial_axis_name(a.rank, i));
  return win;
}

}  // namespace octet
