// QLinearConv and ConvInteger against a plain NCHW reference written from the ONNX definitions: the
// exact int32 sum Σ (x - x_zp)(w - w_zp) + B, then (QLinearConv) float(acc)·(x_scale·w_scale/y_scale)
// clamped to the output range minus its zero point, rounded half to even, plus the zero point. Every
// form (depthwise, pointwise, im2col), both layouts, constant and runtime W, uint8/int8 on either
// side, per-tensor and per-channel weights, threads 1-3 and every ISA must match it bit for bit.
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"
#include "window_test_util.h"

namespace octet::test {

namespace {

OpFactory qconv_factory(const char* op_type) {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_qconv_ops(r);
    return r;
  }();
  return registry.find(op_type, "");
}

struct QConvCase {
  std::string label;
  bool qlinear = true;
  int64_t n = 1, c = 1, m = 1, group = 1;
  std::vector<int64_t> spatial, kernel, strides, dilations, pads;
  std::string auto_pad;
  bool x_signed = false, w_signed = true, y_signed = false;
  bool w_per_channel = false;
  bool bias = true;
  bool w_symmetric = false;  // weight zero points 0 (128 for uint8): QDQ models' weights, the indirect form's case
};

struct QConvData {
  std::vector<uint8_t> x, w;  // bytes (int8 as their two's complement)
  int32_t x_zp = 0, y_zp = 0;
  std::vector<int32_t> w_zp, bias;
  float x_scale = 1, y_scale = 1;
  std::vector<float> w_scale;
};

int32_t val(uint8_t b, bool is_signed) { return is_signed ? static_cast<int8_t>(b) : b; }

QConvData random_data(const QConvCase& c, Rng& rng) {
  QConvData d;
  int64_t in_pixels = 1;
  for (int64_t s : c.spatial) in_pixels *= s;
  int64_t taps = 1;
  for (int64_t k : c.kernel) taps *= k;
  d.x.resize(static_cast<size_t>(c.n * c.c * in_pixels));
  for (auto& b : d.x) b = static_cast<uint8_t>(rng.uniform(0, 255));
  d.w.resize(static_cast<size_t>(c.m * (c.c / c.group) * taps));
  for (auto& b : d.w) b = static_cast<uint8_t>(rng.uniform(0, 255));
  d.x_zp = c.x_signed ? rng.uniform(-128, 127) : rng.uniform(0, 255);
  d.y_zp = c.y_signed ? rng.uniform(-20, 20) : rng.uniform(100, 150);
  const size_t wz = c.w_per_channel ? static_cast<size_t>(c.m) : 1;
  for (size_t i = 0; i < wz; ++i) d.w_zp.push_back(c.w_symmetric ? (c.w_signed ? 0 : 128) : c.w_signed ? rng.uniform(-3, 3) : rng.uniform(120, 136));
  for (int64_t i = 0; i < c.m; ++i) d.bias.push_back(rng.uniform(-20000, 20000));
  d.x_scale = rng.uniform_float(0.005f, 0.05f);
  // y_scale so that outputs span the range with some saturation: |acc| ~ 128·128·K/4.
  const float k = static_cast<float>(taps * (c.c / c.group));
  d.y_scale = d.x_scale * 0.02f * 128.0f * std::sqrt(k) / 2.0f;
  for (size_t i = 0; i < wz; ++i) d.w_scale.push_back(rng.uniform_float(0.005f, 0.04f));
  return d;
}

// The ONNX definition on NCHW data.
std::vector<uint8_t> reference(const QConvCase& c, const QConvData& d, Axes& axes_out) {
  const size_t rank = c.spatial.size();
  const Axes a = window_axes(c.spatial, c.kernel, c.strides, c.dilations, c.pads, c.auto_pad);
  axes_out = a;
  const int64_t cg = c.c / c.group, mg = c.m / c.group;
  const Axis* ax[3] = {&a.d, &a.h, &a.w};
  (void)rank;
  const int64_t out_pixels = a.out_pixels();
  const size_t out_size = c.qlinear ? 1 : 4;
  std::vector<uint8_t> y(static_cast<size_t>(c.n * c.m * out_pixels) * out_size);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.m; ++m) {
      const int64_t g = m / mg;
      const int32_t wz = d.w_zp[c.w_per_channel ? m : 0];
      for (int64_t od = 0; od < a.d.out; ++od)
        for (int64_t oh = 0; oh < a.h.out; ++oh)
          for (int64_t ow = 0; ow < a.w.out; ++ow) {
            uint32_t acc = c.bias && c.qlinear ? static_cast<uint32_t>(d.bias[m]) : 0u;
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t kd = 0; kd < a.d.k; ++kd)
                for (int64_t kh = 0; kh < a.h.k; ++kh)
                  for (int64_t kw = 0; kw < a.w.k; ++kw) {
                    const int64_t id = od * a.d.s - a.d.pb + kd * a.d.d, ih = oh * a.h.s - a.h.pb + kh * a.h.d, iw = ow * a.w.s - a.w.pb + kw * a.w.d;
                    if (id < 0 || id >= a.d.in || ih < 0 || ih >= a.h.in || iw < 0 || iw >= a.w.in) continue;  // x - x_zp = 0
                    const int64_t xi = (((n * c.c + g * cg + ci) * a.d.in + id) * a.h.in + ih) * a.w.in + iw;
                    const int64_t wi = (((m * cg + ci) * a.d.k + kd) * a.h.k + kh) * a.w.k + kw;
                    const int32_t xv = val(d.x[static_cast<size_t>(xi)], c.x_signed) - d.x_zp;
                    const int32_t wv = val(d.w[static_cast<size_t>(wi)], c.w_signed) - wz;
                    acc += static_cast<uint32_t>(xv * wv);
                  }
            const size_t at = static_cast<size_t>((n * c.m + m) * out_pixels + (od * a.h.out + oh) * a.w.out + ow);
            const int32_t v = static_cast<int32_t>(acc);
            if (!c.qlinear) {
              std::memcpy(&y[at * 4], &v, 4);
              continue;
            }
            const float mult = (d.x_scale * d.w_scale[c.w_per_channel ? m : 0]) / d.y_scale;
            float f = static_cast<float>(v) * mult;
            const int32_t qmin = c.y_signed ? -128 : 0, qmax = c.y_signed ? 127 : 255;
            const float lo = static_cast<float>(qmin - d.y_zp), hi = static_cast<float>(qmax - d.y_zp);
            f = f > lo ? f : lo;
            f = f < hi ? f : hi;
            y[at] = static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(f)) + d.y_zp);
          }
    }
  (void)ax;
  return y;
}

Attributes attrs_of(const QConvCase& c) {
  Attributes at;
  if (c.group != 1) at.set_int("group", c.group);
  at.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.auto_pad.empty()) at.set_string("auto_pad", c.auto_pad);
  return at;
}

template <typename T>
OpTensor bytes_tensor(DType t, Shape s, const std::vector<T>& v, bool constant) { return OpTensor::of<T>(t, std::move(s), v, constant); }

std::vector<uint8_t> zp_bytes(const std::vector<int32_t>& z) {
  std::vector<uint8_t> b;
  for (int32_t v : z) b.push_back(static_cast<uint8_t>(v));
  return b;
}

// Builds the op's inputs in either layout and runs it; returns the output in NCHW bytes.
std::vector<uint8_t> run_op(const QConvCase& c, const QConvData& d, const Axes& a, bool channels_last, bool w_constant, int threads) {
  int64_t in_pixels = 1;
  for (int64_t s : c.spatial) in_pixels *= s;
  const size_t rank = c.spatial.size();
  const DType xt = c.x_signed ? DType::kInt8 : DType::kUint8, wt = c.w_signed ? DType::kInt8 : DType::kUint8;
  const DType yt = !c.qlinear ? DType::kInt32 : c.y_signed ? DType::kInt8 : DType::kUint8;
  Shape wshape{c.m, c.c / c.group};
  wshape.insert(wshape.end(), c.kernel.begin(), c.kernel.end());
  const std::vector<uint8_t> x = channels_last ? to_nhwc(d.x, c.n, c.c, in_pixels) : d.x;
  const Shape xshape = layout_shape(c.n, c.c, c.spatial, channels_last);
  const Shape yshape = layout_shape(c.n, c.m, a.out_spatial(rank), channels_last);
  const Shape wzs = c.w_per_channel ? Shape{c.m} : Shape{};
  std::vector<OpTensor> in;
  if (c.qlinear) {
    in.push_back(bytes_tensor(xt, xshape, x, false));
    in.push_back(bytes_tensor(DType::kFloat32, {}, std::vector<float>{d.x_scale}, true));
    in.push_back(bytes_tensor(xt, {}, zp_bytes({d.x_zp}), true));
    in.push_back(bytes_tensor(wt, wshape, d.w, w_constant));
    in.push_back(bytes_tensor(DType::kFloat32, wzs, d.w_scale, true));
    in.push_back(bytes_tensor(wt, wzs, zp_bytes(d.w_zp), w_constant));
    in.push_back(bytes_tensor(DType::kFloat32, {}, std::vector<float>{d.y_scale}, w_constant));  // runtime scales with runtime W
    in.push_back(bytes_tensor(yt, {}, zp_bytes({d.y_zp}), true));
    in.push_back(c.bias ? bytes_tensor(DType::kInt32, {c.m}, d.bias, w_constant) : OpTensor::absent());
  } else {
    in.push_back(bytes_tensor(xt, xshape, x, false));
    in.push_back(bytes_tensor(wt, wshape, d.w, w_constant));
    in.push_back(bytes_tensor(xt, {}, zp_bytes({d.x_zp}), false));
    in.push_back(bytes_tensor(wt, wzs, zp_bytes(d.w_zp), w_constant));
  }
  Attributes at = attrs_of(c);
  if (channels_last) at.set_int("channels_last", 1);
  OpHarness h(qconv_factory(c.qlinear ? "QLinearConv" : "ConvInteger"), make_node(c.qlinear ? "QLinearConv" : "ConvInteger", at), in,
              {OpTensor{yt, yshape, {}, false}});
  h.run(threads);
  std::vector<uint8_t> y = h.output(0).bytes;
  if (!channels_last) return y;
  if (c.qlinear) return to_nchw(y, c.n, c.m, a.out_pixels());
  std::vector<int32_t> y32(y.size() / 4);
  std::memcpy(y32.data(), y.data(), y.size());
  y32 = to_nchw(y32, c.n, c.m, a.out_pixels());
  std::memcpy(y.data(), y32.data(), y.size());
  return y;
}

std::string describe(const QConvCase& c, bool cl, bool wc, int threads) {
  std::ostringstream s;
  s << c.label << " (" << (c.qlinear ? "QLinearConv" : "ConvInteger") << " n=" << c.n << " c=" << c.c << " m=" << c.m << " g=" << c.group
    << " x=" << (c.x_signed ? "s8" : "u8") << " w=" << (c.w_signed ? "s8" : "u8") << (c.w_per_channel ? " per-channel" : "")
    << " channels_last=" << cl << " w_constant=" << wc << " threads=" << threads << " isa=" << isa_name(active_isa()) << ")";
  return s.str();
}

void check_case(const QConvCase& c, uint64_t seed) {
  Rng rng(seed);
  const QConvData d = random_data(c, rng);
  Axes a;
  const std::vector<uint8_t> want = reference(c, d, a);
  for (bool cl : {false, true})
    for (bool wc : {true, false})
      for (int threads : {1, 2, 3}) {
        std::vector<uint8_t> got;
        try {
          got = run_op(c, d, a, cl, wc, threads);
        } catch (const std::exception& e) {
          CHECK(false) << describe(c, cl, wc, threads) << ": threw " << e.what();
          return;
        }
        if (got != want) {
          size_t i = 0;
          while (i < got.size() && got[i] == want[i]) ++i;
          CHECK(false) << describe(c, cl, wc, threads) << ": first difference at byte " << i << " of " << got.size() << ": got "
                       << int(got[i]) << " want " << int(want[i]);
          return;
        }
      }
}

// A case from its fields in declaration order, the later ones optional.
QConvCase make_case(std::string label, bool qlinear, int64_t n, int64_t c, int64_t m, int64_t group, std::vector<int64_t> spatial,
                    std::vector<int64_t> kernel, std::vector<int64_t> strides = {}, std::vector<int64_t> dilations = {},
                    std::vector<int64_t> pads = {}, std::string auto_pad = "", bool x_signed = false, bool w_signed = true,
                    bool y_signed = false, bool w_per_channel = false, bool bias = true) {
  QConvCase q;
  q.label = std::move(label);
  q.qlinear = qlinear;
  q.n = n;
  q.c = c;
  q.m = m;
  q.group = group;
  q.spatial = std::move(spatial);
  q.kernel = std::move(kernel);
  q.strides = std::move(strides);
  q.dilations = std::move(dilations);
  q.pads = std::move(pads);
  q.auto_pad = std::move(auto_pad);
  q.x_signed = x_signed;
  q.w_signed = w_signed;
  q.y_signed = y_signed;
  q.w_per_channel = w_per_channel;
  q.bias = bias;
  return q;
}

std::vector<QConvCase> cases() {
  std::vector<QConvCase> v;
  auto add = [&](QConvCase c) { v.push_back(std::move(c)); };
  add(make_case("3x3 pad 1", true, 1, 8, 16, 1, {9, 10}, {3, 3}, {}, {}, {1, 1, 1, 1}));
  add(make_case("3x3 stride 2 asym pads, u8 weights", true, 2, 5, 7, 1, {11, 9}, {3, 3}, {2, 2}, {}, {0, 1, 2, 0}, "", false, false));
  add(make_case("1x1 pointwise", true, 1, 20, 24, 1, {7, 6}, {1, 1}));
  add(make_case("1x1 stride 2", true, 1, 6, 9, 1, {7, 7}, {1, 1}, {2, 2}));
  add(make_case("grouped 3x3", true, 1, 12, 8, 4, {6, 7}, {3, 3}, {1, 1}, {}, {1, 1, 1, 1}, "", true, true, true, true));
  add(make_case("depthwise 3x3", true, 1, 19, 19, 19, {8, 9}, {3, 3}, {}, {}, {1, 1, 1, 1}));
  add(make_case("depthwise 3x3 stride 2 s8", true, 2, 33, 33, 33, {9, 9}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, "", true, true, true, true));
  add(make_case("depthwise 5x5 dilated", true, 1, 16, 16, 16, {12, 11}, {5, 5}, {1, 1}, {2, 1}, {4, 2, 4, 2}, "", false, true, false, true));
  add(make_case("depthwise multiplier 2", true, 1, 4, 8, 4, {5, 5}, {3, 3}, {}, {}, {1, 1, 1, 1}));
  // 3x3 stride 1 depthwise: output rows in pairs (odd and even heights), interior columns through the
  // row-pair kernel, border rows and columns through the pixel kernel; tiles and a masked tail.
  add(make_case("depthwise 3x3 row pairs", true, 2, 70, 70, 70, {7, 7}, {3, 3}, {1, 1}, {}, {1, 1, 1, 1}, "", false, true, false, true));
  add(make_case("depthwise 3x3 row pairs s8, no pads", true, 1, 40, 40, 40, {8, 12}, {3, 3}, {}, {}, {0, 0, 0, 0}, "", true, true, true, false));
  add(make_case("depthwise 3x3 row pairs asym pads", true, 1, 33, 33, 33, {9, 6}, {3, 3}, {}, {}, {2, 0, 0, 1}, "", false, false, true, true));
  add(make_case("depthwise 3-D 1x3x3", true, 1, 40, 40, 40, {3, 6, 6}, {1, 3, 3}, {}, {}, {0, 1, 1, 1, 1, 1}));
  add(make_case("SAME_UPPER dilated", true, 1, 3, 5, 1, {8, 7}, {3, 2}, {2, 1}, {1, 2}, {}, "SAME_UPPER", false, true, true, true));
  add(make_case("first layer 3->32 stride 2", true, 1, 3, 32, 1, {20, 20}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}));
  add(make_case("1-D", true, 2, 4, 6, 2, {13}, {3}, {2}, {}, {1, 0}));
  add(make_case("3-D", true, 1, 3, 4, 1, {4, 5, 5}, {2, 3, 3}, {1, 2, 1}, {}, {0, 1, 1, 1, 0, 1}, "", true, false, false, true));
  add(make_case("no bias, per-channel u8 weights", true, 1, 7, 10, 1, {6, 6}, {3, 3}, {}, {}, {1, 1, 1, 1}, "", false, false, false, true, false));
  // Symmetric weights, uint8 input, C/group a multiple of 4: the indirect form where the GEMM has one
  // (tap pointers, the zero-point vector in the padding, a last tile of fewer than 8 pixels, several
  // panels and a partial one).
  const auto symmetric = [](QConvCase c) {
    c.w_symmetric = true;
    return c;
  };
  add(symmetric(make_case("indirect 3x3 pad 1", true, 2, 16, 40, 1, {9, 10}, {3, 3}, {}, {}, {1, 1, 1, 1})));
  add(symmetric(make_case("indirect stride 2 dilated asym pads", true, 1, 8, 70, 1, {11, 13}, {3, 3}, {2, 1}, {1, 2}, {0, 1, 2, 0}, "", false, true, true, true)));
  add(symmetric(make_case("indirect grouped, u8 weights", true, 1, 24, 10, 2, {7, 7}, {3, 3}, {}, {}, {1, 1, 1, 1}, "", false, false, false, true)));
  add(symmetric(make_case("indirect 3-D", true, 1, 4, 9, 1, {4, 5, 6}, {2, 3, 3}, {1, 1, 2}, {}, {1, 0, 1, 0, 1, 1})));
  add(symmetric(make_case("indirect 5x5 no pads, no bias", true, 1, 12, 33, 1, {9, 8}, {5, 5}, {}, {}, {}, "", false, true, false, false, false)));
  add(symmetric(make_case("indirect 1x1 stride 2", true, 1, 4, 32, 1, {9, 9}, {1, 1}, {2, 2})));
  add(symmetric(make_case("indirect padding everywhere", true, 1, 4, 8, 1, {2, 2}, {5, 5}, {}, {}, {3, 3, 3, 3})));
  add(make_case("ConvInteger 3x3", false, 1, 5, 6, 1, {7, 8}, {3, 3}, {}, {}, {1, 1, 1, 1}, "", false, false));
  add(make_case("ConvInteger depthwise s8", false, 1, 9, 9, 9, {6, 6}, {3, 3}, {1, 1}, {}, {1, 1, 1, 1}, "", true, true, false, true));
  add(make_case("ConvInteger 1x1 per-channel", false, 1, 8, 5, 1, {4, 4}, {1, 1}, {}, {}, {}, "", false, true, false, true));
  return v;
}

}  // namespace

TEST(qconv_ops_are_registered) {
  CHECK(qconv_factory("QLinearConv") != nullptr);
  CHECK(qconv_factory("ConvInteger") != nullptr);
}

TEST(qconv_matches_reference_on_every_isa) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    uint64_t seed = 1;
    for (const QConvCase& c : cases()) check_case(c, seed++);
  }
  set_active_isa(saved);
}

TEST(qconv_random_shapes_match_reference) {
  Rng pick(2024);
  for (int i = 0; i < 40; ++i) {
    QConvCase c;
    c.label = "random " + std::to_string(i);
    c.qlinear = pick.uniform(0, 3) != 0;
    c.n = pick.uniform(1, 2);
    const int kind = pick.uniform(0, 2);  // general, depthwise, grouped
    const int64_t k = pick.uniform(1, 5);
    c.kernel = {k, pick.uniform(1, 4)};
    c.spatial = {pick.uniform(static_cast<int>(k), 12), pick.uniform(4, 12)};
    c.strides = {pick.uniform(1, 2), pick.uniform(1, 3)};
    c.pads = {pick.uniform(0, 2), pick.uniform(0, 1), pick.uniform(0, 2), pick.uniform(0, 1)};
    if (kind == 1) {
      c.c = c.m = c.group = pick.uniform(2, 40);
    } else {
      c.group = kind == 2 ? pick.uniform(2, 3) : 1;
      c.c = c.group * pick.uniform(1, 9);
      c.m = c.group * pick.uniform(1, 9);
    }
    c.x_signed = pick.uniform(0, 1) == 1;
    c.w_signed = pick.uniform(0, 1) == 1;
    c.y_signed = pick.uniform(0, 1) == 1;
    c.w_per_channel = pick.uniform(0, 1) == 1;
    c.bias = pick.uniform(0, 1) == 1;
    // Half of the general ones as QDQ models have them, and channels the indirect form takes.
    if (kind == 0 && pick.uniform(0, 1) == 1) {
      c.w_symmetric = true;
      c.x_signed = false;
      c.c = 4 * pick.uniform(1, 6);
    }
    check_case(c, 100 + static_cast<uint64_t>(i));
  }
}

TEST(qconv_rejects_bad_quantization_parameters) {
  const QConvCase c = make_case("bad", true, 1, 2, 3, 1, {4, 4}, {3, 3});
  Rng rng(5);
  const QConvData d = random_data(c, rng);
  const auto create_error = [&](const std::function<void(std::vector<OpTensor>&)>& spoil) -> std::string {
    std::vector<OpTensor> in = {
        OpTensor::of<uint8_t>(DType::kUint8, {1, 2, 4, 4}, d.x),
        OpTensor::of<float>(DType::kFloat32, {}, {d.x_scale}, true),
        OpTensor::of<uint8_t>(DType::kUint8, {}, {1}, true),
        OpTensor::of<uint8_t>(DType::kInt8, {3, 2, 3, 3}, d.w, true),
        OpTensor::of<float>(DType::kFloat32, {}, {0.01f}, true),
        OpTensor::of<uint8_t>(DType::kInt8, {}, {0}, true),
        OpTensor::of<float>(DType::kFloat32, {}, {0.5f}, true),
        OpTensor::of<uint8_t>(DType::kUint8, {}, {128}, true),
        OpTensor::of<int32_t>(DType::kInt32, {3}, {1, 2, 3}, true),
    };
    spoil(in);
    Attributes at;
    at.set_ints("kernel_shape", {3, 3});
    try {
      OpHarness h(qconv_factory("QLinearConv"), make_node("QLinearConv", at), in, {OpTensor{DType::kUint8, {1, 3, 2, 2}, {}, false}});
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(create_error([](std::vector<OpTensor>&) {}).empty());
  const auto has = [](const std::string& s, const char* part) { return s.find(part) != std::string::npos; };
  for (float bad : {0.0f, -1.0f, NAN, INFINITY}) {
    const std::string e = create_error([&](std::vector<OpTensor>& in) { in[1] = OpTensor::of<float>(DType::kFloat32, {}, {bad}, true); });
    CHECK(has(e, "x_scale") && has(e, "positive and finite")) << e;
  }
  std::string e = create_error([](std::vector<OpTensor>& in) { in[4] = OpTensor::of<float>(DType::kFloat32, {3}, {0.1f, 0.0f, 0.1f}, true); });
  CHECK(has(e, "w_scale[1]")) << e;
  e = create_error([](std::vector<OpTensor>& in) { in[4] = OpTensor::of<float>(DType::kFloat32, {2}, {0.1f, 0.1f}, true); });
  CHECK(has(e, "w_scale must hold 1 or M = 3")) << e;
  e = create_error([](std::vector<OpTensor>& in) { in[5] = OpTensor::of<uint8_t>(DType::kUint8, {}, {0}, true); });
  CHECK(has(e, "w_zero_point must have w's type")) << e;
  e = create_error([](std::vector<OpTensor>& in) { in[2] = OpTensor::of<int32_t>(DType::kInt32, {}, {0}, true); });
  CHECK(has(e, "x_zero_point must have x's type")) << e;
  e = create_error([](std::vector<OpTensor>& in) { in[8] = OpTensor::of<float>(DType::kFloat32, {3}, {1, 2, 3}, true); });
  CHECK(has(e, "B must be int32")) << e;
  e = create_error([](std::vector<OpTensor>& in) { in[5] = OpTensor::of<uint8_t>(DType::kInt8, {2}, {0, 0}, true); });
  CHECK(has(e, "w_zero_point must hold 1 or M = 3")) << e;
}

}  // namespace octet::test
