// The normalization operators against plain double-precision references on random shapes (size-1
// dims, primes, rows past the lanes and tasks), constant and run-time parameters, every layout and
// opset variant; bit-identical results for any thread count and when running in place; bad input
// rejected at create with a message that names the problem.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/status.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

const OpRegistry& norm_registry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_normalization_ops(r);
    return r;
  }();
  return registry;
}

OpFactory factory(const std::string& op) { return norm_registry().find(op, ""); }

OpTensor out_spec(DType dtype, const Shape& shape) {
  OpTensor t;
  t.dtype = dtype;
  t.shape = Shape(shape.begin(), shape.end());  // not copy-assignment: GCC 12 -Wnonnull false positive on empty shapes
  return t;
}

std::vector<float> random_floats(int64_t n, Rng& rng, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform_float(lo, hi);
  return v;
}

OpTensor floats(const Shape& shape, const std::vector<float>& v, bool constant = false) { return OpTensor::of<float>(DType::kFloat32, shape, v, constant); }

// Runs the op with `threads` threads with outputs[0] written over inputs[0] (the plan's in-place
// mode); returns output 0.
std::vector<uint8_t> run_in_place(OpFactory f, const NodeSpec& node, const std::vector<OpTensor>& inputs, const std::vector<OpTensor>& outputs, int threads) {
  WeightCache cache;
  std::vector<ValueInfo> in_infos, out_infos;
  for (const auto& t : inputs) in_infos.push_back(ValueInfo{t.dtype, t.shape, t.constant ? t.bytes.data() : nullptr});
  for (const auto& t : outputs) out_infos.push_back(ValueInfo{t.dtype, t.shape, nullptr});
  OpInit init{node, {}, {}, cache};
  for (auto& i : in_infos) init.inputs.push_back(i.present() ? &i : nullptr);
  for (auto& o : out_infos) init.outputs.push_back(&o);
  std::unique_ptr<Op> op = f(init);
  std::vector<std::vector<uint8_t>> in_bytes, out_bytes;
  for (const auto& t : inputs) in_bytes.push_back(t.bytes);
  for (const auto& t : outputs) out_bytes.emplace_back(static_cast<size_t>(shape_numel(t.shape)) * dtype_size(t.dtype));
  std::vector<TensorView> in(inputs.size()), out(outputs.size());
  std::vector<const TensorView*> in_ptrs;
  std::vector<TensorView*> out_ptrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[i] = TensorView{in_bytes[i].data(), inputs[i].dtype, inputs[i].shape};
    in_ptrs.push_back(&in[i]);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    out[i] = TensorView{i == 0 ? in_bytes[0].data() : out_bytes[i].data(), outputs[i].dtype, outputs[i].shape};
    out_ptrs.push_back(&out[i]);
  }
  AlignedBuffer scratch(op->scratch_bytes(threads));
  op->run(RunContext{threads, scratch.data()}, in_ptrs.data(), out_ptrs.data());
  return in_bytes[0];
}

// Runs with 1 and 3 threads (and in place unless told not to), checks they agree bit for bit, and
// compares every output with its reference within tol * (1 + |ref|).
void check_op(const std::string& what, const std::string& op, const NodeSpec& node, const std::vector<OpTensor>& inputs, const std::vector<OpTensor>& outputs,
              const std::vector<std::vector<double>>& expected, double tol, bool in_place = true) {
  std::vector<std::vector<uint8_t>> first;
  for (int threads : {1, 3}) {
    OpHarness h(factory(op), node, inputs, outputs);
    h.run(threads);
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (threads == 1) first.push_back(h.output(i).bytes);
      else CHECK(h.output(i).bytes == first[i]) << what << ": output " << i << " differs between 1 and 3 threads";
    }
  }
  if (in_place) {
    for (int threads : {1, 2}) CHECK(run_in_place(factory(op), node, inputs, outputs, threads) == first[0]) << what << ": in place differs";
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    std::vector<float> got(first[i].size() / 4);
    if (!got.empty()) std::memcpy(got.data(), first[i].data(), first[i].size());
    CHECK(got.size() == expected[i].size()) << what << ": output " << i << " size";
    for (size_t k = 0; k < got.size() && k < expected[i].size(); ++k) {
      const double ref = expected[i][k];
      CHECK(std::fabs(got[k] - ref) <= tol * (1 + std::fabs(ref)) || (std::isnan(ref) && std::isnan(got[k])))
          << what << ": output " << i << "[" << k << "] = " << got[k] << ", expected " << ref;
    }
  }
}

std::string shape_text(const std::string& op, const Shape& s) { return op + " " + shape_string(s); }

// Expects the factory to throw octet::Error of `kind` whose message contains every fragment.
void expect_error(const std::string& what, const std::string& op, NodeSpec node, std::vector<OpTensor> in, std::vector<OpTensor> out, ErrorKind kind,
                  std::vector<std::string> fragments) {
  try {
    OpHarness h(factory(op), std::move(node), std::move(in), std::move(out));
    CHECK(false) << what << ": no error";
  } catch (const Error& e) {
    CHECK(e.kind() == kind) << what << ": wrong error kind for \"" << e.what() << "\"";
    for (const auto& fragment : fragments) CHECK(std::string(e.what()).find(fragment) != std::string::npos) << what << ": \"" << e.what() << "\" lacks \"" << fragment << "\"";
  }
}

struct Stats {
  double mean, var;
};
Stats stats_of(const std::vector<double>& v) {
  double s = 0, q = 0;
  for (double x : v) s += x;
  const double mean = s / static_cast<double>(v.size());
  for (double x : v) q += (x - mean) * (x - mean);
  return {mean, q / static_cast<double>(v.size())};
}

}  // namespace

// ---- BatchNormalization.

TEST(batchnorm_matches_reference) {
  Rng rng(301);
  const std::vector<Shape> shapes = {{1, 1}, {2, 3}, {1, 1, 1, 1}, {2, 5, 7}, {3, 17, 9, 11}, {2, 4, 3, 2, 5}, {1, 64, 56, 56}, {200, 33}};
  for (const Shape& shape : shapes) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool channels_last = variant & 1, constant = variant & 2;
      const int64_t C = channels_last ? shape.back() : shape[1];
      const auto scale = random_floats(C, rng, -2, 2), bias = random_floats(C, rng, -1, 1), mean = random_floats(C, rng, -1, 1),
                 var = random_floats(C, rng, 0.05f, 3);
      const auto x = random_floats(shape_numel(shape), rng, -3, 3);
      const float eps = 1e-3f;
      Attributes a;
      a.set_float("epsilon", eps);
      if (channels_last) a.set_int("channels_last", 1);
      const int opset = std::vector<int>{7, 9, 14, 15}[static_cast<size_t>(rng.uniform(0, 3))];
      if (opset >= 14) a.set_int("training_mode", 0);
      std::vector<double> ref(x.size());
      const int64_t inner = channels_last ? 1 : shape_numel(shape) / (shape[0] * C);
      for (size_t i = 0; i < x.size(); ++i) {
        const size_t c = static_cast<size_t>(channels_last ? static_cast<int64_t>(i) % C : (static_cast<int64_t>(i) / inner) % C);
        ref[i] = (x[i] - mean[c]) / std::sqrt(static_cast<double>(var[c]) + eps) * scale[c] + bias[c];
      }
      const Shape p{C};
      std::vector<OpTensor> outputs{out_spec(DType::kFloat32, shape)};
      std::vector<std::vector<double>> expected{ref};
      if (variant == 3) {  // running statistics echoed
        outputs.push_back(out_spec(DType::kFloat32, p));
        outputs.push_back(out_spec(DType::kFloat32, p));
        expected.push_back(std::vector<double>(mean.begin(), mean.end()));
        expected.push_back(std::vector<double>(var.begin(), var.end()));
      }
      check_op(shape_text("BatchNormalization", shape) + (channels_last ? " channels_last" : "") + (constant ? " constant" : ""), "BatchNormalization",
               make_node("BatchNormalization", a, opset),
               {floats(shape, x), floats(p, scale, constant), floats(p, bias, constant), floats(p, mean, constant), floats(p, var, constant)}, outputs,
               expected, 2e-6);
    }
  }
}

TEST(batchnorm_spatial0_opset7) {
  Rng rng(302);
  const Shape shape{3, 4, 5}, p{4, 5};
  const auto x = random_floats(60, rng, -3, 3), scale = random_floats(20, rng, -2, 2), bias = random_floats(20, rng, -1, 1),
             mean = random_floats(20, rng, -1, 1), var = random_floats(20, rng, 0.1f, 2);
  Attributes a;
  a.set_int("spatial", 0);
  std::vector<double> ref(60);
  for (size_t i = 0; i < 60; ++i) {
    const size_t k = i % 20;
    ref[i] = (x[i] - mean[k]) / std::sqrt(static_cast<double>(var[k]) + 1e-5) * scale[k] + bias[k];
  }
  check_op("BatchNormalization spatial=0", "BatchNormalization", make_node("BatchNormalization", a, 7),
           {floats(shape, x), floats(p, scale, true), floats(p, bias, true), floats(p, mean, true), floats(p, var, true)}, {out_spec(DType::kFloat32, shape)},
           {ref}, 2e-6);
}

TEST(batchnorm_bad_input) {
  const Shape shape{2, 3, 4};
  const auto x = floats(shape, std::vector<float>(24, 1.0f));
  const auto p = floats({3}, {1, 1, 1}, true);
  const auto node = [](Attributes a = {}, int opset = 15) { return make_node("BatchNormalization", std::move(a), opset); };
  Attributes training;
  training.set_int("training_mode", 1);
  expect_error("training mode", "BatchNormalization", node(training), {x, p, p, p, p}, {out_spec(DType::kFloat32, shape)}, ErrorKind::kType,
               {"BatchNormalization_test", "training_mode"});
  expect_error("param shape", "BatchNormalization", node(), {x, floats({4}, {1, 1, 1, 1}), p, p, p}, {out_spec(DType::kFloat32, shape)},
               ErrorKind::kRange, {"scale", "[4]", "expected [3]"});
  expect_error("param rank", "BatchNormalization", node(), {x, p, p, p, floats({3, 1}, {1, 1, 1})}, {out_spec(DType::kFloat32, shape)},
               ErrorKind::kRange, {"input_var", "[3,1]"});
  expect_error("int X", "BatchNormalization", node(), {OpTensor::of<int32_t>(DType::kInt32, shape, std::vector<int32_t>(24)), p, p, p, p},
               {out_spec(DType::kFloat32, shape)}, ErrorKind::kType, {"X must be float32", "int32"});
  expect_error("rank 1", "BatchNormalization", node(), {floats({3}, {1, 2, 3}), p, p, p, p}, {out_spec(DType::kFloat32, {3})}, ErrorKind::kRange,
               {"rank >= 2"});
  expect_error("output shape", "BatchNormalization", node(), {x, p, p, p, p}, {out_spec(DType::kFloat32, {2, 3, 5})}, ErrorKind::kRange,
               {"expected [2,3,4]"});
  expect_error("saved mean", "BatchNormalization", node({}, 9), {x, p, p, p, p},
               {out_spec(DType::kFloat32, shape), out_spec(DType::kFloat32, {3}), out_spec(DType::kFloat32, {3}), out_spec(DType::kFloat32, {3})},
               ErrorKind::kType, {"training mode"});
  Attributes bad_layout;
  bad_layout.set_int("channels_last", 2);
  expect_error("channels_last=2", "BatchNormalization", node(bad_layout), {x, p, p, p, p}, {out_spec(DType::kFloat32, shape)}, ErrorKind::kRange,
               {"channels_last"});
  Attributes nhwc;
  nhwc.set_int("channels_last", 1);
  expect_error("channels_last wrong C", "BatchNormalization", node(nhwc), {x, p, p, p, p}, {out_spec(DType::kFloat32, shape)}, ErrorKind::kRange,
               {"expected [4]"});
  expect_error("missing var", "BatchNormalization", node(), {x, p, p, p}, {out_spec(DType::kFloat32, shape)}, ErrorKind::kType, {"input 4"});
}

// ---- InstanceNormalization.

TEST(instancenorm_matches_reference) {
  Rng rng(311);
  const std::vector<Shape> shapes = {{1, 1, 1}, {2, 3, 5}, {1, 4, 17, 3}, {3, 2, 1000}, {2, 8, 33, 33}, {2, 3}};
  for (const Shape& shape : shapes) {
    for (bool constant : {false, true}) {
      const int64_t N = shape[0], C = shape[1], S = shape_numel(shape) / (N * C);
      const auto x = random_floats(shape_numel(shape), rng, -2, 5), scale = random_floats(C, rng, -2, 2), bias = random_floats(C, rng, -1, 1);
      const float eps = 1e-5f;
      std::vector<double> ref(x.size());
      for (int64_t p = 0; p < N * C; ++p) {
        const Stats s = stats_of(std::vector<double>(x.begin() + p * S, x.begin() + (p + 1) * S));
        const size_t c = static_cast<size_t>(p % C);
        for (int64_t k = 0; k < S; ++k)
          ref[static_cast<size_t>(p * S + k)] = (x[static_cast<size_t>(p * S + k)] - s.mean) / std::sqrt(s.var + eps) * scale[c] + bias[c];
      }
      check_op(shape_text("InstanceNormalization", shape), "InstanceNormalization", make_node("InstanceNormalization", {}, 6),
               {floats(shape, x), floats({C}, scale, constant), floats({C}, bias, constant)}, {out_spec(DType::kFloat32, shape)}, {ref},
               S == 1 ? 1e-6 : 2e-5);
    }
  }
  expect_error("scale shape", "InstanceNormalization", make_node("InstanceNormalization", {}, 6),
               {floats({1, 2, 3}, std::vector<float>(6)), floats({3}, {1, 1, 1}), floats({2}, {0, 0})}, {out_spec(DType::kFloat32, {1, 2, 3})},
               ErrorKind::kRange, {"scale", "expected [2]"});
}

// ---- LayerNormalization.

namespace {

// Broadcasts a parameter of shape `ps` to the normalized shape `ns` (right-aligned), as numpy does.
std::vector<double> broadcast_to(const std::vector<float>& v, const Shape& ps, const Shape& ns) {
  const int64_t n = shape_numel(ns);
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, src = 0, stride = 1;
    for (size_t d = ns.size(); d-- > 0;) {
      const int64_t idx = rem % ns[d];
      rem /= ns[d];
      const size_t back = ns.size() - 1 - d;
      const int64_t pd = back < ps.size() ? ps[ps.size() - 1 - back] : 1;
      if (pd != 1) src += idx * stride;
      stride *= pd;
    }
    out[static_cast<size_t>(i)] = v[static_cast<size_t>(src)];
  }
  return out;
}

struct LayerNormCase {
  Shape shape;
  int64_t axis;
  Shape scale_shape, bias_shape;  // bias_shape empty with has_bias=false: no B
  bool has_bias = true, constant = true, stats = false;
  float offset = 0;  // added to X: a large mean tests the two-pass variance
};

void check_layer_norm(const LayerNormCase& c, Rng& rng) {
  const int64_t rank = static_cast<int64_t>(c.shape.size()), axis = c.axis < 0 ? c.axis + rank : c.axis;
  const Shape ns(c.shape.begin() + axis, c.shape.end());
  const int64_t D = shape_numel(ns), rows = shape_numel(c.shape) / std::max<int64_t>(D, 1);
  auto x = random_floats(shape_numel(c.shape), rng, -2, 2);
  for (auto& v : x) v += c.offset;
  const auto scale = random_floats(shape_numel(c.scale_shape), rng, -2, 2), bias = random_floats(shape_numel(c.bias_shape), rng, -1, 1);
  const auto s = broadcast_to(scale, c.scale_shape, ns);
  const auto b = c.has_bias ? broadcast_to(bias, c.bias_shape, ns) : std::vector<double>(static_cast<size_t>(D), 0.0);
  const float eps = 1e-5f;
  std::vector<double> ref(x.size()), means(static_cast<size_t>(rows)), invs(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const Stats st = stats_of(std::vector<double>(x.begin() + r * D, x.begin() + (r + 1) * D));
    const double inv = 1 / std::sqrt(st.var + eps);
    means[static_cast<size_t>(r)] = st.mean;
    invs[static_cast<size_t>(r)] = inv;
    for (int64_t k = 0; k < D; ++k)
      ref[static_cast<size_t>(r * D + k)] = (x[static_cast<size_t>(r * D + k)] - st.mean) * inv * s[static_cast<size_t>(k)] + b[static_cast<size_t>(k)];
  }
  Attributes a;
  a.set_int("axis", c.axis);
  a.set_float("epsilon", eps);
  std::vector<OpTensor> inputs{floats(c.shape, x), floats(c.scale_shape, scale, c.constant)};
  if (c.has_bias) inputs.push_back(floats(c.bias_shape, bias, c.constant));
  std::vector<OpTensor> outputs{out_spec(DType::kFloat32, c.shape)};
  std::vector<std::vector<double>> expected{ref};
  if (c.stats) {
    Shape stats_shape = c.shape;
    for (int64_t d = axis; d < rank; ++d) stats_shape[static_cast<size_t>(d)] = 1;
    outputs.push_back(out_spec(DType::kFloat32, stats_shape));
    outputs.push_back(out_spec(DType::kFloat32, stats_shape));
    expected.push_back(means);
    expected.push_back(invs);
  }
  std::ostringstream what;
  what << "LayerNormalization " << shape_string(c.shape) << " axis " << c.axis << " scale " << shape_string(c.scale_shape)
       << (c.has_bias ? " bias " + shape_string(c.bias_shape) : std::string(" no bias")) << (c.constant ? " constant" : "");
  // A mean of 1000 costs float32 about 1000 * 2^-24 per deviation: the two-pass variance keeps the
  // result to that, where E[x^2] - E[x]^2 would lose every digit.
  check_op(what.str(), "LayerNormalization", make_node("LayerNormalization", a, 17), inputs, outputs, expected, c.offset != 0 ? 2e-3 : 2e-5);
}

}  // namespace

TEST(layernorm_matches_reference) {
  Rng rng(321);
  std::vector<LayerNormCase> cases = {
      {{2, 5, 8}, -1, {8}, {8}},
      {{2, 5, 8}, 2, {8}, {8}, false},
      {{3, 4, 6}, 1, {4, 6}, {4, 6}},
      {{3, 4, 6}, -2, {6}, {1, 6}},         // broadcast along the normalized dims
      {{3, 4, 6}, 1, {4, 1}, {1}},          // broadcast the other way
      {{3, 4, 6}, 0, {3, 4, 6}, {4, 6}},    // normalize everything
      {{2, 7, 768}, -1, {1, 1, 768}, {768}},  // leading 1s, as exporters write them
      {{64, 1024}, -1, {1024}, {1024}},     // several tasks
      {{5, 17}, -1, {17}, {17}},
      {{1}, 0, {1}, {1}},
      {{4, 1}, -1, {1}, {1}},
      {{31, 37}, -1, {37}, {37}},
  };
  for (LayerNormCase c : cases) {
    for (int variant = 0; variant < 3; ++variant) {
      c.constant = variant != 1;
      c.stats = variant == 2;
      check_layer_norm(c, rng);
    }
  }
  LayerNormCase offset{{8, 300}, -1, {300}, {300}};
  offset.offset = 1000;
  check_layer_norm(offset, rng);
}

TEST(layernorm_bad_input) {
  const Shape shape{2, 3, 4};
  const auto x = floats(shape, std::vector<float>(24, 1.0f));
  const auto scale = floats({4}, {1, 1, 1, 1}, true);
  Attributes axis3;
  axis3.set_int("axis", 3);
  expect_error("axis", "LayerNormalization", make_node("LayerNormalization", axis3, 17), {x, scale}, {out_spec(DType::kFloat32, shape)},
               ErrorKind::kRange, {"axis 3", "out of range"});
  expect_error("scale broadcast", "LayerNormalization", make_node("LayerNormalization", {}, 17), {x, floats({3}, {1, 1, 1})},
               {out_spec(DType::kFloat32, shape)}, ErrorKind::kRange, {"Scale", "[3]", "[4]"});
  expect_error("scale leading dim", "LayerNormalization", make_node("LayerNormalization", {}, 17), {x, floats({2, 4}, std::vector<float>(8))},
               {out_spec(DType::kFloat32, shape)}, ErrorKind::kRange, {"Scale", "[2,4]"});
  expect_error("bias broadcast", "LayerNormalization", make_node("LayerNormalization", {}, 17), {x, scale, floats({2}, {1, 1})},
               {out_spec(DType::kFloat32, shape)}, ErrorKind::kRange, {"B", "[2]"});
  expect_error("missing scale", "LayerNormalization", make_node("LayerNormalization", {}, 17), {x}, {out_spec(DType::kFloat32, shape)},
               ErrorKind::kType, {"input 1"});
  expect_error("mean shape", "LayerNormalization", make_node("LayerNormalization", {}, 17), {x, scale},
               {out_spec(DType::kFloat32, shape), out_spec(DType::kFloat32, {2, 3})}, ErrorKind::kRange, {"output 1", "expected [2,3,1]"});
  Attributes stash;
  stash.set_int("stash_type", 11);
  expect_error("stash_type", "LayerNormalization", make_node("LayerNormalization", stash, 17), {x, scale}, {out_spec(DType::kFloat32, shape)},
               ErrorKind::kType, {"stash_type"});
  expect_error("scalar X", "LayerNormalization", make_node("LayerNormalization", {}, 17), {floats({}, {1}), scale}, {out_spec(DType::kFloat32, {})},
               ErrorKind::kRange, {"rank"});
}

// ---- GroupNormalization.

TEST(groupnorm_matches_reference) {
  Rng rng(331);
  struct G {
    Shape shape;
    int64_t groups;
  };
  const std::vector<G> cases = {{{2, 6, 5}, 3}, {{1, 4, 3, 3}, 4}, {{2, 8, 7, 9}, 2}, {{1, 6, 1}, 1}, {{3, 32, 16, 16}, 8}, {{2, 5}, 5}};
  for (const G& g : cases) {
    for (int opset : {18, 21}) {
      const int64_t N = g.shape[0], C = g.shape[1], S = shape_numel(g.shape) / (N * C), cg = C / g.groups;
      const int64_t P = opset >= 21 ? C : g.groups;
      const auto x = random_floats(shape_numel(g.shape), rng, -2, 3), scale = random_floats(P, rng, -2, 2), bias = random_floats(P, rng, -1, 1);
      std::vector<double> ref(x.size());
      for (int64_t b = 0; b < N * g.groups; ++b) {
        const int64_t size = cg * S, grp = b % g.groups;
        const Stats st = stats_of(std::vector<double>(x.begin() + b * size, x.begin() + (b + 1) * size));
        for (int64_t k = 0; k < size; ++k) {
          const size_t p = static_cast<size_t>(opset >= 21 ? grp * cg + k / S : grp);
          const size_t i = static_cast<size_t>(b * size + k);
          ref[i] = (x[i] - st.mean) / std::sqrt(st.var + 1e-5) * scale[p] + bias[p];
        }
      }
      Attributes a;
      a.set_int("num_groups", g.groups);
      check_op(shape_text("GroupNormalization", g.shape) + " opset " + std::to_string(opset), "GroupNormalization",
               make_node("GroupNormalization", a, opset), {floats(g.shape, x), floats({P}, scale, true), floats({P}, bias)},
               {out_spec(DType::kFloat32, g.shape)}, {ref}, 2e-5);
    }
  }
  const auto x = floats({1, 6, 2}, std::vector<float>(12));
  Attributes four;
  four.set_int("num_groups", 4);
  expect_error("groups do not divide", "GroupNormalization", make_node("GroupNormalization", four, 21), {x, floats({6}, std::vector<float>(6)), floats({6}, std::vector<float>(6))},
               {out_spec(DType::kFloat32, {1, 6, 2})}, ErrorKind::kRange, {"6 channels", "num_groups = 4"});
  expect_error("num_groups missing", "GroupNormalization", make_node("GroupNormalization", {}, 21), {x, floats({6}, std::vector<float>(6)), floats({6}, std::vector<float>(6))},
               {out_spec(DType::kFloat32, {1, 6, 2})}, ErrorKind::kType, {"num_groups"});
  Attributes three;
  three.set_int("num_groups", 3);
  expect_error("opset 18 scale per group", "GroupNormalization", make_node("GroupNormalization", three, 18),
               {x, floats({6}, std::vector<float>(6)), floats({6}, std::vector<float>(6))}, {out_spec(DType::kFloat32, {1, 6, 2})}, ErrorKind::kRange,
               {"scale", "expected [3]"});
}

// ---- MeanVarianceNormalization.

TEST(mvn_matches_reference) {
  Rng rng(341);
  struct M {
    Shape shape;
    std::vector<int64_t> axes;
    bool default_axes = false;
  };
  const std::vector<M> cases = {
      {{2, 3, 4, 5}, {}, true},  {{2, 3, 4, 5}, {2, 3}},  {{2, 3, 4, 5}, {1}},      {{2, 3, 4, 5}, {-1}},       {{2, 3, 4, 5}, {0, 1, 2, 3}},
      {{3, 300, 7}, {0, 2}},     {{2, 600, 300}, {1}},    {{4, 3, 1, 1}, {}, true}, {{5, 7}, {0}},              {{1, 1, 1, 1}, {}, true},
      {{2, 3, 4, 5}, {0, 2}},    {{70, 1000}, {1}},
  };
  for (const M& m : cases) {
    const auto x = random_floats(shape_numel(m.shape), rng, -2, 4);
    const std::vector<int64_t> axes = m.default_axes ? std::vector<int64_t>{0, 2, 3} : m.axes;
    std::vector<bool> mask(m.shape.size(), false);
    for (int64_t a : axes) mask[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(m.shape.size()) : a)] = true;
    // Group the elements by their kept coordinates.
    std::map<int64_t, std::vector<size_t>> groups;
    for (size_t i = 0; i < x.size(); ++i) {
      int64_t rem = static_cast<int64_t>(i), key = 0, stride = 1;
      for (size_t d = m.shape.size(); d-- > 0;) {
        const int64_t idx = rem % m.shape[d];
        rem /= m.shape[d];
        if (!mask[d]) {
          key += idx * stride;
          stride *= m.shape[d];
        }
      }
      groups[key].push_back(i);
    }
    std::vector<double> ref(x.size());
    for (const auto& [key, members] : groups) {
      std::vector<double> v;
      for (size_t i : members) v.push_back(x[i]);
      const Stats st = stats_of(v);
      for (size_t i : members) ref[i] = (x[i] - st.mean) / (std::sqrt(st.var) + 1e-9);
    }
    Attributes a;
    if (!m.default_axes) a.set_ints("axes", m.axes);
    check_op(shape_text("MeanVarianceNormalization", m.shape), "MeanVarianceNormalization", make_node("MeanVarianceNormalization", a, 13),
             {floats(m.shape, x)}, {out_spec(DType::kFloat32, m.shape)}, {ref}, 2e-5);
  }
  Attributes bad;
  bad.set_ints("axes", {0, 4});
  expect_error("axis out of range", "MeanVarianceNormalization", make_node("MeanVarianceNormalization", bad, 13), {floats({1, 2, 2, 2}, std::vector<float>(8))},
               {out_spec(DType::kFloat32, {1, 2, 2, 2})}, ErrorKind::kRange, {"axis 4"});
  expect_error("default axes on rank 2", "MeanVarianceNormalization", make_node("MeanVarianceNormalization", {}, 13), {floats({2, 2}, std::vector<float>(4))},
               {out_spec(DType::kFloat32, {2, 2})}, ErrorKind::kRange, {"axis 2"});
}

// ---- LRN.

TEST(lrn_matches_reference) {
  Rng rng(351);
  struct L {
    Shape shape;
    int64_t size;
  };
  const std::vector<L> cases = {{{1, 5, 3, 3}, 3}, {{2, 7, 4, 5}, 5}, {{1, 6, 2, 2}, 4}, {{1, 3, 9, 9}, 1}, {{2, 16, 20, 20}, 5}, {{1, 2, 300}, 7}};
  for (const L& l : cases) {
    const auto x = random_floats(shape_numel(l.shape), rng, -3, 3);
    const float alpha = 2e-3f, beta = 0.75f, bias = 1.5f;
    const int64_t N = l.shape[0], C = l.shape[1], S = shape_numel(l.shape) / (N * C);
    std::vector<double> ref(x.size());
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t s = 0; s < S; ++s) {
          double sq = 0;
          for (int64_t i = std::max<int64_t>(0, c - (l.size - 1) / 2); i <= std::min(C - 1, c + l.size / 2); ++i) {
            const double v = x[static_cast<size_t>((n * C + i) * S + s)];
            sq += v * v;
          }
          const size_t at = static_cast<size_t>((n * C + c) * S + s);
          ref[at] = x[at] / std::pow(bias + alpha / static_cast<double>(l.size) * sq, beta);
        }
    Attributes a;
    a.set_int("size", l.size);
    a.set_float("alpha", alpha);
    a.set_float("beta", beta);
    a.set_float("bias", bias);
    check_op(shape_text("LRN", l.shape) + " size " + std::to_string(l.size), "LRN", make_node("LRN", a, 13), {floats(l.shape, x)},
             {out_spec(DType::kFloat32, l.shape)}, {ref}, 2e-6, /*in_place=*/false);
  }
  Attributes zero;
  zero.set_int("size", 0);
  expect_error("size 0", "LRN", make_node("LRN", zero, 13), {floats({1, 2, 2, 2}, std::vector<float>(8))}, {out_spec(DType::kFloat32, {1, 2, 2, 2})},
               ErrorKind::kRange, {"size"});
  expect_error("size missing", "LRN", make_node("LRN", {}, 13), {floats({1, 2, 2, 2}, std::vector<float>(8))}, {out_spec(DType::kFloat32, {1, 2, 2, 2})},
               ErrorKind::kType, {"size"});
}

// The normalizations have one portable path (no per-ISA kernels): the active ISA must not matter.
TEST(normalization_same_bits_on_every_isa) {
  Rng rng(361);
  const Isa saved = active_isa();
  const Shape shape{2, 6, 9, 7};
  const auto x = random_floats(shape_numel(shape), rng, -2, 2);
  const auto p6 = floats({6}, random_floats(6, rng, 0.5f, 1.5f), true), p3 = floats({3}, random_floats(3, rng, 0.5f, 1.5f), true);
  const auto p7 = floats({7}, random_floats(7, rng, 0.5f, 1.5f), true);
  Attributes groups, lrn, mvn;
  groups.set_int("num_groups", 3);
  lrn.set_int("size", 3);
  mvn.set_ints("axes", {0, 2});
  const std::vector<std::pair<NodeSpec, std::vector<OpTensor>>> runs = {
      {make_node("BatchNormalization", {}, 15), {floats(shape, x), p6, p6, p6, p6}},
      {make_node("InstanceNormalization", {}, 6), {floats(shape, x), p6, p6}},
      {make_node("LayerNormalization", {}, 17), {floats(shape, x), p7, p7}},
      {make_node("GroupNormalization", groups, 18), {floats(shape, x), p3, p3}},
      {make_node("MeanVarianceNormalization", mvn, 13), {floats(shape, x)}},
      {make_node("LRN", lrn, 13), {floats(shape, x)}},
  };
  std::vector<std::vector<uint8_t>> first;
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    std::vector<std::vector<uint8_t>> results;
    for (const auto& [node, inputs] : runs) {
      OpHarness h(factory(node.op_type), node, inputs, {out_spec(DType::kFloat32, shape)});
      h.run(2);
      results.push_back(h.output(0).bytes);
    }
    if (first.empty()) first = results;
    else CHECK(results == first) << isa_name(isa) << " differs from " << isa_name(supported_isas()[0]);
  }
  set_active_isa(saved);
}

TEST(normalization_empty_tensors) {
  // Zero-sized batches and spatial dims run (and write nothing) without touching memory.
  const Shape shape{0, 3, 4};
  const auto p = floats({3}, {1, 1, 1}, true);
  OpHarness bn(factory("BatchNormalization"), make_node("BatchNormalization", {}, 15), {floats(shape, {}), p, p, p, p}, {out_spec(DType::kFloat32, shape)});
  bn.run(2);
  OpHarness in(factory("InstanceNormalization"), make_node("InstanceNormalization", {}, 6), {floats({2, 3, 0}, {}), p, p},
               {out_spec(DType::kFloat32, {2, 3, 0})});
  in.run(2);
  OpHarness ln(factory("LayerNormalization"), make_node("LayerNormalization", {}, 17), {floats({0, 3}, {}), p}, {out_spec(DType::kFloat32, {0, 3})});
  ln.run(2);
  OpHarness mvn(factory("MeanVarianceNormalization"), make_node("MeanVarianceNormalization", {}, 13), {floats({1, 3, 0, 2}, {})},
                {out_spec(DType::kFloat32, {1, 3, 0, 2})});
  mvn.run(2);
}

}  // namespace octet::test
