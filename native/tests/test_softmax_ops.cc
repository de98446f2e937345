// Softmax, LogSoftmax and Hardmax against a double-precision reference, for the opset < 13 "flatten to
// 2-D at axis" rule and the opset 13 single-axis rule, on every axis (the inner-axis path included),
// with large inputs (stability), every ISA and thread count bit for bit, in place, and bad input.
#include <cmath>
#include <cstring>
#include <limits>
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

OpFactory softmax_factory(const std::string& op) {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_softmax_ops(r);
    return r;
  }();
  return registry.find(op, "");
}

// Mostly ordinary values, with runs of ties and wide ranges.
std::vector<float> random_floats_for(Rng& rng, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform(0, 9) == 0 ? 2.0f : rng.uniform_float(-30.0f, 30.0f);
  return v;
}

// [outer, length, inner] for an opset and axis, computed independently of the operator.
void split(const Shape& shape, int64_t axis, int opset, int64_t* outer, int64_t* length, int64_t* inner) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (axis < 0) axis += rank;
  *outer = *length = *inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis) *outer *= shape[d];
    else if (d == axis || opset < 13) *length *= shape[d];
    else *inner *= shape[d];
  }
}

std::vector<double> reference(const std::string& op, const std::vector<float>& x, int64_t outer, int64_t length, int64_t inner) {
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return (o * length + k) * inner + j; };
      double max = -INFINITY;
      int64_t best = 0;
      for (int64_t k = 0; k < length; ++k) {
        if (x[at(k)] > max) {
          max = x[at(k)];
          best = k;
        }
      }
      double sum = 0;
      for (int64_t k = 0; k < length; ++k) sum += std::exp(x[at(k)] - max);
      for (int64_t k = 0; k < length; ++k) {
        if (op == "Softmax") y[at(k)] = std::exp(x[at(k)] - max) / sum;
        else if (op == "LogSoftmax") y[at(k)] = x[at(k)] - max - std::log(sum);
        else y[at(k)] = k == best ? 1.0 : 0.0;
      }
    }
  return y;
}

std::vector<float> run_op(const std::string& op, const Shape& shape, const std::vector<float>& x, Attributes attrs, int opset, int threads,
                          bool in_place) {
  NodeSpec node = make_node(op, std::move(attrs), opset);
  if (!in_place) {
    OpHarness h(softmax_factory(op), node, {OpTensor::of(DType::kFloat32, shape, x)}, {OpTensor::of<float>(DType::kFloat32, shape, {})});
    h.run(threads);
    return h.output(0).values<float>();
  }
  WeightCache cache;
  ValueInfo in_info{DType::kFloat32, shape, nullptr}, out_info{DType::kFloat32, shape, nullptr};
  OpInit init{node, {&in_info}, {&out_info}, cache};
  std::unique_ptr<Op> o = softmax_factory(op)(init);
  std::vector<float> data = x;
  TensorView in{data.data(), DType::kFloat32, shape}, out{data.data(), DType::kFloat32, shape};
  const TensorView* in_ptr = &in;
  TensorView* out_ptr = &out;
  AlignedBuffer scratch(o->scratch_bytes(threads));
  RunContext ctx{threads, scratch.data()};
  o->run(ctx, &in_ptr, &out_ptr);
  return data;
}

}  // namespace

TEST(softmax_logsoftmax_hardmax_match_reference_on_every_axis_and_isa) {
  Rng rng(41);
  const Shape shapes[] = {{7}, {1, 1}, {3, 17}, {2, 3, 4}, {2, 5, 300}, {4, 1031}, {2, 3, 1, 33}, {0, 5}, {2, 0, 3}};
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"})
    for (int opset : {11, 13})
      for (const Shape& shape : shapes) {
        const int64_t rank = static_cast<int64_t>(shape.size());
        for (int64_t axis = -rank; axis < rank; ++axis) {
          const std::vector<float> x = random_floats_for(rng, shape_numel(shape));
          int64_t outer, length, inner;
          split(shape, axis, opset, &outer, &length, &inner);
          const std::vector<double> want = reference(op, x, outer, length, inner);
          Attributes attrs;
          attrs.set_int("axis", axis);
          const Isa saved = active_isa();
          std::vector<float> first;
          for (Isa isa : supported_isas()) {
            set_active_isa(isa);
            for (int threads : {1, 3})
              for (bool in_place : {false, true}) {
                const std::vector<float> y = run_op(op, shape, x, attrs, opset, threads, in_place);
                if (first.empty() && !y.empty()) {
                  first = y;
                  int bad = 0;
                  for (size_t i = 0; i < y.size() && bad < 3; ++i) {
                    // x − max is rounded in float (up to 60·2^-24 here), which exp turns into relative error.
                    const double tol = std::string(op) == "LogSoftmax" ? 2e-6 * std::max(1.0, std::fabs(want[i])) : 1e-5 * want[i] + 1e-30;
                    const bool ok = std::fabs(y[i] - want[i]) <= tol;
                    if (!ok) ++bad;
                    CHECK(ok) << op << "-" << opset << " " << shape_string(shape) << " axis " << axis << " at " << i << ": got " << y[i]
                              << " expected " << want[i];
                  }
                } else {
                  CHECK(y.size() == first.size() && (y.empty() || std::memcmp(y.data(), first.data(), y.size() * 4) == 0))
                      << op << "-" << opset << " " << shape_string(shape) << " axis " << axis << " on " << isa_name(isa) << " threads "
                      << threads << (in_place ? " in place" : "") << " differs from the first run";
                }
              }
          }
          set_active_isa(saved);
        }
      }
}

TEST(softmax_is_stable_for_large_inputs_and_defaults_its_axis) {
  const Shape shape = {2, 3};
  const std::vector<float> x = {1000.0f, 1001.0f, 1002.0f, -1000.0f, -1000.0f, -1000.0f};
  const std::vector<float> y = run_op("Softmax", shape, x, {}, 13, 1, false);
  CHECK(std::fabs(y[2] - 0.66524096f) < 1e-6f && std::fabs(y[3] - 1.0f / 3) < 1e-6f) << "softmax of large values: " << y[2] << ", " << y[3];
  const std::vector<float> l = run_op("LogSoftmax", shape, x, {}, 13, 1, false);
  CHECK(std::fabs(l[0] - (-2.40760596f)) < 1e-5f) << "log softmax of large values: " << l[0];
  // Opset 11 defaults to axis 1 and flattens: a [2,3] input is two rows either way; [2,2,2] is not.
  const Shape cube = {2, 2, 2};
  const std::vector<float> c = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<float> legacy = run_op("Softmax", cube, c, {}, 11, 1, false);
  const std::vector<float> modern = run_op("Softmax", cube, c, {}, 13, 1, false);
  double row_sum = 0;
  for (int i = 0; i < 4; ++i) row_sum += legacy[i];
  CHECK(std::fabs(row_sum - 1) < 1e-6) << "opset 11 normalises prod(shape[1:]) elements";
  CHECK(std::fabs(modern[0] + modern[1] - 1) < 1e-6) << "opset 13 normalises the last axis";
  // A NaN makes its row NaN, not the others.
  const std::vector<float> n = run_op("Softmax", {2, 2}, {std::numeric_limits<float>::quiet_NaN(), 1.0f, 0.0f, 0.0f}, {}, 13, 1, false);
  CHECK(std::isnan(n[0]) && std::isnan(n[1]) && n[2] == 0.5f && n[3] == 0.5f) << "NaN row";
}

TEST(softmax_bad_input_is_rejected) {
  auto expect = [](const std::string& op, Shape shape, DType dtype, Attributes attrs, Shape out_shape, const std::string& needle) {
    try {
      OpTensor in;
      in.dtype = dtype;
      in.shape = shape;
      in.bytes.resize(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype));
      OpTensor out;
      out.dtype = DType::kFloat32;
      out.shape = out_shape;
      OpHarness h(softmax_factory(op), make_node(op, attrs, 13), {in}, {out});
      CHECK(false) << op << ": expected an error mentioning '" << needle << "'";
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(needle) != std::string::npos) << "message '" << e.what() << "' lacks '" << needle << "'";
    }
  };
  Attributes axis5;
  axis5.set_int("axis", 5);
  expect("Softmax", {2, 3}, DType::kFloat32, axis5, {2, 3}, "axis 5 is out of range for input of shape [2,3] (expected -2 to 1)");
  expect("LogSoftmax", {2, 3}, DType::kInt32, {}, {2, 3}, "input 0 has dtype int32, expected float32");
  expect("Hardmax", {2, 3}, DType::kFloat32, {}, {3, 2}, "output 0 has shape [3,2], expected [2,3]");
  expect("Softmax", {}, DType::kFloat32, {}, {}, "expected rank >= 1");
}

}  // namespace octet::test
