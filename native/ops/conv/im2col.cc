#include "im2col.h"

#include <algorithm>
#include <cstring>

namespace octet {

namespace {

// Short runs (a first layer's kernel row of 3 pixels × 3 channels is 9 floats) are copied inline:
// a memcpy or memset call per run cost more than the copy, two thirds of that layer's time.
constexpr size_t kInlineElements = 32;
// Kernel rows (kD * kH) of the fast path's row pointers; bigger kernels take the general path.
constexpr int64_t kMaxPlaneRows = 64;

// A short run of bytes (a first layer's kernel row: 3 pixels × 3 channels is 9 bytes or 36 floats'
// bytes) as at most two overlapping moves of the largest size that fits: no byte loop.
inline void copy_short(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
    if (i < n) std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

template <typename T>
inline void copy_run(T* dst, const T* src, size_t n) {
  if (n > kInlineElements) {
    std::memcpy(dst, src, n * sizeof(T));
    return;
  }
  copy_short(reinterpret_cast<uint8_t*>(dst), reinterpret_cast<const uint8_t*>(src), n * sizeof(T));
}

template <typename T>
inline void fill_run(T* dst, size_t n, T value) {
  if (n > kInlineElements) {
    if (sizeof(T) == 1 || value == T(0)) std::memset(dst, static_cast<int>(value), n * sizeof(T));
    else std::fill(dst, dst + n, value);
    return;
  }
  for (size_t i = 0; i < n; ++i) dst[i] = value;
}

}  // namespace

template <typename T>
void im2col_nhwc(const T* x, int64_t channels, int64_t c0, int64_t cg, const Window& win, int64_t p0, int64_t p1, T* col, T pad,
                 int64_t row_stride) {
  const WindowAxis& d = win.d;
  const WindowAxis& h = win.h;
  const WindowAxis& w = win.w;
  const int64_t K = win.taps() * cg;
  const int64_t stride = row_stride > K ? row_stride : K;
  const int64_t plane_taps = h.kernel * w.kernel * cg;  // columns of one kd
  // With all channels of a pixel and no horizontal dilation, a kernel row's taps are one contiguous
  // run of the input row: one copy instead of kW.
  const bool row_contiguous = cg == channels && w.dilation == 1;
  const int64_t pixels_per_image = win.out_pixels();
  int64_t n = p0 / pixels_per_image;
  int64_t od = p0 % pixels_per_image / (h.out * w.out);
  int64_t oh = p0 % (h.out * w.out) / w.out;
  int64_t ow = p0 % w.out;
  // Any pixel: tap by tap, zeros where the window leaves the input.
  const auto general_pixel = [&](T* dst, int64_t iw0) {
    for (int64_t kd = 0; kd < d.kernel; ++kd) {
      const int64_t id = od * d.stride - d.pad_begin + kd * d.dilation;
      if (id < 0 || id >= d.in) {
        fill_run(dst, static_cast<size_t>(plane_taps), pad);
        dst += plane_taps;
        continue;
      }
      for (int64_t kh = 0; kh < h.kernel; ++kh, dst += w.kernel * cg) {
        const int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        if (ih < 0 || ih >= h.in) {
          fill_run(dst, static_cast<size_t>(w.kernel * cg), pad);
          continue;
        }
        const T* row = x + (((n * d.in + id) * h.in + ih) * w.in) * channels + c0;
        if (row_contiguous) {
          const int64_t lo = std::min(w.kernel, std::max<int64_t>(0, -iw0));  // first tap inside
          const int64_t hi = std::max(lo, std::min(w.kernel, w.in - iw0));     // one past the last
          if (lo > 0) fill_run(dst, static_cast<size_t>(lo * cg), pad);
          if (hi > lo) copy_run(dst + lo * cg, row + (iw0 + lo) * channels, static_cast<size_t>((hi - lo) * cg));
          if (hi < w.kernel) fill_run(dst + hi * cg, static_cast<size_t>((w.kernel - hi) * cg), pad);
        } else {
          for (int64_t kw = 0; kw < w.kernel; ++kw) {
            const int64_t iw = iw0 + kw * w.dilation;
            if (iw < 0 || iw >= w.in) fill_run(dst + kw * cg, static_cast<size_t>(cg), pad);
            else copy_run(dst + kw * cg, row + iw * channels, static_cast<size_t>(cg));
          }
        }
      }
    }
  };
  // The input rows of the current output row, one per (kd, kh) (null in the padding), while the
  // pixels' windows lie inside the rows horizontally: then a pixel is plane_rows copies of
  // `run` floats (the first layer: 3 copies of 9).
  const int64_t plane_rows = d.kernel * h.kernel, run = w.kernel * cg;
  const bool fast = row_contiguous && plane_rows <= kMaxPlaneRows;
  const int64_t extent = w.extent();
  const T* rows[kMaxPlaneRows];
  const auto find_rows = [&] {
    const T** r = rows;
    for (int64_t kd = 0; kd < d.kernel; ++kd) {
      const int64_t id = od * d.stride - d.pad_begin + kd * d.dilation;
      for (int64_t kh = 0; kh < h.kernel; ++kh) {
        const int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        *r++ = id >= 0 && id < d.in && ih >= 0 && ih < h.in ? x + (((n * d.in + id) * h.in + ih) * w.in) * channels + c0 : nullptr;
      }
    }
  };
  if (fast) find_rows();
  for (int64_t p = p0; p < p1; ++p) {
    T* dst = col + (p - p0) * stride;
    if (stride > K) fill_run(dst + K, static_cast<size_t>(stride - K), T(0));
    const int64_t iw0 = ow * w.stride - w.pad_begin;
    if (fast && iw0 >= 0 && iw0 + extent <= w.in) {
      for (int64_t r = 0; r < plane_rows; ++r, dst += run) {
        if (rows[r] != nullptr) copy_run(dst, rows[r] + iw0 * channels, static_cast<size_t>(run));
        else fill_run(dst, static_cast<size_t>(run), pad);
      }
    } else {
      general_pixel(dst, iw0);
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
      if (fast && p + 1 < p1) find_rows();
    }
  }
}

template void im2col_nhwc<float>(const float*, int64_t, int64_t, int64_t, const Window&, int64_t, int64_t, float*, float, int64_t);
template void im2col_nhwc<uint8_t>(const uint8_t*, int64_t, int64_t, int64_t, const Window&, int64_t, int64_t, uint8_t*, uint8_t, int64_t);

}  // namespace octet
