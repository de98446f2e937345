#include "index_map_copy.h"

#include <cstring>

#include "../../core/status.h"
#include "element_copy.h"
#include "tensor_common.h"

namespace octet::tensor {

namespace {

bool is_identity(const std::vector<int64_t>& map, int64_t src_dim) {
  if (static_cast<int64_t>(map.size()) != src_dim) return false;
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

}  // namespace

IndexMapCopy::IndexMapCopy(size_t element_size, const Shape& src_shape, const Shape& out_shape,
                           const std::vector<std::vector<int64_t>>& maps, const std::vector<uint8_t>& fill)
    : esize_(element_size), fill_(fill) {
  numel_ = shape_numel(out_shape);
  fill_.resize(esize_);
  if (numel_ == 0) return;
  const std::vector<int64_t> strides = contiguous_strides(src_shape);
  const size_t rank = out_shape.size();
  if (rank == 0) {  // a scalar copies itself
    segments_.push_back({0, 1, 0});
    return;
  }
  // Outer axes as offset tables; a run of identity axes (copied straight through) merges into one
  // axis without a table: index i*d + j of the merged pair has offset (i*d + j) * stride_k.
  bool previous_identity = false;
  for (size_t k = 0; k + 1 < rank; ++k) {
    const bool identity = is_identity(maps[k], src_shape[k]);
    if (identity && previous_identity) {
      outer_.back().dim *= out_shape[k];
      outer_.back().stride = strides[k];
    } else {
      OuterAxis axis{out_shape[k], strides[k], {}};
      if (!identity) {
        axis.table.resize(static_cast<size_t>(out_shape[k]));
        for (size_t i = 0; i < axis.table.size(); ++i) axis.table[i] = maps[k][i] < 0 ? -1 : maps[k][i] * strides[k];
      }
      outer_.push_back(std::move(axis));
    }
    previous_identity = identity;
  }
  if (outer_.size() > kMaxCopyRank) {
    throw_range("index-map copy of rank " + std::to_string(outer_.size()) + " exceeds the supported " +
                std::to_string(kMaxCopyRank));
  }

  // Innermost axis: segments of consecutive sources or of fill.
  const std::vector<int64_t>& inner = maps[rank - 1];
  row_ = out_shape[rank - 1];
  for (int64_t i = 0; i < row_; ++i) {
    const int64_t s = inner[static_cast<size_t>(i)];
    if (!segments_.empty()) {
      Segment& last = segments_.back();
      const bool extends_fill = s < 0 && last.src < 0;
      const bool extends_run = s >= 0 && last.src >= 0 && s == last.src + last.count;
      if (extends_fill || extends_run) {
        ++last.count;
        continue;
      }
    }
    segments_.push_back({i, 1, s < 0 ? -1 : s});
  }
  // Short runs (upsampling repeats each element): a per-element loop beats a memcpy per run.
  if (static_cast<int64_t>(segments_.size()) * 4 > row_) {
    gather_ = true;
    inner_offsets_.assign(inner.begin(), inner.end());
    segments_.clear();
  }
}

void IndexMapCopy::run(const void* src, void* dst, int threads) const {
  if (numel_ == 0) return;
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  const int64_t esize = static_cast<int64_t>(esize_);
  const int64_t rows = numel_ / row_;
  const size_t outer_rank = outer_.size();
  const GatherElementCopy gather = gather_element_copy(esize_);
  parallel_ranges(rows, items_per_task(row_ * esize), threads, [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxCopyRank];
    int64_t linear = begin;
    for (size_t k = outer_rank; k-- > 0;) {
      idx[k] = linear % outer_[k].dim;
      linear /= outer_[k].dim;
    }
    // Upsampling repeats source rows: a row whose source equals the previous row's is a copy of
    // the previous output row (one memcpy instead of a gather).
    int64_t previous_base = -1;
    const uint8_t* previous_out = nullptr;
    for (int64_t r = begin; r < end; ++r) {
      uint8_t* out = d + r * row_ * esize;
      int64_t base = 0;
      bool fill_row = false;
      for (size_t k = 0; k < outer_rank; ++k) {
        const OuterAxis& axis = outer_[k];
        const int64_t o = axis.table.empty() ? idx[k] * axis.stride : axis.table[static_cast<size_t>(idx[k])];
        fill_row = fill_row || o < 0;
        base += o;
      }
      if (!fill_row && base == previous_base) {
        std::memcpy(out, previous_out, static_cast<size_t>(row_ * esize));
      } else if (fill_row) {
        fill_elements(out, fill_.data(), esize_, row_);
      } else if (gather_) {
        gather(s + base * esize, inner_offsets_.data(), out, row_, fill_.data(), esize_);
      } else {
        for (const Segment& seg : segments_) {
          if (seg.src < 0) fill_elements(out + seg.begin * esize, fill_.data(), esize_, seg.count);
          else std::memcpy(out + seg.begin * esize, s + (base + seg.src) * esize, static_cast<size_t>(seg.count * esize));
        }
      }
      if (!fill_row) {
        previous_base = base;
        previous_out = out;
      }
      for (size_t k = outer_rank; k-- > 0;) {
        if (++idx[k] < outer_[k].dim) break;
        idx[k] = 0;
      }
    }
  });
}

}  // namespace octet::tensor
