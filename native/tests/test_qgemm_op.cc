// com.microsoft QGemm (the graph operator QDQ fusion makes of DQ → Gemm → Q) against a plain
// reference of its definition: Σ (a - a_zp)(b - b_zp) + C in exact integers, then float(acc) times
// alpha·a_scale·b_scale[n] (/ y_scale, rounded half to even, + y_zp, saturated, for a quantized
// output). Random shapes, transB, per-tensor and per-column weights, uint8/int8, every ISA.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

OpFactory qgemm_factory() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_quantize_graph_ops(r);
    return r;
  }();
  return registry.find("QGemm", "com.microsoft");
}

struct Case {
  int64_t M, K, N;
  bool trans_b, per_col, a_signed, b_signed, bias, quantized, y_signed;
  float alpha;
};

void check(const Case& c, Rng& rng, int threads) {
  std::vector<uint8_t> a(static_cast<size_t>(c.M * c.K)), b(static_cast<size_t>(c.K * c.N));
  for (auto& v : a) v = static_cast<uint8_t>(rng.uniform(0, 255));
  for (auto& v : b) v = static_cast<uint8_t>(rng.uniform(0, 255));
  const auto val = [](uint8_t v, bool s) { return s ? static_cast<int32_t>(static_cast<int8_t>(v)) : static_cast<int32_t>(v); };
  const int32_t a_zp = c.a_signed ? rng.uniform(-10, 10) : rng.uniform(100, 150);
  const size_t nz = c.per_col ? static_cast<size_t>(c.N) : 1;
  std::vector<uint8_t> b_zp(nz);
  std::vector<float> b_scale(nz);
  for (size_t i = 0; i < nz; ++i) {
    b_zp[i] = static_cast<uint8_t>(c.b_signed ? rng.uniform(-3, 3) : rng.uniform(125, 131));
    b_scale[i] = rng.uniform_float(0.001f, 0.01f);
  }
  std::vector<int32_t> bias(static_cast<size_t>(c.N));
  for (auto& v : bias) v = rng.uniform(-5000, 5000);
  const float a_scale = rng.uniform_float(0.01f, 0.05f);
  const float y_scale = a_scale * 0.005f * std::sqrt(static_cast<float>(c.K)) * 40.0f;
  const int32_t y_zp = c.y_signed ? rng.uniform(-5, 5) : rng.uniform(120, 136);
  const DType at = c.a_signed ? DType::kInt8 : DType::kUint8, bt = c.b_signed ? DType::kInt8 : DType::kUint8;
  const DType yt = !c.quantized ? DType::kFloat32 : c.y_signed ? DType::kInt8 : DType::kUint8;
  const Shape zs = c.per_col ? Shape{c.N} : Shape{};
  std::vector<OpTensor> in = {
      OpTensor::of<uint8_t>(at, {c.M, c.K}, a),
      OpTensor::of<float>(DType::kFloat32, {}, {a_scale}, true),
      OpTensor::of<uint8_t>(at, {}, {static_cast<uint8_t>(a_zp)}, true),
      OpTensor::of<uint8_t>(bt, c.trans_b ? Shape{c.N, c.K} : Shape{c.K, c.N}, b, true),
      OpTensor::of<float>(DType::kFloat32, zs, b_scale, true),
      OpTensor::of<uint8_t>(bt, zs, b_zp, true),
      c.bias ? OpTensor::of<int32_t>(DType::kInt32, {c.N}, bias, true) : OpTensor::absent(),
  };
  if (c.quantized) {
    in.push_back(OpTensor::of<float>(DType::kFloat32, {}, {y_scale}, true));
    in.push_back(OpTensor::of<uint8_t>(yt, {}, {static_cast<uint8_t>(y_zp)}, true));
  }
  Attributes attrs;
  attrs.set_int("transB", c.trans_b ? 1 : 0);
  attrs.set_float("alpha", c.alpha);
  NodeSpec node = make_node("QGemm", attrs, 1);
  node.domain = "com.microsoft";
  OpHarness h(qgemm_factory(), node, in, {OpTensor{yt, {c.M, c.N}, {}, false}});
  h.run(threads);
  const std::vector<uint8_t>& got = h.output(0).bytes;
  for (int64_t m = 0; m < c.M; ++m)
    for (int64_t n = 0; n < c.N; ++n) {
      uint32_t acc = c.bias ? static_cast<uint32_t>(bias[n]) : 0u;
      const int32_t zb = val(b_zp[c.per_col ? n : 0], c.b_signed);
      for (int64_t k = 0; k < c.K; ++k) {
        const int32_t bv = val(b[c.trans_b ? n * c.K + k : k * c.N + n], c.b_signed) - zb;
        acc += static_cast<uint32_t>((val(a[m * c.K + k], c.a_signed) - a_zp) * bv);
      }
      const float s = c.alpha * a_scale * b_scale[c.per_col ? n : 0];
      float f = static_cast<float>(static_cast<int32_t>(acc)) * (c.quantized ? s / y_scale : s);
      const size_t at_out = static_cast<size_t>(m * c.N + n);
      if (!c.quantized) {
        float g;
        std::memcpy(&g, &got[at_out * 4], 4);
        CHECK(g == f) << "float output [" << m << "," << n << "] got " << g << " want " << f << " isa " << isa_name(active_isa());
        continue;
      }
      const float lo = static_cast<float>((c.y_signed ? -128 : 0) - y_zp), hi = static_cast<float>((c.y_signed ? 127 : 255) - y_zp);
      f = f > lo ? f : lo;
      f = f < hi ? f : hi;
      const uint8_t want = static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(f)) + y_zp);
      CHECK(got[at_out] == want) << "output [" << m << "," << n << "] got " << int(got[at_out]) << " want " << int(want) << " isa "
                                 << isa_name(active_isa()) << " threads " << threads;
      if (got[at_out] != want) return;
    }
}

}  // namespace

TEST(qgemm_op_matches_reference_on_every_isa) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    Rng rng(77);
    for (int i = 0; i < 24; ++i) {
      Case c{rng.uniform(1, 40), rng.uniform(1, 70), rng.uniform(1, 50), rng.uniform(0, 1) == 1, rng.uniform(0, 1) == 1, rng.uniform(0, 1) == 1,
             rng.uniform(0, 1) == 1, rng.uniform(0, 1) == 1, rng.uniform(0, 3) != 0, rng.uniform(0, 1) == 1, 1.0f};
      if (!c.bias && rng.uniform(0, 1) == 1) c.alpha = 0.5f;
      check(c, rng, 1 + i % 3);
    }
  }
  set_active_isa(saved);
}

TEST(qgemm_op_rejects_what_it_cannot_compute) {
  const auto error = [](Attributes attrs, bool bias) -> std::string {
    std::vector<OpTensor> in = {
        OpTensor::of<uint8_t>(DType::kUint8, {2, 3}, std::vector<uint8_t>(6, 1)),
        OpTensor::of<float>(DType::kFloat32, {}, {0.1f}, true),
        OpTensor::of<uint8_t>(DType::kUint8, {}, {0}, true),
        OpTensor::of<uint8_t>(DType::kInt8, {3, 4}, std::vector<uint8_t>(12, 1), true),
        OpTensor::of<float>(DType::kFloat32, {}, {0.1f}, true),
        OpTensor::of<uint8_t>(DType::kInt8, {}, {0}, true),
        bias ? OpTensor::of<int32_t>(DType::kInt32, {4}, {1, 2, 3, 4}, true) : OpTensor::absent(),
    };
    NodeSpec node = make_node("QGemm", attrs, 1);
    node.domain = "com.microsoft";
    try {
      OpHarness h(qgemm_factory(), node, in, {OpTensor{DType::kFloat32, {2, 4}, {}, false}});
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  Attributes plain;
  CHECK(error(plain, true).empty()) << error(plain, true);
  Attributes trans_a;
  trans_a.set_int("transA", 1);
  CHECK(error(trans_a, false).find("transA") != std::string::npos);
  Attributes alpha;
  alpha.set_float("alpha", 2.0f);
  CHECK(error(alpha, true).find("alpha") != std::string::npos);
  CHECK(error(alpha, false).empty());
}

}  // namespace octet::test
