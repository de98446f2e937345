// Elementwise operators against plain references: every unary operator on random shapes (float32 on
// every ISA, bit-identical to the scalar path, and close to double precision; float64 and integer
// forms exactly), binary and variadic operators over broadcasting patterns and dtypes, comparisons and
// logic, Cast across all dtype pairs (float16 against the CPU's own conversion where it has one),
// Where, in-place runs, thread counts, fused activations against the operators, and bad input.

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {
namespace {

inline const OpRegistry& elementwise_registry() {
  static const OpRegistry r = [] {
    OpRegistry reg;
    register_elementwise_ops(reg);
    register_softmax_ops(reg);
    return reg;
  }();
  return r;
}

inline OpFactory factory(const std::string& op) {
  OpFactory f = elementwise_registry().find(op, "");
  if (f == nullptr) record_failure("factory", "no operator " + op);
  return f;
}

inline std::vector<float> random_floats(Rng& rng, int64_t n, float lo = -5.0f, float hi = 5.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform_float(lo, hi);
  return v;
}

template <class T>
std::vector<T> random_ints(Rng& rng, int64_t n, int lo, int hi) {
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(rng.uniform(lo, hi));
  return v;
}

// The broadcast output shape, computed independently of the operators' code.
inline bool reference_broadcast(const std::vector<Shape>& shapes, Shape* out) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape r(rank, 1);
  for (const auto& s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& d = r[rank - s.size() + i];
      if (s[i] == d || s[i] == 1) continue;
      if (d != 1) return false;
      d = s[i];
    }
  *out = r;
  return true;
}

// Flat index into `shape` (right-aligned against `out`) of output element `flat`.
inline int64_t broadcast_index(const Shape& out, const Shape& shape, int64_t flat) {
  int64_t index = 0, stride = 1;
  for (int64_t d = static_cast<int64_t>(out.size()) - 1; d >= 0; --d) {
    const int64_t coord = flat % out[d];
    flat /= out[d];
    const int64_t sd = d - static_cast<int64_t>(out.size() - shape.size());
    if (sd >= 0) {
      if (shape[sd] != 1) index += coord * stride;
      stride *= shape[sd];
    }
  }
  return index;
}

// Creates the op and runs it with the output written over input `alias` (which must be as large);
// returns the output bytes.
inline std::vector<uint8_t> run_in_place(OpFactory f, const NodeSpec& node, std::vector<OpTensor> inputs, const OpTensor& out_spec,
                                         size_t alias, int threads) {
  WeightCache cache;
  std::vector<ValueInfo> infos;
  for (auto& t : inputs) infos.push_back(ValueInfo{t.dtype, t.shape, t.constant ? t.bytes.data() : nullptr});
  ValueInfo out_info{out_spec.dtype, out_spec.shape, nullptr};
  OpInit init{node, {}, {&out_info}, cache};
  for (auto& i : infos) init.inputs.push_back(i.present() ? &i : nullptr);
  std::unique_ptr<Op> op = f(init);
  std::vector<TensorView> views(inputs.size());
  std::vector<const TensorView*> ptrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    views[i] = TensorView{inputs[i].bytes.empty() ? nullptr : inputs[i].bytes.data(), inputs[i].dtype, inputs[i].shape};
    ptrs.push_back(&views[i]);
  }
  TensorView out{inputs[alias].bytes.data(), out_spec.dtype, out_spec.shape};
  TensorView* out_ptr = &out;
  AlignedBuffer scratch(op->scratch_bytes(threads));
  RunContext ctx{threads, scratch.data()};
  op->run(ctx, ptrs.data(), &out_ptr);
  const size_t bytes = static_cast<size_t>(shape_numel(out_spec.shape)) * dtype_size(out_spec.dtype);
  return std::vector<uint8_t>(inputs[alias].bytes.begin(), inputs[alias].bytes.begin() + bytes);
}

// Runs fn() once per supported ISA (set_active_isa before the op is created), restoring the active one.
template <class Fn>
void for_each_isa(Fn fn) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    fn(isa);
  }
  set_active_isa(saved);
}

// Expects creating the op to throw octet::Error whose message contains `needle`.
inline void expect_create_error(OpFactory f, const NodeSpec& node, std::vector<OpTensor> inputs, std::vector<OpTensor> outputs,
                                const std::string& needle, const char* what) {
  try {
    OpHarness h(f, node, std::move(inputs), std::move(outputs));
    CHECK(false) << what << ": expected an error mentioning '" << needle << "'";
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(needle) != std::string::npos) << what << ": message '" << e.what() << "' lacks '" << needle << "'";
  }
}

}  // namespace
}  // namespace octet::test

#include <functional>
#include <limits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../ops/activation.h"

namespace octet::test {

namespace {

NodeSpec node_of(const std::string& op, Attributes attrs = {}, int opset = 17) { return make_node(op, std::move(attrs), opset); }

// Runs a float32 unary op on every ISA and every thread count in {1, 3}; checks they agree bit for bit
// and returns the scalar ISA's output.
std::vector<float> run_unary_f32(const std::string& op, const Attributes& attrs, const Shape& shape, const std::vector<float>& x,
                                 int opset = 17) {
  std::vector<float> first;
  bool have_first = false;
  for_each_isa([&](Isa isa) {
    for (int threads : {1, 3}) {
      OpHarness h(factory(op), node_of(op, attrs, opset), {OpTensor::of(DType::kFloat32, shape, x)}, {OpTensor::of<float>(DType::kFloat32, shape, {})});
      h.run(threads);
      std::vector<float> y = h.output(0).values<float>();
      if (!have_first) {
        first = y;
        have_first = true;
      } else {
        CHECK(y.size() == first.size() && (y.empty() || std::memcmp(y.data(), first.data(), y.size() * 4) == 0))
            << op << " on " << isa_name(isa) << " with " << threads << " threads differs from the scalar path";
      }
      // In place: the output over the input.
      std::vector<uint8_t> inplace = run_in_place(factory(op), node_of(op, attrs, opset), {OpTensor::of(DType::kFloat32, shape, x)},
                                                  OpTensor::of<float>(DType::kFloat32, shape, {}), 0, threads);
      CHECK(inplace.size() == first.size() * 4 && (first.empty() || std::memcmp(inplace.data(), first.data(), inplace.size()) == 0))
          << op << " in place on " << isa_name(isa) << " with " << threads << " threads";
    }
  });
  return first;
}

bool close(double got, double want, double rtol, double atol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }
double softplus_ref(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

struct UnaryRef {
  const char* op;
  Attributes attrs;
  std::function<double(double)> f;
  float lo, hi;
  double rtol;
};

}  // namespace

TEST(unary_float32_ops_match_reference_on_every_isa) {
  auto attrs = [](std::initializer_list<std::pair<const char*, float>> kv) {
    Attributes a;
    for (auto& [k, v] : kv) a.set_float(k, v);
    return a;
  };
  Attributes gelu_tanh;
  gelu_tanh.set_string("approximate", "tanh");
  const double selu_a = 1.67326319217681884765625, selu_g = 1.05070102214813232421875;
  const std::vector<UnaryRef> cases = {
      {"Relu", {}, [](double x) { return std::max(x, 0.0); }, -5, 5, 0},
      {"LeakyRelu", attrs({{"alpha", 0.1f}}), [](double x) { return x < 0 ? static_cast<float>(0.1f * static_cast<float>(x)) : x; }, -5, 5, 0},
      {"Elu", attrs({{"alpha", 0.5f}}), [](double x) { return x > 0 ? x : 0.5 * std::expm1(x); }, -5, 5, 1e-6},
      {"Selu", {}, [=](double x) { return x > 0 ? selu_g * x : selu_g * selu_a * std::expm1(x); }, -5, 5, 1e-6},
      {"Celu", attrs({{"alpha", 2.0f}}), [](double x) { return x > 0 ? x : 2.0 * std::expm1(x / 2.0); }, -5, 5, 1e-6},
      {"Sigmoid", {}, sigmoid_ref, -20, 20, 1e-6},
      {"HardSigmoid", attrs({{"alpha", 0.25f}, {"beta", 0.4f}}),
       [](double x) { return std::min(1.0, std::max(0.0, static_cast<double>(0.25f * static_cast<float>(x) + 0.4f))); }, -5, 5, 1e-6},
      {"HardSwish", {}, [](double x) {
         const float h = static_cast<float>(x) * (1.0f / 6.0f) + 0.5f;  // ONNX: x·clamp(alpha·x + beta), in float
         return static_cast<double>(static_cast<float>(x) * std::min(1.0f, std::max(0.0f, h)));
       }, -8, 8, 0},
      {"Tanh", {}, [](double x) { return std::tanh(x); }, -10, 10, 1e-6},
      {"Erf", {}, [](double x) { return std::erf(x); }, -5, 5, 1e-6},
      {"Gelu", {}, [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }, -6, 6, 1e-6},
      {"Gelu", gelu_tanh, [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }, -6, 6, 1e-5},
      {"Exp", {}, [](double x) { return std::exp(x); }, -80, 80, 1e-6},
      {"Log", {}, [](double x) { return std::log(x); }, 1e-6f, 1e6f, 1e-6},
      {"Sqrt", {}, [](double x) { return std::sqrt(x); }, 0, 100, 1e-7},
      {"Abs", {}, [](double x) { return std::fabs(x); }, -5, 5, 0},
      {"Neg", {}, [](double x) { return -x; }, -5, 5, 0},
      {"Reciprocal", {}, [](double x) { return 1 / x; }, 0.1f, 5, 1e-7},
      {"Floor", {}, [](double x) { return std::floor(x); }, -5, 5, 0},
      {"Ceil", {}, [](double x) { return std::ceil(x); }, -5, 5, 0},
      {"Sign", {}, [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }, -5, 5, 0},
      {"Softplus", {}, softplus_ref, -30, 30, 1e-6},
      {"Softsign", {}, [](double x) { return x / (1 + std::fabs(x)); }, -5, 5, 1e-7},
      {"Sin", {}, [](double x) { return std::sin(x); }, -10, 10, 1e-6},
      {"Cos", {}, [](double x) { return std::cos(x); }, -10, 10, 1e-6},
      {"Mish", {}, [](double x) { return x * std::tanh(softplus_ref(x)); }, -20, 20, 1e-6},
  };
  Rng rng(21);
  const Shape shapes[] = {{}, {1}, {7}, {16}, {17}, {3, 5, 11}, {2, 0, 3}, {40, 1031}};
  for (const UnaryRef& c : cases)
    for (const Shape& shape : shapes) {
      const int64_t n = shape_numel(shape);
      std::vector<float> x = random_floats(rng, n, c.lo, c.hi);
      const std::vector<float> y = run_unary_f32(c.op, c.attrs, shape, x);
      CHECK(static_cast<int64_t>(y.size()) == n) << c.op;
      int reported = 0;
      for (int64_t i = 0; i < n && reported < 3; ++i) {
        const double want = c.f(x[i]);
        const bool ok = c.rtol == 0 ? y[i] == static_cast<float>(want) : close(y[i], want, c.rtol, 1e-30);
        if (!ok) ++reported;
        CHECK(ok) << c.op << " shape " << shape_string(shape) << " x=" << x[i] << " got " << y[i] << " expected " << want;
      }
    }
}

TEST(round_is_half_to_even_and_specials_pass_through) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, -2.6f, inf, -0.0f};
  const std::vector<float> want = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, -2.0f, 2.0f, -3.0f, inf, -0.0f};
  const std::vector<float> y = run_unary_f32("Round", {}, {10}, x);
  for (size_t i = 0; i < x.size(); ++i)
    CHECK(y[i] == want[i] && std::signbit(y[i]) == std::signbit(want[i])) << "Round(" << x[i] << ") = " << y[i];
  const std::vector<float> r = run_unary_f32("Relu", {}, {3}, {nan, -inf, inf});
  CHECK(std::isnan(r[0]) && r[1] == 0 && r[2] == inf) << "Relu specials";
}

TEST(unary_float64_and_integer_forms) {
  Rng rng(22);
  // float64 Exp / Tanh / Sigmoid against the C library.
  std::vector<double> xd(37);
  for (auto& v : xd) v = rng.uniform_float(-6, 6);
  for (const char* op : {"Exp", "Tanh", "Sigmoid", "Abs", "Neg", "Erf"}) {
    OpHarness h(factory(op), node_of(op), {OpTensor::of(DType::kFloat64, {37}, xd)}, {OpTensor::of<double>(DType::kFloat64, {37}, {})});
    h.run();
    const auto y = h.output(0).values<double>();
    for (size_t i = 0; i < xd.size(); ++i) {
      const double v = xd[i];
      const double want = std::string(op) == "Exp" ? std::exp(v) : std::string(op) == "Tanh" ? std::tanh(v)
                          : std::string(op) == "Sigmoid" ? 1 / (1 + std::exp(-v)) : std::string(op) == "Abs" ? std::fabs(v)
                          : std::string(op) == "Neg" ? -v : std::erf(v);
      CHECK(close(y[i], want, 1e-14, 0)) << op << " float64 x=" << v;
    }
  }
  // Integer Abs / Neg / Sign / Relu, including the wrap of the most negative value.
  const std::vector<int32_t> xi = {-5, 0, 7, std::numeric_limits<int32_t>::min(), -1, 3};
  auto run_i32 = [&](const char* op) {
    OpHarness h(factory(op), node_of(op), {OpTensor::of(DType::kInt32, {6}, xi)}, {OpTensor::of<int32_t>(DType::kInt32, {6}, {})});
    h.run();
    return h.output(0).values<int32_t>();
  };
  const int32_t mn = std::numeric_limits<int32_t>::min();
  CHECK((run_i32("Abs") == std::vector<int32_t>{5, 0, 7, mn, 1, 3})) << "Abs int32";
  CHECK((run_i32("Neg") == std::vector<int32_t>{5, 0, -7, mn, 1, -3})) << "Neg int32";
  CHECK((run_i32("Sign") == std::vector<int32_t>{-1, 0, 1, -1, -1, 1})) << "Sign int32";
  CHECK((run_i32("Relu") == std::vector<int32_t>{0, 0, 7, 0, 0, 3})) << "Relu int32";
  // Not, IsNaN, IsInf (with detect flags), float16 included.
  {
    OpHarness h(factory("Not"), node_of("Not"), {OpTensor::of<uint8_t>(DType::kBool, {3}, {0, 1, 0})}, {OpTensor::of<uint8_t>(DType::kBool, {3}, {})});
    h.run();
    CHECK((h.output(0).values<uint8_t>() == std::vector<uint8_t>{1, 0, 1})) << "Not";
  }
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  {
    OpHarness h(factory("IsNaN"), node_of("IsNaN"), {OpTensor::of<float>(DType::kFloat32, {4}, {nan, inf, 0.0f, -nan})}, {OpTensor::of<uint8_t>(DType::kBool, {4}, {})});
    h.run();
    CHECK((h.output(0).values<uint8_t>() == std::vector<uint8_t>{1, 0, 0, 1})) << "IsNaN";
    // In place: bool output over the float input.
    auto bytes = run_in_place(factory("IsNaN"), node_of("IsNaN"), {OpTensor::of<float>(DType::kFloat32, {4}, {nan, inf, 0.0f, -nan})},
                              OpTensor::of<uint8_t>(DType::kBool, {4}, {}), 0, 2);
    CHECK((bytes == std::vector<uint8_t>{1, 0, 0, 1})) << "IsNaN in place";
  }
  {
    Attributes a;
    a.set_int("detect_positive", 0);
    OpHarness h(factory("IsInf"), node_of("IsInf", a), {OpTensor::of<float>(DType::kFloat32, {4}, {nan, inf, -inf, 1.0f})}, {OpTensor::of<uint8_t>(DType::kBool, {4}, {})});
    h.run();
    CHECK((h.output(0).values<uint8_t>() == std::vector<uint8_t>{0, 0, 1, 0})) << "IsInf detect_positive=0";
    OpHarness h16(factory("IsInf"), node_of("IsInf"), {OpTensor::of<uint16_t>(DType::kFloat16, {4}, {0x7c00, 0xfc00, 0x7e00, 0x3c00})},
                  {OpTensor::of<uint8_t>(DType::kBool, {4}, {})});
    h16.run();
    CHECK((h16.output(0).values<uint8_t>() == std::vector<uint8_t>{1, 1, 0, 0})) << "IsInf float16";
  }
}

TEST(clip_across_opsets) {
  const std::vector<float> x = {-3.0f, -0.5f, 0.0f, 0.7f, 2.0f, 9.0f, std::numeric_limits<float>::quiet_NaN()};
  const Shape s = {7};
  // Opset 6: attributes.
  Attributes a;
  a.set_float("min", -1.0f);
  a.set_float("max", 1.0f);
  {
    const auto y = run_unary_f32("Clip", a, s, x, 6);
    CHECK(y[0] == -1 && y[1] == -0.5f && y[3] == 0.7f && y[4] == 1 && std::isnan(y[6])) << "Clip-6";
    const float inf = std::numeric_limits<float>::infinity();
    const auto d = run_unary_f32("Clip", {}, {2}, {inf, -inf}, 6);
    CHECK(d[0] == std::numeric_limits<float>::max() && d[1] == std::numeric_limits<float>::lowest()) << "Clip-6 defaults are ±FLT_MAX";
  }
  // Opset 13: min and max inputs, constant or fed; either may be left out.
  for (bool constant : {false, true}) {
    OpHarness h(factory("Clip"), node_of("Clip", {}, 13),
                {OpTensor::of(DType::kFloat32, s, x), OpTensor::of<float>(DType::kFloat32, {}, {0.0f}, constant),
                 OpTensor::of<float>(DType::kFloat32, {}, {6.0f}, constant)},
                {OpTensor::of<float>(DType::kFloat32, s, {})});
    h.run();
    const auto y = h.output(0).values<float>();
    CHECK(y[0] == 0 && y[3] == 0.7f && y[5] == 6 && std::isnan(y[6])) << "Clip-13 constant=" << constant;
    // Bounds are read at run time: change the fed min and run again.
    h.input(1) = OpTensor::of<float>(DType::kFloat32, {}, {-1.0f}, constant);
    h.run();
    CHECK(h.output(0).values<float>()[0] == -1.0f) << "Clip-13 reads min at run time";
  }
  {
    OpHarness h(factory("Clip"), node_of("Clip", {}, 13),
                {OpTensor::of(DType::kFloat32, s, x), OpTensor::absent(), OpTensor::of<float>(DType::kFloat32, {1}, {0.5f})},
                {OpTensor::of<float>(DType::kFloat32, s, {})});
    h.run();
    const auto y = h.output(0).values<float>();
    CHECK(y[0] == -3.0f && y[3] == 0.5f) << "Clip-13 without min";
  }
  {
    OpHarness h(factory("Clip"), node_of("Clip", {}, 11), {OpTensor::of(DType::kFloat32, s, x)}, {OpTensor::of<float>(DType::kFloat32, s, {})});
    h.run();
    CHECK(std::memcmp(h.output(0).values<float>().data(), x.data(), 6 * 4) == 0) << "Clip-11 with no bounds is the identity";
  }
  // Opset 12+: integers.
  OpHarness hi(factory("Clip"), node_of("Clip", {}, 13),
               {OpTensor::of<int64_t>(DType::kInt64, {4}, {-9, 0, 5, 100}), OpTensor::of<int64_t>(DType::kInt64, {}, {-2}),
                OpTensor::of<int64_t>(DType::kInt64, {}, {10})},
               {OpTensor::of<int64_t>(DType::kInt64, {4}, {})});
  hi.run();
  CHECK((hi.output(0).values<int64_t>() == std::vector<int64_t>{-2, 0, 5, 10})) << "Clip int64";
}

TEST(fused_activation_equals_the_operator) {
  Rng rng(23);
  const std::vector<float> x = random_floats(rng, 1000, -8, 8);
  struct Case {
    const char* name;
    std::vector<float> params;
    const char* op;
    Attributes attrs;
    int opset;
  };
  Attributes leaky, hsig, clip6;
  leaky.set_float("alpha", 0.2f);
  hsig.set_float("alpha", 0.3f);
  hsig.set_float("beta", 0.6f);
  clip6.set_float("min", -1.0f);
  clip6.set_float("max", 6.0f);
  const Case cases[] = {
      {"Relu", {}, "Relu", {}, 17},          {"Clip", {-1.0f, 6.0f}, "Clip", clip6, 6},     {"LeakyRelu", {0.2f}, "LeakyRelu", leaky, 17},
      {"HardSigmoid", {0.3f, 0.6f}, "HardSigmoid", hsig, 17}, {"HardSwish", {}, "HardSwish", {}, 17},
      {"Sigmoid", {}, "Sigmoid", {}, 17},    {"Tanh", {}, "Tanh", {}, 17},
  };
  for_each_isa([&](Isa isa) {
    for (const Case& c : cases) {
      Attributes a;
      a.set_string("activation", c.name);
      if (!c.params.empty()) a.set_floats("activation_params", c.params);
      const Activation act = Activation::from_attributes(a);
      std::vector<float> fused = x;
      act.apply(fused.data(), fused.size());
      OpHarness h(factory(c.op), node_of(c.op, c.attrs, c.opset), {OpTensor::of(DType::kFloat32, {1000}, x)}, {OpTensor::of<float>(DType::kFloat32, {1000}, {})});
      h.run();
      CHECK(std::memcmp(h.output(0).values<float>().data(), fused.data(), 4000) == 0) << "fused " << c.name << " differs on " << isa_name(isa);
    }
  });
  Attributes none;
  CHECK(Activation::from_attributes(none).kind == Activation::Kind::kNone) << "no activation";
  Attributes bad;
  bad.set_string("activation", "Swish");
  try {
    Activation::from_attributes(bad);
    CHECK(false) << "unknown activation accepted";
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("Swish") != std::string::npos && e.kind() == ErrorKind::kType) << e.what();
  }
  Attributes bad_params;
  bad_params.set_string("activation", "LeakyRelu");
  bad_params.set_floats("activation_params", {1, 2, 3});
  try {
    Activation::from_attributes(bad_params);
    CHECK(false) << "three LeakyRelu params accepted";
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("activation_params") != std::string::npos) << e.what();
  }
}

namespace {

// Binary op over two broadcast inputs vs an elementwise reference function.
template <class T, class R>
void check_binary(const std::string& op, DType dtype, DType out_dtype, const Shape& sa, const std::vector<T>& a, const Shape& sb,
                  const std::vector<T>& b, const std::function<R(T, T)>& f, const Attributes& attrs = {}) {
  Shape out;
  CHECK(reference_broadcast({sa, sb}, &out)) << "test shapes must broadcast";
  const int64_t n = shape_numel(out);
  std::vector<R> want(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) want[i] = f(a[broadcast_index(out, sa, i)], b[broadcast_index(out, sb, i)]);
  for_each_isa([&](Isa isa) {
    for (int threads : {1, 2, 5}) {
      OpHarness h(factory(op), node_of(op, attrs), {OpTensor::of(dtype, sa, a), OpTensor::of(dtype, sb, b)}, {OpTensor::of<R>(out_dtype, out, {})});
      h.run(threads);
      const auto y = h.output(0).template values<R>();
      bool ok = y.size() == want.size();
      size_t bad = 0;
      for (size_t i = 0; ok && i < y.size(); ++i)
        if (std::memcmp(&y[i], &want[i], sizeof(R)) != 0) {
          ok = false;
          bad = i;
        }
      CHECK(ok) << op << " " << dtype_name(dtype) << " " << shape_string(sa) << " with " << shape_string(sb) << " on " << isa_name(isa)
                << " threads " << threads << " at " << bad << ": got " << +y[bad] << " expected " << +want[bad];
    }
    // Output over input 0 when it has the output's shape; over input 1 when both do (float32).
    if (sa == out && out_dtype == dtype) {
      auto bytes = run_in_place(factory(op), node_of(op, attrs), {OpTensor::of(dtype, sa, a), OpTensor::of(dtype, sb, b)},
                                OpTensor::of<R>(out_dtype, out, {}), 0, 2);
      CHECK(n == 0 || std::memcmp(bytes.data(), want.data(), bytes.size()) == 0) << op << " in place over input 0 on " << isa_name(isa);
    }
    if (sb == out && sa == out && out_dtype == dtype) {
      auto bytes = run_in_place(factory(op), node_of(op, attrs), {OpTensor::of(dtype, sa, a), OpTensor::of(dtype, sb, b)},
                                OpTensor::of<R>(out_dtype, out, {}), 1, 2);
      CHECK(n == 0 || std::memcmp(bytes.data(), want.data(), bytes.size()) == 0) << op << " in place over input 1 on " << isa_name(isa);
    }
  });
}

const std::vector<std::pair<Shape, Shape>> kBroadcastPatterns = {
    {{2, 3, 4}, {4}},     {{2, 1, 4}, {3, 1}},  {{5, 7}, {}},         {{}, {5, 7}},          {{}, {}},
    {{0, 3}, {3}},        {{2, 3, 4}, {2, 3, 4}}, {{1}, {6}},         {{3, 1, 5, 1}, {1, 4, 1, 6}},
    {{64, 67}, {64, 1}},  {{1, 2, 1, 3}, {2, 1, 3, 1}}, {{300, 301}, {301}}, {{17}, {17}},
};

template <class T>
std::vector<T> random_values(Rng& rng, int64_t n, bool nonzero = false) {
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) {
    if constexpr (std::is_floating_point_v<T>) x = static_cast<T>(rng.uniform_float(-10, 10));
    else if constexpr (std::is_signed_v<T>) x = static_cast<T>(rng.uniform(-100, 100));
    else x = static_cast<T>(rng.uniform(0, 200));
    if (nonzero && x == 0) x = 3;
  }
  return v;
}

template <class T>
void check_arithmetic(DType dtype) {
  Rng rng(30 + static_cast<int>(dtype));
  for (const auto& [sa, sb] : kBroadcastPatterns) {
    const auto a = random_values<T>(rng, shape_numel(sa)), b = random_values<T>(rng, shape_numel(sb), true);
    check_binary<T, T>("Add", dtype, dtype, sa, a, sb, b, [](T p, T q) { return static_cast<T>(p + q); });
    check_binary<T, T>("Sub", dtype, dtype, sa, a, sb, b, [](T p, T q) { return static_cast<T>(p - q); });
    check_binary<T, T>("Mul", dtype, dtype, sa, a, sb, b, [](T p, T q) { return static_cast<T>(p * q); });
    check_binary<T, T>("Div", dtype, dtype, sa, a, sb, b, [](T p, T q) { return static_cast<T>(p / q); });
    check_binary<T, T>("Max", dtype, dtype, sa, a, sb, b, [](T p, T q) { return std::max(p, q); });
    check_binary<T, T>("Min", dtype, dtype, sa, a, sb, b, [](T p, T q) { return std::min(p, q); });
    check_binary<T, uint8_t>("Less", dtype, DType::kBool, sa, a, sb, b, [](T p, T q) -> uint8_t { return p < q; });
    check_binary<T, uint8_t>("GreaterOrEqual", dtype, DType::kBool, sa, a, sb, b, [](T p, T q) -> uint8_t { return p >= q; });
    check_binary<T, uint8_t>("Equal", dtype, DType::kBool, sa, a, sb, b, [](T p, T q) -> uint8_t { return p == q; });
  }
}

}  // namespace

TEST(binary_arithmetic_broadcasts_for_every_dtype) {
  check_arithmetic<float>(DType::kFloat32);
  check_arithmetic<double>(DType::kFloat64);
  check_arithmetic<int32_t>(DType::kInt32);
  check_arithmetic<int64_t>(DType::kInt64);
  check_arithmetic<int8_t>(DType::kInt8);
  check_arithmetic<uint8_t>(DType::kUint8);
}

TEST(integer_division_modulo_pow_and_shifts) {
  const int32_t mn = std::numeric_limits<int32_t>::min();
  const std::vector<int32_t> a = {7, -7, 7, -7, 5, mn, 9}, b = {2, 2, -2, -2, 0, -1, 3};
  check_binary<int32_t, int32_t>("Div", DType::kInt32, DType::kInt32, {7}, a, {7}, b, [](int32_t p, int32_t q) -> int32_t {
    if (q == 0) return 0;
    if (q == -1) return static_cast<int32_t>(0u - static_cast<uint32_t>(p));
    return p / q;
  });
  // Python modulo (sign of the divisor) and C fmod (sign of the dividend).
  const std::vector<int32_t> mod_want = {1, 1, -1, -1, 0, 0, 0}, fmod_want = {1, -1, 1, -1, 0, 0, 0};
  for (int fmod : {0, 1}) {
    Attributes at;
    at.set_int("fmod", fmod);
    OpHarness h(factory("Mod"), node_of("Mod", at), {OpTensor::of(DType::kInt32, {7}, a), OpTensor::of(DType::kInt32, {7}, b)},
                {OpTensor::of<int32_t>(DType::kInt32, {7}, {})});
    h.run();
    CHECK(h.output(0).values<int32_t>() == (fmod ? fmod_want : mod_want)) << "Mod fmod=" << fmod;
  }
  Attributes fm;
  fm.set_int("fmod", 1);
  check_binary<float, float>("Mod", DType::kFloat32, DType::kFloat32, {2, 3}, {5.5f, -5.5f, 3.0f, 1.0f, -7.25f, 0.5f}, {3}, {2.0f, 2.0f, -1.5f},
                             [](float p, float q) { return std::fmod(p, q); }, fm);
  // Pow: float base with float, int exponents; int base with int exponents (negative too).
  check_binary<float, float>("Pow", DType::kFloat32, DType::kFloat32, {4}, {2.0f, -3.0f, 0.5f, 9.0f}, {}, {2.0f},
                             [](float p, float) { return p * p; });
  check_binary<float, float>("Pow", DType::kFloat32, DType::kFloat32, {4}, {2.0f, 3.0f, 0.5f, 9.0f}, {4}, {0.5f, -1.0f, 3.0f, 1.5f},
                             [](float p, float q) { return static_cast<float>(std::pow(static_cast<double>(p), static_cast<double>(q))); });
  {
    OpHarness h(factory("Pow"), node_of("Pow"), {OpTensor::of<int64_t>(DType::kInt64, {5}, {2, -3, 1, -1, 5}), OpTensor::of<int32_t>(DType::kInt32, {5}, {10, 3, -4, -3, -1})},
                {OpTensor::of<int64_t>(DType::kInt64, {5}, {})});
    h.run();
    CHECK((h.output(0).values<int64_t>() == std::vector<int64_t>{1024, -27, 1, -1, 0})) << "Pow int64 ^ int32";
    OpHarness hf(factory("Pow"), node_of("Pow"), {OpTensor::of<float>(DType::kFloat32, {2}, {2.0f, 10.0f}), OpTensor::of<int64_t>(DType::kInt64, {}, {3})},
                 {OpTensor::of<float>(DType::kFloat32, {2}, {})});
    hf.run();
    CHECK((hf.output(0).values<float>() == std::vector<float>{8.0f, 1000.0f})) << "Pow float ^ int64";
  }
  // BitShift.
  for (const char* dir : {"LEFT", "RIGHT"}) {
    Attributes at;
    at.set_string("direction", dir);
    const bool left = std::string(dir) == "LEFT";
    check_binary<uint8_t, uint8_t>("BitShift", DType::kUint8, DType::kUint8, {4}, {16, 4, 1, 255}, {4}, {1, 2, 3, 9},
                                   [left](uint8_t p, uint8_t q) -> uint8_t { return q >= 8 ? 0 : left ? static_cast<uint8_t>(p << q) : p >> q; }, at);
    check_binary<uint32_t, uint32_t>("BitShift", DType::kUint32, DType::kUint32, {2, 2}, {16, 4, 1, 0xffffffffu}, {1}, {3},
                                     [left](uint32_t p, uint32_t q) { return left ? p << q : p >> q; }, at);
  }
}

TEST(float_max_min_propagate_nan_and_logic_ops) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const char* op : {"Max", "Min"}) {
    OpHarness h(factory(op), node_of(op), {OpTensor::of<float>(DType::kFloat32, {3}, {nan, 1.0f, 2.0f}), OpTensor::of<float>(DType::kFloat32, {3}, {1.0f, nan, 3.0f})},
                {OpTensor::of<float>(DType::kFloat32, {3}, {})});
    h.run();
    const auto y = h.output(0).values<float>();
    CHECK(std::isnan(y[0]) && std::isnan(y[1]) && y[2] == (std::string(op) == "Max" ? 3.0f : 2.0f)) << op << " NaN";
  }
  const std::vector<uint8_t> a = {0, 0, 1, 1}, b = {0, 1, 0, 1};
  check_binary<uint8_t, uint8_t>("And", DType::kBool, DType::kBool, {4}, a, {4}, b, [](uint8_t p, uint8_t q) -> uint8_t { return p & q; });
  check_binary<uint8_t, uint8_t>("Or", DType::kBool, DType::kBool, {2, 2}, a, {2, 1}, {0, 1}, [](uint8_t p, uint8_t q) -> uint8_t { return p | q; });
  check_binary<uint8_t, uint8_t>("Xor", DType::kBool, DType::kBool, {4}, a, {}, {1}, [](uint8_t p, uint8_t q) -> uint8_t { return p ^ q; });
  check_binary<uint8_t, uint8_t>("Equal", DType::kBool, DType::kBool, {4}, a, {4}, b, [](uint8_t p, uint8_t q) -> uint8_t { return p == q; });
  check_binary<float, uint8_t>("Equal", DType::kFloat32, DType::kBool, {3}, {nan, 1.0f, -0.0f}, {3}, {nan, 1.0f, 0.0f},
                               [](float p, float q) -> uint8_t { return p == q; });
  check_binary<int64_t, uint8_t>("LessOrEqual", DType::kInt64, DType::kBool, {2, 3}, {1, 2, 3, 4, 5, 6}, {3}, {2, 2, 2},
                                 [](int64_t p, int64_t q) -> uint8_t { return p <= q; });
  check_binary<float, uint8_t>("Greater", DType::kFloat32, DType::kBool, {2, 3}, {1, 2, 3, 4, 5, nan}, {3}, {2, 2, 2},
                               [](float p, float q) -> uint8_t { return p > q; });
}

TEST(prelu_broadcasts_the_slope_to_x) {
  Rng rng(31);
  const Shape sx = {2, 3, 5, 7};
  const auto x = random_floats(rng, shape_numel(sx));
  for (const Shape& ss : {Shape{3, 1, 1}, Shape{7}, Shape{1}, Shape{2, 3, 5, 7}}) {
    const auto slope = random_floats(rng, shape_numel(ss), 0, 1);
    check_binary<float, float>("PRelu", DType::kFloat32, DType::kFloat32, sx, x, ss, slope, [](float v, float s) { return v < 0 ? s * v : v; });
  }
  const std::vector<int32_t> xi = {-4, 5, -6, 0};
  check_binary<int32_t, int32_t>("PRelu", DType::kInt32, DType::kInt32, {2, 2}, xi, {2, 1}, {2, 3},
                                 [](int32_t v, int32_t s) { return v < 0 ? s * v : v; });
}

TEST(variadic_sum_mean_max_min) {
  Rng rng(32);
  const std::vector<Shape> shapes = {{3, 1}, {1}, {1, 4}, {3, 4}};
  std::vector<std::vector<float>> in;
  for (const Shape& s : shapes) in.push_back(random_floats(rng, shape_numel(s)));
  const Shape out = {3, 4};
  for (const char* op : {"Sum", "Mean", "Max", "Min"}) {
    for (size_t count : {size_t(1), size_t(2), size_t(3), size_t(4)}) {
      std::vector<OpTensor> inputs;
      Shape out_shape;
      std::vector<Shape> used(shapes.begin(), shapes.begin() + count);
      reference_broadcast(used, &out_shape);
      if (count == 1) out_shape = shapes[0];
      for (size_t i = 0; i < count; ++i) inputs.push_back(OpTensor::of(DType::kFloat32, shapes[i], in[i]));
      const int64_t n = shape_numel(out_shape);
      std::vector<float> want(static_cast<size_t>(n));
      const std::string name = op;
      for (int64_t e = 0; e < n; ++e) {
        float acc = in[0][broadcast_index(out_shape, shapes[0], e)];
        for (size_t i = 1; i < count; ++i) {
          const float v = in[i][broadcast_index(out_shape, shapes[i], e)];
          acc = name == "Max" ? std::max(acc, v) : name == "Min" ? std::min(acc, v) : acc + v;
        }
        if (name == "Mean") acc = acc / static_cast<float>(count);
        want[e] = acc;
      }
      for_each_isa([&](Isa isa) {
        OpHarness h(factory(op), node_of(op), inputs, {OpTensor::of<float>(DType::kFloat32, out_shape, {})});
        h.run(2);
        CHECK(std::memcmp(h.output(0).values<float>().data(), want.data(), want.size() * 4) == 0)
            << op << " of " << count << " inputs on " << isa_name(isa);
      });
    }
  }
  (void)out;
}

TEST(where_broadcasts_three_inputs_of_any_dtype) {
  Rng rng(33);
  const Shape sc = {2, 1, 4}, sx = {3, 1}, sy = {};
  Shape out;
  reference_broadcast({sc, sx, sy}, &out);
  const auto cond = random_ints<uint8_t>(rng, shape_numel(sc), 0, 1);
  auto check = [&](DType dtype, auto zero) {
    using T = decltype(zero);
    const auto x = random_ints<T>(rng, shape_numel(sx), 0, 100);
    const auto y = random_ints<T>(rng, 1, 0, 100);
    std::vector<T> want(static_cast<size_t>(shape_numel(out)));
    for (int64_t i = 0; i < shape_numel(out); ++i)
      want[i] = cond[broadcast_index(out, sc, i)] ? x[broadcast_index(out, sx, i)] : y[0];
    for (int threads : {1, 3}) {
      OpHarness h(factory("Where"), node_of("Where"), {OpTensor::of(DType::kBool, sc, cond), OpTensor::of(dtype, sx, x), OpTensor::of(dtype, sy, y)},
                  {OpTensor::of<T>(dtype, out, {})});
      h.run(threads);
      CHECK(h.output(0).template values<T>() == want) << "Where " << dtype_name(dtype);
    }
  };
  check(DType::kFloat32, float{});
  check(DType::kInt64, int64_t{});
  check(DType::kUint8, uint8_t{});
  check(DType::kFloat16, uint16_t{});
  check(DType::kBool, uint8_t{});
  // Same shapes, output over the condition (bool) and over X.
  const std::vector<uint8_t> c = {1, 0, 1, 0};
  auto bytes = run_in_place(factory("Where"), node_of("Where"),
                            {OpTensor::of(DType::kBool, {4}, c), OpTensor::of<uint8_t>(DType::kBool, {4}, {1, 1, 0, 0}), OpTensor::of<uint8_t>(DType::kBool, {4}, {0, 1, 1, 0})},
                            OpTensor::of<uint8_t>(DType::kBool, {4}, {}), 0, 1);
  CHECK((bytes == std::vector<uint8_t>{1, 1, 0, 0})) << "Where in place over the condition";
  auto fbytes = run_in_place(factory("Where"), node_of("Where"),
                             {OpTensor::of(DType::kBool, {4}, c), OpTensor::of<float>(DType::kFloat32, {4}, {1, 2, 3, 4}), OpTensor::of<float>(DType::kFloat32, {4}, {5, 6, 7, 8})},
                             OpTensor::of<float>(DType::kFloat32, {4}, {}), 1, 1);
  std::vector<float> f(4);
  std::memcpy(f.data(), fbytes.data(), 16);
  CHECK((f == std::vector<float>{1, 6, 3, 8})) << "Where in place over X";
}

namespace {

// Independent float16 references: the CPU's F16C conversion when present.
#if defined(__x86_64__)
__attribute__((target("f16c"))) uint16_t f16c_from_float(float v) {
  return static_cast<uint16_t>(_cvtss_sh(v, 0));  // round to nearest even
}
__attribute__((target("f16c"))) float f16c_to_float(uint16_t h) { return _cvtsh_ss(h); }
bool have_f16c() { return __builtin_cpu_supports("f16c"); }
#else
uint16_t f16c_from_float(float) { return 0; }
float f16c_to_float(uint16_t) { return 0; }
bool have_f16c() { return false; }
#endif

// Exact float16 encodings of small non-negative integers (and back), for the all-pairs test.
uint16_t f16_bits_of_small(double v) {
  if (v == 0) return 0;
  const int e = static_cast<int>(std::floor(std::log2(v)));
  const int mantissa = static_cast<int>((v / std::ldexp(1.0, e) - 1.0) * 1024);
  return static_cast<uint16_t>(((e + 15) << 10) | mantissa);
}
double small_of_f16_bits(uint16_t h) {
  if (h == 0) return 0;
  return std::ldexp(1.0 + (h & 0x3ff) / 1024.0, ((h >> 10) & 0x1f) - 15);
}

template <class D, class S>
std::vector<D> cast_values(DType from, DType to, const std::vector<S>& x) {
  Attributes a;
  a.set_int("to", static_cast<int64_t>(to));
  OpHarness h(factory("Cast"), node_of("Cast", a, 19), {OpTensor::of(from, {static_cast<int64_t>(x.size())}, x)},
              {OpTensor::of<D>(to, {static_cast<int64_t>(x.size())}, {})});
  h.run(2);
  return h.output(0).template values<D>();
}

}  // namespace

TEST(cast_float16_rounds_to_nearest_even) {
  // Every float16 → float32 exactly, and back unchanged (NaNs stay NaN).
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  const auto as_float = cast_values<float, uint16_t>(DType::kFloat16, DType::kFloat32, all);
  const auto back = cast_values<uint16_t, float>(DType::kFloat32, DType::kFloat16, as_float);
  for (size_t i = 0; i < all.size(); ++i) {
    const bool nan = (all[i] & 0x7fff) > 0x7c00;
    CHECK(nan ? ((back[i] & 0x7fff) > 0x7c00) : back[i] == all[i]) << "float16 0x" << std::hex << all[i] << " round trip gives 0x" << back[i];
    if (have_f16c() && !nan) {
      CHECK(as_float[i] == f16c_to_float(all[i])) << "float16 0x" << std::hex << all[i];
    }
  }
  // Known roundings: ties to even, subnormals, overflow.
  const std::vector<float> x = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 65504.0f, 65519.99f, 65520.0f, 0x1p-25f, 0x1.8p-25f, 0x1p-24f, -0.0f, 1e-10f};
  const std::vector<uint16_t> want = {0x3c00, 0x3c02, 0x7bff, 0x7bff, 0x7c00, 0x0000, 0x0001, 0x0001, 0x8000, 0x0000};
  CHECK((cast_values<uint16_t, float>(DType::kFloat32, DType::kFloat16, x) == want)) << "float32 → float16 known values";
  // Random float32 against F16C, and float64 (rounded once, not through float32).
  if (have_f16c()) {
    Rng rng(34);
    std::vector<float> r(200000);
    for (auto& v : r) {
      uint32_t bits = static_cast<uint32_t>(rng.next());
      bits = (bits & 0x807fffffu) | (static_cast<uint32_t>(rng.uniform(100, 145)) << 23);  // around float16's range
      std::memcpy(&v, &bits, 4);
    }
    const auto h = cast_values<uint16_t, float>(DType::kFloat32, DType::kFloat16, r);
    for (size_t i = 0; i < r.size(); ++i) CHECK(h[i] == f16c_from_float(r[i])) << "float16(" << r[i] << ")";
  }
  const std::vector<double> d = {1.0 + 0x1p-11 + 0x1p-40};  // just above a tie: rounds up (a float32 detour would tie to even)
  CHECK((cast_values<uint16_t, double>(DType::kFloat64, DType::kFloat16, d)[0] == 0x3c01)) << "float64 → float16 rounds once";
}

TEST(cast_between_all_dtypes) {
  const DType all[] = {DType::kFloat32, DType::kFloat16, DType::kFloat64, DType::kInt8, DType::kUint8, DType::kInt16, DType::kUint16,
                       DType::kInt32, DType::kUint32, DType::kInt64, DType::kUint64, DType::kBool};
  // Small integers survive every pair (bool: 0/1 only).
  for (DType from : all)
    for (DType to : all) {
      const bool boolean = from == DType::kBool || to == DType::kBool;
      const std::vector<double> values = boolean ? std::vector<double>{0, 1, 1, 0} : std::vector<double>{0, 1, 7, 100};
      // Build the input in `from`, cast, read back as double.
      OpTensor in;
      in.dtype = from;
      in.shape = {4};
      in.bytes.resize(4 * dtype_size(from));
      for (size_t i = 0; i < 4; ++i) {
        const double v = values[i];
        switch (from) {
          case DType::kFloat32: { float f = static_cast<float>(v); std::memcpy(&in.bytes[i * 4], &f, 4); break; }
          case DType::kFloat64: std::memcpy(&in.bytes[i * 8], &v, 8); break;
          case DType::kFloat16: { uint16_t h = f16_bits_of_small(v); std::memcpy(&in.bytes[i * 2], &h, 2); break; }
          default: { const uint64_t u = static_cast<uint64_t>(v); std::memcpy(&in.bytes[i * dtype_size(from)], &u, dtype_size(from)); break; }
        }
      }
      Attributes a;
      a.set_int("to", static_cast<int64_t>(to));
      OpTensor out;
      out.dtype = to;
      out.shape = {4};
      OpHarness h(factory("Cast"), node_of("Cast", a, 13), {in}, {out});
      h.run();
      const auto& bytes = h.output(0).bytes;
      for (size_t i = 0; i < 4; ++i) {
        double got = 0;
        switch (to) {
          case DType::kFloat32: { float f; std::memcpy(&f, &bytes[i * 4], 4); got = f; break; }
          case DType::kFloat64: std::memcpy(&got, &bytes[i * 8], 8); break;
          case DType::kFloat16: { uint16_t hb; std::memcpy(&hb, &bytes[i * 2], 2); got = small_of_f16_bits(hb); break; }
          default: { uint64_t u = 0; std::memcpy(&u, &bytes[i * dtype_size(to)], dtype_size(to)); got = static_cast<double>(u); break; }
        }
        CHECK(got == values[i]) << "Cast " << dtype_name(from) << " → " << dtype_name(to) << " of " << values[i] << " gave " << got;
      }
    }
  // float → int truncates toward zero and saturates; NaN → 0; int → int wraps; → bool is != 0.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK((cast_values<int32_t, float>(DType::kFloat32, DType::kInt32, {2.9f, -2.9f, 3e9f, -3e9f, nan}) ==
         std::vector<int32_t>{2, -2, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 0}))
      << "float → int32";
  CHECK((cast_values<uint8_t, float>(DType::kFloat32, DType::kUint8, {-1.5f, 255.9f, 300.0f}) == std::vector<uint8_t>{0, 255, 255})) << "float → uint8";
  CHECK((cast_values<int8_t, int32_t>(DType::kInt32, DType::kInt8, {200, -129, 127}) == std::vector<int8_t>{-56, 127, 127})) << "int32 → int8 wraps";
  CHECK((cast_values<uint8_t, float>(DType::kFloat32, DType::kBool, {0.0f, -0.0f, 0.5f, nan}) == std::vector<uint8_t>{0, 0, 1, 1})) << "float → bool";
  CHECK((cast_values<float, int64_t>(DType::kInt64, DType::kFloat32, {(int64_t(1) << 53) + 1, -7}) == std::vector<float>{9007199254740992.0f, -7.0f}))
      << "int64 → float";
  // In place, wider and narrower (int8 → int32 backwards, int32 → int8 forwards).
  {
    Attributes a;
    a.set_int("to", static_cast<int64_t>(DType::kInt8));
    auto bytes = run_in_place(factory("Cast"), node_of("Cast", a), {OpTensor::of<int32_t>(DType::kInt32, {5}, {1, -2, 3, -4, 5})},
                              OpTensor::of<int8_t>(DType::kInt8, {5}, {}), 0, 4);
    CHECK((bytes == std::vector<uint8_t>{1, 0xfe, 3, 0xfc, 5})) << "Cast int32 → int8 in place";
  }
  // CastLike takes the target from input 1.
  OpHarness like(factory("CastLike"), node_of("CastLike", {}, 15),
                 {OpTensor::of<float>(DType::kFloat32, {2}, {1.5f, -2.5f}), OpTensor::of<int64_t>(DType::kInt64, {}, {0})},
                 {OpTensor::of<int64_t>(DType::kInt64, {2}, {})});
  like.run();
  CHECK((like.output(0).values<int64_t>() == std::vector<int64_t>{1, -2})) << "CastLike";
}

TEST(elementwise_bad_input_is_rejected_with_a_clear_message) {
  const auto f32 = [](Shape s) { return OpTensor::of<float>(DType::kFloat32, s, std::vector<float>(static_cast<size_t>(shape_numel(s)))); };
  const auto i32 = [](Shape s) { return OpTensor::of<int32_t>(DType::kInt32, s, std::vector<int32_t>(static_cast<size_t>(shape_numel(s)))); };
  expect_create_error(factory("Add"), node_of("Add"), {f32({2, 3}), f32({4})}, {f32({2, 3})}, "[2,3] and [4] do not broadcast", "shapes");
  expect_create_error(factory("Add"), node_of("Add"), {f32({2, 3}), i32({3})}, {f32({2, 3})}, "input 1 has dtype int32, expected float32", "dtypes");
  expect_create_error(factory("Mul"), node_of("Mul"), {f32({2, 3}), f32({3})}, {f32({3, 2})}, "output 0 has shape [3,2], expected [2,3]", "output shape");
  expect_create_error(factory("Less"), node_of("Less"), {f32({3}), f32({3})}, {f32({3})}, "expected bool", "compare output dtype");
  expect_create_error(factory("Add"), node_of("Add"), {f32({3})}, {f32({3})}, "has 1 inputs, expected 2", "input count");
  Attributes fmod0;
  expect_create_error(factory("Mod"), node_of("Mod", fmod0), {f32({3}), f32({3})}, {f32({3})}, "fmod = 1", "float Mod needs fmod");
  Attributes approx;
  approx.set_string("approximate", "fast");
  expect_create_error(factory("Gelu"), node_of("Gelu", approx, 20), {f32({3})}, {f32({3})}, "approximate is 'fast'", "Gelu approximate");
  expect_create_error(factory("Clip"), node_of("Clip", {}, 13), {f32({3}), f32({2})}, {f32({3})}, "min has shape [2], expected a scalar", "Clip min shape");
  expect_create_error(factory("Clip"), node_of("Clip", {}, 11), {i32({3})}, {i32({3})}, "int32", "int Clip before opset 12");
  expect_create_error(factory("Sigmoid"), node_of("Sigmoid"), {i32({3})}, {i32({3})}, "input 0 has dtype int32, expected float32 or float64", "Sigmoid int");
  expect_create_error(factory("Relu"), node_of("Relu"), {f32({3})}, {f32({4})}, "output 0 has shape [4], expected [3]", "unary output shape");
  expect_create_error(factory("PRelu"), node_of("PRelu"), {f32({1, 3}), f32({2, 3})}, {f32({2, 3})}, "does not broadcast to X", "PRelu slope");
  Attributes to_bad;
  to_bad.set_int("to", 8);  // string
  expect_create_error(factory("Cast"), node_of("Cast", to_bad), {f32({3})}, {f32({3})}, "attribute to is 8", "Cast to string");
  Attributes dir;
  dir.set_string("direction", "UP");
  expect_create_error(factory("BitShift"), node_of("BitShift", dir), {OpTensor::of<uint8_t>(DType::kUint8, {1}, {1}), OpTensor::of<uint8_t>(DType::kUint8, {1}, {1})},
                      {OpTensor::of<uint8_t>(DType::kUint8, {1}, {})}, "direction is 'UP'", "BitShift direction");
  expect_create_error(factory("Where"), node_of("Where"), {f32({3}), f32({3}), f32({3})}, {f32({3})}, "condition (input 0) has dtype float32, expected bool", "Where condition");
  expect_create_error(factory("And"), node_of("And"), {f32({3}), f32({3})}, {OpTensor::of<uint8_t>(DType::kBool, {3}, {0, 0, 0})}, "expected bool", "And on floats");
  try {
    OpHarness h(factory("Add"), node_of("Add"), {f32({2}), f32({3})}, {f32({3})});
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("Add_test") != std::string::npos && e.kind() == ErrorKind::kRange) << "message names the node: " << e.what();
  }
}

}  // namespace octet::test
