// Sliding-window arithmetic shared by Conv, ConvTranspose and the pooling operators: reading the
// window attributes (kernel_shape, strides, dilations, pads, auto_pad) and turning them into an
// output size and the actual begin/end padding of every spatial axis, as the ONNX specs define them.
// Operators work in 3-D (D, H, W); a 2-D operator is the 3-D one with an identity D axis (size 1,
// kernel 1), a 1-D one has identity D and H axes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../graph/op.h"

namespace octet {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// One spatial axis of a sliding window: output position o reads input positions
// o*stride - pad_begin + k*dilation for k in [0, kernel).
struct WindowAxis {
  int64_t in = 1, out = 1;
  int64_t kernel = 1, stride = 1, dilation = 1;
  int64_t pad_begin = 0, pad_end = 0;

  int64_t extent() const { return (kernel - 1) * dilation + 1; }
};

struct Window {
  WindowAxis d, h, w;

  // Spatial axis i of a rank-`rank` operator (the last `rank` of d, h, w).
  WindowAxis& axis(size_t rank, size_t i) { return i + 3 - rank == 0 ? d : i + 3 - rank == 1 ? h : w; }
  const WindowAxis& axis(size_t rank, size_t i) const { return const_cast<Window*>(this)->axis(rank, i); }
  int64_t in_pixels() const { return d.in * h.in * w.in; }
  int64_t out_pixels() const { return d.out * h.out * w.out; }
  int64_t taps() const { return d.kernel * h.kernel * w.kernel; }
  // The output's spatial sizes of a rank-`rank` operator.
  std::vector<int64_t> out_spatial(size_t rank) const {
    std::vector<int64_t> s;
    for (size_t i = 0; i < rank; ++i) s.push_back(axis(rank, i).out);
    return s;
  }
};

// The window attributes of one node, per spatial axis (rank 1, 2 or 3), validated (lengths, positive
// kernel/strides/dilations, pads >= 0).
struct WindowAttrs {
  size_t rank = 2;
  std::vector<int64_t> kernel, strides, dilations;
  std::vector<int64_t> pads;  // [begin..., end...], 2*rank values
  AutoPad auto_pad = AutoPad::kNotSet;
};

// Reads the attributes. `weight_kernel` (the spatial dims of W, or null for pooling) is the kernel
// when kernel_shape is absent and must equal it when present. `read_dilations` is false for the
// operator versions without a dilations attribute.
WindowAttrs read_window_attrs(const NodeSpec& node, size_t rank, const int64_t* weight_kernel, bool read_dilations = true);

// Output size and padding of a forward window (Conv, MaxPool, AveragePool). ceil_mode follows the
// pooling specs: the output rounds up, but a window starting in the end padding is dropped.
// Throws a RangeError naming `axis_name` when the window does not fit.
WindowAxis forward_axis(const NodeSpec& node, const WindowAttrs& a, size_t axis, int64_t in, bool ceil_mode,
                        const char* axis_name);

// Output size and padding of a ConvTranspose axis; output_shape (-1 when absent) and output_padding
// as the ConvTranspose spec defines them. Padding may come out negative when output_shape asks for
// more than the input reaches; those output positions receive only the bias.
WindowAxis transpose_axis(const NodeSpec& node, const WindowAttrs& a, size_t axis, int64_t in, int64_t output_padding,
                          int64_t output_shape, const char* axis_name);

// The window of a rank-1, 2 or 3 operator: the spatial input sizes are `in` (1 to 3 values).
Window forward_window(const NodeSpec& node, const WindowAttrs& a, const std::vector<int64_t>& in, bool ceil_mode);

// "D", "H" or "W": the name of spatial axis i of a rank-`rank` operator, for error messages.
inline const char* spatial_axis_name(size_t rank, size_t i) {
  static const char* const kNames[3] = {"D", "H", "W"};
  return kNames[i + 3 - rank];
}

// "[1,2,3]" for error messages.
std::string ints_string(const std::vector<int64_t>& v);

inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

}  // namespace octet
