// Cast, CastLike and Where.
//
// Cast between float32, float16, float64, bool and every 8- to 64-bit integer type:
//   float → integer truncates toward zero and saturates; NaN → 0 (ONNX leaves out-of-range values
//     undefined: this choice cannot trap and is the same on every CPU);
//   integer → integer wraps (keeps the low bits), as numpy's astype;
//   → float16 rounds to nearest even from the exact value (a float32 or an integer goes through
//     double, exactly, then rounds once), with subnormals, overflow to ±inf and NaN;
//   → bool is v != 0 (NaN → true); bool → 1 or 0.
// In place (the plan may alias output and input): with a wider output element the loop runs
// backwards, with a narrower one forwards, on one thread, so no input element is overwritten unread.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "broadcast.h"
#include "common.h"

namespace octet::elementwise {

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) {
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // exact
    return sign ? -magnitude : magnitude;
  }
  const uint32_t bits = exponent == 31 ? sign | 0x7f800000u | (mantissa << 13) : sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t double_to_half(double d) {
  const uint16_t sign = std::signbit(d) ? 0x8000 : 0;
  const double a = std::fabs(d);
  if (a != a) return sign | 0x7e00;
  if (a >= 65520.0) return sign | 0x7c00;  // at or beyond the midpoint between 65504 and 2^16
  if (a < 0x1p-14) {
    // Subnormal (or zero): units of 2^-24, rounded to even; 1024 units is the smallest normal.
    return sign | static_cast<uint16_t>(std::nearbyint(a * 0x1p24));
  }
  int e;
  const double f = std::frexp(a, &e);  // a = f·2^e, f in [0.5, 1)
  uint32_t m = static_cast<uint32_t>(std::nearbyint(f * 2048.0));  // [1024, 2048]
  int biased = e - 1 + 15;
  if (m == 2048) {
    m = 1024;
    ++biased;
  }
  if (biased >= 31) return sign | 0x7c00;
  return sign | static_cast<uint16_t>((biased << 10) | (m - 1024));
}

// The C++ type a DType is held in, for Cast (bool as its own tag so that it is treated as 0/1).
struct BoolByte {
  uint8_t v;
};

template <class D, class S>
D convert(S s) {
  if constexpr (std::is_same_v<S, float16_bits>) {
    return convert<D, float>(half_to_float(s.bits));
  } else if constexpr (std::is_same_v<S, BoolByte>) {
    return convert<D, uint8_t>(s.v != 0 ? 1 : 0);
  } else if constexpr (std::is_same_v<D, BoolByte>) {
    return BoolByte{static_cast<uint8_t>(s != 0)};
  } else if constexpr (std::is_same_v<D, float16_bits>) {
    return float16_bits{double_to_half(static_cast<double>(s))};
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    return saturate_cast<D>(s);
  } else {
    return static_cast<D>(s);
  }
}

using CastFn = void (*)(const void* x, void* y, int64_t n);

template <class S, class D>
void cast_range(const void* x, void* y, int64_t n) {
  const S* in = static_cast<const S*>(x);
  D* out = static_cast<D*>(y);
  if (sizeof(D) > sizeof(S) && static_cast<const void*>(in) == static_cast<void*>(out)) {
    for (int64_t i = n - 1; i >= 0; --i) out[i] = convert<D, S>(in[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = convert<D, S>(in[i]);
  }
}

template <class Fn>
auto visit_cast_type(DType t, Fn&& fn) {
  if (t == DType::kBool) return fn(Tag<BoolByte>{});
  return visit_dtype(t, fn);
}

CastFn choose_cast(DType from, DType to) {
  CastFn fn = nullptr;
  visit_cast_type(from, [&](auto s) {
    using S = typename decltype(s)::type;
    visit_cast_type(to, [&](auto d) {
      using D = typename decltype(d)::type;
      if constexpr (!std::is_same_v<S, void> && !std::is_same_v<D, void> && !std::is_same_v<S, bool> && !std::is_same_v<D, bool>)
        fn = cast_range<S, D>;
    });
  });
  return fn;
}

class CastOp final : public Op {
 public:
  CastFn fn = nullptr;
  size_t in_size = 0, out_size = 0;
  int64_t count = 0;

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const char* x = static_cast<const char*>(inputs[0]->data);
    char* y = static_cast<char*>(outputs[0]->data);
    if (count == 0) return;
    if (in_size != out_size && static_cast<const void*>(x) == static_cast<void*>(y)) {
      fn(x, y, count);  // in place across sizes: one ordered pass
      return;
    }
    parallel_ranges(count, ctx.threads, kGrainCheap, [&](int64_t b, int64_t e) {
      fn(x + b * static_cast<int64_t>(in_size), y + b * static_cast<int64_t>(out_size), e - b);
    });
  }
};

const char* const kCastTypes = "float32, float16, float64, bool or an 8- to 64-bit integer type";

std::unique_ptr<Op> create_cast(const OpInit& init) {
  const NodeSpec& node = init.node;
  const bool like = node.op_type == "CastLike";
  expect_input_count(init, like ? 2 : 1, like ? 2 : 1);
  const ValueInfo& x = init.input(0);
  DType to;
  if (like) {
    to = init.input(1).dtype;
  } else {
    const int64_t code = node.attrs.require_int("to");
    if (!dtype_known(static_cast<int32_t>(code)) || code != static_cast<int32_t>(code))
      throw_node_type(node, "attribute to is " + std::to_string(code) + ", expected a dtype code of " + kCastTypes);
    to = static_cast<DType>(code);
  }
  auto op = std::make_unique<CastOp>();
  op->fn = choose_cast(x.dtype, to);
  if (op->fn == nullptr)
    throw_node_type(node, std::string("cannot cast ") + dtype_name(x.dtype) + " to " + dtype_name(to) + "; both must be " + kCastTypes);
  expect_output(init, 0, to, x.shape);
  op->in_size = dtype_size(x.dtype);
  op->out_size = dtype_size(to);
  op->count = x.numel();
  return op;
}

// ---- Where ----
template <class U>
void where_segment(const uint8_t* c, bool ca, const U* x, bool xa, const U* y, bool ya, U* out, int64_t n) {
  if (ca && xa && ya) {
    for (int64_t i = 0; i < n; ++i) out[i] = c[i] ? x[i] : y[i];
    return;
  }
  const int64_t ci = ca, xi = xa, yi = ya;
  for (int64_t i = 0; i < n; ++i) out[i] = c[i * ci] ? x[i * xi] : y[i * yi];
}

using WhereFn = void (*)(const void* c, bool ca, const void* x, bool xa, const void* y, bool ya, void* out, int64_t n);

template <class U>
void where_typed(const void* c, bool ca, const void* x, bool xa, const void* y, bool ya, void* out, int64_t n) {
  where_segment<U>(static_cast<const uint8_t*>(c), ca, static_cast<const U*>(x), xa, static_cast<const U*>(y), ya, static_cast<U*>(out), n);
}

class WhereOp final : public Op {
 public:
  BroadcastPlan plan;
  WhereFn fn = nullptr;
  size_t size = 0;

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const char* c = static_cast<const char*>(inputs[0]->data);
    const char* x = static_cast<const char*>(inputs[1]->data);
    const char* y = static_cast<const char*>(inputs[2]->data);
    char* out = static_cast<char*>(outputs[0]->data);
    const int64_t s = static_cast<int64_t>(size);
    const bool ca = plan.inner_advances(0), xa = plan.inner_advances(1), ya = plan.inner_advances(2);
    parallel_ranges(plan.total, ctx.threads, kGrainCheap, [&](int64_t begin, int64_t end) {
      for_each_segment(plan, begin, end, [&](const std::array<int64_t, kMaxInputs>& off, int64_t pos, int64_t len) {
        fn(c + off[0], ca, x + off[1] * s, xa, y + off[2] * s, ya, out + pos * s, len);
      });
    });
  }
};

std::unique_ptr<Op> create_where(const OpInit& init) {
  const NodeSpec& node = init.node;
  expect_input_count(init, 3, 3);
  const ValueInfo& c = init.input(0);
  const ValueInfo& x = init.input(1);
  const ValueInfo& y = init.input(2);
  if (c.dtype != DType::kBool) throw_unsupported_dtype(node, "condition (input 0)", c.dtype, "bool");
  if (x.dtype != y.dtype)
    throw_node_type(node, std::string("X and Y have dtypes ") + dtype_name(x.dtype) + " and " + dtype_name(y.dtype) + ", expected the same");
  if (dtype_size(x.dtype) == 0) throw_unsupported_dtype(node, "X", x.dtype, "a fixed-size type");
  Shape out_shape;
  if (!broadcast_shapes({c.shape, x.shape, y.shape}, &out_shape))
    throw_node_range(node, "condition, X and Y shapes " + shape_string(c.shape) + ", " + shape_string(x.shape) + " and " +
                               shape_string(y.shape) + " do not broadcast");
  expect_output(init, 0, x.dtype, out_shape);
  auto op = std::make_unique<WhereOp>();
  op->plan = make_broadcast_plan(out_shape, {c.shape, x.shape, y.shape});
  op->size = dtype_size(x.dtype);
  switch (op->size) {
    case 1: op->fn = where_typed<uint8_t>; break;
    case 2: op->fn = where_typed<uint16_t>; break;
    case 4: op->fn = where_typed<uint32_t>; break;
    default: op->fn = where_typed<uint64_t>; break;
  }
  return op;
}

}  // namespace

void register_cast_where_ops(OpRegistry& r) {
  r.add("Cast", create_cast);
  r.add("CastLike", create_cast);
  r.add("Where", create_where);
}

}  // namespace octet::elementwise
