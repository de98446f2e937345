#include "tap_rows.h"

#include <algorithm>
#include <cstring>

namespace octet {

ConvTapRows::ConvTapRows(const Window& win, int64_t channels, int64_t cg) : win_(win), channels_(channels), cg_(cg) {
  whole_rows_ = cg == channels && (win.w.dilation == 1 || win.w.kernel == 1);
  const int64_t kw_runs = whole_rows_ ? 1 : win.w.kernel;
  run_bytes_ = whole_rows_ ? win.w.kernel * cg : cg;
  for (int64_t kd = 0; kd < win.d.kernel; ++kd)
    for (int64_t kh = 0; kh < win.h.kernel; ++kh)
      for (int64_t kw = 0; kw < kw_runs; ++kw) {
        const int64_t d = kd * win.d.dilation, h = kh * win.h.dilation, w = kw * win.w.dilation;
        run_d_.push_back(d);
        run_h_.push_back(h);
        run_w_.push_back(w);
        offsets_.push_back(((d * win.h.in + h) * win.w.in + w) * channels);
      }
}

void ConvTapRows::build(const uint8_t* x, int64_t c0, const uint8_t* pad, uint8_t* side, int64_t p0, int64_t p1, int mr,
                        const uint8_t** out) const {
  const WindowAxis& D = win_.d;
  const WindowAxis& H = win_.h;
  const WindowAxis& W = win_.w;
  const int64_t runs = this->runs();
  const int64_t* offsets = offsets_.data();
  const int64_t run_w_extent = whole_rows_ ? W.extent() : 1;
  const int64_t column_step = W.stride * channels_;
  // Output columns [ow_lo, ow_hi) have their whole window inside the input horizontally.
  const int64_t ow_lo = (W.pad_begin + W.stride - 1) / W.stride;
  const int64_t ow_hi = std::max(ow_lo, W.in - W.extent() + W.pad_begin < 0 ? 0 : (W.in - W.extent() + W.pad_begin) / W.stride + 1);
  // The output position of p0, then stepped pixel by pixel (no division per pixel).
  int64_t ow = p0 % W.out, rest = p0 / W.out;
  int64_t oh = rest % H.out;
  rest /= H.out;
  int64_t od = rest % D.out, n = rest / D.out;
  int64_t id = 0, ih = 0, corner = 0;  // the window's first input position, and its element offset
  bool rows_inside = false;            // the window's rows are all inside the input vertically
  const auto start_row = [&] {
    id = od * D.stride - D.pad_begin;
    ih = oh * H.stride - H.pad_begin;
    const int64_t iw = ow * W.stride - W.pad_begin;
    corner = (((n * D.in + id) * H.in + ih) * W.in + iw) * channels_ + c0;
    rows_inside = id >= 0 && ih >= 0 && id + D.extent() <= D.in && ih + H.extent() <= H.in;
  };
  start_row();
  const auto next_row = [&] {
    ow = 0;
    if (++oh == H.out) {
      oh = 0;
      if (++od == D.out) {
        od = 0;
        ++n;
      }
    }
    start_row();
  };
  for (int64_t first = p0; first < p1; first += mr, out += runs * mr) {
    if (first + mr <= p1 && rows_inside && ow >= ow_lo && ow + mr <= ow_hi) {
      // A whole tile of one row's inner columns: pixel r of run s is column_step further than r - 1.
      for (int64_t s = 0; s < runs; ++s) {
        const uint8_t* base = x + (corner + offsets[s]);
        for (int r = 0; r < mr; ++r) out[s * mr + r] = base + r * column_step;
      }
      corner += mr * column_step;
      ow += mr;
      if (ow == W.out) next_row();
      continue;
    }
    for (int r = 0; r < mr && first + r < p1; ++r) {
      if (rows_inside && ow >= ow_lo && ow < ow_hi) {
        for (int64_t s = 0; s < runs; ++s) out[s * mr + r] = x + (corner + offsets[s]);
      } else {
        const int64_t iw = ow * W.stride - W.pad_begin;
        for (int64_t s = 0; s < runs; ++s) {
          const int64_t d = id + run_d_[s], h = ih + run_h_[s], w = iw + run_w_[s];
          const uint8_t* p = pad;
          if (d >= 0 && d < D.in && h >= 0 && h < H.in) {
            if (w >= 0 && w + run_w_extent <= W.in) {
              p = x + (corner + offsets[s]);
            } else if (whole_rows_) {
              // A kernel row partly in the horizontal padding: its taps copied next to each other.
              const int64_t row = ((n * D.in + d) * H.in + h) * W.in;
              for (int64_t kw = 0; kw < W.kernel; ++kw) {
                const int64_t col = w + kw;  // whole rows have no dilation
                const uint8_t* from = col >= 0 && col < W.in ? x + ((row + col) * channels_ + c0) : pad;
                std::memcpy(side + kw * cg_, from, static_cast<size_t>(cg_));
              }
              p = side;
              side += run_bytes_;
            }
          }
          out[s * mr + r] = p;
        }
      }
      corner += column_step;
      if (++ow == W.out) next_row();
    }
  }
}

}  // namespace octet
