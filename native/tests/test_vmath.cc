// vmath: every ISA table this CPU runs against the scalar table, bit for bit, on millions of values
// (random bit patterns — NaNs, infinities, subnormals — the clamp boundaries and ordinary ranges), on
// every length around the vector widths and in place; and the accuracy of each function against
// double precision, reported in ULPs.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/vmath/vmath.h"
#include "test_main.h"

namespace octet::test {

namespace {

uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

float from_bits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

// Values that decide clamps, rounding and special cases, with their neighbours.
std::vector<float> edge_values() {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> base = {0.0f, 1.0f, 0.5f, 2.0f, 0.875f, 4.0f, 9.0f, 9.02f, 10.0f, 10.5f, 14.849242f, 17.4f,
                             20.0f, 87.33f, 88.0f, 88.37626f, 88.72283935546875f, 89.0f, 103.97f, 104.0f, 105.0f,
                             0.34657359f, 0.69314718f, 1e-8f, 1e-20f, 1e-38f, 1e-45f, 1.17549435e-38f, 3.4e38f, inf,
                             0.0625f, 3.0f, 6.0f, 0.044715f, 1.4142135f, 0.70710678f};
  std::vector<float> out;
  for (float b : base)
    for (float s : {1.0f, -1.0f}) {
      const float v = b * s;
      out.push_back(v);
      out.push_back(std::nextafter(v, inf));
      out.push_back(std::nextafter(v, -inf));
    }
  out.push_back(-0.0f);
  out.push_back(std::numeric_limits<float>::quiet_NaN());
  out.push_back(-std::numeric_limits<float>::quiet_NaN());
  out.push_back(from_bits(0x7f800001u));  // signalling NaN
  out.push_back(from_bits(0x7fc12345u));  // NaN with a payload
  return out;
}

// `count` test inputs: random bit patterns, uniform ranges of several widths, and the edge values.
std::vector<float> test_inputs(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x = edge_values();
  while (x.size() < count) {
    switch (rng.uniform(0, 5)) {
      case 0: x.push_back(from_bits(static_cast<uint32_t>(rng.next()))); break;
      case 1: x.push_back(rng.uniform_float(-1.0f, 1.0f)); break;
      case 2: x.push_back(rng.uniform_float(-12.0f, 12.0f)); break;
      case 3: x.push_back(rng.uniform_float(-110.0f, 110.0f)); break;
      case 4: x.push_back(std::ldexp(rng.uniform_float(-1.0f, 1.0f), rng.uniform(-150, 10))); break;
      default: x.push_back(rng.uniform_float(-4.0f, 4.0f)); break;
    }
  }
  return x;
}

struct UnaryCase {
  const char* name;
  std::function<void(const VMathKernels&, const float*, float*, size_t)> run;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"exp", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.exp(x, y, n); }},
      {"log", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.log(x, y, n); }},
      {"sigmoid", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.sigmoid(x, y, n); }},
      {"tanh", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.tanh(x, y, n); }},
      {"erf", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.erf(x, y, n); }},
      {"gelu_erf", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.gelu_erf(x, y, n); }},
      {"gelu_tanh", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.gelu_tanh(x, y, n); }},
      {"softplus", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.softplus(x, y, n); }},
      {"mish", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.mish(x, y, n); }},
      {"elu", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.elu(x, y, n, 1.0f, 1.0f); }},
      {"selu", [](const VMathKernels& k, const float* x, float* y, size_t n) {
         k.elu(x, y, n, 1.67326319217681884765625f, 1.05070102214813232421875f);
       }},
      {"celu", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.celu(x, y, n, 0.7f); }},
      {"clamp", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.clamp(x, y, n, -1.5f, 6.0f); }},
      {"relu", [](const VMathKernels& k, const float* x, float* y, size_t n) {
         k.clamp(x, y, n, 0.0f, std::numeric_limits<float>::infinity());
       }},
      {"leaky_relu", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.leaky_relu(x, y, n, 0.01f); }},
      {"hard_sigmoid", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.hard_sigmoid(x, y, n, 0.2f, 0.5f); }},
      {"hard_swish", [](const VMathKernels& k, const float* x, float* y, size_t n) { k.hard_swish(x, y, n); }},
  };
}

// The first differing element, for a readable failure.
std::string first_difference(const std::vector<float>& x, const std::vector<float>& got, const std::vector<float>& want) {
  for (size_t i = 0; i < got.size(); ++i)
    if (bits_of(got[i]) != bits_of(want[i])) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "at %zu: x=%a (0x%08x) got %a (0x%08x) expected %a (0x%08x)", i, i < x.size() ? x[i] : 0.0f,
                    i < x.size() ? bits_of(x[i]) : 0u, got[i], bits_of(got[i]), want[i], bits_of(want[i]));
      return buf;
    }
  return "";
}

// Runs fn with set_active_isa(isa) for every supported path, restoring the active one.
template <class Fn>
void for_each_isa(Fn fn) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    fn(isa);
  }
  set_active_isa(saved);
}

}  // namespace

TEST(vmath_unary_matches_scalar_bit_for_bit_on_every_isa) {
  const std::vector<float> x = test_inputs(1 << 20, 1);
  const VMathKernels& ref = vmath_kernels(Isa::kScalar);
  for (const UnaryCase& c : unary_cases()) {
    std::vector<float> want(x.size());
    c.run(ref, x.data(), want.data(), x.size());
    for_each_isa([&](Isa isa) {
      if (isa == Isa::kScalar) return;
      const VMathKernels& k = vmath();
      CHECK(k.isa == vmath_kernels(isa).isa) << "vmath() follows set_active_isa";
      std::vector<float> got(x.size());
      c.run(k, x.data(), got.data(), x.size());
      const std::string diff = first_difference(x, got, want);
      CHECK(diff.empty()) << c.name << " on " << isa_name(isa) << " " << diff;
      // In place, and every short length (the tail path), at an unaligned offset.
      std::vector<float> inplace(x.begin(), x.begin() + 4099);
      c.run(k, inplace.data(), inplace.data(), inplace.size());
      CHECK(std::memcmp(inplace.data(), want.data(), inplace.size() * 4) == 0) << c.name << " in place on " << isa_name(isa);
      for (size_t n = 0; n <= 40; ++n) {
        std::vector<float> y(n + 2, 7.0f);
        c.run(k, x.data() + 101, y.data() + 1, n);
        bool ok = y[0] == 7.0f && y[n + 1] == 7.0f;
        for (size_t i = 0; i < n; ++i) ok = ok && bits_of(y[i + 1]) == bits_of(want[101 + i]);
        CHECK(ok) << c.name << " on " << isa_name(isa) << " n=" << n;
      }
    });
  }
}

TEST(vmath_binary_matches_scalar_bit_for_bit_on_every_isa) {
  const std::vector<float> a = test_inputs(100003, 2), b = test_inputs(100003, 3);
  const VMathKernels& ref = vmath_kernels(Isa::kScalar);
  const char* names[] = {"add", "sub", "mul", "div", "max", "min", "prelu"};
  for (int op = 0; op < static_cast<int>(VBinaryOp::kCount); ++op)
    for (int mode = 0; mode < static_cast<int>(VBroadcast::kCount); ++mode) {
      const VBinaryOp o = static_cast<VBinaryOp>(op);
      const VBroadcast m = static_cast<VBroadcast>(mode);
      for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(4), size_t(5), size_t(7), size_t(8), size_t(9), size_t(15),
                       size_t(16), size_t(17), size_t(31), size_t(33), size_t(100003)}) {
        const size_t offset = n == a.size() ? 0 : 57;
        std::vector<float> want(n);
        ref.binary_fn(o, m)(a.data() + offset, b.data() + offset, want.data(), n);
        for (Isa isa : supported_isas()) {
          const VMathKernels& k = vmath_kernels(isa);
          std::vector<float> got(n);
          k.binary_fn(o, m)(a.data() + offset, b.data() + offset, got.data(), n);
          const std::string diff = first_difference(a, got, want);
          CHECK(diff.empty()) << names[op] << " mode " << mode << " n=" << n << " on " << isa_name(isa) << " " << diff;
          // Output over either operand.
          if (m != VBroadcast::kSV) {
            std::vector<float> in0(a.begin() + offset, a.begin() + offset + n);
            k.binary_fn(o, m)(in0.data(), b.data() + offset, in0.data(), n);
            CHECK(std::memcmp(in0.data(), want.data(), n * 4) == 0) << names[op] << " over a on " << isa_name(isa);
          }
          if (m != VBroadcast::kVS) {
            std::vector<float> in1(b.begin() + offset, b.begin() + offset + n);
            k.binary_fn(o, m)(a.data() + offset, in1.data(), in1.data(), n);
            CHECK(std::memcmp(in1.data(), want.data(), n * 4) == 0) << names[op] << " over b on " << isa_name(isa);
          }
        }
      }
    }
}

TEST(vmath_binary_semantics) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : supported_isas()) {
    const VMathKernels& k = vmath_kernels(isa);
    const float a[4] = {nan, 1.0f, -2.0f, 3.0f}, b[4] = {1.0f, nan, 0.5f, 3.0f};
    float y[4];
    k.binary_fn(VBinaryOp::kMax, VBroadcast::kVV)(a, b, y, 4);
    CHECK(std::isnan(y[0]) && std::isnan(y[1]) && y[2] == 0.5f && y[3] == 3.0f) << isa_name(isa) << " max propagates NaN";
    k.binary_fn(VBinaryOp::kMin, VBroadcast::kVV)(a, b, y, 4);
    CHECK(std::isnan(y[0]) && std::isnan(y[1]) && y[2] == -2.0f && y[3] == 3.0f) << isa_name(isa) << " min propagates NaN";
    k.binary_fn(VBinaryOp::kPRelu, VBroadcast::kVS)(a, b, y, 4);
    CHECK(std::isnan(y[0]) && y[1] == 1.0f && y[2] == -2.0f && y[3] == 3.0f) << isa_name(isa) << " prelu with slope 1";
    k.binary_fn(VBinaryOp::kSub, VBroadcast::kSV)(a + 1, b + 2, y, 2);
    CHECK(y[0] == 0.5f && y[1] == -2.0f) << isa_name(isa) << " scalar minus vector";
  }
}

TEST(vmath_reductions_match_scalar_and_are_exact_enough) {
  Rng rng(4);
  const VMathKernels& ref = vmath_kernels(Isa::kScalar);
  for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(15), size_t(16), size_t(17), size_t(31), size_t(32), size_t(33),
                   size_t(47), size_t(1000), size_t(4099)}) {
    std::vector<float> x(n);
    for (auto& v : x) v = rng.uniform_float(-30.0f, 30.0f);
    const float max_ref = ref.reduce_max(x.data(), n);
    std::vector<float> e_ref(n);
    const float sum_ref = ref.exp_shifted_sum(x.data(), e_ref.data(), n, max_ref);
    double plain_max = -INFINITY, plain_sum = 0;
    for (float v : x) plain_max = std::max<double>(plain_max, v);
    CHECK(max_ref == static_cast<float>(plain_max)) << "max n=" << n;
    for (float v : x) plain_sum += std::exp(static_cast<double>(v) - max_ref);
    CHECK(std::fabs(sum_ref - plain_sum) <= 1e-6 * plain_sum + 1e-30) << "sum n=" << n << " got " << sum_ref << " expected " << plain_sum;
    for (Isa isa : supported_isas()) {
      const VMathKernels& k = vmath_kernels(isa);
      CHECK(bits_of(k.reduce_max(x.data(), n)) == bits_of(max_ref)) << isa_name(isa) << " reduce_max n=" << n;
      std::vector<float> e(n);
      const float sum = k.exp_shifted_sum(x.data(), e.data(), n, max_ref);
      CHECK(bits_of(sum) == bits_of(sum_ref)) << isa_name(isa) << " exp_shifted_sum n=" << n << " got " << sum << " expected " << sum_ref;
      CHECK(n == 0 || std::memcmp(e.data(), e_ref.data(), n * 4) == 0) << isa_name(isa) << " exp values n=" << n;
      std::vector<float> inplace = x;
      k.exp_shifted_sum(inplace.data(), inplace.data(), n, max_ref);
      CHECK(n == 0 || std::memcmp(inplace.data(), e_ref.data(), n * 4) == 0) << isa_name(isa) << " exp in place n=" << n;
    }
  }
}

namespace {

double ulp_of(double v) {
  const double a = std::fabs(v);
  if (a < std::ldexp(1.0, -126)) return std::ldexp(1.0, -149);
  int e;
  std::frexp(a, &e);  // a = m·2^e, m in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

double sigmoid_d(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
double softplus_d(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

struct AccuracyCase {
  const char* name;
  VUnaryFn (*pick)(const VMathKernels&);
  double (*reference)(double);
  float lo, hi;       // sampled range
  double max_ulp;     // the bound the test holds the scalar path to
};

}  // namespace

// Max ULP error of the scalar path (every ISA is bit-identical to it) over dense samples of each
// function's interesting range, results in the normal range. Printed for the record.
// gelu_erf's lower tail is ½x·erfc(|x|/√2) computed in float (ratio, exp, products): up to ~7 ulp.
// gelu_tanh is sampled from −1 only: below, its definition's argument u ≈ −1.6x(1 + 0.0447x²) is
// large and the rounding of u itself is amplified |u|-fold in sigmoid(u) (relative error ≈ |u|·2^-24,
// absolute error < 1e-7 everywhere) — the ONNX formula ½x(1 + tanh(u/2)) in float is far worse there.
TEST(vmath_accuracy_in_ulp) {
  const AccuracyCase cases[] = {
      {"exp", [](const VMathKernels& k) { return k.exp; }, [](double x) { return std::exp(x); }, -103.0f, 88.7f, 2},
      {"log", [](const VMathKernels& k) { return k.log; }, [](double x) { return std::log(x); }, 1e-37f, 1e30f, 2},
      {"sigmoid", [](const VMathKernels& k) { return k.sigmoid; }, sigmoid_d, -87.0f, 20.0f, 3},
      {"tanh", [](const VMathKernels& k) { return k.tanh; }, [](double x) { return std::tanh(x); }, -10.0f, 10.0f, 3},
      {"erf", [](const VMathKernels& k) { return k.erf; }, [](double x) { return std::erf(x); }, -4.5f, 4.5f, 3},
      {"gelu_erf", [](const VMathKernels& k) { return k.gelu_erf; },
       [](double x) { return x * 0.5 * std::erfc(-x / std::sqrt(2.0)); }, -13.0f, 10.0f, 8},
      {"gelu_tanh", [](const VMathKernels& k) { return k.gelu_tanh; },
       [](double x) { return x * sigmoid_d(2 * std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)); }, -1.0f, 10.0f, 4},
      {"softplus", [](const VMathKernels& k) { return k.softplus; }, softplus_d, -87.0f, 40.0f, 4},
      {"mish", [](const VMathKernels& k) { return k.mish; }, [](double x) { return x * std::tanh(softplus_d(x)); }, -80.0f, 30.0f, 4},
  };
  const VMathKernels& k = vmath_kernels(Isa::kScalar);
  for (const AccuracyCase& c : cases) {
    const size_t n = 1 << 20;
    std::vector<float> x(n), y(n);
    const bool logarithmic = c.lo > 0;
    for (size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / (n - 1);
      x[i] = logarithmic ? static_cast<float>(c.lo * std::pow(static_cast<double>(c.hi) / c.lo, t))
                         : static_cast<float>(c.lo + (c.hi - c.lo) * t);
    }
    // Small magnitudes too, where relative accuracy is hardest.
    for (size_t i = 0; i < 4096 && !logarithmic; ++i) x[i] = std::ldexp(1.0f + i / 4096.0f, -30 + static_cast<int>(i % 30)) * (i % 2 ? -1.0f : 1.0f);
    c.pick(k)(x.data(), y.data(), n);
    double worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < n; ++i) {
      const double want = c.reference(x[i]);
      if (std::fabs(want) < std::ldexp(1.0, -126) || std::fabs(want) > 3.4e38) continue;
      const double err = std::fabs(y[i] - want) / ulp_of(want);
      if (err > worst) {
        worst = err;
        worst_x = x[i];
      }
    }
    std::printf("      %-10s max error %.2f ulp (at x=%.9g)\n", c.name, worst, worst_x);
    CHECK(worst <= c.max_ulp) << c.name << " max error " << worst << " ulp at x=" << worst_x;
  }
}

TEST(vmath_special_values) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : supported_isas()) {
    const VMathKernels& k = vmath_kernels(isa);
    const float x[] = {inf, -inf, 0.0f, -0.0f, nan, 89.0f, -105.0f, -1.0f};
    float y[8];
    k.exp(x, y, 8);
    CHECK(y[0] == inf && y[1] == 0 && y[2] == 1 && y[3] == 1 && std::isnan(y[4]) && y[5] == inf && y[6] == 0) << isa_name(isa) << " exp";
    k.log(x, y, 8);
    CHECK(y[0] == inf && std::isnan(y[1]) && y[2] == -inf && y[3] == -inf && std::isnan(y[4]) && std::isnan(y[7])) << isa_name(isa) << " log";
    k.sigmoid(x, y, 8);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 0.5f && std::isnan(y[4])) << isa_name(isa) << " sigmoid";
    k.tanh(x, y, 8);
    CHECK(y[0] == 1 && y[1] == -1 && y[2] == 0 && std::signbit(y[3]) && std::isnan(y[4])) << isa_name(isa) << " tanh";
    k.erf(x, y, 8);
    CHECK(y[0] == 1 && y[1] == -1 && y[2] == 0 && std::signbit(y[3]) && std::isnan(y[4])) << isa_name(isa) << " erf";
    k.gelu_erf(x, y, 8);
    CHECK(y[0] == inf && y[2] == 0 && std::isnan(y[4]) && y[6] == 0) << isa_name(isa) << " gelu_erf";
    k.softplus(x, y, 8);
    CHECK(y[0] == inf && y[1] == 0 && std::isnan(y[4]) && y[5] == 89.0f) << isa_name(isa) << " softplus";
    k.clamp(x, y, 8, 0.0f, 6.0f);
    CHECK(y[0] == 6 && y[1] == 0 && std::isnan(y[4]) && y[7] == 0) << isa_name(isa) << " clamp";
  }
}

}  // namespace octet::test
