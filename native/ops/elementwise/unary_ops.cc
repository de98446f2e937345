// Unary elementwise operators: activations and math on float32 (the vmath kernels, so a fused
// activation equals the standalone operator bit for bit), float64 (the C library in double), the
// integer forms ONNX defines (Abs, Neg, Sign, Relu, Clip), Not, IsNaN and IsInf.
// The plan may hand the output over the input (in place): every kernel reads element i before it
// writes element i, and a kernel whose output element is narrower than its input runs on one thread
// when in place (ranges on other threads would overwrite input bytes not yet read).
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "../../kernels/vmath/vmath.h"
#include "common.h"

namespace octet::elementwise {

namespace {

struct UnaryArgs {
  const VMathKernels* vm = nullptr;
  float alpha = 0, beta = 0, gamma = 0;
  uint64_t lo_bits = 0, hi_bits = 0;  // Clip bounds, as the element type's bytes
  bool detect_negative = true, detect_positive = true;
};

using UnaryKernel = void (*)(const void* x, void* y, int64_t n, const UnaryArgs& a);

template <class T>
T bound(uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}
template <class T>
uint64_t bound_bits(T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}

// ---- float32 through vmath ----
inline const float* fx(const void* x) { return static_cast<const float*>(x); }
inline float* fy(void* y) { return static_cast<float*>(y); }

void f32_relu(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->clamp(fx(x), fy(y), n, 0.0f, INFINITY); }
void f32_clip(const void* x, void* y, int64_t n, const UnaryArgs& a) {
  a.vm->clamp(fx(x), fy(y), n, bound<float>(a.lo_bits), bound<float>(a.hi_bits));
}
void f32_leaky_relu(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->leaky_relu(fx(x), fy(y), n, a.alpha); }
void f32_elu(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->elu(fx(x), fy(y), n, a.alpha, a.gamma); }
void f32_celu(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->celu(fx(x), fy(y), n, a.alpha); }
void f32_sigmoid(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->sigmoid(fx(x), fy(y), n); }
void f32_hard_sigmoid(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->hard_sigmoid(fx(x), fy(y), n, a.alpha, a.beta); }
void f32_hard_swish(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->hard_swish(fx(x), fy(y), n); }
void f32_tanh(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->tanh(fx(x), fy(y), n); }
void f32_erf(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->erf(fx(x), fy(y), n); }
void f32_gelu_erf(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->gelu_erf(fx(x), fy(y), n); }
void f32_gelu_tanh(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->gelu_tanh(fx(x), fy(y), n); }
void f32_exp(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->exp(fx(x), fy(y), n); }
void f32_log(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->log(fx(x), fy(y), n); }
void f32_softplus(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->softplus(fx(x), fy(y), n); }
void f32_mish(const void* x, void* y, int64_t n, const UnaryArgs& a) { a.vm->mish(fx(x), fy(y), n); }

// ---- plain loops: y[i] = F::apply(x[i]) ----
template <class T, class R, class F>
void plain(const void* x, void* y, int64_t n, const UnaryArgs& a) {
  const T* in = static_cast<const T*>(x);
  R* out = static_cast<R*>(y);
  for (int64_t i = 0; i < n; ++i) out[i] = F::template apply<T>(in[i], a);
}

// NaN-propagating clamp, the same rule as vmath's: lo > v ? lo : v, then hi < m ? hi : m.
template <class T>
inline T clamp_value(T v, T lo, T hi) {
  const T m = lo > v ? lo : v;
  return hi < m ? hi : m;
}

struct ReluF { template <class T> static T apply(T v, const UnaryArgs&) { return clamp_value<T>(v, T(0), std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max()); } };
struct ClipF { template <class T> static T apply(T v, const UnaryArgs& a) { return clamp_value<T>(v, bound<T>(a.lo_bits), bound<T>(a.hi_bits)); } };
struct AbsF {
  template <class T> static T apply(T v, const UnaryArgs&) {
    if constexpr (std::is_floating_point_v<T>) return std::fabs(v);
    else if constexpr (std::is_signed_v<T>) return v < 0 ? wrap_sub<T>(T(0), v) : v;
    else return v;
  }
};
struct NegF {
  template <class T> static T apply(T v, const UnaryArgs&) {
    if constexpr (std::is_floating_point_v<T>) return -v;
    else return wrap_sub<T>(T(0), v);
  }
};
struct SignF {
  template <class T> static T apply(T v, const UnaryArgs&) {
    if constexpr (std::is_floating_point_v<T>) return v > 0 ? T(1) : v < 0 ? T(-1) : v;  // ±0 and NaN stay
    else return v > 0 ? T(1) : v < 0 ? static_cast<T>(-1) : T(0);
  }
};
struct SqrtF { template <class T> static T apply(T v, const UnaryArgs&) { return std::sqrt(v); } };
struct ReciprocalF { template <class T> static T apply(T v, const UnaryArgs&) { return T(1) / v; } };
struct FloorF { template <class T> static T apply(T v, const UnaryArgs&) { return std::floor(v); } };
struct CeilF { template <class T> static T apply(T v, const UnaryArgs&) { return std::ceil(v); } };
struct RoundF { template <class T> static T apply(T v, const UnaryArgs&) { return std::nearbyint(v); } };  // ties to even
struct SoftsignF { template <class T> static T apply(T v, const UnaryArgs&) { return v / (T(1) + std::fabs(v)); } };
struct SinF { template <class T> static T apply(T v, const UnaryArgs&) { return std::sin(v); } };
struct CosF { template <class T> static T apply(T v, const UnaryArgs&) { return std::cos(v); } };
struct NotF { template <class T> static T apply(T v, const UnaryArgs&) { return v ? 0 : 1; } };

// float64 forms of the vmath functions (the C library in double).
struct ExpD { template <class T> static T apply(T v, const UnaryArgs&) { return std::exp(v); } };
struct LogD { template <class T> static T apply(T v, const UnaryArgs&) { return std::log(v); } };
struct TanhD { template <class T> static T apply(T v, const UnaryArgs&) { return std::tanh(v); } };
struct ErfD { template <class T> static T apply(T v, const UnaryArgs&) { return std::erf(v); } };
struct SigmoidD {
  template <class T> static T apply(T v, const UnaryArgs&) {
    const T e = std::exp(-std::fabs(v));
    return (v > 0 ? T(1) : e) / (T(1) + e);
  }
};
struct GeluErfD { template <class T> static T apply(T v, const UnaryArgs&) { return v * T(0.5) * std::erfc(-v * T(M_SQRT1_2)); } };
struct GeluTanhD {
  template <class T> static T apply(T v, const UnaryArgs& a) {
    const T u = T(2) * std::sqrt(T(2) / T(M_PI)) * v * (T(1) + T(0.044715) * v * v);
    return v * SigmoidD::apply<T>(u, a);
  }
};
struct SoftplusD { template <class T> static T apply(T v, const UnaryArgs&) { return (v > 0 ? v : T(0)) + std::log1p(std::exp(-std::fabs(v))); } };
struct MishD { template <class T> static T apply(T v, const UnaryArgs& a) { return v * std::tanh(SoftplusD::apply<T>(v, a)); } };
struct EluD { template <class T> static T apply(T v, const UnaryArgs& a) { return v > 0 ? T(a.gamma) * v : T(a.gamma) * (T(a.alpha) * std::expm1(v)); } };
struct CeluD { template <class T> static T apply(T v, const UnaryArgs& a) { return v > 0 ? v : T(a.alpha) * std::expm1(v / T(a.alpha)); } };
struct LeakyReluD { template <class T> static T apply(T v, const UnaryArgs& a) { return v < 0 ? T(a.alpha) * v : v; } };
struct HardSigmoidD { template <class T> static T apply(T v, const UnaryArgs& a) { return clamp_value<T>(T(a.alpha) * v + T(a.beta), T(0), T(1)); } };
struct HardSwishD { template <class T> static T apply(T v, const UnaryArgs&) { return v * clamp_value<T>(v * (T(1) / T(6)) + T(0.5), T(0), T(1)); } };

struct IsNaNF {
  template <class T> static uint8_t apply(T v, const UnaryArgs&) {
    if constexpr (std::is_same_v<T, float16_bits>) return (v.bits & 0x7fff) > 0x7c00;
    else return v != v;
  }
};
struct IsInfF {
  template <class T> static uint8_t apply(T v, const UnaryArgs& a) {
    bool inf, negative;
    if constexpr (std::is_same_v<T, float16_bits>) {
      inf = (v.bits & 0x7fff) == 0x7c00;
      negative = (v.bits & 0x8000) != 0;
    } else {
      inf = std::isinf(v);
      negative = v < 0;
    }
    return inf && (negative ? a.detect_negative : a.detect_positive);
  }
};

// The kernel for F on dtype t when t is one of the listed types, else null.
template <class F, class... Ts>
UnaryKernel plain_for(DType t) {
  UnaryKernel k = nullptr;
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr ((std::is_same_v<T, Ts> || ...)) k = plain<T, T, F>;
  });
  return k;
}

#define OCTET_SIGNED_INTS int8_t, int16_t, int32_t, int64_t
#define OCTET_ALL_INTS int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

const char* const kFloatTypes = "float32 or float64";
const char* const kNumericTypes = "float32, float64 or an integer type";
const char* const kSignedTypes = "float32, float64 or a signed integer type";

class UnaryOp final : public Op {
 public:
  UnaryKernel kernel = nullptr;
  UnaryArgs args;
  DType dtype = DType::kUndefined;
  size_t in_size = 0, out_size = 0;
  int64_t count = 0;
  int64_t grain = kGrainCheap;
  bool clip_inputs = false;  // Clip ≥ 11: bounds from inputs 1 and 2 at run time
  bool has_min = false, has_max = false;

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    UnaryArgs a = args;
    if (clip_inputs) read_clip_bounds(inputs, &a);
    const char* x = static_cast<const char*>(inputs[0]->data);
    char* y = static_cast<char*>(outputs[0]->data);
    const bool narrowing_in_place = in_size != out_size && static_cast<const void*>(x) == static_cast<const void*>(y);
    parallel_ranges(count, narrowing_in_place ? 1 : ctx.threads, grain, [&](int64_t b, int64_t e) {
      kernel(x + b * static_cast<int64_t>(in_size), y + b * static_cast<int64_t>(out_size), e - b, a);
    });
  }

 private:
  void read_clip_bounds(const TensorView* const* inputs, UnaryArgs* a) const {
    // An absent bound (or an input slot the node leaves out) keeps the type's extreme.
    if (has_min && inputs[1]->data != nullptr) std::memcpy(&a->lo_bits, inputs[1]->data, in_size);
    if (has_max && inputs[2]->data != nullptr) std::memcpy(&a->hi_bits, inputs[2]->data, in_size);
  }
};

// Kernel and argument choice; returns null kernel for an unsupported dtype and names what is supported.
struct Choice {
  UnaryKernel kernel = nullptr;
  const char* expected = kFloatTypes;
  DType out_dtype = DType::kUndefined;
  bool costly = false;
};

Choice choose(const OpInit& init, DType t, UnaryArgs* a) {
  const NodeSpec& node = init.node;
  const std::string& op = node.op_type;
  const Attributes& attrs = node.attrs;
  const bool f32 = t == DType::kFloat32;
  Choice c;
  c.out_dtype = t;
  auto float_op = [&](UnaryKernel k32, UnaryKernel k64, bool costly) {
    c.kernel = f32 ? k32 : t == DType::kFloat64 ? k64 : nullptr;
    c.costly = costly;
  };
  if (op == "Relu") {
    c.expected = kSignedTypes;
    c.kernel = f32 ? f32_relu : plain_for<ReluF, double, OCTET_SIGNED_INTS>(t);
  } else if (op == "LeakyRelu") {
    a->alpha = attrs.get_float("alpha", 0.01f);
    float_op(f32_leaky_relu, plain<double, double, LeakyReluD>, false);
  } else if (op == "Elu") {
    a->alpha = attrs.get_float("alpha", 1.0f);
    a->gamma = 1.0f;
    float_op(f32_elu, plain<double, double, EluD>, true);
  } else if (op == "Selu") {
    a->alpha = attrs.get_float("alpha", 1.67326319217681884765625f);
    a->gamma = attrs.get_float("gamma", 1.05070102214813232421875f);
    float_op(f32_elu, plain<double, double, EluD>, true);
  } else if (op == "Celu") {
    a->alpha = attrs.get_float("alpha", 1.0f);
    if (!(a->alpha != 0.0f)) throw_node_range(node, "alpha must be nonzero (x/alpha), got " + std::to_string(a->alpha));
    float_op(f32_celu, plain<double, double, CeluD>, true);
  } else if (op == "Clip") {
    c.expected = node.opset >= 12 ? kNumericTypes : kFloatTypes;
    c.kernel = f32 ? f32_clip : plain_for<ClipF, double, OCTET_ALL_INTS>(t);
    if (node.opset < 12 && !(f32 || t == DType::kFloat64)) c.kernel = nullptr;
  } else if (op == "Sigmoid") {
    float_op(f32_sigmoid, plain<double, double, SigmoidD>, true);
  } else if (op == "HardSigmoid") {
    a->alpha = attrs.get_float("alpha", 0.2f);
    a->beta = attrs.get_float("beta", 0.5f);
    float_op(f32_hard_sigmoid, plain<double, double, HardSigmoidD>, false);
  } else if (op == "HardSwish") {
    float_op(f32_hard_swish, plain<double, double, HardSwishD>, false);
  } else if (op == "Tanh") {
    float_op(f32_tanh, plain<double, double, TanhD>, true);
  } else if (op == "Erf") {
    float_op(f32_erf, plain<double, double, ErfD>, true);
  } else if (op == "Gelu") {
    const std::string approximate = attrs.get_string("approximate", "none");
    if (approximate == "none") float_op(f32_gelu_erf, plain<double, double, GeluErfD>, true);
    else if (approximate == "tanh") float_op(f32_gelu_tanh, plain<double, double, GeluTanhD>, true);
    else throw_node_range(node, "attribute approximate is '" + approximate + "', expected 'none' or 'tanh'");
  } else if (op == "Exp") {
    float_op(f32_exp, plain<double, double, ExpD>, true);
  } else if (op == "Log") {
    float_op(f32_log, plain<double, double, LogD>, true);
  } else if (op == "Softplus") {
    float_op(f32_softplus, plain<double, double, SoftplusD>, true);
  } else if (op == "Mish") {
    float_op(f32_mish, plain<double, double, MishD>, true);
  } else if (op == "Sqrt") {
    c.kernel = plain_for<SqrtF, float, double>(t);
  } else if (op == "Reciprocal") {
    c.kernel = plain_for<ReciprocalF, float, double>(t);
  } else if (op == "Floor") {
    c.kernel = plain_for<FloorF, float, double>(t);
  } else if (op == "Ceil") {
    c.kernel = plain_for<CeilF, float, double>(t);
  } else if (op == "Round") {
    c.kernel = plain_for<RoundF, float, double>(t);
  } else if (op == "Softsign") {
    c.kernel = plain_for<SoftsignF, float, double>(t);
  } else if (op == "Sin") {
    c.kernel = plain_for<SinF, float, double>(t);
    c.costly = true;
  } else if (op == "Cos") {
    c.kernel = plain_for<CosF, float, double>(t);
    c.costly = true;
  } else if (op == "Abs") {
    c.expected = kNumericTypes;
    c.kernel = plain_for<AbsF, float, double, OCTET_ALL_INTS>(t);
  } else if (op == "Neg") {
    c.expected = kSignedTypes;
    c.kernel = plain_for<NegF, float, double, OCTET_SIGNED_INTS>(t);
  } else if (op == "Sign") {
    c.expected = kNumericTypes;
    c.kernel = plain_for<SignF, float, double, OCTET_ALL_INTS>(t);
  } else if (op == "Not") {
    c.expected = "bool";
    c.kernel = t == DType::kBool ? plain<uint8_t, uint8_t, NotF> : nullptr;
  } else if (op == "IsNaN" || op == "IsInf") {
    c.expected = "float32, float64 or float16";
    c.out_dtype = DType::kBool;
    a->detect_negative = attrs.get_int("detect_negative", 1) != 0;
    a->detect_positive = attrs.get_int("detect_positive", 1) != 0;
    const bool nan = op == "IsNaN";
    if (t == DType::kFloat32) c.kernel = nan ? plain<float, uint8_t, IsNaNF> : plain<float, uint8_t, IsInfF>;
    else if (t == DType::kFloat64) c.kernel = nan ? plain<double, uint8_t, IsNaNF> : plain<double, uint8_t, IsInfF>;
    else if (t == DType::kFloat16) c.kernel = nan ? plain<float16_bits, uint8_t, IsNaNF> : plain<float16_bits, uint8_t, IsInfF>;
  }
  return c;
}

// Clip's bounds: attributes before opset 11, optional scalar inputs after.
void setup_clip(const OpInit& init, UnaryOp* op) {
  const NodeSpec& node = init.node;
  const DType t = op->dtype;
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      const T lowest = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
      const T highest = std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      op->args.lo_bits = bound_bits<T>(lowest);
      op->args.hi_bits = bound_bits<T>(highest);
      if (node.opset < 11) {
        // Clip-6: min/max attributes defaulting to the float range (so ±inf clamps to ±FLT_MAX, as
        // the spec's defaults say); from opset 11 an absent bound is no bound.
        op->args.lo_bits = bound_bits<T>(static_cast<T>(node.attrs.get_float("min", std::numeric_limits<float>::lowest())));
        op->args.hi_bits = bound_bits<T>(static_cast<T>(node.attrs.get_float("max", std::numeric_limits<float>::max())));
      }
    }
  });
  if (node.opset < 11) {
    expect_input_count(init, 1, 1);
    return;
  }
  expect_input_count(init, 1, 3);
  op->clip_inputs = true;
  for (size_t i = 1; i < 3; ++i) {
    if (!init.has_input(i)) continue;
    (i == 1 ? op->has_min : op->has_max) = true;
    const ValueInfo& b = init.input(i);
    const char* name = i == 1 ? "min" : "max";
    if (b.dtype != t)
      throw_node_type(node, std::string(name) + " has dtype " + dtype_name(b.dtype) + ", expected the input's " + dtype_name(t));
    if (b.numel() != 1)
      throw_node_range(node, std::string(name) + " has shape " + shape_string(b.shape) + ", expected a scalar (shape [])");
  }
}

std::unique_ptr<Op> create_unary(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& x = init.input(0);
  auto op = std::make_unique<UnaryOp>();
  op->args.vm = &vmath();
  op->dtype = x.dtype;
  const Choice c = choose(init, x.dtype, &op->args);
  if (c.kernel == nullptr) throw_unsupported_dtype(node, "input 0", x.dtype, c.expected);
  if (node.op_type == "Clip") setup_clip(init, op.get());
  else expect_input_count(init, 1, 1);
  expect_output(init, 0, c.out_dtype, x.shape);
  op->kernel = c.kernel;
  op->in_size = dtype_size(x.dtype);
  op->out_size = dtype_size(c.out_dtype);
  op->count = x.numel();
  op->grain = c.costly ? kGrainCostly : kGrainCheap;
  return op;
}

}  // namespace

void register_unary_ops(OpRegistry& r) {
  for (const char* name : {"Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
                           "Erf", "Gelu", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sign",
                           "Softplus", "Softsign", "Sin", "Cos", "Mish", "Not", "IsNaN", "IsInf"})
    r.add(name, create_unary);
}

}  // namespace octet::elementwise
