// Where Resize samples its input, per axis: the ONNX coordinate transformations, the nearest
// rounding modes and the linear/cubic taps, computed once at create for every output index.
//
// Arithmetic (float32, like onnxruntime, so nearest-mode ties fall the same way):
//   half_pixel            x = (o + 0.5) / scale - 0.5
//   half_pixel_symmetric  x = c * (1 - out / len) + (o + 0.5) / scale - 0.5, c = in / 2
//   pytorch_half_pixel    x = len > 1 ? (o + 0.5) / scale - 0.5 : 0
//   align_corners         x = len == 1 ? 0 : o * (in - 1) / (len - 1)
//   asymmetric            x = o / scale
//   tf_half_pixel_for_nn  x = (o + 0.5) / scale                       (opsets 11-12)
//   tf_crop_and_resize    x = len > 1 ? s * (in - 1) + o * (e - s) * (in - 1) / (len - 1)
//                                     : 0.5 * (s + e) * (in - 1);  outside [0, in - 1] -> extrapolation_value
// `scale` is the given scale, or out / in when sizes were given (the keep-aspect-ratio scale from 18).
// `len` is the spec's length_resized = in * scale: fractional when scales were given (or the
// keep-aspect-ratio scale), so it can differ from the integer `out` = floor(len) (round(len) for the
// policies); sizes (stretch) give len = out. onnxruntime uses `out` there instead.
// Nearest: with f = floor(x), round_prefer_floor takes f + (x - f > 0.5), round_prefer_ceil
// f + (x - f >= 0.5), floor f, ceil ceil(x); opset 10's Resize and Upsample ("simple") truncate
// when upsampling and take ceil(x) when the scale is below 1. The index is then clamped into the axis.
// Nearest copies an axis whose scale is exactly 1 straight through, without the transformation
// (onnxruntime does; the formulas would shift it for tf_half_pixel_for_nn with the ceil modes, and
// crop it for tf_crop_and_resize). Linear: x clamped into [0, in - 1], taps floor(x) and floor(x) + 1 (clamped) weighted 1 - t and t,
// t = x - floor(x). Cubic: taps floor(x) - 1 .. floor(x) + 2 (clamped, i.e. edge padding) with the
// Keys coefficients of cubic_coeff_a for t; exclude_outside zeroes the taps beyond the axis and
// divides the others by the sum of the four.
#pragma once

#include <cstdint>
#include <vector>

namespace octet::tensor {

enum class ResizeCoordinate {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize
};
enum class ResizeNearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };
enum class ResizeInterpolation { kNearest, kLinear, kCubic };

struct ResizeAxis {
  int64_t in = 0, out = 0;
  float scale = 1.0f;
  float roi_start = 0.0f, roi_end = 1.0f;  // tf_crop_and_resize only
  float length_resized = 0.0f;             // in * scale (float32), or out for sizes; see above
};

struct ResizeOptions {
  ResizeInterpolation interpolation = ResizeInterpolation::kNearest;
  ResizeCoordinate coordinate = ResizeCoordinate::kHalfPixel;
  ResizeNearest nearest = ResizeNearest::kRoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
};

// The source coordinate of output index `o` along one axis.
float resize_source_coordinate(const ResizeOptions& options, const ResizeAxis& axis, int64_t o);

// Whether tf_crop_and_resize extrapolates at coordinate x.
bool resize_outside(const ResizeOptions& options, const ResizeAxis& axis, float x);

// Taps of one axis: for output index o, taps `index[o * taps + t]` (clamped into the axis) with
// `weight[o * taps + t]`; `outside[o]` marks extrapolated outputs. Nearest has one tap of weight 1.
struct AxisSampling {
  int taps = 1;
  std::vector<int64_t> index;
  std::vector<float> weight;
  std::vector<uint8_t> outside;
  bool any_outside = false;

  // Output o reads exactly input o: one tap of weight 1 on o, every other tap of weight 0. With
  // as many outputs as inputs the axis needs no pass (skipping it equals a pass for finite values).
  bool identity() const;
};

AxisSampling resize_axis_sampling(const ResizeOptions& options, const ResizeAxis& axis);

}  // namespace octet::tensor
