// Shared by the elementwise operator files: element-type dispatch, splitting a flat range over
// threads, and create-time checks whose messages name the node, the shapes and the dtypes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../../core/dtype.h"
#include "../../core/thread_pool.h"
#include "../../graph/op.h"

namespace octet::elementwise {

template <class T> struct Tag { using type = T; };

// float16 values are held as their bit patterns, in a type of their own (not arithmetic).
struct float16_bits {
  uint16_t bits;
};

// Calls fn(Tag<T>{}) with the C++ type holding `dtype` (bool as uint8_t, float16 as its bits).
template <class Fn>
auto visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: return fn(Tag<float>{});
    case DType::kFloat64: return fn(Tag<double>{});
    case DType::kInt8: return fn(Tag<int8_t>{});
    case DType::kUint8: return fn(Tag<uint8_t>{});
    case DType::kInt16: return fn(Tag<int16_t>{});
    case DType::kUint16: return fn(Tag<uint16_t>{});
    case DType::kInt32: return fn(Tag<int32_t>{});
    case DType::kUint32: return fn(Tag<uint32_t>{});
    case DType::kInt64: return fn(Tag<int64_t>{});
    case DType::kUint64: return fn(Tag<uint64_t>{});
    case DType::kBool: return fn(Tag<bool>{});
    case DType::kFloat16: return fn(Tag<float16_bits>{});
    default: return fn(Tag<void>{});
  }
}

// Elements per task: cheap operations are memory-bound and only worth threads over large tensors.
constexpr int64_t kGrainCheap = 1 << 15;
constexpr int64_t kGrainCostly = 1 << 12;

// Runs fn(begin, end) over [0, n) split into contiguous ranges on up to `threads` threads. Every
// element is computed by the same code whichever range it falls in, so results never depend on it.
template <class Fn>
void parallel_ranges(int64_t n, int threads, int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  const int64_t by_size = (n + grain - 1) / grain;
  const int64_t tasks = std::min<int64_t>(by_size, std::max(1, threads) * 4);
  if (tasks <= 1 || threads <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  ThreadPool::global().parallel_for(static_cast<size_t>(tasks), threads, [&](size_t t) {
    const int64_t begin = n * static_cast<int64_t>(t) / tasks, end = n * static_cast<int64_t>(t + 1) / tasks;
    fn(begin, end);
  });
}

inline std::string dtype_list(std::initializer_list<DType> dtypes) {
  std::string s;
  for (DType d : dtypes) s += (s.empty() ? "" : ", ") + std::string(dtype_name(d));
  return s;
}

[[noreturn]] inline void throw_unsupported_dtype(const NodeSpec& node, const std::string& what, DType got, const std::string& expected) {
  throw_node_type(node, what + " has dtype " + dtype_name(got) + ", expected " + expected);
}

// The plan's output must be what this operator computes.
inline void expect_output(const OpInit& init, size_t index, DType dtype, const Shape& shape) {
  const ValueInfo& out = init.output(index);
  if (out.dtype != dtype)
    throw_node_type(init.node, "output " + std::to_string(index) + " has dtype " + dtype_name(out.dtype) + ", expected " + dtype_name(dtype));
  if (out.shape != shape)
    throw_node_range(init.node, "output " + std::to_string(index) + " has shape " + shape_string(out.shape) + ", expected " +
                                    shape_string(shape));
}

inline void expect_input_count(const OpInit& init, size_t min_count, size_t max_count) {
  const size_t n = init.input_count();
  if (n < min_count || n > max_count)
    throw_node_range(init.node, "has " + std::to_string(n) + " inputs, expected " +
                                    (min_count == max_count ? std::to_string(min_count)
                                                            : std::to_string(min_count) + " to " + std::to_string(max_count)));
}

// Wrapping integer arithmetic (signed overflow is undefined in C++; ONNX integers wrap).
template <class T>
inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
  else return a + b;
}
template <class T>
inline T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) - static_cast<std::make_unsigned_t<T>>(b));
  else return a - b;
}
template <class T>
inline T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    // Multiply in at least unsigned int so that uint16·uint16 cannot overflow a promoted int.
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(static_cast<std::make_unsigned_t<T>>(a)) * static_cast<U>(static_cast<std::make_unsigned_t<T>>(b)));
  } else {
    return a * b;
  }
}

// float → integer conversion that cannot trap or be undefined: truncates toward zero, saturates out
// of range, NaN → 0.
template <class I, class Fp>
inline I saturate_cast(Fp v) {
  if (!(v == v)) return 0;
  constexpr I lo = std::numeric_limits<I>::min(), hi = std::numeric_limits<I>::max();
  if (v <= static_cast<Fp>(lo)) return lo;
  if (v >= static_cast<Fp>(hi)) return hi;  // hi as Fp may round up to 2^k: ">=" catches it
  return static_cast<I>(v);
}

void register_unary_ops(OpRegistry& r);
void register_binary_ops(OpRegistry& r);
void register_cast_where_ops(OpRegistry& r);

}  // namespace octet::elementwise
