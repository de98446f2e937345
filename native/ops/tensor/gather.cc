// Gather and GatherElements with int32 or int64 indices, negative ones counting from the end.
//
// Out-of-range indices: constant indices are checked at create (a RangeError naming the index).
// Indices computed at run time cannot be rejected there (run() must not throw), and clamping would
// silently read the wrong row, so an out-of-range index writes zeros in its output row/element
// instead: the result is visibly wrong rather than plausibly wrong, and memory outside the input is
// never read.
#include <cstring>
#include <memory>
#include <numeric>

#include "dim_walker.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

inline int64_t load_index(const void* indices, bool is64, int64_t i) {
  if (is64) {
    int64_t v;
    std::memcpy(&v, static_cast<const uint8_t*>(indices) + i * 8, 8);
    return v;
  }
  int32_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(indices) + i * 4, 4);
  return v;
}

// Normalises `index` into [0, dim) or returns -1.
inline int64_t normalize_index(int64_t index, int64_t dim) {
  if (index < 0) index += dim;
  return index >= 0 && index < dim ? index : -1;
}

bool index_dtype(const NodeSpec& node, DType dtype) {
  if (dtype != DType::kInt64 && dtype != DType::kInt32) {
    throw_node_type(node, std::string("indices have type ") + dtype_name(dtype) + ", expected int32 or int64");
  }
  return dtype == DType::kInt64;
}

// Constant indices, normalised; throws on one out of range.
std::vector<int64_t> constant_indices(const OpInit& init, int64_t dim, bool is64) {
  const ValueInfo& v = init.input(1);
  std::vector<int64_t> out(static_cast<size_t>(v.numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t raw = load_index(v.constant, is64, static_cast<int64_t>(i));
    out[i] = normalize_index(raw, dim);
    if (out[i] < 0) {
      throw_node_range(init.node, "index " + std::to_string(raw) + " (position " + std::to_string(i) +
                                      ") is out of range for an axis of size " + std::to_string(dim) + " (expected [" +
                                      std::to_string(-dim) + ", " + std::to_string(dim - 1) + "])");
    }
  }
  return out;
}

// data [outer, dim, inner], indices n → out [outer, n, inner]; each (outer, n) is one row of
// `inner` elements.
class GatherOp : public Op {
 public:
  GatherOp(size_t esize, int64_t outer, int64_t dim, int64_t inner, int64_t count, bool is64, std::vector<int64_t> constant)
      : esize_(esize), outer_(outer), dim_(dim), inner_(inner), count_(count), is64_(is64), constant_(std::move(constant)) {}

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const auto* data = static_cast<const uint8_t*>(inputs[0]->data);
    const void* indices = inputs[1]->data;
    auto* out = static_cast<uint8_t*>(outputs[0]->data);
    const int64_t row_bytes = inner_ * static_cast<int64_t>(esize_);
    const bool fixed = !constant_.empty() || count_ == 0;
    parallel_ranges(outer_ * count_, items_per_task(row_bytes), ctx.threads, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t o = item / count_, n = item % count_;
        const int64_t index = fixed ? constant_[static_cast<size_t>(n)] : normalize_index(load_index(indices, is64_, n), dim_);
        uint8_t* dst = out + item * row_bytes;
        if (index < 0) std::memset(dst, 0, static_cast<size_t>(row_bytes));
        else copy_row(dst, data + ((o * dim_ + index) * row_bytes), row_bytes);
      }
    });
  }

 private:
  static void copy_row(uint8_t* dst, const uint8_t* src, int64_t bytes) {
    switch (bytes) {  // fixed sizes compile to single moves (inner == 1 gathers elements)
      case 1: std::memcpy(dst, src, 1); break;
      case 2: std::memcpy(dst, src, 2); break;
      case 4: std::memcpy(dst, src, 4); break;
      case 8: std::memcpy(dst, src, 8); break;
      default: std::memcpy(dst, src, static_cast<size_t>(bytes)); break;
    }
  }

  size_t esize_;
  int64_t outer_, dim_, inner_, count_;
  bool is64_;
  std::vector<int64_t> constant_;  // normalised constant indices, else empty
};

std::unique_ptr<Op> create_gather(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& data = init.input(0);
  const ValueInfo& indices = init.input(1);
  require_known_dtype(node, data.dtype, "input 0");
  const bool is64 = index_dtype(node, indices.dtype);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) throw_node_range(node, "data must have rank >= 1, got a scalar");
  const size_t axis = static_cast<size_t>(normalize_axis(node, node.attrs.get_int("axis", 0), rank, "axis"));
  Shape out(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape.end());
  check_output(init, 0, data.dtype, out);
  const int64_t dim = data.shape[axis];
  const int64_t outer = std::accumulate(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis), int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape.end(), int64_t{1}, std::multiplies<>());
  std::vector<int64_t> constant;
  if (indices.constant != nullptr) constant = constant_indices(init, dim, is64);
  return std::make_unique<GatherOp>(dtype_size(data.dtype), outer, dim, inner, indices.numel(), is64, std::move(constant));
}

// out[i] = data[i with i[axis] replaced by indices[i]]. Outer dims walk both tensors (the data's
// axis stride is 0 there: the index supplies it); the innermost dim is a loop.
class GatherElementsOp : public Op {
 public:
  GatherElementsOp(size_t esize, Shape index_shape, std::vector<int64_t> data_strides, size_t axis, int64_t dim, bool is64,
                   std::vector<int64_t> constant)
      : esize_(esize), shape_(std::move(index_shape)), data_strides_(std::move(data_strides)), axis_(axis), dim_(dim),
        is64_(is64), constant_(std::move(constant)) {
    const size_t rank = shape_.size();
    index_strides_ = contiguous_strides(shape_);
    walk_data_strides_ = data_strides_;
    walk_data_strides_[axis_] = 0;
    numel_ = shape_numel(shape_);
    row_ = shape_[rank - 1];
  }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (numel_ == 0) return;
    const auto* data = static_cast<const uint8_t*>(inputs[0]->data);
    const void* indices = inputs[1]->data;
    auto* out = static_cast<uint8_t*>(outputs[0]->data);
    const int64_t esize = static_cast<int64_t>(esize_);
    const size_t last = shape_.size() - 1;
    const int64_t axis_stride = data_strides_[axis_];
    const int64_t inner_stride = axis_ == last ? 0 : data_strides_[last];  // the axis' own position comes from the index
    parallel_ranges(numel_ / row_, items_per_task(row_ * esize), ctx.threads, [&](int64_t begin, int64_t end) {
      DimWalker w(last, shape_.data(), walk_data_strides_.data(), index_strides_.data());
      w.seek(begin);
      for (int64_t r = begin; r < end; ++r, w.next()) {
        for (int64_t j = 0; j < row_; ++j) {
          const int64_t at = w.dst_offset() + j;
          const int64_t index = constant_.empty() ? normalize_index(load_index(indices, is64_, at), dim_) : constant_[static_cast<size_t>(at)];
          uint8_t* dst = out + at * esize;
          if (index < 0) std::memset(dst, 0, esize_);
          else std::memcpy(dst, data + (w.src_offset() + j * inner_stride + index * axis_stride) * esize, esize_);
        }
      }
    });
  }

 private:
  size_t esize_;
  Shape shape_;
  std::vector<int64_t> data_strides_, walk_data_strides_, index_strides_;
  size_t axis_;
  int64_t dim_, numel_ = 0, row_ = 1;
  bool is64_;
  std::vector<int64_t> constant_;
};

std::unique_ptr<Op> create_gather_elements(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& data = init.input(0);
  const ValueInfo& indices = init.input(1);
  require_known_dtype(node, data.dtype, "input 0");
  const bool is64 = index_dtype(node, indices.dtype);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) throw_node_range(node, "data must have rank >= 1, got a scalar");
  if (indices.shape.size() != data.shape.size()) {
    throw_node_range(node, "indices " + shape_string(indices.shape) + " must have the rank of data " + shape_string(data.shape));
  }
  if (data.shape.size() > kMaxCopyRank) throw_node_range(node, "rank " + std::to_string(rank) + " is not supported");
  const size_t axis = static_cast<size_t>(normalize_axis(node, node.attrs.get_int("axis", 0), rank, "axis"));
  for (size_t k = 0; k < data.shape.size(); ++k) {
    if (k != axis && indices.shape[k] > data.shape[k]) {
      throw_node_range(node, "indices " + shape_string(indices.shape) + " exceed data " + shape_string(data.shape) +
                                 " on axis " + std::to_string(k) + " (only the gather axis may differ)");
    }
  }
  check_output(init, 0, data.dtype, indices.shape);
  std::vector<int64_t> constant;
  if (indices.constant != nullptr) constant = constant_indices(init, data.shape[axis], is64);
  return std::make_unique<GatherElementsOp>(dtype_size(data.dtype), indices.shape, contiguous_strides(data.shape), axis,
                                            data.shape[axis], is64, std::move(constant));
}

}  // namespace

void register_gather_ops(OpRegistry& r) {
  r.add("Gather", &create_gather);
  r.add("GatherElements", &create_gather_elements);
}

}  // namespace octet::tensor
