#include "strided_copy.h"

#include <algorithm>
#include <cstring>

#include "../../core/status.h"
#include "dim_walker.h"
#include "element_copy.h"
#include "tensor_common.h"

namespace octet::tensor {

StridedCopy::StridedCopy(size_t element_size, const Shape& shape, const std::vector<int64_t>& src_strides,
                         const std::vector<int64_t>& dst_strides)
    : esize_(element_size) {
  numel_ = shape_numel(shape);
  if (numel_ == 0) return;  // kEmpty
  // Drop size-1 dims, then merge each dim into its outer neighbour when both sides are contiguous
  // across the pair.
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!dims_.empty() && src_strides_.back() == src_strides[k] * shape[k] && dst_strides_.back() == dst_strides[k] * shape[k]) {
      dims_.back() *= shape[k];
      src_strides_.back() = src_strides[k];
      dst_strides_.back() = dst_strides[k];
      continue;
    }
    dims_.push_back(shape[k]);
    src_strides_.push_back(src_strides[k]);
    dst_strides_.push_back(dst_strides[k]);
  }
  if (dims_.empty()) {  // one element
    dims_ = {1};
    src_strides_ = {1};
    dst_strides_ = {1};
  }
  if (dims_.size() > kMaxCopyRank) {
    throw_range("copy of rank " + std::to_string(dims_.size()) + " after collapsing dims exceeds the supported " +
                std::to_string(kMaxCopyRank));
  }
  const size_t last = dims_.size() - 1;
  if (src_strides_[last] == 1 && dst_strides_[last] == 1) {
    kind_ = Kind::kRows;
    const int64_t row_bytes = dims_[last] * static_cast<int64_t>(esize_);
    row_pieces_ = std::max<int64_t>(1, (row_bytes + 4 * kTaskBytes - 1) / (4 * kTaskBytes));
    return;
  }
  const bool tile_size = esize_ == 1 || esize_ == 2 || esize_ == 4 || esize_ == 8;
  if (dst_strides_[last] == 1 && tile_size) {
    for (size_t k = last; k-- > 0;) {
      if (src_strides_[k] == 1) {
        tile_axis_ = static_cast<int>(k);
        break;
      }
    }
  }
  if (tile_axis_ < 0) {
    kind_ = Kind::kElements;
    return;
  }
  kind_ = Kind::kTiles;
  for (size_t k = 0; k < last; ++k) {
    if (static_cast<int>(k) == tile_axis_) continue;
    outer_dims_.push_back(dims_[k]);
    outer_src_.push_back(src_strides_[k]);
    outer_dst_.push_back(dst_strides_[k]);
  }
}

StridedCopy StridedCopy::to_contiguous(size_t element_size, const Shape& shape, const std::vector<int64_t>& src_strides) {
  return StridedCopy(element_size, shape, src_strides, contiguous_strides(shape));
}

void StridedCopy::run(const void* src, void* dst, int threads) const {
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  switch (kind_) {
    case Kind::kEmpty: return;
    case Kind::kRows: run_rows(s, d, threads); return;
    case Kind::kTiles: run_tiles(s, d, threads); return;
    case Kind::kElements: run_elements(s, d, threads); return;
  }
}

void StridedCopy::run_rows(const uint8_t* src, uint8_t* dst, int threads) const {
  const size_t outer_rank = dims_.size() - 1;
  const int64_t row = dims_.back();
  const int64_t rows = numel_ / row;
  const int64_t esize = static_cast<int64_t>(esize_);
  if (row_pieces_ == 1) {
    parallel_ranges(rows, items_per_task(row * esize), threads, [&](int64_t begin, int64_t end) {
      DimWalker w(outer_rank, dims_.data(), src_strides_.data(), dst_strides_.data());
      w.seek(begin);
      for (int64_t r = begin; r < end; ++r, w.next()) {
        std::memcpy(dst + w.dst_offset() * esize, src + w.src_offset() * esize, static_cast<size_t>(row * esize));
      }
    });
    return;
  }
  // Long rows: each item is one piece of one row.
  const int64_t piece = (row + row_pieces_ - 1) / row_pieces_;
  parallel_ranges(rows * row_pieces_, 1, threads, [&](int64_t begin, int64_t end) {
    DimWalker w(outer_rank, dims_.data(), src_strides_.data(), dst_strides_.data());
    for (int64_t item = begin; item < end; ++item) {
      w.seek(item / row_pieces_);
      const int64_t p0 = (item % row_pieces_) * piece;
      const int64_t p1 = std::min(row, p0 + piece);
      if (p1 > p0) {
        std::memcpy(dst + (w.dst_offset() + p0) * esize, src + (w.src_offset() + p0) * esize,
                    static_cast<size_t>((p1 - p0) * esize));
      }
    }
  });
}

void StridedCopy::run_elements(const uint8_t* src, uint8_t* dst, int threads) const {
  const size_t outer_rank = dims_.size() - 1;
  const int64_t row = dims_.back();
  const int64_t ss = src_strides_.back(), ds = dst_strides_.back();
  const int64_t rows = numel_ / row;
  const int64_t esize = static_cast<int64_t>(esize_);
  const StridedElementCopy copy_row = strided_element_copy(esize_);
  const bool broadcast_row = ss == 0 && ds == 1;  // Expand's [.., 1] -> [.., n]: one value repeated
  parallel_ranges(rows, items_per_task(row * esize), threads, [&](int64_t begin, int64_t end) {
    DimWalker w(outer_rank, dims_.data(), src_strides_.data(), dst_strides_.data());
    w.seek(begin);
    for (int64_t r = begin; r < end; ++r, w.next()) {
      if (broadcast_row) fill_elements(dst + w.dst_offset() * esize, src + w.src_offset() * esize, esize_, row);
      else copy_row(src + w.src_offset() * esize, ss, dst + w.dst_offset() * esize, ds, row, esize_);
    }
  });
}

void StridedCopy::run_tiles(const uint8_t* src, uint8_t* dst, int threads) const {
  // dst[a * da + b] = src[a + b * sb] over a < A (the tile axis) and b < B (the innermost dim).
  const int64_t A = dims_[static_cast<size_t>(tile_axis_)], B = dims_.back();
  const int64_t da = dst_strides_[static_cast<size_t>(tile_axis_)], sb = src_strides_.back();
  const int64_t esize = static_cast<int64_t>(esize_);
  // One cache line of elements a side (two for 4-byte elements, whose blocked kernel likes longer rows).
  const int64_t tile = esize == 4 ? 32 : std::max<int64_t>(4, 64 / esize);
  const int64_t strips = (A + tile - 1) / tile;
  const int64_t outer = numel_ / (A * B);
  const TileCopy copy_tile = tile_copy(esize_);
  parallel_ranges(outer * strips, items_per_task(tile * B * esize), threads, [&](int64_t begin, int64_t end) {
    DimWalker w(outer_dims_.size(), outer_dims_.data(), outer_src_.data(), outer_dst_.data());
    int64_t current = begin / strips;
    w.seek(current);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t o = item / strips;
      for (; current < o; ++current) w.next();
      const int64_t a0 = (item % strips) * tile;
      const int64_t a1 = std::min(A, a0 + tile);
      const uint8_t* s = src + (w.src_offset() + a0) * esize;
      uint8_t* d = dst + (w.dst_offset() + a0 * da) * esize;
      for (int64_t b0 = 0; b0 < B; b0 += tile) {
        const int64_t b1 = std::min(B, b0 + tile);
        copy_tile(s + b0 * sb * esize, sb, d + b0 * esize, da, a1 - a0, b1 - b0);
      }
    }
  });
}

}  // namespace octet::tensor
