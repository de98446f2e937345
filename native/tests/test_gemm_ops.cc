// Gemm and MatMul operators against plain loops that spell the ONNX definitions out (one fma chain
// per output, k in order, then alpha, beta·C, the activation), bit for bit: every attribute
// combination, every C broadcast, constant and runtime operands, numpy promotion and batch
// broadcasting, fused activations, 1-3 threads, every ISA. Then bad input: each create must throw an
// octet::Error of the right kind whose message names the problem.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../dispatch/dispatch.h"
#include "../ops/activation.h"
#include "float_test_util.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

OpFactory factory(const std::string& op) {
  OpRegistry r;
  register_gemm_ops(r);
  return r.find(op, "");
}

std::vector<float> random_values(Rng& rng, size_t n, bool special = false) {
  std::vector<float> v(n);
  for (auto& x : v) {
    x = rng.uniform_float(-1.0f, 1.0f);
    if (special) {
      switch (rng.uniform(0, 11)) {
        case 0: x = kNaN; break;
        case 1: x = kInf; break;
        case 2: x = -kInf; break;
        case 3: x = -0.0f; break;
        default: break;
      }
    }
  }
  return v;
}


// The activation as the definitions say: a clamp written out, anything else through Activation::apply.
void reference_activation(const Activation& act, std::vector<float>& y) {
  if (act.is_clamp()) {
    for (float& v : y) {
      v = act.min > v ? act.min : v;
      v = act.max < v ? act.max : v;
    }
  } else {
    act.apply(y.data(), y.size());
  }
}

void set_activation(Attributes& attrs, int which) {
  switch (which) {
    case 1: attrs.set_string("activation", "Relu"); break;
    case 2: attrs.set_string("activation", "Clip"); attrs.set_floats("activation_params", {-0.5f, 0.75f}); break;
    case 3: attrs.set_string("activation", "Sigmoid"); break;
    case 4: attrs.set_string("activation", "LeakyRelu"); attrs.set_floats("activation_params", {0.1f}); break;
    default: break;
  }
}

// Expects create to throw an octet::Error of `kind` whose message contains every piece of `words`.
void expect_error(OpFactory f, NodeSpec node, std::vector<OpTensor> in, std::vector<OpTensor> out, ErrorKind kind,
                  const std::vector<std::string>& words, const std::string& label) {
  try {
    OpHarness h(f, std::move(node), std::move(in), std::move(out));
    CHECK(false) << label << ": create did not throw";
  } catch (const Error& e) {
    CHECK(e.kind() == kind) << label << ": wrong error kind for \"" << e.what() << "\"";
    for (const auto& w : words) CHECK(std::string(e.what()).find(w) != std::string::npos) << label << ": \"" << e.what() << "\" does not mention " << w;
  }
}

// ----- Gemm -----------------------------------------------------------------------------------

struct GemmCase {
  size_t M, N, K;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  Shape c_shape = {};  // C's shape when has_c
  bool has_c = false;
  bool b_const = false, c_const = false;
  int activation = 0;
  int threads = 1;
  bool special = false;
};

std::string describe(const GemmCase& c) {
  std::ostringstream s;
  s << "Gemm M=" << c.M << " N=" << c.N << " K=" << c.K << " transA=" << c.trans_a << " transB=" << c.trans_b
    << " alpha=" << c.alpha << " beta=" << c.beta << " C=" << (c.has_c ? shape_string(c.c_shape) : "none")
    << " b_const=" << c.b_const << " c_const=" << c.c_const << " activation=" << c.activation << " threads=" << c.threads
    << " isa=" << isa_name(active_isa());
  return s.str();
}

std::vector<float> gemm_reference(const GemmCase& c, const std::vector<float>& a, const std::vector<float>& b,
                                  const std::vector<float>& cv, const Activation& act) {
  std::vector<float> y(c.M * c.N);
  const size_t c_rows = c.c_shape.size() == 2 ? c.c_shape[0] : 1;
  const size_t c_cols = c.c_shape.empty() ? 1 : c.c_shape.back();
  for (size_t m = 0; m < c.M; ++m)
    for (size_t n = 0; n < c.N; ++n) {
      float acc = 0.0f;
      for (size_t k = 0; k < c.K; ++k) {
        const float av = c.trans_a ? a[k * c.M + m] : a[m * c.K + k];
        const float bv = c.trans_b ? b[n * c.K + k] : b[k * c.N + n];
        acc = std::fma(av, bv, acc);
      }
      float v = acc;
      if (c.alpha != 1.0f) v = c.alpha * v;
      if (c.has_c && c.beta != 0.0f) v = v + c.beta * cv[(c_rows == 1 ? 0 : m) * c_cols + (c_cols == 1 ? 0 : n)];
      y[m * c.N + n] = v;
    }
  reference_activation(act, y);
  return y;
}

bool run_gemm_case(const GemmCase& c, uint64_t seed) {
  Rng rng(seed);
  const auto a = random_values(rng, c.M * c.K, c.special);
  const auto b = random_values(rng, c.K * c.N, c.special);
  const auto cv = random_values(rng, static_cast<size_t>(shape_numel(c.c_shape)), c.special);
  Attributes attrs;
  if (c.trans_a) attrs.set_int("transA", 1);
  if (c.trans_b) attrs.set_int("transB", 1);
  if (c.alpha != 1.0f) attrs.set_float("alpha", c.alpha);
  if (c.beta != 1.0f) attrs.set_float("beta", c.beta);
  set_activation(attrs, c.activation);
  const Activation act = Activation::from_attributes(attrs);
  const int64_t M = c.M, N = c.N, K = c.K;
  std::vector<OpTensor> in = {
      OpTensor::of(DType::kFloat32, c.trans_a ? Shape{K, M} : Shape{M, K}, a),
      OpTensor::of(DType::kFloat32, c.trans_b ? Shape{N, K} : Shape{K, N}, b, c.b_const),
  };
  if (c.has_c) in.push_back(OpTensor::of(DType::kFloat32, c.c_shape, cv, c.c_const));
  OpHarness h(factory("Gemm"), make_node("Gemm", attrs, 13), in, {OpTensor::of<float>(DType::kFloat32, {M, N}, {})});
  h.run(c.threads);
  const auto want = gemm_reference(c, a, b, cv, act);
  std::string where;
  if (same_floats(h.output(0).values<float>(), want, where)) return true;
  CHECK(false) << describe(c) << ": " << where;
  return false;
}

// ----- MatMul ---------------------------------------------------------------------------------

struct MatMulCase {
  Shape a, b, y;
  bool b_const = false;
  int activation = 0;
  int threads = 1;
};

std::string describe(const MatMulCase& c) {
  return "MatMul A=" + shape_string(c.a) + " B=" + shape_string(c.b) + " Y=" + shape_string(c.y) + " b_const=" +
         std::to_string(c.b_const) + " activation=" + std::to_string(c.activation) + " threads=" + std::to_string(c.threads) +
         " isa=" + isa_name(active_isa());
}

// numpy.matmul written out: promote 1-D operands, broadcast batch dims, one fma chain per output.
std::vector<float> matmul_reference(const MatMulCase& c, const std::vector<float>& a, const std::vector<float>& b,
                                    const Activation& act) {
  const Shape a2 = c.a.size() == 1 ? Shape{1, c.a[0]} : c.a;
  const Shape b2 = c.b.size() == 1 ? Shape{c.b[0], 1} : c.b;
  const size_t M = a2[a2.size() - 2], K = a2.back(), N = b2.back();
  const Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  const size_t rank = std::max(ab.size(), bb.size());
  Shape ob(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + ab.size() >= rank ? ab[i + ab.size() - rank] : 1;
    const int64_t db = i + bb.size() >= rank ? bb[i + bb.size() - rank] : 1;
    ob[i] = std::max(da, db);
    if (da == 0 || db == 0) ob[i] = 0;
  }
  const size_t batches = static_cast<size_t>(shape_numel(ob));
  std::vector<float> y(batches * M * N);
  std::vector<size_t> coord(rank);
  for (size_t bi = 0; bi < batches; ++bi) {
    size_t rest = bi;
    for (size_t d = rank; d-- > 0;) {
      coord[d] = rest % ob[d];
      rest /= ob[d];
    }
    // Offsets of this batch in A and B (size-1 dims broadcast).
    size_t ao = 0, bo = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (d + ab.size() >= rank) {
        const size_t size = ab[d + ab.size() - rank];
        ao = ao * size + (size == 1 ? 0 : coord[d]);
      }
      if (d + bb.size() >= rank) {
        const size_t size = bb[d + bb.size() - rank];
        bo = bo * size + (size == 1 ? 0 : coord[d]);
      }
    }
    for (size_t m = 0; m < M; ++m)
      for (size_t n = 0; n < N; ++n) {
        float acc = 0.0f;
        for (size_t k = 0; k < K; ++k) acc = std::fma(a[ao * M * K + m * K + k], b[bo * K * N + k * N + n], acc);
        y[bi * M * N + m * N + n] = acc;
      }
  }
  reference_activation(act, y);
  return y;
}

bool run_matmul_case(const MatMulCase& c, uint64_t seed) {
  Rng rng(seed);
  const auto a = random_values(rng, static_cast<size_t>(shape_numel(c.a)));
  const auto b = random_values(rng, static_cast<size_t>(shape_numel(c.b)));
  Attributes attrs;
  set_activation(attrs, c.activation);
  const Activation act = Activation::from_attributes(attrs);
  OpHarness h(factory("MatMul"), make_node("MatMul", attrs, 13),
              {OpTensor::of(DType::kFloat32, c.a, a), OpTensor::of(DType::kFloat32, c.b, b, c.b_const)},
              {OpTensor::of<float>(DType::kFloat32, c.y, {})});
  h.run(c.threads);
  std::string where;
  if (same_floats(h.output(0).values<float>(), matmul_reference(c, a, b, act), where)) return true;
  CHECK(false) << describe(c) << ": " << where;
  return false;
}

}  // namespace

TEST(gemm_ops_are_registered) {
  CHECK(factory("Gemm") != nullptr);
  CHECK(factory("MatMul") != nullptr);
}

TEST(gemm_every_attribute_and_c_broadcast_matches_reference) {
  const size_t M = 7, N = 19, K = 13;
  const Shape c_shapes[] = {{}, {1}, {19}, {1, 19}, {7, 1}, {7, 19}, {1, 1}};
  uint64_t seed = 1;
  for (int trans = 0; trans < 4; ++trans)
    for (float alpha : {1.0f, 0.5f})
      for (float beta : {1.0f, 0.0f, -2.0f})
        for (int c_index = -1; c_index < 7; ++c_index)
          for (int consts = 0; consts < 4; ++consts) {
            GemmCase c{M, N, K};
            c.trans_a = trans & 1;
            c.trans_b = trans & 2;
            c.alpha = alpha;
            c.beta = beta;
            c.has_c = c_index >= 0;
            if (c.has_c) c.c_shape = c_shapes[c_index];
            c.b_const = consts & 1;
            c.c_const = consts & 2;
            c.activation = static_cast<int>(seed % 5);
            c.threads = 1 + static_cast<int>(seed % 3);
            if (!run_gemm_case(c, seed++)) return;
          }
}

TEST(gemm_random_shapes_match_reference_on_every_isa) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    Rng rng(11);
    for (int i = 0; i < 25; ++i) {
      GemmCase c{static_cast<size_t>(rng.uniform(1, 70)), static_cast<size_t>(rng.uniform(1, 90)),
                 static_cast<size_t>(rng.uniform(1, 80))};
      if (i % 8 == 0) c.M = 1;
      c.trans_a = rng.uniform(0, 1);
      c.trans_b = rng.uniform(0, 1);
      c.alpha = rng.uniform(0, 2) == 0 ? 1.5f : 1.0f;
      c.beta = rng.uniform(0, 2) == 0 ? 0.25f : 1.0f;
      c.has_c = rng.uniform(0, 3) != 0;
      if (c.has_c) {
        const int64_t m = c.M, n = c.N;
        const Shape options[] = {{n}, {1, n}, {m, n}, {m, 1}, {}};
        c.c_shape = options[rng.uniform(0, 4)];
      }
      c.b_const = rng.uniform(0, 1);
      c.c_const = rng.uniform(0, 1);
      c.activation = rng.uniform(0, 4);
      c.threads = rng.uniform(1, 3);
      if (!run_gemm_case(c, 500 + i)) return;
    }
  }
}

TEST(gemm_special_values_and_empty_dims_match_reference) {
  uint64_t seed = 900;
  for (int activation : {0, 1, 2}) {
    for (bool b_const : {false, true}) {
      GemmCase c{9, 21, 6};
      c.special = true;
      c.has_c = true;
      c.c_shape = {21};
      c.c_const = true;
      c.b_const = b_const;
      c.activation = activation;
      if (!run_gemm_case(c, seed++)) return;
    }
  }
  // K = 0: Y is beta·C (or 0) through the activation; M or N = 0: nothing to write.
  for (const auto& mnk : {std::vector<size_t>{4, 5, 0}, {0, 5, 3}, {4, 0, 3}}) {
    GemmCase c{mnk[0], mnk[1], mnk[2]};
    c.has_c = true;
    c.c_shape = {static_cast<int64_t>(mnk[1])};
    c.c_const = true;
    c.activation = 2;
    if (!run_gemm_case(c, seed++)) return;
    c.alpha = 2.0f;
    c.c_const = false;
    if (!run_gemm_case(c, seed++)) return;
  }
}

TEST(gemm_fused_clamp_equals_unfused_activation) {
  // The epilogue clamp (sgemm) and the standalone clamp (Activation::apply → vmath) agree bit for
  // bit, NaN and signed zeros included, on every ISA.
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (int activation : {1, 2}) {
      Rng rng(77);
      const int64_t M = 17, N = 40, K = 9;
      const auto a = random_values(rng, M * K, true), b = random_values(rng, K * N, true), c = random_values(rng, N, true);
      Attributes fused;
      set_activation(fused, activation);
      std::vector<OpTensor> in = {OpTensor::of(DType::kFloat32, {M, K}, a), OpTensor::of(DType::kFloat32, {K, N}, b, true),
                                  OpTensor::of(DType::kFloat32, {N}, c, true)};
      OpHarness with(factory("Gemm"), make_node("Gemm", fused), in, {OpTensor::of<float>(DType::kFloat32, {M, N}, {})});
      OpHarness without(factory("Gemm"), make_node("Gemm"), in, {OpTensor::of<float>(DType::kFloat32, {M, N}, {})});
      with.run(2);
      without.run(2);
      std::vector<float> unfused = without.output(0).values<float>();
      Activation::from_attributes(fused).apply(unfused.data(), unfused.size());
      std::string where;
      CHECK(same_floats(with.output(0).values<float>(), unfused, where)) << isa_name(isa) << " activation " << activation << ": " << where;
    }
  }
}

TEST(gemm_constant_b_is_packed_once_per_cache) {
  Rng rng(3);
  const int64_t M = 5, N = 70, K = 33;
  const auto a = random_values(rng, M * K), b = random_values(rng, K * N);
  NodeSpec node = make_node("Gemm");
  ValueInfo ai{DType::kFloat32, {M, K}, nullptr}, bi{DType::kFloat32, {K, N}, b.data()}, yi{DType::kFloat32, {M, N}, nullptr};
  WeightCache cache;
  const int64_t before = aligned_bytes_in_use().load();
  OpInit init{node, {&ai, &bi}, {&yi}, cache};
  auto first = factory("Gemm")(init);
  const int64_t after_first = aligned_bytes_in_use().load();
  auto second = factory("Gemm")(init);
  const int64_t after_second = aligned_bytes_in_use().load();
  CHECK(after_first > before) << "the first Gemm should have packed B";
  CHECK(after_second == after_first) << "the second Gemm packed B again (" << after_second - after_first << " bytes)";
  CHECK(first->scratch_bytes(2) == 0) << "a constant B needs no scratch";
}

TEST(matmul_shapes_match_reference) {
  const MatMulCase cases[] = {
      {{13}, {13}, {}},                          // dot product
      {{13}, {13, 9}, {9}},                      // vector × matrix
      {{6, 13}, {13}, {6}},                      // matrix × vector
      {{6, 13}, {13, 9}, {6, 9}},
      {{3, 6, 13}, {13, 9}, {3, 6, 9}},          // batches folded into rows
      {{2, 3, 6, 13}, {13}, {2, 3, 6}},
      {{3, 6, 13}, {3, 13, 9}, {3, 6, 9}},
      {{1, 6, 13}, {4, 13, 9}, {4, 6, 9}},       // A broadcast
      {{6, 13}, {4, 13, 9}, {4, 6, 9}},          // A without batch dims
      {{13}, {4, 13, 9}, {4, 9}},                // 1-D A, batched B
      {{2, 1, 6, 13}, {3, 13, 9}, {2, 3, 6, 9}}, // both broadcast
      {{5, 1, 2, 13}, {1, 4, 13, 3}, {5, 4, 2, 3}},
      {{40, 70}, {70, 45}, {40, 45}},
      {{2, 0, 13}, {13, 9}, {2, 0, 9}},          // empty dims
      {{0, 6, 13}, {1, 13, 9}, {0, 6, 9}},
      {{6, 0}, {0, 9}, {6, 9}},                  // K = 0: zeros (through the activation)
  };
  uint64_t seed = 40;
  for (const auto& base : cases)
    for (int variant = 0; variant < 4; ++variant) {
      MatMulCase c = base;
      c.b_const = variant & 1;
      c.threads = 1 + variant;
      c.activation = variant == 2 ? 2 : variant == 3 ? 3 : 0;
      if (!run_matmul_case(c, seed++)) return;
    }
}

TEST(matmul_batches_match_reference_on_every_isa) {
  // Many small batches run side by side, one thread each; large ones one at a time.
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    const MatMulCase cases[] = {
        {{12, 16, 24}, {12, 24, 16}, {12, 16, 16}, false, 0, 3},
        {{12, 16, 24}, {12, 24, 16}, {12, 16, 16}, true, 1, 2},
        {{2, 130, 140}, {2, 140, 120}, {2, 130, 120}, false, 0, 2},
        {{2, 130, 140}, {1, 140, 120}, {2, 130, 120}, true, 2, 3},
        {{7, 3, 1, 33}, {7, 1, 33, 5}, {7, 3, 1, 5}, false, 4, 2},
    };
    uint64_t seed = 600;
    for (const auto& c : cases)
      if (!run_matmul_case(c, seed++)) return;
  }
}

TEST(gemm_bad_input_is_rejected_with_a_clear_message) {
  const auto f = factory("Gemm");
  const auto t = [](Shape s, DType d = DType::kFloat32) {
    OpTensor o;
    o.dtype = d;
    o.shape = std::move(s);
    o.bytes.assign(static_cast<size_t>(shape_numel(o.shape)) * dtype_size(d), 0);
    return o;
  };
  expect_error(f, make_node("Gemm"), {t({2, 3, 4}), t({4, 5})}, {t({2, 5})}, ErrorKind::kRange, {"A", "2-D", "[2,3,4]"}, "rank-3 A");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({5})}, {t({2, 5})}, ErrorKind::kRange, {"B", "2-D", "[5]"}, "rank-1 B");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({4, 5})}, {t({2, 5})}, ErrorKind::kRange, {"K = 3", "K = 4"}, "K mismatch");
  Attributes ta;
  ta.set_int("transA", 1);
  expect_error(f, make_node("Gemm", ta), {t({2, 3}), t({3, 5})}, {t({3, 5})}, ErrorKind::kRange, {"K = 2", "transposed"}, "K mismatch after transA");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5}), t({3, 5})}, {t({2, 5})}, ErrorKind::kRange, {"C", "[3,5]", "broadcast"}, "bad C rows");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5}), t({4})}, {t({2, 5})}, ErrorKind::kRange, {"C", "[4]"}, "bad C columns");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5}), t({1, 2, 5})}, {t({2, 5})}, ErrorKind::kRange, {"C", "[1,2,5]"}, "rank-3 C");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5})}, {t({5, 2})}, ErrorKind::kRange, {"[5,2]", "[2,5]"}, "wrong output shape");
  expect_error(f, make_node("Gemm"), {t({2, 3}, DType::kInt32), t({3, 5})}, {t({2, 5})}, ErrorKind::kType, {"int32", "float32"}, "int32 A");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5}, DType::kFloat64)}, {t({2, 5})}, ErrorKind::kType, {"float64"}, "float64 B");
  expect_error(f, make_node("Gemm"), {t({2, 3}), t({3, 5}), t({5}, DType::kInt64)}, {t({2, 5})}, ErrorKind::kType, {"C", "int64"}, "int64 C");
  Attributes bad_flag;
  bad_flag.set_int("transB", 2);
  expect_error(f, make_node("Gemm", bad_flag), {t({2, 3}), t({3, 5})}, {t({2, 5})}, ErrorKind::kRange, {"transB", "2"}, "transB=2");
  Attributes float_flag;
  float_flag.set_float("transA", 1.0f);
  expect_error(f, make_node("Gemm", float_flag), {t({2, 3}), t({3, 5})}, {t({2, 5})}, ErrorKind::kType, {"transA"}, "float transA");
  expect_error(f, make_node("Gemm", {}, 9), {t({2, 3}), t({3, 5})}, {t({2, 5})}, ErrorKind::kType, {"C", "opset 11"}, "C missing at opset 9");
  Attributes bad_act;
  bad_act.set_string("activation", "Swish");
  expect_error(f, make_node("Gemm", bad_act), {t({2, 3}), t({3, 5})}, {t({2, 5})}, ErrorKind::kType, {"Swish"}, "unknown activation");
  // Opset 11+: C is optional.
  OpHarness ok(f, make_node("Gemm", {}, 11), {t({2, 3}), t({3, 5})}, {t({2, 5})});
}

TEST(matmul_bad_input_is_rejected_with_a_clear_message) {
  const auto f = factory("MatMul");
  const auto t = [](Shape s, DType d = DType::kFloat32) {
    OpTensor o;
    o.dtype = d;
    o.shape = std::move(s);
    o.bytes.assign(static_cast<size_t>(shape_numel(o.shape)) * dtype_size(d), 0);
    return o;
  };
  expect_error(f, make_node("MatMul"), {t({2, 3}, DType::kInt32), t({3, 4}, DType::kInt32)}, {t({2, 4}, DType::kInt32)},
               ErrorKind::kType, {"int32", "float32"}, "int32 MatMul");
  expect_error(f, make_node("MatMul"), {t({2, 3}), t({3, 4}, DType::kUint8)}, {t({2, 4})}, ErrorKind::kType, {"uint8"}, "uint8 B");
  expect_error(f, make_node("MatMul"), {t({2, 3}), t({4, 5})}, {t({2, 5})}, ErrorKind::kRange, {"[2,3]", "[4,5]", "(3)", "(4)"}, "K mismatch");
  expect_error(f, make_node("MatMul"), {t({3}), t({4})}, {t({})}, ErrorKind::kRange, {"[3]", "[4]"}, "1-D K mismatch");
  expect_error(f, make_node("MatMul"), {t({2, 2, 3}), t({3, 3, 4})}, {t({3, 2, 4})}, ErrorKind::kRange, {"broadcast", "2 vs 3"}, "batch mismatch");
  expect_error(f, make_node("MatMul"), {t({}), t({3, 4})}, {t({4})}, ErrorKind::kRange, {"rank"}, "scalar A");
  expect_error(f, make_node("MatMul"), {t({2, 3}), t({3, 4})}, {t({2, 5})}, ErrorKind::kRange, {"[2,5]", "[2,4]"}, "wrong output shape");
  expect_error(f, make_node("MatMul"), {t({3}), t({3, 4})}, {t({1, 4})}, ErrorKind::kRange, {"[1,4]", "[4]"}, "1-D A keeps no M dim");
  expect_error(f, make_node("MatMul"), {t({2, 3}), t({3, 4})}, {t({2, 4}, DType::kFloat64)}, ErrorKind::kType, {"output", "float64"}, "float64 Y");
}

}  // namespace octet::test
