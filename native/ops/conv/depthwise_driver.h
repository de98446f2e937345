// The traversal shared by the float and the int8 depthwise convolutions: a band of output pixels
// (channels last, in (n, od, oh, ow) order) handed to a kernel as tap pointers. Border pixels and
// short rows wait in an indirection buffer — one pointer per (pixel, tap), padding taps at `pad`
// (a vector of zeros, or of the input's zero point) — and go to the kernel together; a run of
// pixels reading no padding goes as its first pixel's pointers plus the spacing between pixels,
// which spares `taps` pointers per pixel (as much work as the sums when channels are few).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "conv_geometry.h"

namespace octet {

// Columns [ow_begin, ow_end) of an output row have all their taps inside the input row
// horizontally; `strided` says such runs are long enough (min_run) to be worth a strided call.
struct DepthwiseRuns {
  int64_t ow_begin = 0, ow_end = 0;
  bool strided = false;

  DepthwiseRuns() = default;
  DepthwiseRuns(const Window& win, int64_t min_run) {
    const WindowAxis& w = win.w;
    ow_begin = (w.pad_begin + w.stride - 1) / w.stride;
    const int64_t last = w.in - 1 - (w.kernel - 1) * w.dilation + w.pad_begin;  // ow * stride <= last
    ow_end = last < 0 ? 0 : last / w.stride + 1;
    strided = ow_end - ow_begin >= min_run;
  }
};

// Pointers depthwise_band needs: max_pixels * taps for `ptrs`, then kD * kH for `rows`.
inline size_t depthwise_pointer_count(const Window& win, int64_t max_pixels) {
  return static_cast<size_t>(max_pixels * win.taps() + win.d.kernel * win.h.kernel);
}

// Output pixels [begin, end) (at most max_pixels, which the caller's band size ensures) of x
// [N, D, H, W, channels]. call(first_pixel, count, ptrs, input_stride) runs the kernel:
// input_stride 0 means ptrs holds count * taps pointers, else the first pixel's taps pointers and
// pixel i reads ptrs[t] + i * input_stride elements.
template <typename T, typename Call>
void depthwise_band(const Window& win, int64_t channels, const T* x, const T* pad, const DepthwiseRuns& runs, int64_t begin, int64_t end,
                    const T** ptrs, const T** rows, Call&& call) {
  const WindowAxis& d = win.d;
  const WindowAxis& h = win.h;
  const WindowAxis& w = win.w;
  const int64_t plane_rows = d.kernel * h.kernel, tap_step = w.dilation * channels;
  const T** p = ptrs;
  int64_t pending = 0, count = 0;
  const auto flush = [&] {
    if (count > 0) call(pending, count, ptrs, size_t{0});
    p = ptrs;
    count = 0;
  };
  for (int64_t pixel = begin; pixel < end;) {
    const int64_t row = pixel / w.out;  // (n * OD + od) * OH + oh
    const int64_t n = row / (d.out * h.out), od = row / h.out % d.out, oh = row % h.out;
    // The input row of each (kd, kh), null in the padding.
    bool all_rows = true;
    for (int64_t kd = 0, r = 0; kd < d.kernel; ++kd) {
      const int64_t id = od * d.stride - d.pad_begin + kd * d.dilation;
      for (int64_t kh = 0; kh < h.kernel; ++kh, ++r) {
        const int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        const bool inside = id >= 0 && id < d.in && ih >= 0 && ih < h.in;
        rows[r] = inside ? x + ((n * d.in + id) * h.in + ih) * w.in * channels : nullptr;
        all_rows = all_rows && inside;
      }
    }
    // Columns [ow0, ow1) of this row are in the band; those in [mid0, mid1) read no padding.
    const int64_t at = row * w.out;  // pixel index of column 0
    const int64_t ow0 = pixel - at, ow1 = std::min(w.out, end - at);
    const bool strided = all_rows && runs.strided;
    const int64_t mid0 = strided ? std::min(ow1, std::max(ow0, runs.ow_begin)) : ow1;
    const int64_t mid1 = strided ? std::max(mid0, std::min(ow1, runs.ow_end)) : ow1;
    const auto indirect = [&](int64_t a, int64_t b) {
      if (count == 0) pending = at + a;
      count += b - a;
      for (int64_t ow = a; ow < b; ++ow) {
        const int64_t iw0 = ow * w.stride - w.pad_begin;
        for (int64_t r = 0; r < plane_rows; ++r)
          for (int64_t kw = 0; kw < w.kernel; ++kw) {
            const int64_t iw = iw0 + kw * w.dilation;
            *p++ = rows[r] != nullptr && iw >= 0 && iw < w.in ? rows[r] + iw * channels : pad;
          }
      }
    };
    indirect(ow0, mid0);
    if (mid1 > mid0) {
      // No padding: tap (r, kw) of column mid0 + i is rows[r] + (iw0 + kw * dilation + i * stride) * channels.
      flush();
      const int64_t iw0 = mid0 * w.stride - w.pad_begin;
      for (int64_t r = 0; r < plane_rows; ++r)
        for (int64_t kw = 0; kw < w.kernel; ++kw) ptrs[r * w.kernel + kw] = rows[r] + iw0 * channels + kw * tap_step;
      call(at + mid0, mid1 - mid0, ptrs, static_cast<size_t>(w.stride * channels));
    }
    indirect(mid1, ow1);
    pixel = at + ow1;
  }
  flush();
}

}  // namespace octet
