// The k×k convolution's GEMM rows without an im2col copy: each output pixel's row is read in place as
// a few runs of input bytes, and the int8 GEMM's gathered form (ops/qgemm.h, qgemm_indirect) takes
// one pointer per run. With one group and no horizontal dilation, the kw taps of a kernel row are
// next to each other in channels-last input, so a run is a whole kernel row (kw·C bytes); otherwise a
// run is one tap (C/group bytes). A kernel row entirely in the padding points at the zero-point
// vector; one partly in it (a border pixel) is assembled in a side buffer, as im2col would.
#pragma once

#include <cstdint>
#include <vector>

#include "conv_geometry.h"

namespace octet {

class ConvTapRows {
 public:
  ConvTapRows() = default;
  // x is [N, D, H, W, channels] channels-last; each group reads cg of its channels.
  ConvTapRows(const Window& win, int64_t channels, int64_t cg);

  int64_t runs() const { return static_cast<int64_t>(offsets_.size()); }
  int64_t run_bytes() const { return run_bytes_; }
  // Pointers and side-buffer bytes build() may write for `pixels` output pixels in tiles of mr.
  size_t pointer_count(int64_t pixels, int mr) const { return static_cast<size_t>((pixels + mr - 1) / mr * mr * runs()); }
  size_t side_bytes(int64_t pixels) const { return static_cast<size_t>(pixels * runs() * run_bytes_); }
  // Bytes of the zero-point vector `pad` must hold.
  size_t pad_bytes() const { return static_cast<size_t>(run_bytes_); }

  // Output pixels [p0, p1), p = ((n·OD + od)·OH + oh)·OW + ow, channels [c0, c0 + cg) of each tap:
  // run s of pixel p0 + tile·mr + r into out[(tile·runs + s)·mr + r] (rows past p1 in the last tile
  // are left unwritten: qgemm_indirect does not read them); `side` receives the runs of border pixels.
  void build(const uint8_t* x, int64_t c0, const uint8_t* pad, uint8_t* side, int64_t p0, int64_t p1, int mr, const uint8_t** out) const;

 private:
  Window win_;
  int64_t channels_ = 0, cg_ = 0;
  bool whole_rows_ = false;  // a run is a kernel row of kw taps
  int64_t run_bytes_ = 0;
  std::vector<int64_t> offsets_;               // per run: elements from the window's first input pixel
  std::vector<int64_t> run_d_, run_h_, run_w_;  // per run: its first tap's position relative to that pixel
};

}  // namespace octet
