// Shared by the convolution and pooling tests: layout conversions and the spec's window arithmetic
// (output size, auto_pad, ceil_mode), written independently of native/ops/conv/conv_geometry.cc so the
// tests check the operators against the ONNX definition, not against themselves.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/tensor_view.h"

namespace octet::test {

// [N, C, P] <-> [N, P, C].
template <typename T>
std::vector<T> to_nhwc(const std::vector<T>& x, int64_t n, int64_t c, int64_t p) {
  std::vector<T> y(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j)
      for (int64_t k = 0; k < p; ++k) y[(i * p + k) * c + j] = x[(i * c + j) * p + k];
  return y;
}
template <typename T>
std::vector<T> to_nchw(const std::vector<T>& x, int64_t n, int64_t c, int64_t p) {
  std::vector<T> y(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j)
      for (int64_t k = 0; k < p; ++k) y[(i * c + j) * p + k] = x[(i * p + k) * c + j];
  return y;
}

inline Shape layout_shape(int64_t n, int64_t c, const std::vector<int64_t>& spatial, bool channels_last) {
  Shape s{n};
  if (!channels_last) s.push_back(c);
  s.insert(s.end(), spatial.begin(), spatial.end());
  if (channels_last) s.push_back(c);
  return s;
}

// One spatial axis: input size, kernel, stride, dilation, pads at begin/end, output size.
struct Axis {
  int64_t in = 1, k = 1, s = 1, d = 1, pb = 0, pe = 0, out = 1;
};

inline Axis window_axis(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, const std::string& auto_pad, bool ceil_mode = false) {
  Axis a{in, k, s, d, pb, pe, 0};
  const int64_t extent = (k - 1) * d + 1;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    a.out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (a.out - 1) * s + extent - in);
    a.pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    a.pe = total - a.pb;
    return a;
  }
  if (auto_pad == "VALID") a.pb = a.pe = 0;
  const int64_t span = in + a.pb + a.pe - extent;
  if (ceil_mode && auto_pad != "VALID") {
    a.out = (span + s - 1) / s + 1;
    if ((a.out - 1) * s >= in + a.pb) --a.out;  // the last window must start inside the input or the begin padding
  } else {
    a.out = span / s + 1;
  }
  return a;
}

// Axes D, H, W of a case (identity leading axes below 3-D).
struct Axes {
  Axis d, h, w;
  int64_t out_pixels() const { return d.out * h.out * w.out; }
  std::vector<int64_t> out_spatial(size_t rank) const {
    const Axis* all[3] = {&d, &h, &w};
    std::vector<int64_t> s;
    for (size_t i = 3 - rank; i < 3; ++i) s.push_back(all[i]->out);
    return s;
  }
};

// Empty strides / dilations / pads mean the ONNX defaults (1, 1, 0).
inline Axes window_axes(const std::vector<int64_t>& spatial, const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                        const std::vector<int64_t>& dilations, const std::vector<int64_t>& pads, const std::string& auto_pad,
                        bool ceil_mode = false) {
  const size_t rank = spatial.size();
  const auto at = [](const std::vector<int64_t>& v, size_t i, int64_t fallback) { return v.empty() ? fallback : v[i]; };
  Axes a;
  Axis* all[3] = {&a.d, &a.h, &a.w};
  for (size_t i = 0; i < rank; ++i)
    *all[3 - rank + i] = window_axis(spatial[i], kernel[i], at(strides, i, 1), at(dilations, i, 1), at(pads, i, 0), at(pads, rank + i, 0), auto_pad, ceil_mode);
  return a;
}

}  // namespace octet::test
