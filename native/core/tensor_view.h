// A non-owning view of one tensor: data pointer, element type and shape. Operators read and write
// through views; who owns the bytes (the arena, a constant, a caller's TypedArray) is the plan's
// business. Data may be unaligned (callers' TypedArrays): kernels use unaligned loads and stores.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dtype.h"

namespace octet {

using Shape = std::vector<int64_t>;

inline int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// "[1,3,224,224]" for error messages.
inline std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

struct TensorView {
  void* data = nullptr;  // null for an omitted optional input
  DType dtype = DType::kUndefined;
  Shape shape;

  bool present() const { return dtype != DType::kUndefined; }
  int64_t numel() const { return shape_numel(shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  size_t rank() const { return shape.size(); }
  template <typename T> T* as() const { return static_cast<T*>(data); }
};

}  // namespace octet
