// The ONNX reductions: ReduceSum, ReduceMean, ReduceProd, ReduceMax, ReduceMin, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (opsets 1-20), ArgMax and ArgMin (opsets 1-13).
//
// Any set of axes is brought to one of two loops (reduce/reduce_layout.h): contiguous segments
// reduced in the lane order of reduce/lanes.h, or whole rows accumulated element by element into
// a block of neighbouring outputs. Each output is computed by one task from start to end, so the
// thread count never changes a result. Integer sums and products wrap like the type's two's
// complement arithmetic (computed unsigned); ReduceMean of int32 sums in 64 bits and truncates.
//
// Empty reductions follow the ONNX spec (opset 18 clarification): Sum, L1, L2, SumSquare 0; Prod 1;
// Max the lowest value (-inf); Min the highest (+inf); LogSum and LogSumExp -inf; Mean NaN (0 for
// integers). With noop_with_empty_axes and no axes each element is reduced alone, so the elementwise
// part of the reduction still applies (|x| for L1, x² for SumSquare, log x for LogSum), as the ONNX
// reference does since onnx#7394; Sum, Mean, Max, Min and Prod copy.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

#include "../graph/op.h"
#include "reduce/lanes.h"
#include "reduce/parallel_tasks.h"
#include "reduce/reduce_layout.h"

namespace octet {

namespace {

// Outputs of one column-loop task, accumulated on the stack (4 KiB for 64-bit accumulators x2).
constexpr int64_t kColumnBlock = 256;

enum class ReduceKind { kSum, kMean, kProd, kMax, kMin, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// ---- The reductions, per element type. Acc is what the chains hold: float for float, the unsigned
// type of the same width for integers (wrapping arithmetic without undefined behaviour).

template <typename T>
struct WideOf {
  using type = std::make_unsigned_t<T>;
};
template <>
struct WideOf<float> {
  using type = float;
};
template <typename T>
using Wide = typename WideOf<T>::type;

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T>;

// The identity of addition: -0.0f for floats (exact, keeps the sign of a sum of -0s).
template <typename Acc>
constexpr Acc zero_sum() {
  if constexpr (std::is_floating_point_v<Acc>) return -0.0f;
  else return 0;
}

template <typename T>
struct SumReducer {
  using Acc = Wide<T>;
  static Acc identity() { return zero_sum<Acc>(); }
  static Acc load(T x) { return static_cast<Acc>(x); }
  static Acc combine(Acc a, Acc b) { return a + b; }
  static T finish(Acc a, int64_t) { return static_cast<T>(a); }
};

template <typename T>
struct MeanReducer {
  // Integers sum in 64 bits (two's complement in uint64), then divide truncating toward zero.
  using Acc = std::conditional_t<kIsFloat<T>, float, uint64_t>;
  static Acc identity() { return zero_sum<Acc>(); }
  static Acc load(T x) {
    if constexpr (kIsFloat<T>) return x;
    else if constexpr (std::is_signed_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(x));
    else return static_cast<uint64_t>(x);
  }
  static Acc combine(Acc a, Acc b) { return a + b; }
  static T finish(Acc a, int64_t count) {
    if constexpr (kIsFloat<T>) return a / static_cast<float>(count);
    else if constexpr (std::is_signed_v<T>) return static_cast<T>(static_cast<int64_t>(a) / count);
    else return static_cast<T>(a / static_cast<uint64_t>(count));
  }
};

template <typename T>
struct ProdReducer {
  using Acc = Wide<T>;
  static Acc identity() { return 1; }
  static Acc load(T x) { return static_cast<Acc>(x); }
  static Acc combine(Acc a, Acc b) { return a * b; }
  static T finish(Acc a, int64_t) { return static_cast<T>(a); }
};

// Max and Min propagate NaN (see lanes.h).
template <typename T>
struct MaxReducer {
  using Acc = T;
  static Acc identity() {
    if constexpr (kIsFloat<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  static Acc load(T x) { return x; }
  static Acc combine(Acc a, Acc b) {
    if constexpr (kIsFloat<T>) return MaxPropagatingNan()(a, b);
    else return b > a ? b : a;
  }
  static T finish(Acc a, int64_t) { return a; }
};

template <typename T>
struct MinReducer {
  using Acc = T;
  static Acc identity() {
    if constexpr (kIsFloat<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static Acc load(T x) { return x; }
  static Acc combine(Acc a, Acc b) {
    if constexpr (kIsFloat<T>) return MinPropagatingNan()(a, b);
    else return b < a ? b : a;
  }
  static T finish(Acc a, int64_t) { return a; }
};

template <typename T>
struct L1Reducer {
  using Acc = Wide<T>;
  static Acc identity() { return zero_sum<Acc>(); }
  static Acc load(T x) {
    if constexpr (kIsFloat<T>) return std::fabs(x);
    else if constexpr (std::is_signed_v<T>) return x < 0 ? Acc(0) - static_cast<Acc>(x) : static_cast<Acc>(x);
    else return x;
  }
  static Acc combine(Acc a, Acc b) { return a + b; }
  static T finish(Acc a, int64_t) { return static_cast<T>(a); }
};

template <typename T>
struct SumSquareReducer {
  using Acc = Wide<T>;
  static Acc identity() { return zero_sum<Acc>(); }
  static Acc load(T x) { return static_cast<Acc>(x) * static_cast<Acc>(x); }
  static Acc combine(Acc a, Acc b) { return a + b; }
  static T finish(Acc a, int64_t) { return static_cast<T>(a); }
};

struct L2Reducer : SumSquareReducer<float> {
  static float finish(float a, int64_t) { return std::sqrt(a); }
};

struct LogSumReducer : SumReducer<float> {
  static float finish(float a, int64_t) { return std::log(a); }
};

// ---- The loops.

using ReduceFn = void (*)(const ReduceLayout& l, const void* x, void* y, int threads);

template <class R, typename T>
struct ReduceJob {
  using Acc = typename R::Acc;
  const ReduceLayout& l;
  const T* x;
  T* y;

  // Outputs [o0, o1) of the rows loop.
  void rows(int64_t o0, int64_t o1) const {
    Odometer group(l.kept_dims, l.kept_strides, o0);
    for (int64_t o = o0; o < o1; ++o, group.next()) {
      Acc lane[kLanes];
      lanes_fill(lane, R::identity());
      const T* base = x + group.offset();
      for_each_segment(l, [&](int64_t offset) {
        if constexpr (std::is_same_v<R, MaxReducer<float>>) lanes_combine_floats(lane, base + offset, l.inner, MaxPropagatingNan());
        else if constexpr (std::is_same_v<R, MinReducer<float>>) lanes_combine_floats(lane, base + offset, l.inner, MinPropagatingNan());
        else lanes_accumulate(lane, base + offset, l.inner, R::load, R::combine);
      });
      y[o] = R::finish(lanes_fold(lane, R::combine), l.count);
    }
  }

  // Outputs [c0, c1) of group g of the columns loop (c1 - c0 <= kColumnBlock).
  void columns(int64_t g, int64_t c0, int64_t c1) const {
    Acc acc[kColumnBlock];
    const int64_t n = c1 - c0;
    for (int64_t k = 0; k < n; ++k) acc[k] = R::identity();
    const T* base = x + Odometer(l.kept_dims, l.kept_strides, g).offset() + c0;
    for_each_segment(l, [&](int64_t offset) {
      const T* row = base + offset;
      if constexpr (std::is_same_v<R, MaxReducer<float>>) columns_combine_floats(acc, row, n, MaxPropagatingNan());
      else if constexpr (std::is_same_v<R, MinReducer<float>>) columns_combine_floats(acc, row, n, MinPropagatingNan());
      else for (int64_t k = 0; k < n; ++k) acc[k] = R::combine(acc[k], R::load(row[k]));
    });
    T* out = y + g * l.inner + c0;
    for (int64_t k = 0; k < n; ++k) out[k] = R::finish(acc[k], l.count);
  }

  // Every reduced dim has size 1: output i reduces input i alone.
  void elementwise(int64_t i0, int64_t i1) const {
    for (int64_t i = i0; i < i1; ++i) y[i] = R::finish(R::load(x[i]), 1);
  }
};

// ReduceLogSumExp: max m first (the exp cannot overflow), then log(sum exp(x - m)) + m. An infinite or
// NaN max is the answer itself (all -inf gives -inf, any +inf gives +inf, any NaN gives NaN).
struct LogSumExpJob {
  using MaxR = MaxReducer<float>;
  const ReduceLayout& l;
  const float* x;
  float* y;

  static float finish(float max, float sum) { return std::isfinite(max) ? std::log(sum) + max : max; }

  void rows(int64_t o0, int64_t o1) const {
    Odometer group(l.kept_dims, l.kept_strides, o0);
    for (int64_t o = o0; o < o1; ++o, group.next()) {
      const float* base = x + group.offset();
      float lane[kLanes];
      lanes_fill(lane, MaxR::identity());
      for_each_segment(l, [&](int64_t offset) { lanes_combine_floats(lane, base + offset, l.inner, MaxPropagatingNan()); });
      const float max = lanes_fold(lane, MaxR::combine);
      if (!std::isfinite(max)) {
        y[o] = max;
        continue;
      }
      lanes_fill(lane, -0.0f);
      const auto load = [max](float v) { return std::exp(v - max); };
      const auto add = [](float a, float b) { return a + b; };
      for_each_segment(l, [&](int64_t offset) { lanes_accumulate(lane, base + offset, l.inner, load, add); });
      y[o] = finish(max, lanes_fold(lane, add));
    }
  }

  void columns(int64_t g, int64_t c0, int64_t c1) const {
    float max[kColumnBlock], sum[kColumnBlock];
    const int64_t n = c1 - c0;
    for (int64_t k = 0; k < n; ++k) {
      max[k] = MaxR::identity();
      sum[k] = -0.0f;
    }
    const float* base = x + Odometer(l.kept_dims, l.kept_strides, g).offset() + c0;
    for_each_segment(l, [&](int64_t offset) { columns_combine_floats(max, base + offset, n, MaxPropagatingNan()); });
    for_each_segment(l, [&](int64_t offset) {
      for (int64_t k = 0; k < n; ++k) sum[k] += std::exp(base[offset + k] - max[k]);
    });
    float* out = y + g * l.inner + c0;
    for (int64_t k = 0; k < n; ++k) out[k] = finish(max[k], sum[k]);
  }

  void elementwise(int64_t i0, int64_t i1) const { std::memcpy(y + i0, x + i0, static_cast<size_t>(i1 - i0) * sizeof(float)); }
};

// Splits a job over tasks by whole outputs (rows), blocks of outputs (columns) or elements.
template <typename Job>
void run_job(const ReduceLayout& l, const Job& job, int threads) {
  if (l.count == 1) {
    const int64_t per = kTaskElements;
    parallel_tasks(ceil_div(l.outputs, per), threads, [&](int64_t t) { job.elementwise(t * per, std::min(l.outputs, (t + 1) * per)); });
  } else if (l.rows) {
    const int64_t per = items_per_task(l.count);
    parallel_tasks(ceil_div(l.outputs, per), threads, [&](int64_t t) { job.rows(t * per, std::min(l.outputs, (t + 1) * per)); });
  } else {
    const int64_t blocks = ceil_div(l.inner, kColumnBlock);
    const int64_t units = l.groups() * blocks;
    const int64_t per = items_per_task(l.count * std::min(l.inner, kColumnBlock));
    parallel_tasks(ceil_div(units, per), threads, [&](int64_t t) {
      const int64_t u1 = std::min(units, (t + 1) * per);
      for (int64_t u = t * per; u < u1; ++u) {
        const int64_t b = u % blocks;
        job.columns(u / blocks, b * kColumnBlock, std::min(l.inner, (b + 1) * kColumnBlock));
      }
    });
  }
}

template <class R, typename T>
void reduce_typed(const ReduceLayout& l, const void* x, void* y, int threads) {
  run_job(l, ReduceJob<R, T>{l, static_cast<const T*>(x), static_cast<T*>(y)}, threads);
}

void reduce_log_sum_exp(const ReduceLayout& l, const void* x, void* y, int threads) {
  run_job(l, LogSumExpJob{l, static_cast<const float*>(x), static_cast<float*>(y)}, threads);
}

template <template <typename> class R>
ReduceFn pick_arithmetic(DType t) {
  switch (t) {
    case DType::kFloat32: return &reduce_typed<R<float>, float>;
    case DType::kInt32: return &reduce_typed<R<int32_t>, int32_t>;
    case DType::kInt64: return &reduce_typed<R<int64_t>, int64_t>;
    case DType::kUint32: return &reduce_typed<R<uint32_t>, uint32_t>;
    case DType::kUint64: return &reduce_typed<R<uint64_t>, uint64_t>;
    default: return nullptr;
  }
}

template <template <typename> class R>
ReduceFn pick_ordered(DType t) {
  switch (t) {
    case DType::kUint8: case DType::kBool: return &reduce_typed<R<uint8_t>, uint8_t>;
    case DType::kInt8: return &reduce_typed<R<int8_t>, int8_t>;
    default: return pick_arithmetic<R>(t);
  }
}

ReduceFn pick_reduce(ReduceKind kind, DType t) {
  switch (kind) {
    case ReduceKind::kSum: return pick_arithmetic<SumReducer>(t);
    case ReduceKind::kMean: return pick_arithmetic<MeanReducer>(t);
    case ReduceKind::kProd: return pick_arithmetic<ProdReducer>(t);
    case ReduceKind::kMax: return pick_ordered<MaxReducer>(t);
    case ReduceKind::kMin: return pick_ordered<MinReducer>(t);
    case ReduceKind::kL1: return pick_arithmetic<L1Reducer>(t);
    case ReduceKind::kSumSquare: return pick_arithmetic<SumSquareReducer>(t);
    case ReduceKind::kL2: return t == DType::kFloat32 ? &reduce_typed<L2Reducer, float> : nullptr;
    case ReduceKind::kLogSum: return t == DType::kFloat32 ? &reduce_typed<LogSumReducer, float> : nullptr;
    case ReduceKind::kLogSumExp: return t == DType::kFloat32 ? &reduce_log_sum_exp : nullptr;
  }
  return nullptr;
}

const char* supported_types(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::kMax: case ReduceKind::kMin: return "float32, int32, int64, uint32, uint64, uint8, int8, bool";
    case ReduceKind::kL2: case ReduceKind::kLogSum: case ReduceKind::kLogSumExp: return "float32";
    default: return "float32, int32, int64, uint32, uint64";
  }
}

// The value of a reduction over nothing, as one element of type T.
template <typename T>
T empty_result(ReduceKind kind) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (kind) {
    case ReduceKind::kProd: return T(1);
    case ReduceKind::kMean:
      if constexpr (kIsFloat<T>) return std::numeric_limits<float>::quiet_NaN();
      else return T(0);
    case ReduceKind::kMax:
      if constexpr (kIsFloat<T>) return -inf;
      else return std::numeric_limits<T>::lowest();
    case ReduceKind::kMin:
      if constexpr (kIsFloat<T>) return inf;
      else return std::numeric_limits<T>::max();
    case ReduceKind::kLogSum: case ReduceKind::kLogSumExp:
      if constexpr (kIsFloat<T>) return -inf;
      else return T(0);
    default: return T(0);
  }
}

template <typename T>
std::vector<uint8_t> bytes_of(T v) {
  std::vector<uint8_t> b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

std::vector<uint8_t> empty_result_bytes(ReduceKind kind, DType t) {
  switch (t) {
    case DType::kFloat32: return bytes_of(empty_result<float>(kind));
    case DType::kInt32: return bytes_of(empty_result<int32_t>(kind));
    case DType::kInt64: return bytes_of(empty_result<int64_t>(kind));
    case DType::kUint32: return bytes_of(empty_result<uint32_t>(kind));
    case DType::kUint64: return bytes_of(empty_result<uint64_t>(kind));
    case DType::kUint8: return bytes_of(empty_result<uint8_t>(kind));
    case DType::kInt8: return bytes_of(empty_result<int8_t>(kind));
    case DType::kBool: return bytes_of<uint8_t>(kind == ReduceKind::kMin ? 1 : 0);  // all() of nothing is true
    default: return {};
  }
}

class ReduceOp final : public Op {
 public:
  // Axes come from the attribute (ReduceSum before opset 13, the others before 18) or from constant
  // input 1 (later opsets); either form is accepted at any opset, both at once is an error.
  ReduceOp(const OpInit& init, ReduceKind kind) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    fn_ = pick_reduce(kind, x.dtype);
    if (fn_ == nullptr) throw_node_type(node, std::string("data must be ") + supported_types(kind) + ", got " + dtype_name(x.dtype));
    const AxesArgument axes = read_axes_argument(init, 1);
    const bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
    const bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
    std::vector<bool> mask;
    if (axes.axes.empty()) mask.assign(x.shape.size(), !noop);  // no axes: all of them, or none with noop_with_empty_axes
    else mask = axes_mask(node, axes.axes, x.shape.size());
    check_output(init, 0, x.dtype, reduced_shape(x.shape, mask, keepdims));
    layout_ = make_reduce_layout(node, x.shape, mask);
    empty_result_ = empty_result_bytes(kind, x.dtype);
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (layout_.outputs == 0) return;
    if (layout_.count == 0) {
      auto* y = static_cast<uint8_t*>(out[0]->data);
      const size_t size = empty_result_.size();
      for (int64_t i = 0; i < layout_.outputs; ++i) std::memcpy(y + static_cast<size_t>(i) * size, empty_result_.data(), size);
      return;
    }
    fn_(layout_, in[0]->data, out[0]->data, ctx.threads);
  }

 private:
  ReduceLayout layout_;
  ReduceFn fn_ = nullptr;
  std::vector<uint8_t> empty_result_;  // one output element
};

// ---- ArgMax / ArgMin: index of the first (or, with select_last_index, the last) extreme along one
// axis. NaN counts as the extreme for both, as numpy's argmax and argmin do (the ONNX reference).

using ArgFn = void (*)(const void* x, int64_t* y, int64_t outer, int64_t extent, int64_t inner, int threads);

template <typename T, bool kMax, bool kLast>
inline bool replaces(T v, T best) {
  if constexpr (kIsFloat<T>) {
    if constexpr (kLast) return (kMax ? v >= best : v <= best) || v != v;
    else return (kMax ? v > best : v < best) || (v != v && best == best);
  } else {
    return kLast ? (kMax ? v >= best : v <= best) : (kMax ? v > best : v < best);
  }
}

template <typename T, bool kMax, bool kLast>
void arg_extreme(const void* xv, int64_t* y, int64_t outer, int64_t extent, int64_t inner, int threads) {
  const T* x = static_cast<const T*>(xv);
  if (inner == 1) {
    const int64_t per = items_per_task(extent);
    parallel_tasks(ceil_div(outer, per), threads, [&](int64_t t) {
      const int64_t o1 = std::min(outer, (t + 1) * per);
      for (int64_t o = t * per; o < o1; ++o) {
        const T* row = x + o * extent;
        T best = row[0];
        int64_t index = 0;
        for (int64_t r = 1; r < extent; ++r) {
          if (replaces<T, kMax, kLast>(row[r], best)) {
            best = row[r];
            index = r;
          }
        }
        y[o] = index;
      }
    });
    return;
  }
  // Strided: a block of neighbouring outputs scans the rows together.
  const int64_t blocks = ceil_div(inner, kColumnBlock);
  const int64_t units = outer * blocks;
  const int64_t per = items_per_task(extent * std::min(inner, kColumnBlock));
  parallel_tasks(ceil_div(units, per), threads, [&](int64_t t) {
    const int64_t u1 = std::min(units, (t + 1) * per);
    for (int64_t u = t * per; u < u1; ++u) {
      const int64_t o = u / blocks, c0 = (u % blocks) * kColumnBlock, n = std::min(inner - c0, kColumnBlock);
      const T* base = x + o * extent * inner + c0;
      int64_t* index = y + o * inner + c0;
      T best[kColumnBlock];
      for (int64_t k = 0; k < n; ++k) {
        best[k] = base[k];
        index[k] = 0;
      }
      for (int64_t r = 1; r < extent; ++r) {
        const T* row = base + r * inner;
        for (int64_t k = 0; k < n; ++k) {
          if (replaces<T, kMax, kLast>(row[k], best[k])) {
            best[k] = row[k];
            index[k] = r;
          }
        }
      }
    }
  });
}

template <typename T>
ArgFn pick_arg_typed(bool is_max, bool last) {
  if (is_max) return last ? &arg_extreme<T, true, true> : &arg_extreme<T, true, false>;
  return last ? &arg_extreme<T, false, true> : &arg_extreme<T, false, false>;
}

ArgFn pick_arg(DType t, bool is_max, bool last) {
  switch (t) {
    case DType::kFloat32: return pick_arg_typed<float>(is_max, last);
    case DType::kInt32: return pick_arg_typed<int32_t>(is_max, last);
    case DType::kInt64: return pick_arg_typed<int64_t>(is_max, last);
    case DType::kUint32: return pick_arg_typed<uint32_t>(is_max, last);
    case DType::kUint64: return pick_arg_typed<uint64_t>(is_max, last);
    case DType::kUint8: return pick_arg_typed<uint8_t>(is_max, last);
    case DType::kInt8: return pick_arg_typed<int8_t>(is_max, last);
    default: return nullptr;
  }
}

class ArgExtremeOp final : public Op {
 public:
  ArgExtremeOp(const OpInit& init, bool is_max) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    const bool last = node.attrs.get_int("select_last_index", 0) != 0;
    fn_ = pick_arg(x.dtype, is_max, last);
    if (fn_ == nullptr) throw_node_type(node, std::string("data must be float32, int32, int64, uint32, uint64, uint8 or int8, got ") + dtype_name(x.dtype));
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    if (rank == 0) throw_node_range(node, "data must have rank >= 1, got a scalar");
    int64_t axis = node.attrs.get_int("axis", 0);
    if (axis < -rank || axis >= rank)
      throw_node_range(node, "axis " + std::to_string(axis) + " is out of range for an input of rank " + std::to_string(rank) +
                                 " (expected " + std::to_string(-rank) + " to " + std::to_string(rank - 1) + ")");
    if (axis < 0) axis += rank;
    std::vector<bool> mask(x.shape.size(), false);
    mask[static_cast<size_t>(axis)] = true;
    check_output(init, 0, DType::kInt64, reduced_shape(x.shape, mask, node.attrs.get_int("keepdims", 1) != 0));
    for (int64_t d = 0; d < axis; ++d) outer_ *= x.shape[static_cast<size_t>(d)];
    extent_ = x.shape[static_cast<size_t>(axis)];
    for (int64_t d = axis + 1; d < rank; ++d) inner_ *= x.shape[static_cast<size_t>(d)];
    if (extent_ == 0 && outer_ * inner_ != 0)
      throw_node_range(node, "axis " + std::to_string(axis) + " of data " + shape_string(x.shape) + " is empty: there is no index to return");
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (outer_ * inner_ == 0) return;
    fn_(in[0]->data, out[0]->as<int64_t>(), outer_, extent_, inner_, ctx.threads);
  }

 private:
  ArgFn fn_ = nullptr;
  int64_t outer_ = 1, extent_ = 1, inner_ = 1;
};

template <ReduceKind kKind>
std::unique_ptr<Op> make_reduce(const OpInit& init) {
  return std::make_unique<ReduceOp>(init, kKind);
}

template <bool kIsMax>
std::unique_ptr<Op> make_arg(const OpInit& init) {
  return std::make_unique<ArgExtremeOp>(init, kIsMax);
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("ReduceSum", &make_reduce<ReduceKind::kSum>);
  r.add("ReduceMean", &make_reduce<ReduceKind::kMean>);
  r.add("ReduceProd", &make_reduce<ReduceKind::kProd>);
  r.add("ReduceMax", &make_reduce<ReduceKind::kMax>);
  r.add("ReduceMin", &make_reduce<ReduceKind::kMin>);
  r.add("ReduceL1", &make_reduce<ReduceKind::kL1>);
  r.add("ReduceL2", &make_reduce<ReduceKind::kL2>);
  r.add("ReduceLogSum", &make_reduce<ReduceKind::kLogSum>);
  r.add("ReduceLogSumExp", &make_reduce<ReduceKind::kLogSumExp>);
  r.add("ReduceSumSquare", &make_reduce<ReduceKind::kSumSquare>);
  r.add("ArgMax", &make_arg<true>);
  r.add("ArgMin", &make_arg<false>);
}

}  // namespace octet
