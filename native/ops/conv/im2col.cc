#include "im2col.h"

#include <algorithm>
#include <cstring>

namespace octet {

void im2col_nhwc(const float* x, int64_t channels, int64_t c0, int64_t cg, const Window& win, int64_t p0, int64_t p1,
                 float* col) {
  const WindowAxis& d = win.d;
  const WindowAxis& h = win.h;
  const WindowAxis& w = win.w;
  const int64_t K = win.taps() * cg;
  const int64_t plane_taps = h.kernel * w.kernel * cg;  // columns of one kd
  const size_t tap_bytes = static_cast<size_t>(cg) * sizeof(float);
  // With all channels of a pixel and no horizontal dilation, a kernel row's taps are one contiguous
  // run of the input row: one copy instead of kW.
  const bool row_contiguous = cg == channels && w.dilation == 1;
  const int64_t pixels_per_image = win.out_pixels();
  int64_t n = p0 / pixels_per_image;
  int64_t od = p0 % pixels_per_image / (h.out * w.out);
  int64_t oh = p0 % (h.out * w.out) / w.out;
  int64_t ow = p0 % w.out;
  for (int64_t p = p0; p < p1; ++p) {
    float* dst = col + (p - p0) * K;
    const int64_t iw0 = ow * w.stride - w.pad_begin;
    for (int64_t kd = 0; kd < d.kernel; ++kd) {
      const int64_t id = od * d.stride - d.pad_begin + kd * d.dilation;
      if (id < 0 || id >= d.in) {
        std::memset(dst, 0, static_cast<size_t>(plane_taps) * sizeof(float));
        dst += plane_taps;
        continue;
      }
      for (int64_t kh = 0; kh < h.kernel; ++kh, dst += w.kernel * cg) {
        const int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        if (ih < 0 || ih >= h.in) {
          std::memset(dst, 0, static_cast<size_t>(w.kernel) * tap_bytes);
          continue;
        }
        const float* row = x + (((n * d.in + id) * h.in + ih) * w.in) * channels + c0;
        if (row_contiguous) {
          const int64_t lo = std::min(w.kernel, std::max<int64_t>(0, -iw0));  // first tap inside
          const int64_t hi = std::max(lo, std::min(w.kernel, w.in - iw0));     // one past the last
          if (lo > 0) std::memset(dst, 0, static_cast<size_t>(lo) * tap_bytes);
          if (hi > lo) std::memcpy(dst + lo * cg, row + (iw0 + lo) * channels, static_cast<size_t>(hi - lo) * tap_bytes);
          if (hi < w.kernel) std::memset(dst + hi * cg, 0, static_cast<size_t>(w.kernel - hi) * tap_bytes);
        } else {
          for (int64_t kw = 0; kw < w.kernel; ++kw) {
            const int64_t iw = iw0 + kw * w.dilation;
            if (iw < 0 || iw >= w.in) std::memset(dst + kw * cg, 0, tap_bytes);
            else std::memcpy(dst + kw * cg, row + iw * channels, tap_bytes);
          }
        }
      }
    }
    if (++ow == w.out) {
      ow = 0;
      if (++oh == h.out) {
        oh = 0;
        if (++od == d.out) {
          od = 0;
          ++n;
        }
      }
    }
  }
}

}  // namespace octet
