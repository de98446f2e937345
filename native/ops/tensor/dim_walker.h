// Walks the outer dims of a copy in row-major order, keeping the source and destination element
// offsets of the current index (fixed arrays: no allocation inside run()).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor_common.h"

namespace octet::tensor {

class DimWalker {
 public:
  // `rank` <= kMaxCopyRank (checked where the copy is planned); rank 0 walks one position.
  DimWalker(size_t rank, const int64_t* dims, const int64_t* src_strides, const int64_t* dst_strides)
      : rank_(rank), dims_(dims), src_strides_(src_strides), dst_strides_(dst_strides) {}

  // Jumps to the position with row-major number `linear`.
  void seek(int64_t linear) {
    src_ = dst_ = 0;
    for (size_t k = rank_; k-- > 0;) {
      idx_[k] = linear % dims_[k];
      linear /= dims_[k];
      src_ += idx_[k] * src_strides_[k];
      dst_ += idx_[k] * dst_strides_[k];
    }
  }

  void next() {
    for (size_t k = rank_; k-- > 0;) {
      src_ += src_strides_[k];
      dst_ += dst_strides_[k];
      if (++idx_[k] < dims_[k]) return;
      src_ -= src_strides_[k] * dims_[k];
      dst_ -= dst_strides_[k] * dims_[k];
      idx_[k] = 0;
    }
  }

  int64_t src_offset() const { return src_; }
  int64_t dst_offset() const { return dst_; }
  int64_t index(size_t k) const { return idx_[k]; }

 private:
  size_t rank_;
  const int64_t* dims_;
  const int64_t* src_strides_;
  const int64_t* dst_strides_;
  int64_t idx_[kMaxCopyRank] = {};
  int64_t src_ = 0, dst_ = 0;
};

}  // namespace octet::tensor
