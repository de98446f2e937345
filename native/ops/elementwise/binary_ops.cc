// Binary and variadic elementwise operators with multidirectional broadcasting: arithmetic (Add, Sub,
// Mul, Div, Pow, Mod), Max/Min/Sum/Mean (variadic), PRelu, comparisons (bool output), And/Or/Xor and
// BitShift. float32 Add/Sub/Mul/Div/Max/Min/PRelu run the vmath vector kernels; everything else plain
// loops (the same code on every path, so identical everywhere).
//
// A node becomes a list of steps, each a broadcast plan over the output's shape: a binary node is one
// step (in0 ∘ in1 → out); a variadic one folds left (in0 ∘ in1 → out, then out ∘ in_k → out; Mean ends
// with out / N). A thread takes a range of output elements through every step, so each element sees
// the same operations in the same order whatever the thread count. Output over input 0 (or, for a
// same-shape binary node, input 1) is safe: each element is read before it is written.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "../../kernels/vmath/vmath.h"
#include "broadcast.h"
#include "common.h"

namespace octet::elementwise {

namespace {

struct BinaryCtx {
  const VMathKernels* vm = nullptr;
};

// One run along the innermost dimension: a and b advance by one element if their flag is set.
using SegmentFn = void (*)(const void* a, bool a_advances, const void* b, bool b_advances, void* y, int64_t n, const BinaryCtx& c);

template <class T, class E, class R, class F>
void plain_segment(const void* a_, bool aa, const void* b_, bool ba, void* y_, int64_t n, const BinaryCtx&) {
  const T* a = static_cast<const T*>(a_);
  const E* b = static_cast<const E*>(b_);
  R* y = static_cast<R*>(y_);
  if (aa && ba) {
    for (int64_t i = 0; i < n; ++i) y[i] = F::template apply<T, E>(a[i], b[i]);
  } else if (aa) {
    const E bv = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = F::template apply<T, E>(a[i], bv);
  } else if (ba) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = F::template apply<T, E>(av, b[i]);
  } else {
    const R v = F::template apply<T, E>(*a, *b);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <VBinaryOp Op>
void f32_segment(const void* a_, bool aa, const void* b_, bool ba, void* y_, int64_t n, const BinaryCtx& c) {
  const float* a = static_cast<const float*>(a_);
  const float* b = static_cast<const float*>(b_);
  float* y = static_cast<float*>(y_);
  if (aa || ba) {
    c.vm->binary_fn(Op, aa && ba ? VBroadcast::kVV : aa ? VBroadcast::kVS : VBroadcast::kSV)(a, b, y, static_cast<size_t>(n));
  } else if (n > 0) {
    c.vm->binary_fn(Op, VBroadcast::kVV)(a, b, y, 1);
    for (int64_t i = 1; i < n; ++i) y[i] = y[0];
  }
}

// ---- element functions ----
template <class T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

struct AddF { template <class T, class E> static T apply(T a, T b) { return wrap_add(a, b); } };
struct SubF { template <class T, class E> static T apply(T a, T b) { return wrap_sub(a, b); } };
struct MulF { template <class T, class E> static T apply(T a, T b) { return wrap_mul(a, b); } };
struct DivF {
  template <class T, class E> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return a / b;
    } else {
      // Truncating, as C and the ONNX reference; x/0 → 0 and MIN/−1 wraps instead of trapping.
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return wrap_sub<T>(T(0), a);
      }
      return static_cast<T>(a / b);
    }
  }
};
// The vmath rule: a NaN operand wins, else a > b ? a : b.
struct MaxF { template <class T, class E> static T apply(T a, T b) { return is_nan(a) ? a : (a > b ? a : b); } };
struct MinF { template <class T, class E> static T apply(T a, T b) { return is_nan(a) ? a : (a < b ? a : b); } };
struct PReluF { template <class T, class E> static T apply(T x, T slope) { return x < 0 ? wrap_mul(slope, x) : x; } };
// fmod = 1: the remainder has the dividend's sign (C fmod / %).
struct FmodF {
  template <class T, class E> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return 0;
      }
      return static_cast<T>(a % b);
    }
  }
};
// fmod = 0 (integers): the remainder has the divisor's sign (Python %).
struct ModF {
  template <class T, class E> static T apply(T a, T b) {
    const T r = FmodF::apply<T, E>(a, b);
    if constexpr (std::is_signed_v<T>) {
      if (r != 0 && ((r < 0) != (b < 0))) return static_cast<T>(r + b);
    }
    return r;
  }
};
struct EqualF {
  template <class T, class E> static uint8_t apply(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return (a != 0) == (b != 0);
    else return a == b;
  }
};
struct LessF { template <class T, class E> static uint8_t apply(T a, T b) { return a < b; } };
struct GreaterF { template <class T, class E> static uint8_t apply(T a, T b) { return a > b; } };
struct LessOrEqualF { template <class T, class E> static uint8_t apply(T a, T b) { return a <= b; } };
struct GreaterOrEqualF { template <class T, class E> static uint8_t apply(T a, T b) { return a >= b; } };
struct AndF { template <class T, class E> static uint8_t apply(uint8_t a, uint8_t b) { return (a != 0) & (b != 0); } };
struct OrF { template <class T, class E> static uint8_t apply(uint8_t a, uint8_t b) { return (a != 0) | (b != 0); } };
struct XorF { template <class T, class E> static uint8_t apply(uint8_t a, uint8_t b) { return (a != 0) ^ (b != 0); } };
struct ShiftLeftF {
  template <class T, class E> static T apply(T a, T b) { return b >= sizeof(T) * 8 ? T(0) : static_cast<T>(a << b); }
};
struct ShiftRightF {
  template <class T, class E> static T apply(T a, T b) { return b >= sizeof(T) * 8 ? T(0) : static_cast<T>(a >> b); }
};

// Pow: base T, exponent E (ONNX allows them to differ).
template <class T>
T int_power(T base, int64_t e_signed, uint64_t e_unsigned, bool negative) {
  if (negative) {  // 1/base^|e| truncated
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>) {
      if (base == -1) return (e_unsigned & 1) ? static_cast<T>(-1) : T(1);
    }
    return 0;
  }
  T result = 1;
  uint64_t e = e_unsigned;
  while (e != 0) {
    if (e & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    e >>= 1;
  }
  (void)e_signed;
  return result;
}
struct PowF {
  template <class T, class E> static T apply(T x, E e) {
    if constexpr (std::is_floating_point_v<T>) {
      // x·x equals the correctly rounded square, which is what pow in double rounded to T gives.
      if (e == E(2)) return x * x;
      return static_cast<T>(std::pow(static_cast<double>(x), static_cast<double>(e)));
    } else if constexpr (std::is_integral_v<E>) {
      const bool negative = std::is_signed_v<E> && e < 0;
      const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(static_cast<int64_t>(e)) : static_cast<uint64_t>(e);
      return int_power<T>(x, static_cast<int64_t>(e), magnitude, negative);
    } else {
      return saturate_cast<T>(std::pow(static_cast<double>(x), static_cast<double>(e)));
    }
  }
};

enum class Kind { kArith, kMinMax, kMod, kPRelu, kCompare, kEqual, kLogic, kShift, kPow };

struct Spec {
  const char* name;
  Kind kind;
  bool variadic = false;
};

template <class F, class T>
SegmentFn same_type_segment() {
  if constexpr (std::is_same_v<F, EqualF> || std::is_same_v<F, LessF> || std::is_same_v<F, GreaterF> ||
                std::is_same_v<F, LessOrEqualF> || std::is_same_v<F, GreaterOrEqualF> || std::is_same_v<F, AndF> ||
                std::is_same_v<F, OrF> || std::is_same_v<F, XorF>)
    return plain_segment<T, T, uint8_t, F>;
  else
    return plain_segment<T, T, T, F>;
}

constexpr int kFromOutput = -1;
constexpr int kFromConstant = -2;

struct Step {
  BroadcastPlan plan;
  SegmentFn fn = nullptr;
  int a = 0, b = 1;  // input index, kFromOutput or kFromConstant
  size_t a_size = 0, b_size = 0, y_size = 0;
};

class BinaryOp final : public Op {
 public:
  std::vector<Step> steps;
  BinaryCtx ctx_args;
  int64_t total = 0;
  int64_t grain = kGrainCheap;
  float count_f = 0;  // Mean's divisor
  double count_d = 0;
  const void* constant = nullptr;

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    char* y = static_cast<char*>(outputs[0]->data);
    auto source = [&](int index) -> const char* {
      if (index == kFromOutput) return y;
      if (index == kFromConstant) return static_cast<const char*>(constant);
      return static_cast<const char*>(inputs[index]->data);
    };
    parallel_ranges(total, ctx.threads, grain, [&](int64_t begin, int64_t end) {
      for (const Step& s : steps) {
        const char* a = source(s.a);
        const char* b = source(s.b);
        const bool aa = s.plan.inner_advances(0), ba = s.plan.inner_advances(1);
        for_each_segment(s.plan, begin, end, [&](const std::array<int64_t, kMaxInputs>& off, int64_t pos, int64_t len) {
          s.fn(a + off[0] * static_cast<int64_t>(s.a_size), aa, b + off[1] * static_cast<int64_t>(s.b_size), ba,
               y + pos * static_cast<int64_t>(s.y_size), len, ctx_args);
        });
      }
    });
  }
};

const char* const kNumeric = "float32, float64 or an integer type";

// The segment function for a same-dtype operator; null if the dtype is not supported.
SegmentFn choose_segment(const std::string& op, Kind kind, DType t, const NodeSpec& node, const char** expected) {
  SegmentFn fn = nullptr;
  const bool f32 = t == DType::kFloat32;
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // float16 (float16_bits) is not arithmetic: no operator here takes it.
    constexpr bool real_numeric = std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
    constexpr bool is_float = std::is_floating_point_v<T>;
    if constexpr (std::is_same_v<T, void>) {
      return;
    } else if (kind == Kind::kArith) {
      *expected = kNumeric;
      if constexpr (real_numeric) {
        if (op == "Add") fn = f32 ? f32_segment<VBinaryOp::kAdd> : same_type_segment<AddF, T>();
        else if (op == "Sub") fn = f32 ? f32_segment<VBinaryOp::kSub> : same_type_segment<SubF, T>();
        else if (op == "Mul") fn = f32 ? f32_segment<VBinaryOp::kMul> : same_type_segment<MulF, T>();
        else if (op == "Div") fn = f32 ? f32_segment<VBinaryOp::kDiv> : same_type_segment<DivF, T>();
        else if (op == "Sum" || op == "Mean") {
          *expected = "float32 or float64";
          if constexpr (is_float) fn = f32 ? f32_segment<VBinaryOp::kAdd> : same_type_segment<AddF, T>();
        }
      }
    } else if (kind == Kind::kMinMax) {
      *expected = kNumeric;
      if constexpr (real_numeric) {
        if (op == "Max") fn = f32 ? f32_segment<VBinaryOp::kMax> : same_type_segment<MaxF, T>();
        else fn = f32 ? f32_segment<VBinaryOp::kMin> : same_type_segment<MinF, T>();
      }
    } else if (kind == Kind::kMod) {
      *expected = kNumeric;
      if constexpr (real_numeric) {
        const bool fmod = node.attrs.get_int("fmod", 0) != 0;
        if (is_float && !fmod) throw_node_range(node, "fmod is 0 but the inputs are floating point (" + std::string(dtype_name(t)) + "); ONNX requires fmod = 1");
        fn = fmod ? same_type_segment<FmodF, T>() : same_type_segment<ModF, T>();
      }
    } else if (kind == Kind::kPRelu) {
      *expected = kNumeric;
      if constexpr (real_numeric) fn = f32 ? f32_segment<VBinaryOp::kPRelu> : same_type_segment<PReluF, T>();
    } else if (kind == Kind::kCompare) {
      *expected = kNumeric;
      if constexpr (real_numeric) {
        if (op == "Less") fn = same_type_segment<LessF, T>();
        else if (op == "Greater") fn = same_type_segment<GreaterF, T>();
        else if (op == "LessOrEqual") fn = same_type_segment<LessOrEqualF, T>();
        else fn = same_type_segment<GreaterOrEqualF, T>();
      }
    } else if (kind == Kind::kEqual) {
      *expected = "bool, float32, float64 or an integer type";
      if constexpr (real_numeric || std::is_same_v<T, bool>) {
        if constexpr (std::is_same_v<T, bool>) fn = plain_segment<uint8_t, uint8_t, uint8_t, EqualF>;
        else fn = same_type_segment<EqualF, T>();
      }
    } else if (kind == Kind::kLogic) {
      *expected = "bool";
      if constexpr (std::is_same_v<T, bool>) {
        if (op == "And") fn = plain_segment<uint8_t, uint8_t, uint8_t, AndF>;
        else if (op == "Or") fn = plain_segment<uint8_t, uint8_t, uint8_t, OrF>;
        else fn = plain_segment<uint8_t, uint8_t, uint8_t, XorF>;
      }
    } else if (kind == Kind::kShift) {
      *expected = "uint8, uint16, uint32 or uint64";
      if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && !std::is_same_v<T, bool>) {
        const std::string direction = node.attrs.get_string("direction", "");
        if (direction == "LEFT") fn = same_type_segment<ShiftLeftF, T>();
        else if (direction == "RIGHT") fn = same_type_segment<ShiftRightF, T>();
        else throw_node_range(node, "attribute direction is '" + direction + "', expected 'LEFT' or 'RIGHT'");
      }
    }
  });
  return fn;
}

// Pow's (base, exponent) pairs: each of float32, float64, int32, int64.
SegmentFn choose_pow(DType base, DType exponent) {
  SegmentFn fn = nullptr;
  auto supported = [](DType d) { return d == DType::kFloat32 || d == DType::kFloat64 || d == DType::kInt32 || d == DType::kInt64; };
  if (!supported(base) || !supported(exponent)) return nullptr;
  visit_dtype(base, [&](auto bt) {
    using T = typename decltype(bt)::type;
    visit_dtype(exponent, [&](auto et) {
      using E = typename decltype(et)::type;
      if constexpr (std::is_arithmetic_v<T> && std::is_arithmetic_v<E> && !std::is_same_v<T, bool> && !std::is_same_v<E, bool>)
        fn = plain_segment<T, E, T, PowF>;
    });
  });
  return fn;
}

const Spec kSpecs[] = {
    {"Add", Kind::kArith}, {"Sub", Kind::kArith}, {"Mul", Kind::kArith}, {"Div", Kind::kArith},
    {"Sum", Kind::kArith, true}, {"Mean", Kind::kArith, true}, {"Max", Kind::kMinMax, true}, {"Min", Kind::kMinMax, true},
    {"Mod", Kind::kMod}, {"PRelu", Kind::kPRelu}, {"Pow", Kind::kPow},
    {"Equal", Kind::kEqual}, {"Less", Kind::kCompare}, {"Greater", Kind::kCompare},
    {"LessOrEqual", Kind::kCompare}, {"GreaterOrEqual", Kind::kCompare},
    {"And", Kind::kLogic}, {"Or", Kind::kLogic}, {"Xor", Kind::kLogic}, {"BitShift", Kind::kShift},
};

std::unique_ptr<Op> create_binary(const OpInit& init) {
  const NodeSpec& node = init.node;
  const Spec* spec = nullptr;
  for (const Spec& s : kSpecs)
    if (node.op_type == s.name) spec = &s;
  if (spec == nullptr) throw_node_type(node, "not a binary elementwise operator");
  if (spec->variadic) expect_input_count(init, 1, 1 << 20);
  else expect_input_count(init, 2, 2);

  const size_t n_inputs = init.input_count();
  std::vector<Shape> shapes;
  for (size_t i = 0; i < n_inputs; ++i) shapes.push_back(init.input(i).shape);
  const DType t = init.input(0).dtype;
  if (spec->kind != Kind::kPow)
    for (size_t i = 1; i < n_inputs; ++i)
      if (init.input(i).dtype != t)
        throw_node_type(node, "input " + std::to_string(i) + " has dtype " + dtype_name(init.input(i).dtype) + ", expected " +
                                  dtype_name(t) + " like input 0");

  Shape out_shape;
  if (!broadcast_shapes(shapes, &out_shape)) {
    std::string list;
    for (const Shape& s : shapes) list += (list.empty() ? "" : " and ") + shape_string(s);
    throw_node_range(node, "input shapes " + list + " do not broadcast");
  }
  if (spec->kind == Kind::kPRelu && out_shape != shapes[0])
    throw_node_range(node, "slope of shape " + shape_string(shapes[1]) + " does not broadcast to X of shape " + shape_string(shapes[0]) +
                               " (PRelu broadcasts the slope one way only)");

  auto op = std::make_unique<BinaryOp>();
  op->ctx_args.vm = &vmath();
  op->total = shape_numel(out_shape);
  const char* expected = kNumeric;
  SegmentFn fn;
  if (spec->kind == Kind::kPow) {
    fn = choose_pow(t, init.input(1).dtype);
    if (fn == nullptr)
      throw_node_type(node, std::string("base and exponent have dtypes ") + dtype_name(t) + " and " + dtype_name(init.input(1).dtype) +
                                ", expected each float32, float64, int32 or int64");
    op->grain = kGrainCostly;
  } else {
    fn = choose_segment(node.op_type, spec->kind, t, node, &expected);
    if (fn == nullptr) throw_unsupported_dtype(node, "input 0", t, expected);
  }
  const bool boolean_output = spec->kind == Kind::kCompare || spec->kind == Kind::kEqual || spec->kind == Kind::kLogic;
  const DType out_dtype = boolean_output ? DType::kBool : t;
  expect_output(init, 0, out_dtype, out_shape);

  const size_t t_size = dtype_size(t), y_size = dtype_size(out_dtype);
  if (n_inputs == 1) {  // Sum/Max/Min/Mean of one input: Max(x, x) copies it (NaN included)
    Step s;
    s.plan = make_broadcast_plan(out_shape, {shapes[0], shapes[0]});
    s.fn = node.op_type == "Sum" || node.op_type == "Mean" ? choose_segment("Max", Kind::kMinMax, t, node, &expected) : fn;
    s.a = 0;
    s.b = 0;
    s.a_size = s.b_size = t_size;
    s.y_size = y_size;
    op->steps.push_back(s);
  } else {
    for (size_t i = 1; i < n_inputs; ++i) {
      Step s;
      s.plan = make_broadcast_plan(out_shape, {i == 1 ? shapes[0] : out_shape, shapes[i]});
      s.fn = fn;
      s.a = i == 1 ? 0 : kFromOutput;
      s.b = static_cast<int>(i);
      s.a_size = i == 1 ? t_size : y_size;
      s.b_size = dtype_size(init.input(i).dtype);
      s.y_size = y_size;
      op->steps.push_back(s);
    }
  }
  if (node.op_type == "Mean") {
    op->count_f = static_cast<float>(n_inputs);
    op->count_d = static_cast<double>(n_inputs);
    op->constant = t == DType::kFloat32 ? static_cast<const void*>(&op->count_f) : static_cast<const void*>(&op->count_d);
    Step s;
    s.plan = make_broadcast_plan(out_shape, {out_shape, Shape{}});
    s.fn = choose_segment("Div", Kind::kArith, t, node, &expected);
    s.a = kFromOutput;
    s.b = kFromConstant;
    s.a_size = s.b_size = s.y_size = t_size;
    op->steps.push_back(s);
  }
  return op;
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  for (const Spec& s : kSpecs) r.add(s.name, create_binary);
}

}  // namespace octet::elementwise
