// Conv and ConvTranspose (1-D, 2-D, 3-D) against plain NCHW references written from the ONNX specs.
// Conv is compared bit for bit: the reference sums in the operator's documented order (acc = 0,
// fma over (kd, kh, kw, c) with zeros for padding taps, + bias, clamp), which every form (depthwise,
// pointwise GEMM, im2col GEMM) and every ISA must reproduce — with W a constant (packed at create)
// and with W a runtime input (laid out and packed per run). ConvTranspose sums in another order
// (documented in ops/conv_ops.cc), so it is compared to a double-precision reference within a
// bound relative to the sum of |terms|, and its runtime-W results bit for bit to its constant-W
// ones. Both layouts, threads 1/2/3, every ISA, the ONNX backend tests' small cases with their
// expected outputs, and bad inputs that must fail at create with a message naming the problem.
#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../ops/activation.h"
#include "../ops/conv/layout_transpose.h"
#include "op_test_util.h"
#include "float_test_util.h"
#include "test_main.h"
#include "window_test_util.h"

namespace octet::test {

namespace {

OpFactory conv_factory(const char* op_type) {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_conv_ops(r);
    return r;
  }();
  return registry.find(op_type, "");
}

std::vector<float> random_floats(Rng& rng, size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform_float(lo, hi);
  return v;
}



struct ConvCase {
  std::string label;
  int64_t n = 1, c = 1, m = 1, group = 1;
  std::vector<int64_t> spatial;  // {W} or {H, W}
  std::vector<int64_t> kernel, strides, dilations, pads;  // empty: attribute not set (defaults)
  std::string auto_pad;  // empty: not set
  bool bias = true;
  bool bias_constant = true;
  std::string activation;
  std::vector<float> activation_params;
  bool kernel_shape_attr = true;
};

Attributes conv_attrs(const ConvCase& c, bool channels_last) {
  Attributes a;
  if (c.kernel_shape_attr) a.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) a.set_ints("strides", c.strides);
  if (!c.dilations.empty()) a.set_ints("dilations", c.dilations);
  if (!c.pads.empty()) a.set_ints("pads", c.pads);
  if (!c.auto_pad.empty()) a.set_string("auto_pad", c.auto_pad);
  if (c.group != 1) a.set_int("group", c.group);
  if (channels_last) a.set_int("channels_last", 1);
  if (!c.activation.empty()) {
    a.set_string("activation", c.activation);
    if (!c.activation_params.empty()) a.set_floats("activation_params", c.activation_params);
  }
  return a;
}


Axes case_axes(const ConvCase& c) { return window_axes(c.spatial, c.kernel, c.strides, c.dilations, c.pads, c.auto_pad); }

struct ConvData {
  std::vector<float> x, w, b;  // x NCHW
};

ConvData make_data(const ConvCase& c, uint64_t seed) {
  Rng rng(seed);
  ConvData d;
  int64_t taps = 1, pixels = 1;
  for (int64_t k : c.kernel) taps *= k;
  for (int64_t s : c.spatial) pixels *= s;
  d.x = random_floats(rng, static_cast<size_t>(c.n * c.c * pixels));
  d.w = random_floats(rng, static_cast<size_t>(c.m * (c.c / c.group) * taps));
  d.b = random_floats(rng, static_cast<size_t>(c.m));
  return d;
}

// The documented definition in NCHW: acc = 0; fma over (kd, kh, kw, c); + bias; activation.
std::vector<float> reference_conv(const ConvCase& c, const ConvData& data) {
  const Axes ax = case_axes(c);
  const Axis &d = ax.d, &h = ax.h, &w = ax.w;
  const int64_t cg = c.c / c.group, mg = c.m / c.group;
  std::vector<float> y(static_cast<size_t>(c.n * c.m * ax.out_pixels()));
  Attributes act_attrs;
  if (!c.activation.empty()) {
    act_attrs.set_string("activation", c.activation);
    if (!c.activation_params.empty()) act_attrs.set_floats("activation_params", c.activation_params);
  }
  const Activation act = Activation::from_attributes(act_attrs);
  const bool clamp = act.kind == Activation::Kind::kRelu || act.kind == Activation::Kind::kClip;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.m; ++m) {
      const int64_t g = m / mg;
      for (int64_t od = 0; od < d.out; ++od)
        for (int64_t oh = 0; oh < h.out; ++oh)
          for (int64_t ow = 0; ow < w.out; ++ow) {
            float acc = 0.0f;
            for (int64_t kd = 0; kd < d.k; ++kd)
              for (int64_t kh = 0; kh < h.k; ++kh)
                for (int64_t kw = 0; kw < w.k; ++kw)
                  for (int64_t ci = 0; ci < cg; ++ci) {
                    const int64_t id = od * d.s - d.pb + kd * d.d, ih = oh * h.s - h.pb + kh * h.d, iw = ow * w.s - w.pb + kw * w.d;
                    const bool inside = id >= 0 && id < d.in && ih >= 0 && ih < h.in && iw >= 0 && iw < w.in;
                    const float xv = inside ? data.x[(((n * c.c + g * cg + ci) * d.in + id) * h.in + ih) * w.in + iw] : 0.0f;
                    acc = std::fma(xv, data.w[(((m * cg + ci) * d.k + kd) * h.k + kh) * w.k + kw], acc);
                  }
            float v = c.bias ? acc + data.b[m] : acc;
            if (clamp) {
              v = v > act.min ? v : act.min;
              v = v < act.max ? v : act.max;
            }
            y[(((n * c.m + m) * d.out + od) * h.out + oh) * w.out + ow] = v;
          }
    }
  if (!clamp) act.apply(y.data(), y.size());
  return y;
}


// w_constant false: W is a runtime input (a graph input, or computed by DequantizeLinear).
std::unique_ptr<OpHarness> make_conv(const ConvCase& c, const ConvData& d, bool channels_last, bool w_constant = true) {
  const Axes ax = case_axes(c);
  int64_t pixels = 1;
  for (int64_t s : c.spatial) pixels *= s;
  const std::vector<int64_t> out_spatial = ax.out_spatial(c.spatial.size());
  Shape wshape{c.m, c.c / c.group};
  wshape.insert(wshape.end(), c.kernel.begin(), c.kernel.end());
  std::vector<OpTensor> inputs{
      OpTensor::of(DType::kFloat32, layout_shape(c.n, c.c, c.spatial, channels_last), channels_last ? to_nhwc(d.x, c.n, c.c, pixels) : d.x),
      OpTensor::of(DType::kFloat32, wshape, d.w, w_constant)};
  if (c.bias) inputs.push_back(OpTensor::of(DType::kFloat32, {c.m}, d.b, c.bias_constant));
  std::vector<OpTensor> outputs{OpTensor::of(DType::kFloat32, layout_shape(c.n, c.m, out_spatial, channels_last), std::vector<float>{})};
  return std::make_unique<OpHarness>(conv_factory("Conv"), make_node("Conv", conv_attrs(c, channels_last)), inputs, outputs);
}

std::string describe(const ConvCase& c, bool channels_last, bool w_constant, int threads, Isa isa) {
  std::ostringstream s;
  s << c.label << " N=" << c.n << " C=" << c.c << " M=" << c.m << " group=" << c.group << " spatial=" << shape_string(c.spatial)
    << " kernel=" << shape_string(c.kernel) << " strides=" << shape_string(c.strides) << " dilations=" << shape_string(c.dilations)
    << " pads=" << shape_string(c.pads) << " auto_pad=" << c.auto_pad << " bias=" << c.bias << " act=" << c.activation
    << " channels_last=" << channels_last << (w_constant ? " W constant" : " W runtime") << " threads=" << threads
    << " isa=" << isa_name(isa);
  return s.str();
}

// Runs a case in both layouts, W constant and W runtime, with threads 1..3; every output must equal
// the reference bit for bit.
bool check_conv_case(const ConvCase& c, uint64_t seed, const std::vector<int>& thread_counts = {1, 2, 3}) {
  const ConvData d = make_data(c, seed);
  const std::vector<float> want = reference_conv(c, d);
  const Axes ax = case_axes(c);
  for (bool cl : {false, true})
    for (bool w_constant : {true, false}) {
      std::unique_ptr<OpHarness> op;
      try {
        op = make_conv(c, d, cl, w_constant);
      } catch (const std::exception& e) {
        CHECK(false) << describe(c, cl, w_constant, 0, active_isa()) << ": create threw " << e.what();
        return false;
      }
      for (int threads : thread_counts) {
        op->run(threads);
        std::vector<float> got = op->output(0).values<float>();
        if (cl) got = to_nchw(got, c.n, c.m, ax.out_pixels());
        for (size_t i = 0; i < want.size(); ++i) {
          if (bits(got[i]) == bits(want[i])) continue;
          const int64_t pixel = static_cast<int64_t>(i) % ax.out_pixels();
          const int64_t m = static_cast<int64_t>(i) / ax.out_pixels() % c.m, n = static_cast<int64_t>(i) / (ax.out_pixels() * c.m);
          CHECK(false) << describe(c, cl, w_constant, threads, active_isa()) << ": first difference at [n=" << n << ", m=" << m
                       << ", pixel=" << pixel << "]: got " << got[i] << " want " << want[i];
          return false;
        }
      }
    }
  return true;
}

ConvCase conv2d(std::string label, int64_t n, int64_t c, int64_t m, int64_t h, int64_t w, int64_t k, int64_t s = 1, int64_t p = 0,
                int64_t d = 1, int64_t group = 1) {
  ConvCase cc;
  cc.label = std::move(label);
  cc.n = n; cc.c = c; cc.m = m; cc.group = group;
  cc.spatial = {h, w};
  cc.kernel = {k, k};
  cc.strides = {s, s};
  cc.dilations = {d, d};
  cc.pads = {p, p, p, p};
  return cc;
}

ConvCase conv3d(std::string label, int64_t n, int64_t c, int64_t m, std::vector<int64_t> spatial, int64_t k, int64_t s = 1,
                int64_t p = 0, int64_t d = 1, int64_t group = 1) {
  ConvCase cc;
  cc.label = std::move(label);
  cc.n = n; cc.c = c; cc.m = m; cc.group = group;
  cc.spatial = std::move(spatial);
  cc.kernel = {k, k, k};
  cc.strides = {s, s, s};
  cc.dilations = {d, d, d};
  cc.pads = {p, p, p, p, p, p};
  return cc;
}

}  // namespace

TEST(conv_matches_reference_on_model_shapes) {
  std::vector<ConvCase> cases{
      conv2d("1x1", 1, 16, 24, 7, 9, 1),
      conv2d("1x1 stride 2", 2, 8, 5, 9, 7, 1, 2),
      conv2d("3x3 s1 p1", 1, 8, 12, 10, 11, 3, 1, 1),
      conv2d("3x3 s2 p1", 2, 5, 7, 11, 10, 3, 2, 1),
      conv2d("5x5 dilation 2", 1, 4, 6, 13, 12, 5, 1, 4, 2),
      conv2d("7x7 s2 p3 first layer", 1, 3, 8, 17, 16, 7, 2, 3),
      conv2d("3x3 grouped", 1, 8, 12, 9, 9, 3, 1, 1, 1, 4),
      conv2d("1x1 grouped", 1, 6, 9, 5, 4, 1, 1, 0, 1, 3),
      conv2d("depthwise 3x3", 2, 17, 17, 9, 8, 3, 1, 1, 1, 17),
      conv2d("depthwise 3x3 s2", 1, 33, 33, 11, 12, 3, 2, 1, 1, 33),
      conv2d("depthwise multiplier 2", 1, 5, 10, 7, 6, 3, 1, 1, 1, 5),
      conv2d("depthwise multiplier 3 5x5 d2", 1, 4, 12, 11, 9, 5, 2, 3, 2, 4),
      conv2d("single input channel", 1, 1, 8, 6, 7, 3, 1, 1),
      conv2d("kernel covers input", 1, 3, 4, 3, 3, 3),
      conv2d("1x1 image", 3, 4, 5, 1, 1, 1),
  };
  ConvCase asym = conv2d("asymmetric pads", 1, 4, 5, 8, 9, 3, 1);
  asym.pads = {0, 2, 1, 0};
  cases.push_back(asym);
  ConvCase rect = conv2d("rectangular kernel and strides", 1, 3, 4, 10, 13, 3);
  rect.kernel = {2, 5};
  rect.strides = {1, 3};
  rect.dilations = {2, 1};
  rect.pads = {1, 2, 0, 3};
  cases.push_back(rect);
  for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    for (int64_t s : {1, 2}) {
      ConvCase a = conv2d(std::string("auto_pad ") + ap, 1, 3, 4, 8, 7, 4, s);
      a.pads.clear();
      a.auto_pad = ap;
      cases.push_back(a);
      ConvCase dw = conv2d(std::string("depthwise auto_pad ") + ap, 1, 6, 6, 7, 8, 4, s, 0, 1, 6);
      dw.pads.clear();
      dw.auto_pad = ap;
      cases.push_back(dw);
    }
  }
  ConvCase no_attrs = conv2d("defaults, kernel from W", 1, 3, 2, 5, 6, 3);
  no_attrs.strides.clear();
  no_attrs.dilations.clear();
  no_attrs.pads.clear();
  no_attrs.kernel_shape_attr = false;
  cases.push_back(no_attrs);
  ConvCase one_d;
  one_d.label = "1-D";
  one_d.n = 2; one_d.c = 5; one_d.m = 6; one_d.spatial = {19}; one_d.kernel = {3}; one_d.strides = {2}; one_d.pads = {1, 2};
  cases.push_back(one_d);
  ConvCase one_d_dw = one_d;
  one_d_dw.label = "1-D depthwise";
  one_d_dw.group = 5; one_d_dw.m = 5; one_d_dw.dilations = {2};
  cases.push_back(one_d_dw);
  ConvCase one_d_same = one_d;
  one_d_same.label = "1-D SAME_LOWER";
  one_d_same.pads.clear();
  one_d_same.auto_pad = "SAME_LOWER";
  cases.push_back(one_d_same);
  ConvCase no_bias = conv2d("no bias", 1, 4, 4, 5, 5, 3, 1, 1);
  no_bias.bias = false;
  cases.push_back(no_bias);
  ConvCase dw_no_bias = conv2d("depthwise no bias", 1, 4, 4, 5, 5, 3, 1, 1, 1, 4);
  dw_no_bias.bias = false;
  cases.push_back(dw_no_bias);
  ConvCase runtime_bias = conv2d("runtime bias", 1, 4, 6, 5, 5, 3, 1, 1);
  runtime_bias.bias_constant = false;
  cases.push_back(runtime_bias);
  ConvCase dw_runtime_bias = conv2d("depthwise runtime bias", 1, 4, 4, 5, 5, 3, 1, 1, 1, 4);
  dw_runtime_bias.bias_constant = false;
  cases.push_back(dw_runtime_bias);
  uint64_t seed = 100;
  for (const ConvCase& c : cases) check_conv_case(c, ++seed);
}

TEST(conv_3d_matches_reference) {
  std::vector<ConvCase> cases{
      conv3d("3x3x3 p1", 1, 3, 4, {5, 6, 7}, 3, 1, 1),
      conv3d("3x3x3 s2 p1, batch 2", 2, 4, 5, {7, 6, 5}, 3, 2, 1),
      conv3d("1x1x1 pointwise", 2, 6, 7, {3, 4, 5}, 1),
      conv3d("1x1x1 stride 2", 1, 5, 3, {5, 4, 7}, 1, 2),
      conv3d("2x2x2 dilation 2", 1, 2, 3, {6, 5, 6}, 2, 1, 1, 2),
      conv3d("grouped", 1, 6, 4, {4, 5, 4}, 3, 1, 1, 1, 2),
      conv3d("depthwise", 1, 7, 7, {4, 5, 6}, 3, 1, 1, 1, 7),
      conv3d("depthwise multiplier 2 s2", 1, 3, 6, {5, 5, 6}, 3, 2, 1, 1, 3),
      conv3d("kernel covers input", 1, 2, 3, {3, 3, 3}, 3),
  };
  ConvCase rect = conv3d("rectangular kernel, asymmetric pads", 1, 3, 2, {4, 7, 6}, 1);
  rect.kernel = {2, 3, 1};
  rect.strides = {1, 2, 3};
  rect.dilations = {2, 1, 1};
  rect.pads = {1, 0, 2, 0, 1, 1};
  cases.push_back(rect);
  for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    ConvCase a = conv3d(std::string("3-D auto_pad ") + ap, 1, 2, 3, {5, 4, 6}, 2, 2);
    a.pads.clear();
    a.auto_pad = ap;
    cases.push_back(a);
  }
  ConvCase act = conv3d("3-D fused Clip", 1, 4, 5, {4, 4, 4}, 3, 1, 1);
  act.activation = "Clip";
  act.activation_params = {-0.2f, 0.3f};
  cases.push_back(act);
  ConvCase sig = conv3d("3-D depthwise fused Sigmoid, runtime bias", 1, 5, 5, {3, 4, 5}, 3, 1, 1, 1, 5);
  sig.activation = "Sigmoid";
  sig.bias_constant = false;
  cases.push_back(sig);
  uint64_t seed = 150;
  for (const ConvCase& c : cases) check_conv_case(c, ++seed);
}

TEST(conv_onnx_backend_cases) {
  // Inputs and expected outputs of the ONNX backend tests (onnx/backend/test/data/node), small
  // enough to carry here: integer sums, so every form must give them exactly.
  struct Backend {
    const char* name;
    Shape x, w, y;
    std::vector<int64_t> pads, strides;
    std::vector<float> want;
  };
  const std::vector<Backend> cases{
      {"test_basic_conv_with_padding", {1, 1, 5, 5}, {1, 1, 3, 3}, {1, 1, 5, 5}, {1, 1, 1, 1}, {1, 1},
       {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84}},
      {"test_basic_conv_without_padding", {1, 1, 5, 5}, {1, 1, 3, 3}, {1, 1, 3, 3}, {0, 0, 0, 0}, {1, 1},
       {54, 63, 72, 99, 108, 117, 144, 153, 162}},
      {"test_conv_with_strides_and_asymmetric_padding", {1, 1, 7, 5}, {1, 1, 3, 3}, {1, 1, 4, 2}, {1, 0, 1, 0}, {2, 2},
       {21, 33, 99, 117, 189, 207, 171, 183}},
      {"test_conv_with_strides_padding", {1, 1, 7, 5}, {1, 1, 3, 3}, {1, 1, 4, 3}, {1, 1, 1, 1}, {2, 2},
       {12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124}},
      {"test_conv_with_strides_no_padding", {1, 1, 7, 5}, {1, 1, 3, 3}, {1, 1, 3, 2}, {0, 0, 0, 0}, {2, 2},
       {54, 72, 144, 162, 234, 252}},
  };
  for (const Backend& b : cases)
    for (bool w_constant : {true, false}) {
      std::vector<float> x(static_cast<size_t>(shape_numel(b.x)));
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
      Attributes a;
      a.set_ints("kernel_shape", {3, 3});
      a.set_ints("pads", b.pads);
      a.set_ints("strides", b.strides);
      OpHarness op(conv_factory("Conv"), make_node("Conv", a, 11),
                   {OpTensor::of(DType::kFloat32, b.x, x), OpTensor::of(DType::kFloat32, b.w, std::vector<float>(9, 1.0f), w_constant)},
                   {OpTensor::of(DType::kFloat32, b.y, std::vector<float>{})});
      op.run(2);
      CHECK(op.output(0).values<float>() == b.want) << b.name << (w_constant ? " W constant" : " W runtime") << ": wrong output";
    }
}

TEST(conv_fused_activations) {
  uint64_t seed = 200;
  struct Act {
    const char* name;
    std::vector<float> params;
  };
  const std::vector<Act> acts{{"Relu", {}}, {"Clip", {0.0f, 6.0f}}, {"Clip", {-0.3f, 0.4f}}, {"LeakyRelu", {0.1f}}, {"Sigmoid", {}}};
  for (const Act& a : acts) {
    std::vector<ConvCase> cases{conv2d("1x1", 1, 8, 8, 5, 5, 1), conv2d("3x3", 1, 4, 9, 6, 5, 3, 1, 1),
                                conv2d("3x3 grouped", 1, 4, 6, 6, 5, 3, 2, 1, 1, 2), conv2d("depthwise", 1, 19, 19, 6, 7, 3, 1, 1, 1, 19)};
    for (ConvCase& c : cases) {
      c.activation = a.name;
      c.activation_params = a.params;
      c.label += std::string(" + ") + a.name;
      check_conv_case(c, ++seed, {1, 2});
    }
  }
}

TEST(conv_random_shapes) {
  Rng rng(3);
  for (int i = 0; i < 80; ++i) {
    ConvCase c;
    c.label = "random #" + std::to_string(i);
    const int rank_pick = rng.uniform(0, 7);  // 1-D, 2-D, 3-D in 2:4:2
    const size_t rank = rank_pick < 2 ? 1 : rank_pick < 6 ? 2 : 3;
    const int kind = rng.uniform(0, 3);  // 0 dense, 1 grouped, 2 depthwise, 3 depthwise multiplier
    c.group = kind == 0 ? 1 : rng.uniform(2, 5);
    c.c = kind >= 2 ? c.group : c.group * rng.uniform(1, 4);
    c.m = kind == 2 ? c.group : c.group * rng.uniform(1, 4);
    c.n = rng.uniform(1, 2);
    for (size_t a = 0; a < rank; ++a) {
      c.kernel.push_back(rng.uniform(1, rank == 3 ? 3 : 5));
      c.strides.push_back(rng.uniform(1, 3));
      c.dilations.push_back(rng.uniform(1, 2));
    }
    c.pads.resize(2 * rank);
    for (auto& p : c.pads) p = rng.uniform(0, 2);
    for (size_t a = 0; a < rank; ++a) {
      const int64_t extent = (c.kernel[a] - 1) * c.dilations[a] + 1;
      const int64_t min_in = std::max<int64_t>(1, extent - c.pads[a] - c.pads[rank + a]);
      c.spatial.push_back(min_in + rng.uniform(0, rank == 3 ? 4 : 9));
    }
    c.bias = rng.uniform(0, 3) != 0;
    c.bias_constant = rng.uniform(0, 3) != 0;
    check_conv_case(c, 300 + i, {1, 3});
  }
}

TEST(conv_tiles_and_threads) {
  // Many im2col tiles (per-thread tiles), a few big ones (shared tile, threaded GEMM), long rows.
  check_conv_case(conv2d("3x3 64->32 on 40x40", 1, 64, 32, 40, 40, 3, 1, 1), 401, {1, 2, 3});
  check_conv_case(conv2d("3x3 256->16 on 7x7", 1, 256, 16, 7, 7, 3, 1, 1), 402, {1, 2, 3});
  check_conv_case(conv2d("1x1 96->40 on 30x30", 2, 96, 40, 30, 30, 1), 403, {1, 2, 3});
  check_conv_case(conv2d("3x3 s2, tiles starting mid-image", 3, 64, 8, 25, 21, 3, 2, 1), 406, {1, 2, 3});
  check_conv_case(conv2d("grouped, many tiles", 2, 48, 24, 20, 20, 3, 1, 1, 1, 3), 407, {1, 2, 3});
  // A runtime W too big to pack per tile: two shared tiles of 455 rows.
  check_conv_case(conv2d("3x3 512->8 on 24x24", 1, 512, 8, 24, 24, 3, 1, 1), 410, {1, 2});
  check_conv_case(conv2d("depthwise 3x3 s2 on 45x70", 1, 24, 24, 45, 70, 3, 2, 1, 1, 24), 404, {1, 2, 3});
  ConvCase long_1d;
  long_1d.label = "1-D depthwise, long row";
  long_1d.c = 8; long_1d.m = 8; long_1d.group = 8; long_1d.spatial = {300}; long_1d.kernel = {5}; long_1d.pads = {2, 2};
  check_conv_case(long_1d, 405, {1, 3});
  check_conv_case(conv3d("3-D 3x3x3 32->16 on 10x12x14 (many tiles)", 1, 32, 16, {10, 12, 14}, 3, 1, 1), 408, {1, 2, 3});
  check_conv_case(conv3d("3-D depthwise on 6x9x40", 1, 20, 20, {6, 9, 40}, 3, 1, 1, 1, 20), 409, {1, 3});
  // Depthwise rows long enough for strided kernel calls (inner columns >= 8) between border pixels,
  // chunks that cross rows and images, MobileNet-like channel counts, no padding, dilation.
  check_conv_case(conv2d("depthwise 3x3 C=32 on 2x 13x23", 2, 32, 32, 13, 23, 3, 1, 1, 1, 32), 411, {1, 2, 3});
  check_conv_case(conv2d("depthwise 3x3 s2 C=144 on 12x21", 1, 144, 144, 12, 21, 3, 2, 1, 1, 144), 412, {1, 2, 3});
  check_conv_case(conv2d("depthwise 3x3 inner run of exactly 8", 1, 16, 16, 5, 10, 3, 1, 1, 1, 16), 413, {1, 2, 3});
  check_conv_case(conv2d("depthwise 3x3 no padding", 1, 20, 20, 9, 14, 3, 1, 0, 1, 20), 414, {1, 2, 3});
  check_conv_case(conv2d("depthwise 3x3 dilation 2 on 2x 9x27", 2, 12, 12, 9, 27, 3, 1, 2, 2, 12), 415, {1, 2, 3});
  check_conv_case(conv2d("depthwise multiplier 2 on 8x19", 1, 6, 12, 8, 19, 3, 1, 1, 1, 6), 416, {1, 2, 3});
  check_conv_case(conv2d("depthwise 3x3 C=96 on 7x7", 1, 96, 96, 7, 7, 3, 1, 1, 1, 96), 417, {1, 2, 3});
  // The first layer's shape (C = 3, 3x3 s2): im2col rows copied whole for inner pixels.
  check_conv_case(conv2d("3x3 s2 3->32 on 2x 30x37", 2, 3, 32, 30, 37, 3, 2, 1), 418, {1, 2, 3});
}

TEST(conv_every_isa) {
  const Isa saved = active_isa();
  const std::vector<ConvCase> cases{conv2d("depthwise 3x3", 1, 37, 37, 9, 10, 3, 1, 1, 1, 37),
                                    conv2d("depthwise 3x3 wide rows", 1, 37, 37, 5, 21, 3, 1, 1, 1, 37),
                                    conv2d("depthwise 3x3 s2 wide rows", 1, 32, 32, 6, 33, 3, 2, 1, 1, 32),
                                    conv2d("depthwise multiplier 2 s2", 1, 9, 18, 9, 10, 3, 2, 1, 1, 9),
                                    conv2d("3x3 dense", 1, 7, 11, 8, 9, 3, 1, 1), conv2d("1x1 dense", 1, 19, 17, 5, 6, 1),
                                    conv2d("3x3 grouped", 1, 8, 12, 7, 6, 3, 2, 1, 1, 2),
                                    conv3d("3-D dense", 1, 5, 13, {4, 5, 6}, 3, 1, 1),
                                    conv3d("3-D depthwise", 1, 37, 37, {3, 4, 5}, 3, 1, 1, 1, 37)};
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    uint64_t seed = 500;
    for (const ConvCase& c : cases) check_conv_case(c, ++seed, {1, 2});
  }
  set_active_isa(saved);
}

TEST(conv_depthwise_agrees_with_the_gemm_form) {
  // A depthwise convolution through the depthwise kernel and a one-channel convolution through the
  // GEMM form: both must equal the same reference definition bit for bit (padding taps included),
  // so the two forms agree with each other. Clip(0, 6) exercises the clamp on both.
  ConvCase dw = conv2d("depthwise relu6", 1, 21, 21, 8, 8, 3, 1, 1, 1, 21);
  dw.activation = "Clip";
  dw.activation_params = {0.0f, 6.0f};
  check_conv_case(dw, 601);
  ConvCase gemm = dw;  // group 1 with one input channel: the GEMM form of a one-channel depthwise
  gemm.label = "one-channel conv (GEMM form)";
  gemm.c = 1; gemm.m = 1; gemm.group = 1;
  check_conv_case(gemm, 602);
}

TEST(layout_transposes_move_every_element) {
  // Shapes around the 4x4 and 16x16 register tiles, the wide byte tiles (16x32, 16x64, and 16x32
  // after 16x64 on the AVX-512 path) and the 64x64 blocks, 1-3 rows (the interleave path), several
  // batches, for each element size the operators use, on every path (the byte tiles differ per path).
  const size_t sizes[] = {1, 2, 3, 4, 5, 7, 16, 32, 33, 48, 63, 64, 65, 130, 144};
  Rng rng(21);
  for (Isa isa : supported_isas())
  for (size_t rows : sizes)
    for (size_t cols : sizes)
      for (int threads : {1, 3}) {
        IsaScope scope(isa);
        const size_t batches = 1 + (rows + cols) % 3;
        std::vector<float> f(batches * rows * cols), ft(f.size());
        std::vector<int8_t> b(f.size()), bt(f.size());
        std::vector<int64_t> l(f.size()), lt(f.size());
        for (size_t i = 0; i < f.size(); ++i) {
          f[i] = rng.uniform_float(-1, 1);
          b[i] = static_cast<int8_t>(rng.next());
          l[i] = static_cast<int64_t>(rng.next());
        }
        transpose_batched(f.data(), ft.data(), batches, rows, cols, threads);
        transpose_batched(b.data(), bt.data(), batches, rows, cols, threads);
        transpose_batched(l.data(), lt.data(), batches, rows, cols, threads);
        bool ok = true;
        for (size_t n = 0; n < batches && ok; ++n)
          for (size_t i = 0; i < rows && ok; ++i)
            for (size_t j = 0; j < cols && ok; ++j) {
              const size_t from = (n * rows + i) * cols + j, to = (n * cols + j) * rows + i;
              ok = bits(ft[to]) == bits(f[from]) && bt[to] == b[from] && lt[to] == l[from];
              CHECK(ok) << isa_name(isa) << " transpose " << batches << "x" << rows << "x" << cols << " threads=" << threads << ": element [" << n << ","
                        << i << "," << j << "] misplaced";
            }
      }
}

// --- bad input -------------------------------------------------------------------------------

namespace {

// Expects create to throw octet::Error of `kind` whose message contains every one of `needles`.
void expect_create_error(const std::string& what, ErrorKind kind, const std::vector<std::string>& needles,
                         const std::function<void()>& create) {
  try {
    create();
    CHECK(false) << what << ": create did not throw";
  } catch (const Error& e) {
    CHECK(e.kind() == kind) << what << ": wrong error kind for \"" << e.what() << "\"";
    for (const std::string& n : needles)
      CHECK(std::string(e.what()).find(n) != std::string::npos) << what << ": message \"" << e.what() << "\" lacks \"" << n << "\"";
  }
}

struct BadConv {
  Shape x{1, 4, 6, 6}, w{8, 4, 3, 3}, b{8}, y{1, 8, 4, 4};
  DType x_type = DType::kFloat32, w_type = DType::kFloat32, y_type = DType::kFloat32;
  bool w_constant = true, with_bias = true, bias_constant = true;
  Attributes attrs;
  const char* op = "Conv";

  void create() const {
    std::vector<OpTensor> in{OpTensor::of(x_type, x, std::vector<uint8_t>(shape_numel(x) * dtype_size(x_type))),
                             OpTensor::of(w_type, w, std::vector<uint8_t>(shape_numel(w) * dtype_size(w_type)), w_constant)};
    if (with_bias) in.push_back(OpTensor::of(DType::kFloat32, b, std::vector<float>(shape_numel(b)), bias_constant));
    std::vector<OpTensor> out{OpTensor::of(y_type, y, std::vector<uint8_t>{})};
    OpHarness h(conv_factory(op), make_node(op, attrs), in, out);
  }
};

}  // namespace

TEST(conv_rejects_bad_input) {
  {
    BadConv ok;
    ok.create();  // the baseline is valid
    ok.w_constant = false;  // and with runtime weights and bias
    ok.bias_constant = false;
    ok.create();
    BadConv ok3d;  // 3-D in both layouts
    ok3d.x = {1, 4, 6, 6, 6}; ok3d.w = {8, 4, 3, 3, 3}; ok3d.y = {1, 8, 4, 4, 4};
    ok3d.create();
    ok3d.x = {1, 6, 6, 6, 4}; ok3d.y = {1, 4, 4, 4, 8};
    ok3d.attrs.set_int("channels_last", 1);
    ok3d.create();
  }
  const auto bad = [](const std::string& what, ErrorKind kind, std::vector<std::string> needles, auto edit) {
    BadConv c;
    edit(c);
    expect_create_error(what, kind, needles, [&] { c.create(); });
  };
  bad("int8 X", ErrorKind::kType, {"X must be float32", "int8"}, [](BadConv& c) { c.x_type = DType::kInt8; });
  bad("float64 W", ErrorKind::kType, {"W must be float32"}, [](BadConv& c) { c.w_type = DType::kFloat64; });
  bad("4-D", ErrorKind::kType, {"4-D", "not supported"}, [](BadConv& c) {
    c.x = {1, 4, 6, 6, 6, 6}; c.w = {8, 4, 3, 3, 3, 3}; c.y = {1, 8, 4, 4, 4, 4};
  });
  bad("3-D output shape", ErrorKind::kRange, {"[1,8,4,4,5]", "[1,8,4,4,4]"}, [](BadConv& c) {
    c.x = {1, 4, 6, 6, 6}; c.w = {8, 4, 3, 3, 3}; c.y = {1, 8, 4, 4, 5};
  });
  bad("3-D pads length", ErrorKind::kRange, {"pads", "expected 6"}, [](BadConv& c) {
    c.x = {1, 4, 6, 6, 6}; c.w = {8, 4, 3, 3, 3}; c.y = {1, 8, 4, 4, 4}; c.attrs.set_ints("pads", {1, 1, 1, 1});
  });
  bad("3-D window larger than input on D", ErrorKind::kRange, {"does not fit the D axis"}, [](BadConv& c) {
    c.x = {1, 4, 2, 6, 6}; c.w = {8, 4, 3, 3, 3}; c.y = {1, 8, 1, 4, 4};
  });
  bad("rank 2", ErrorKind::kRange, {"rank"}, [](BadConv& c) { c.x = {1, 4}; });
  bad("W rank", ErrorKind::kRange, {"W", "rank"}, [](BadConv& c) { c.w = {8, 4, 3}; });
  bad("channel mismatch", ErrorKind::kRange, {"5 channels", "W.shape[1] * group = 4"}, [](BadConv& c) { c.x = {1, 5, 6, 6}; });
  bad("M % group", ErrorKind::kRange, {"not a multiple of group 2"}, [](BadConv& c) {
    c.w = {7, 2, 3, 3}; c.b = {7}; c.y = {1, 7, 4, 4}; c.attrs.set_int("group", 2);
  });
  bad("group 0", ErrorKind::kRange, {"group"}, [](BadConv& c) { c.attrs.set_int("group", 0); });
  bad("bias shape", ErrorKind::kRange, {"B has shape [9]", "expected [8]"}, [](BadConv& c) { c.b = {9}; });
  bad("output shape", ErrorKind::kRange, {"[1,8,5,5]", "[1,8,4,4]"}, [](BadConv& c) { c.y = {1, 8, 5, 5}; });
  bad("output dtype", ErrorKind::kType, {"Y must be float32"}, [](BadConv& c) { c.y_type = DType::kInt32; });
  bad("runtime W, wrong shape", ErrorKind::kRange, {"5 channels", "W.shape[1] * group = 4"}, [](BadConv& c) {
    c.w_constant = false; c.x = {1, 5, 6, 6};
  });
  bad("negative pads", ErrorKind::kRange, {"pads", ">= 0"}, [](BadConv& c) { c.attrs.set_ints("pads", {0, -1, 0, 0}); });
  bad("pads length", ErrorKind::kRange, {"pads", "expected 4"}, [](BadConv& c) { c.attrs.set_ints("pads", {1, 1}); });
  bad("zero stride", ErrorKind::kRange, {"strides", ">= 1"}, [](BadConv& c) { c.attrs.set_ints("strides", {1, 0}); });
  bad("zero dilation", ErrorKind::kRange, {"dilations", ">= 1"}, [](BadConv& c) { c.attrs.set_ints("dilations", {0, 1}); });
  bad("kernel_shape vs W", ErrorKind::kRange, {"kernel_shape", "[3,3]"}, [](BadConv& c) { c.attrs.set_ints("kernel_shape", {5, 5}); });
  bad("auto_pad value", ErrorKind::kRange, {"auto_pad", "SAME"}, [](BadConv& c) { c.attrs.set_string("auto_pad", "SAME"); });
  bad("auto_pad kind", ErrorKind::kType, {"auto_pad"}, [](BadConv& c) { c.attrs.set_int("auto_pad", 1); });
  bad("channels_last 2", ErrorKind::kRange, {"channels_last", "0 or 1"}, [](BadConv& c) { c.attrs.set_int("channels_last", 2); });
  bad("window larger than input", ErrorKind::kRange, {"does not fit"}, [](BadConv& c) { c.x = {1, 4, 2, 2}; });
  bad("unknown activation", ErrorKind::kType, {"activation"}, [](BadConv& c) { c.attrs.set_string("activation", "Swishy"); });
  bad("ConvTranspose W channels", ErrorKind::kRange, {"input channels"}, [](BadConv& c) {
    c.op = "ConvTranspose"; c.w = {5, 2, 3, 3};
  });
  bad("ConvTranspose output shape", ErrorKind::kRange, {"[1,8,8,8]"}, [](BadConv& c) {
    c.op = "ConvTranspose"; c.w = {4, 8, 3, 3}; c.y = {1, 8, 7, 7};
  });
  bad("ConvTranspose output_padding", ErrorKind::kRange, {"output_padding"}, [](BadConv& c) {
    c.op = "ConvTranspose"; c.w = {4, 8, 3, 3}; c.y = {1, 8, 8, 8}; c.attrs.set_ints("output_padding", {1});
  });
  bad("ConvTranspose 4-D", ErrorKind::kType, {"4-D", "not supported"}, [](BadConv& c) {
    c.op = "ConvTranspose"; c.x = {1, 4, 6, 6, 6, 6}; c.w = {4, 8, 3, 3, 3, 3}; c.y = {1, 8, 8, 8, 8, 8};
  });
  bad("ConvTranspose 3-D output shape", ErrorKind::kRange, {"[1,8,8,8,8]"}, [](BadConv& c) {
    c.op = "ConvTranspose"; c.x = {1, 4, 6, 6, 6}; c.w = {4, 8, 3, 3, 3}; c.y = {1, 8, 8, 8, 7};
  });
}

// --- ConvTranspose ------------------------------------------------------------------------------

namespace {

struct TCase {
  std::string label;
  int64_t n = 1, c = 1, m = 1, group = 1;  // m: output channels
  std::vector<int64_t> spatial, kernel, strides, dilations, pads, output_padding, output_shape;
  std::string auto_pad;
  bool bias = true;
  std::string activation;  // fused; Relu / Clip / Sigmoid here
  std::vector<float> activation_params;
};

// Spec geometry for one ConvTranspose axis (independent of conv_geometry.cc).
Axis transpose_axis_ref(const TCase& t, size_t i) {
  const size_t rank = t.spatial.size();
  Axis a;
  a.in = t.spatial[i];
  a.k = t.kernel[i];
  a.s = t.strides.empty() ? 1 : t.strides[i];
  a.d = t.dilations.empty() ? 1 : t.dilations[i];
  const int64_t op = t.output_padding.empty() ? 0 : t.output_padding[i];
  const int64_t full = a.s * (a.in - 1) + op + (a.k - 1) * a.d + 1;
  const bool same = t.auto_pad == "SAME_UPPER" || t.auto_pad == "SAME_LOWER";
  if (!t.output_shape.empty() || same) {
    // output_shape may carry N and C in front of the spatial sizes.
    a.out = t.output_shape.empty() ? a.in * a.s : t.output_shape[t.output_shape.size() - rank + i];
    const int64_t total = full - a.out;
    const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor
    if (t.auto_pad == "SAME_UPPER") {
      a.pb = half;
      a.pe = total - half;
    } else {
      a.pe = half;
      a.pb = total - half;
    }
  } else {
    a.pb = t.pads.empty() || t.auto_pad == "VALID" ? 0 : t.pads[i];
    a.pe = t.pads.empty() || t.auto_pad == "VALID" ? 0 : t.pads[rank + i];
    a.out = full - a.pb - a.pe;
  }
  return a;
}

// Axes D, H, W of a case (identity leading axes below 3-D).
Axes transpose_axes(const TCase& t) {
  const size_t rank = t.spatial.size();
  Axes a;
  Axis* all[3] = {&a.d, &a.h, &a.w};
  for (size_t i = 0; i < rank; ++i) *all[3 - rank + i] = transpose_axis_ref(t, i);
  return a;
}

// y[n, m, o] = B[m] + sum over c, i, k with o = i*s - pb + k*d of x[n, c, i] * W[c, m', k], in double,
// with the sum of |terms| for the error bound.
void reference_conv_transpose(const TCase& t, const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                              std::vector<double>& y, std::vector<double>& magnitude) {
  const Axes ax = transpose_axes(t);
  const Axis &d = ax.d, &h = ax.h, &wa = ax.w;
  const int64_t cg = t.c / t.group, mg = t.m / t.group;
  y.assign(static_cast<size_t>(t.n * t.m * ax.out_pixels()), 0.0);
  magnitude.assign(y.size(), 0.0);
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t ci = 0; ci < t.c; ++ci) {
      const int64_t g = ci / cg;
      for (int64_t id = 0; id < d.in; ++id)
        for (int64_t ih = 0; ih < h.in; ++ih)
          for (int64_t iw = 0; iw < wa.in; ++iw)
            for (int64_t mi = 0; mi < mg; ++mi)
              for (int64_t kd = 0; kd < d.k; ++kd)
                for (int64_t kh = 0; kh < h.k; ++kh)
                  for (int64_t kw = 0; kw < wa.k; ++kw) {
                    const int64_t od = id * d.s - d.pb + kd * d.d, oh = ih * h.s - h.pb + kh * h.d, ow = iw * wa.s - wa.pb + kw * wa.d;
                    if (od < 0 || od >= d.out || oh < 0 || oh >= h.out || ow < 0 || ow >= wa.out) continue;
                    const double term = static_cast<double>(x[(((n * t.c + ci) * d.in + id) * h.in + ih) * wa.in + iw]) *
                                        w[(((ci * mg + mi) * d.k + kd) * h.k + kh) * wa.k + kw];
                    const size_t o = static_cast<size_t>((((n * t.m + g * mg + mi) * d.out + od) * h.out + oh) * wa.out + ow);
                    y[o] += term;
                    magnitude[o] += std::fabs(term);
                  }
    }
  if (t.bias)
    for (size_t i = 0; i < y.size(); ++i) {
      const int64_t m = static_cast<int64_t>(i) / ax.out_pixels() % t.m;
      y[i] += b[m];
      magnitude[i] += std::fabs(b[m]);
    }
}

Attributes transpose_attrs(const TCase& t, bool channels_last) {
  Attributes a;
  a.set_ints("kernel_shape", t.kernel);
  if (!t.strides.empty()) a.set_ints("strides", t.strides);
  if (!t.dilations.empty()) a.set_ints("dilations", t.dilations);
  if (!t.pads.empty()) a.set_ints("pads", t.pads);
  if (!t.output_padding.empty()) a.set_ints("output_padding", t.output_padding);
  if (!t.output_shape.empty()) a.set_ints("output_shape", t.output_shape);
  if (!t.auto_pad.empty()) a.set_string("auto_pad", t.auto_pad);
  if (t.group != 1) a.set_int("group", t.group);
  if (channels_last) a.set_int("channels_last", 1);
  if (!t.activation.empty()) {
    a.set_string("activation", t.activation);
    if (!t.activation_params.empty()) a.set_floats("activation_params", t.activation_params);
  }
  return a;
}

// Both layouts, W constant and runtime, threads 1..3: within tolerance of the reference, and the
// runtime-W results bit for bit those of the constant W.
void check_conv_transpose(const TCase& t, uint64_t seed) {
  Rng rng(seed);
  int64_t pixels = 1, taps = 1;
  for (int64_t s : t.spatial) pixels *= s;
  for (int64_t k : t.kernel) taps *= k;
  const std::vector<float> x = random_floats(rng, static_cast<size_t>(t.n * t.c * pixels));
  const std::vector<float> w = random_floats(rng, static_cast<size_t>(t.c * (t.m / t.group) * taps));
  const std::vector<float> b = random_floats(rng, static_cast<size_t>(t.m));
  std::vector<double> want, magnitude;
  reference_conv_transpose(t, x, w, b, want, magnitude);
  if (!t.activation.empty()) {
    // Clamps and Sigmoid have slopes <= 1, so the tolerance still holds after them.
    Attributes act_attrs;
    act_attrs.set_string("activation", t.activation);
    if (!t.activation_params.empty()) act_attrs.set_floats("activation_params", t.activation_params);
    const Activation act = Activation::from_attributes(act_attrs);
    for (double& v : want) {
      float f = static_cast<float>(v);
      act.apply(&f, 1);
      v = f;
    }
  }
  const Axes ax = transpose_axes(t);
  const std::vector<int64_t> out_spatial = ax.out_spatial(t.spatial.size());
  const int64_t out_pixels = ax.out_pixels();
  for (bool cl : {false, true}) {
    std::vector<std::vector<float>> constant_results;  // per thread count
    for (bool w_constant : {true, false}) {
      const std::string what = t.label + " channels_last=" + std::to_string(cl) + (w_constant ? " W constant" : " W runtime");
      Shape wshape{t.c, t.m / t.group};
      wshape.insert(wshape.end(), t.kernel.begin(), t.kernel.end());
      std::vector<OpTensor> in{OpTensor::of(DType::kFloat32, layout_shape(t.n, t.c, t.spatial, cl), cl ? to_nhwc(x, t.n, t.c, pixels) : x),
                               OpTensor::of(DType::kFloat32, wshape, w, w_constant)};
      if (t.bias) in.push_back(OpTensor::of(DType::kFloat32, {t.m}, b, true));
      std::vector<OpTensor> out{OpTensor::of(DType::kFloat32, layout_shape(t.n, t.m, out_spatial, cl), std::vector<float>{})};
      std::unique_ptr<OpHarness> op;
      try {
        op = std::make_unique<OpHarness>(conv_factory("ConvTranspose"), make_node("ConvTranspose", transpose_attrs(t, cl)), in, out);
      } catch (const std::exception& e) {
        CHECK(false) << what << ": create threw " << e.what();
        return;
      }
      const std::vector<int> thread_counts{1, 2, 3};
      for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
        op->run(thread_counts[ti]);
        std::vector<float> got = op->output(0).values<float>();
        if (cl) got = to_nchw(got, t.n, t.m, out_pixels);
        for (size_t i = 0; i < want.size(); ++i) {
          const double tol = 2e-6 * magnitude[i] * std::sqrt(static_cast<double>(taps * t.c)) + 1e-7;
          if (std::fabs(got[i] - want[i]) <= tol) continue;
          CHECK(false) << what << " threads=" << thread_counts[ti] << ": element " << i << " got " << got[i] << " want " << want[i]
                       << " (tolerance " << tol << ")";
          break;
        }
        if (w_constant) {
          constant_results.push_back(got);
        } else {
          const std::vector<float>& c = constant_results[ti];
          CHECK(std::memcmp(c.data(), got.data(), got.size() * sizeof(float)) == 0)
              << what << " threads=" << thread_counts[ti] << ": differs from the constant-W result";
        }
      }
    }
  }
}

}  // namespace

TEST(conv_transpose_matches_reference) {
  std::vector<TCase> cases;
  // label, N, C, M, group, spatial, kernel, strides; then the optional attributes.
  const auto tcase = [](std::string label, int64_t n, int64_t c, int64_t m, int64_t group, std::vector<int64_t> spatial,
                        std::vector<int64_t> kernel, std::vector<int64_t> strides) {
    TCase t;
    t.label = std::move(label);
    t.n = n; t.c = c; t.m = m; t.group = group;
    t.spatial = std::move(spatial);
    t.kernel = std::move(kernel);
    t.strides = std::move(strides);
    return t;
  };
  cases.push_back(tcase("2x2 s2 upsample", 1, 4, 3, 1, {5, 6}, {2, 2}, {2, 2}));
  // Kernel = stride, no padding: one tap per output pixel (placed, not gathered), also to one
  // channel (a segmentation head's last layer), grouped, 1-D, 3-D, unequal axes, fused activations.
  cases.push_back(tcase("2x2 s2 to one channel", 2, 24, 1, 1, {7, 9}, {2, 2}, {2, 2}));
  cases.push_back(tcase("3x2 s3x2 grouped", 1, 6, 4, 2, {4, 5}, {3, 2}, {3, 2}));
  cases.push_back(tcase("1-D k2 s2", 2, 3, 5, 1, {7}, {2}, {2}));
  cases.push_back(tcase("3-D 2x2x2 s2", 1, 4, 3, 1, {2, 3, 3}, {2, 2, 2}, {2, 2, 2}));
  {
    TCase t = tcase("2x2 s2 relu", 1, 5, 3, 1, {4, 4}, {2, 2}, {2, 2});
    t.activation = "Relu";
    cases.push_back(t);
  }
  {
    TCase t = tcase("2x2 s2 sigmoid, no bias", 1, 5, 2, 1, {3, 5}, {2, 2}, {2, 2});
    t.activation = "Sigmoid";
    t.bias = false;
    cases.push_back(t);
  }
  {
    TCase t = tcase("3x3 s2 p1 output_padding 1", 2, 3, 5, 1, {4, 5}, {3, 3}, {2, 2});
    t.pads = {1, 1, 1, 1};
    t.output_padding = {1, 1};
    cases.push_back(t);
  }
  {
    TCase t = tcase("3x3 s1 p1", 1, 6, 4, 1, {6, 6}, {3, 3}, {1, 1});
    t.pads = {1, 1, 1, 1};
    cases.push_back(t);
  }
  {
    TCase t = tcase("4x4 s2 p1 grouped", 1, 6, 4, 2, {5, 4}, {4, 4}, {2, 2});
    t.pads = {1, 1, 1, 1};
    cases.push_back(t);
  }
  cases.push_back(tcase("depthwise-style group", 1, 5, 5, 5, {4, 4}, {3, 3}, {2, 2}));
  {
    TCase t = tcase("dilation 2 asymmetric pads", 1, 3, 2, 1, {5, 4}, {3, 2}, {1, 2});
    t.dilations = {2, 1};
    t.pads = {0, 1, 2, 0};
    cases.push_back(t);
  }
  cases.push_back(tcase("stride 3 > kernel", 1, 2, 3, 1, {3, 4}, {2, 2}, {3, 3}));
  {
    TCase t = tcase("output_shape", 1, 3, 2, 1, {4, 4}, {3, 3}, {2, 2});
    t.output_shape = {8, 9};
    cases.push_back(t);
    t.label = "output_shape with N and C";
    t.output_shape = {1, 2, 9, 8};
    cases.push_back(t);
    t.label = "output_shape SAME_UPPER";
    t.output_shape = {7, 8};
    t.auto_pad = "SAME_UPPER";
    cases.push_back(t);
  }
  {
    TCase t = tcase("output_shape larger than reachable", 1, 2, 2, 1, {3, 3}, {2, 2}, {2, 2});
    t.output_shape = {8, 7};
    cases.push_back(t);
  }
  for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    TCase t = tcase(ap, 1, 3, 4, 1, {4, 5}, {3, 3}, {2, 2});
    t.auto_pad = ap;
    t.pads = {1, 1, 1, 1};  // ignored under auto_pad
    cases.push_back(t);
  }
  {
    TCase t = tcase("1-D", 2, 3, 4, 1, {7}, {4}, {2});
    t.pads = {1, 0};
    cases.push_back(t);
    t = tcase("1-D SAME_UPPER dilation", 1, 2, 3, 1, {6}, {3}, {2});
    t.dilations = {2};
    t.auto_pad = "SAME_UPPER";
    cases.push_back(t);
  }
  for (const char* act : {"Relu", "Clip", "Sigmoid"}) {
    TCase t = tcase(std::string("fused ") + act, 1, 4, 6, 2, {5, 4}, {3, 3}, {2, 2});
    t.pads = {1, 0, 1, 1};
    t.activation = act;
    if (t.activation == "Clip") t.activation_params = {-0.5f, 0.25f};
    cases.push_back(t);
  }
  TCase nb = tcase("no bias 1x1", 1, 5, 3, 1, {3, 4}, {1, 1}, {1, 1});
  nb.bias = false;
  cases.push_back(nb);
  // 3-D
  cases.push_back(tcase("3-D like test_convtranspose_3d", 1, 1, 2, 1, {3, 4, 5}, {3, 3, 3}, {1, 1, 1}));
  {
    TCase t = tcase("3-D s2 p1 output_padding grouped", 2, 4, 6, 2, {3, 4, 3}, {3, 2, 3}, {2, 2, 1});
    t.pads = {1, 0, 1, 1, 1, 0};
    t.output_padding = {1, 1, 0};
    t.dilations = {1, 2, 1};
    cases.push_back(t);
    t = tcase("3-D SAME_LOWER", 1, 3, 2, 1, {2, 3, 4}, {2, 3, 2}, {2, 1, 3});
    t.auto_pad = "SAME_LOWER";
    cases.push_back(t);
    t = tcase("3-D fused Relu", 1, 2, 3, 1, {3, 3, 3}, {2, 2, 2}, {2, 2, 2});
    t.activation = "Relu";
    cases.push_back(t);
  }
  // Arithmetic fixed by hand from the spec, so the reference geometry is itself checked.
  TCase same = tcase("", 1, 1, 1, 1, {3}, {3}, {2});
  same.auto_pad = "SAME_UPPER";
  const Axis a = transpose_axis_ref(same, 0);
  CHECK(a.out == 6 && a.pb == 0 && a.pe == 1) << "SAME_UPPER in=3 k=3 s=2: out " << a.out << " pads " << a.pb << "+" << a.pe;
  same.auto_pad = "SAME_LOWER";
  const Axis b = transpose_axis_ref(same, 0);
  CHECK(b.out == 6 && b.pb == 1 && b.pe == 0) << "SAME_LOWER in=3 k=3 s=2: out " << b.out << " pads " << b.pb << "+" << b.pe;
  uint64_t seed = 700;
  for (const TCase& t : cases) check_conv_transpose(t, ++seed);
}

TEST(conv_transpose_onnx_backend_cases) {
  // Inputs and expected outputs of the ONNX backend tests, W constant and runtime.
  struct Backend {
    const char* name;
    Shape x, w, y;
    std::vector<float> x_values, w_values;  // empty: arange / ones
    std::function<void(Attributes&)> attrs;
    std::vector<float> want;
  };
  const auto none = [](Attributes&) {};
  const std::vector<Backend> cases{
      {"test_convtranspose", {1, 1, 3, 3}, {1, 2, 3, 3}, {1, 2, 5, 5}, {}, {}, none,
       {0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8,
        0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8}},
      {"test_convtranspose_1d", {1, 1, 3}, {1, 2, 3}, {1, 2, 5}, {}, {}, none, {0, 1, 3, 3, 2, 0, 1, 3, 3, 2}},
      {"test_convtranspose_autopad_same", {1, 1, 3, 3}, {1, 2, 3, 3}, {1, 2, 6, 6}, {}, {},
       [](Attributes& a) {
         a.set_string("auto_pad", "SAME_UPPER");
         a.set_ints("strides", {2, 2});
       },
       {0, 0, 1, 1, 3, 2, 0, 0, 1, 1, 3, 2, 3, 3, 8, 5, 12, 7, 3, 3, 7, 4, 9, 5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8,
        0, 0, 1, 1, 3, 2, 0, 0, 1, 1, 3, 2, 3, 3, 8, 5, 12, 7, 3, 3, 7, 4, 9, 5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8}},
      {"test_convtranspose_dilations", {1, 1, 3, 3}, {1, 1, 2, 2}, {1, 1, 5, 5}, {3, 8, 1, 9, 5, 7, 3, 2, 6}, {7, 2, 1, 9},
       [](Attributes& a) { a.set_ints("dilations", {2, 2}); },
       {21, 56, 13, 16, 2, 63, 35, 67, 10, 14, 24, 22, 76, 76, 21, 9, 5, 88, 45, 63, 3, 2, 33, 18, 54}},
      {"test_convtranspose_pads", {1, 1, 3, 3}, {1, 2, 3, 3}, {1, 2, 7, 3}, {}, {},
       [](Attributes& a) {
         a.set_ints("strides", {3, 2});
         a.set_ints("pads", {1, 2, 1, 2});
       },
       {1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15,
        1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15}},
  };
  for (const Backend& b : cases)
    for (bool w_constant : {true, false}) {
      std::vector<float> x = b.x_values, w = b.w_values;
      if (x.empty())
        for (int64_t i = 0; i < shape_numel(b.x); ++i) x.push_back(static_cast<float>(i));
      if (w.empty()) w.assign(static_cast<size_t>(shape_numel(b.w)), 1.0f);
      Attributes a;
      b.attrs(a);
      OpHarness op(conv_factory("ConvTranspose"), make_node("ConvTranspose", a, 11),
                   {OpTensor::of(DType::kFloat32, b.x, x), OpTensor::of(DType::kFloat32, b.w, w, w_constant)},
                   {OpTensor::of(DType::kFloat32, b.y, std::vector<float>{})});
      op.run(2);
      CHECK(op.output(0).values<float>() == b.want) << b.name << (w_constant ? " W constant" : " W runtime") << ": wrong output";
    }
}

TEST(conv_transpose_every_isa) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    TCase t;
    t.label = std::string("ConvTranspose 2-D on ") + isa_name(isa);
    t.c = 6; t.m = 4; t.group = 2; t.spatial = {5, 6}; t.kernel = {3, 3}; t.strides = {2, 2}; t.pads = {1, 1, 0, 1};
    check_conv_transpose(t, 900);
    t.label = std::string("ConvTranspose 3-D on ") + isa_name(isa);
    t.spatial = {3, 4, 3}; t.kernel = {2, 3, 2}; t.strides = {2, 1, 2}; t.pads = {0, 1, 0, 1, 0, 1};
    check_conv_transpose(t, 901);
  }
  set_active_isa(saved);
}

TEST(conv_transpose_random_shapes) {
  Rng rng(11);
  for (int i = 0; i < 40; ++i) {
    TCase t;
    t.label = "random #" + std::to_string(i);
    t.group = rng.uniform(1, 3);
    t.c = t.group * rng.uniform(1, 3);
    t.m = t.group * rng.uniform(1, 3);
    t.n = rng.uniform(1, 2);
    const size_t rank = rng.uniform(1, 3);
    for (size_t a = 0; a < rank; ++a) {
      t.spatial.push_back(rng.uniform(1, rank == 3 ? 4 : 6));
      t.kernel.push_back(rng.uniform(1, 4));
      t.strides.push_back(rng.uniform(1, 3));
      t.dilations.push_back(rng.uniform(1, 2));
      t.output_padding.push_back(rng.uniform(0, static_cast<int>(std::max(t.strides[a], t.dilations[a]) - 1)));
    }
    t.pads.resize(2 * rank);
    for (size_t a = 0; a < rank; ++a) {
      const int64_t full = t.strides[a] * (t.spatial[a] - 1) + t.output_padding[a] + (t.kernel[a] - 1) * t.dilations[a] + 1;
      t.pads[a] = rng.uniform(0, static_cast<int>(std::min<int64_t>(2, (full - 1) / 2)));
      t.pads[rank + a] = rng.uniform(0, static_cast<int>(std::min<int64_t>(2, (full - 1) / 2)));
    }
    check_conv_transpose(t, 800 + i);
  }
}

}  // namespace octet::test
