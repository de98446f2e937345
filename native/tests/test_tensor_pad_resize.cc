// Pad, Resize and Upsample: against plain references on random shapes (bit for bit), against
// onnxruntime's own outputs (resize_golden.h: every coordinate transformation, nearest mode, cubic
// variant, tf_crop_and_resize, axes and keep_aspect_ratio_policy; where onnxruntime departs from the
// spec's length_resized, against the spec and ONNX's backend test values), on every ISA this CPU
// runs, and creation errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "resize_golden.h"
#include "tensor_test_util.h"

namespace octet::test {

namespace {

int64_t offset_in(const std::vector<int64_t>& idx, const Shape& shape) {
  int64_t o = 0;
  for (size_t k = 0; k < idx.size(); ++k) o = o * shape[k] + idx[k];
  return o;
}

// ---- Pad reference: numpy's definitions, with negative pads cropping first (onnxruntime) ----

int64_t pad_source(const std::string& mode, int64_t o, int64_t dim, int64_t begin, int64_t end) {
  if (mode == "constant") {
    const int64_t i = o - begin;
    return i >= 0 && i < dim ? i : -1;
  }
  const int64_t lo = std::max<int64_t>(0, -begin), n = dim - lo - std::max<int64_t>(0, -end);
  int64_t j = o - std::max<int64_t>(0, begin);
  if (mode == "edge") return lo + std::min(std::max<int64_t>(j, 0), n - 1);
  if (mode == "wrap") {
    while (j < 0) j += n;
    return lo + j % n;
  }
  // reflect, one bounce at a time
  if (n == 1) return lo;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return lo + j;
}

}  // namespace

TEST(pad_matches_reference) {
  Rng rng(21);
  const char* modes[] = {"constant", "reflect", "edge", "wrap"};
  for (int iter = 0; iter < 300; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const std::string mode = modes[rng.uniform(0, 3)];
    const int form = rng.uniform(0, 2);  // 0: opset 2 attributes, 1: opset 11-13 inputs, 2: opset 19 inputs with axes
    const int rank = rng.uniform(1, 4);
    const Shape shape = random_shape(rng, rank, 5);
    std::vector<int64_t> begin(static_cast<size_t>(rank)), end(static_cast<size_t>(rank));
    std::vector<int64_t> axes;
    for (int k = 0; k < rank; ++k) {
      const int64_t d = shape[static_cast<size_t>(k)];
      const bool padded = form != 2 || rng.uniform(0, 2) > 0;
      if (!padded) continue;
      axes.push_back(rng.uniform(0, 1) ? k : k - rank);
      // Keep at least one element when cropping (modes other than constant need one).
      begin[static_cast<size_t>(k)] = rng.uniform(-static_cast<int>(d - 1) / 2, 6);
      end[static_cast<size_t>(k)] = rng.uniform(-static_cast<int>(d - 1) / 2, 6);
    }
    Shape out(static_cast<size_t>(rank));
    for (size_t k = 0; k < out.size(); ++k) out[k] = shape[k] + begin[k] + end[k];
    OpTensor in = random_tensor(dtype, shape, rng);
    std::vector<uint8_t> value(e, 0);
    std::vector<OpTensor> inputs{in};
    Attributes attrs;
    attrs.set_string("mode", mode);
    int opset = 2;
    if (form == 0) {
      std::vector<int64_t> pads(begin);
      pads.insert(pads.end(), end.begin(), end.end());
      attrs.set_ints("pads", pads);
      const float v = static_cast<float>(rng.uniform(-3, 3));
      if (mode == "constant") attrs.set_float("value", v);
      value = (dtype == DType::kFloat32) ? std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4)
                                         : value;
      if (dtype != DType::kFloat32 && mode == "constant") {
        // Non-float element types: the value converts as a C cast would (uint8 wraps -3 to 253).
        if (dtype == DType::kUint8) value = {static_cast<uint8_t>(static_cast<int64_t>(v))};
        if (dtype == DType::kInt64) {
          const int64_t iv = static_cast<int64_t>(v);
          std::memcpy(value.data(), &iv, 8);
        }
        if (dtype == DType::kFloat16) {
          const uint16_t halves[] = {0xC200, 0xC000, 0xBC00, 0x0000, 0x3C00, 0x4000, 0x4200};  // -3..3
          std::memcpy(value.data(), &halves[static_cast<int>(v) + 3], 2);
        }
      }
    } else {
      opset = form == 1 ? 13 : 19;
      std::vector<int64_t> pads;
      const std::vector<size_t> order = [&] {
        std::vector<size_t> o;
        if (form == 1) {
          for (size_t k = 0; k < shape.size(); ++k) o.push_back(k);
        } else {
          for (int64_t a : axes) o.push_back(static_cast<size_t>(a < 0 ? a + rank : a));
        }
        return o;
      }();
      for (size_t k : order) pads.push_back(begin[k]);
      for (size_t k : order) pads.push_back(end[k]);
      inputs.push_back(ints64(pads));
      for (auto& b : value) b = static_cast<uint8_t>(rng.next() >> 56);
      OpTensor cv;
      cv.dtype = dtype;
      cv.shape = {};
      cv.bytes = value;
      cv.constant = true;
      inputs.push_back(mode == "constant" ? cv : OpTensor::absent());
      if (mode != "constant") value.assign(e, 0);
      if (form == 2) inputs.push_back(ints64(axes));
    }
    const std::vector<uint8_t> expected = [&] {
      std::vector<uint8_t> r(static_cast<size_t>(shape_numel(out)) * e);
      for_each_index(out, [&](const std::vector<int64_t>& o, int64_t i) {
        std::vector<int64_t> src(o.size());
        bool fill = false;
        for (size_t k = 0; k < o.size(); ++k) {
          src[k] = pad_source(mode, o[k], shape[k], begin[k], end[k]);
          fill = fill || src[k] < 0;
        }
        std::memcpy(r.data() + i * static_cast<int64_t>(e), fill ? value.data() : in.bytes.data() + offset_in(src, shape) * static_cast<int64_t>(e), e);
      });
      return r;
    }();
    OpHarness h(tensor_factory("Pad"), make_node("Pad", attrs, opset), inputs, {out_spec(dtype, out)});
    same_bytes(run_all_threads(h, "pad"), expected, e,
               "pad " + mode + " opset " + std::to_string(opset) + " " + shape_string(shape) + " begin " + shape_string(begin) + " end " + shape_string(end));
  }
}

TEST(pad_large_reflect_and_errors) {
  Rng rng(22);
  // Reflection longer than the axis keeps bouncing (numpy: np.pad([1,2,3], (5,4), 'reflect')).
  OpTensor in = OpTensor::of<int32_t>(DType::kInt32, {3}, {1, 2, 3});
  Attributes reflect;
  reflect.set_string("mode", "reflect");
  OpHarness h(tensor_factory("Pad"), make_node("Pad", reflect, 13), {in, ints64({5, 4})}, {out_spec(DType::kInt32, {12})});
  h.run();
  CHECK((h.output(0).values<int32_t>() == std::vector<int32_t>{2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3})) << "long reflection (numpy)";
  Attributes wrap;
  wrap.set_string("mode", "wrap");
  OpHarness w(tensor_factory("Pad"), make_node("Pad", wrap, 19), {in, ints64({4, -1})}, {out_spec(DType::kInt32, {6})});
  w.run();
  CHECK((w.output(0).values<int32_t>() == std::vector<int32_t>{1, 2, 1, 2, 1, 2})) << "wrap after cropping the last element (numpy)";

  const OpFactory f = tensor_factory("Pad");
  const OpTensor x = random_tensor(DType::kFloat32, {2, 3}, rng);
  expect_create_error(f, make_node("Pad", {}, 13), {x, ints64({1, 1})}, {out_spec(DType::kFloat32, {3, 4})}, "expected 4", ErrorKind::kRange);
  expect_create_error(f, make_node("Pad", {}, 13), {x, ints64({0, 0, 0, 0}, false)}, {out_spec(DType::kFloat32, {2, 3})}, "pads must be a constant", ErrorKind::kType);
  expect_create_error(f, make_node("Pad", {}, 13), {x, ints64({-3, 0, 0, 0})}, {out_spec(DType::kFloat32, {0, 3})}, "remove more than", ErrorKind::kRange);
  Attributes bad;
  bad.set_string("mode", "mirror");
  expect_create_error(f, make_node("Pad", bad, 13), {x, ints64({0, 0, 0, 0})}, {out_spec(DType::kFloat32, {2, 3})}, "mode must be", ErrorKind::kRange);
  expect_create_error(f, make_node("Pad", {}, 13), {x, ints64({0, 0, 0, 0}), OpTensor::of<int32_t>(DType::kInt32, {}, {1}, true)},
                      {out_spec(DType::kFloat32, {2, 3})}, "constant_value has type int32, expected float32", ErrorKind::kType);
  Attributes edge;
  edge.set_string("mode", "edge");
  expect_create_error(f, make_node("Pad", edge, 13), {x, ints64({-2, 0, 1, 0})}, {out_spec(DType::kFloat32, {1, 3})},
                      "no input element is left", ErrorKind::kRange);
}

// ---- Resize ----

namespace {

struct ResizeCase {
  std::string mode = "nearest", coord = "half_pixel", nearest = "round_prefer_floor", policy;
  float cubic_a = -0.75f, extrapolation = 0.0f;
  bool exclude_outside = false;
  int opset = 13;
  std::string op = "Resize";
  std::vector<int64_t> axes;
  std::vector<float> roi, scales;
  std::vector<int64_t> sizes;
};

OpHarness make_resize(const ResizeCase& c, const OpTensor& x, const Shape& out) {
  Attributes a;
  a.set_string("mode", c.mode);
  if (c.op == "Resize" && c.opset >= 11) {
    a.set_string("coordinate_transformation_mode", c.coord);
    a.set_string("nearest_mode", c.nearest);
    a.set_float("cubic_coeff_a", c.cubic_a);
    a.set_int("exclude_outside", c.exclude_outside ? 1 : 0);
    a.set_float("extrapolation_value", c.extrapolation);
  }
  if (!c.axes.empty()) a.set_ints("axes", c.axes);
  if (!c.policy.empty()) a.set_string("keep_aspect_ratio_policy", c.policy);
  std::vector<OpTensor> inputs{x};
  if (c.op == "Upsample" && c.opset < 9) {
    a.set_floats("scales", c.scales);
  } else if (c.op == "Upsample" || c.opset == 10) {
    inputs.push_back(floats(c.scales));
  } else {
    inputs.push_back(c.roi.empty() && c.opset >= 13 ? OpTensor::absent() : floats(c.roi));
    inputs.push_back(c.scales.empty() && c.opset >= 13 ? OpTensor::absent() : floats(c.scales));
    if (!c.sizes.empty()) inputs.push_back(ints64(c.sizes));
  }
  return OpHarness(tensor_factory(c.op), make_node(c.op, a, c.opset), inputs, {out_spec(x.dtype, out)});
}

// A plain N-D reference: per axis the ONNX formulas, then nested 1-D interpolation (innermost axis
// summed first, taps in order, acc = w0*x0 then acc + w*x), with identity axes included.
struct RefAxis {
  int64_t in, out;
  // length: the spec's length_resized, in * scale (float32) for scales, out for sizes.
  float scale, length;
  float roi_start = 0.0f, roi_end = 1.0f;
};

float ref_coordinate(const ResizeCase& c, const RefAxis& a, int64_t o) {
  const float x = static_cast<float>(o), s = a.scale, in = static_cast<float>(a.in), out = static_cast<float>(a.out), len = a.length;
  const std::string m = (c.op == "Upsample" || c.opset < 11) ? "asymmetric" : c.coord;
  if (m == "half_pixel") return (x + 0.5f) / s - 0.5f;
  if (m == "asymmetric") return x / s;
  if (m == "pytorch_half_pixel") return len > 1.0f ? (x + 0.5f) / s - 0.5f : 0.0f;
  if (m == "align_corners") return len == 1.0f ? 0.0f : x * (in - 1.0f) / (len - 1.0f);
  if (m == "tf_half_pixel_for_nn") return (x + 0.5f) / s;
  if (m == "half_pixel_symmetric") return in / 2.0f * (1.0f - out / len) + (x + 0.5f) / s - 0.5f;
  // tf_crop_and_resize
  if (len > 1.0f) return a.roi_start * (in - 1.0f) + x * (a.roi_end - a.roi_start) * (in - 1.0f) / (len - 1.0f);
  return 0.5f * (a.roi_start + a.roi_end) * (in - 1.0f);
}

// The per-axis parameters of a case as the ONNX spec defines them: scales (output floor(in * scale),
// the product in float32), sizes (scale out / in), a keep_aspect_ratio_policy's common scale
// (output round(in * scale)), and roi for tf_crop_and_resize.
std::vector<RefAxis> ref_axes(const ResizeCase& c, const Shape& in) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<RefAxis> r;
  for (int64_t d : in) r.push_back({d, d, 1.0f, static_cast<float>(d)});
  std::vector<size_t> axes;
  for (int64_t a : c.axes) axes.push_back(static_cast<size_t>(a < 0 ? a + rank : a));
  if (axes.empty()) {
    for (size_t k = 0; k < in.size(); ++k) axes.push_back(k);
  }
  if (!c.scales.empty()) {
    for (size_t i = 0; i < axes.size(); ++i) {
      RefAxis& a = r[axes[i]];
      a.scale = c.scales[i];
      a.length = static_cast<float>(a.in) * a.scale;
      a.out = static_cast<int64_t>(std::floor(a.length));
    }
  } else {
    float common = 0.0f;
    for (size_t i = 0; i < axes.size(); ++i) {
      RefAxis& a = r[axes[i]];
      a.out = c.sizes[i];
      a.scale = static_cast<float>(a.out) / static_cast<float>(a.in);
      a.length = static_cast<float>(a.out);
      if (i == 0 || (c.policy == "not_larger" ? a.scale < common : a.scale > common)) common = a.scale;
    }
    if (!c.policy.empty() && c.policy != "stretch") {
      for (size_t k : axes) {
        r[k].scale = common;
        r[k].length = static_cast<float>(r[k].in) * common;
        r[k].out = static_cast<int64_t>(std::round(r[k].length));
      }
    }
  }
  if (c.coord == "tf_crop_and_resize" && !c.roi.empty()) {
    for (size_t i = 0; i < axes.size(); ++i) {
      r[axes[i]].roi_start = c.roi[i];
      r[axes[i]].roi_end = c.roi[axes.size() + i];
    }
  }
  return r;
}

// onnxruntime (like the golden data) reads length_resized as the integer output size; the spec and
// ONNX's reference implementation as in * scale. The two differ for align_corners,
// pytorch_half_pixel and tf_crop_and_resize when scales (or a policy's scale) do not give a whole
// output length: there the spec is followed, so such golden outputs are onnxruntime's, not ours.
bool onnxruntime_differs_from_spec(const ResizeCase& c, const std::vector<RefAxis>& axes) {
  if (c.op != "Resize" || c.opset < 11) return false;
  if (c.coord != "align_corners" && c.coord != "pytorch_half_pixel" && c.coord != "tf_crop_and_resize") return false;
  for (const RefAxis& a : axes) {
    if (a.length != static_cast<float>(a.out)) return true;
  }
  return false;
}

struct Taps {
  std::vector<int64_t> index;
  std::vector<float> weight;
  bool outside = false;
};

Taps ref_taps(const ResizeCase& c, const RefAxis& a, int64_t o) {
  Taps t;
  float x = ref_coordinate(c, a, o);
  const bool legacy = c.op == "Upsample" || c.opset < 11;
  t.outside = !legacy && c.coord == "tf_crop_and_resize" && (x < 0.0f || x > static_cast<float>(a.in - 1));
  auto clampi = [&](int64_t i) { return std::max<int64_t>(0, std::min(i, a.in - 1)); };
  if (c.mode == "nearest") {
    int64_t i;
    if (a.scale == 1.0f && a.in == a.out) {  // onnxruntime copies such an axis untransformed
      t.outside = false;
      i = o;
    } else if (legacy) {
      i = a.scale < 1.0f ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
    } else if (c.nearest == "round_prefer_floor") {  // onnxruntime's formulation
      i = x == static_cast<float>(static_cast<int64_t>(x)) + 0.5f ? static_cast<int64_t>(std::floor(x)) : static_cast<int64_t>(std::round(x));
    } else if (c.nearest == "round_prefer_ceil") {
      i = static_cast<int64_t>(std::round(x));
    } else if (c.nearest == "floor") {
      i = static_cast<int64_t>(std::floor(x));
    } else {
      i = static_cast<int64_t>(std::ceil(x));
    }
    t.index = {clampi(i)};
    t.weight = {1.0f};
  } else if (c.mode == "linear") {
    x = std::max(0.0f, std::min(x, static_cast<float>(a.in - 1)));
    const int64_t x0 = static_cast<int64_t>(x);
    const float r = x - static_cast<float>(x0);
    t.index = {x0, clampi(x0 + 1)};
    t.weight = {1.0f - r, r};
  } else {
    const float f = std::floor(x), r = x - f, A = c.cubic_a;
    const float s = 1.0f - r;
    float w[4] = {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A, ((A + 2) * r - (A + 3)) * r * r + 1,
                  ((A + 2) * s - (A + 3)) * s * s + 1, ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A};
    const int64_t base = static_cast<int64_t>(f) - 1;
    if (c.exclude_outside) {
      float sum = 0.0f;
      for (int k = 0; k < 4; ++k) {
        if (base + k < 0 || base + k >= a.in) w[k] = 0.0f;
        sum += w[k];
      }
      for (float& v : w) v = v / sum;
    }
    for (int k = 0; k < 4; ++k) {
      t.index.push_back(clampi(base + k));
      t.weight.push_back(w[k]);
    }
  }
  return t;
}

std::vector<float> ref_resize(const ResizeCase& c, const std::vector<float>& x, const Shape& in, const std::vector<RefAxis>& axes) {
  Shape out;
  for (const RefAxis& a : axes) out.push_back(a.out);
  std::vector<std::vector<Taps>> taps(axes.size());
  for (size_t k = 0; k < axes.size(); ++k) {
    for (int64_t o = 0; o < axes[k].out; ++o) taps[k].push_back(ref_taps(c, axes[k], o));
  }
  std::vector<float> y(static_cast<size_t>(shape_numel(out)));
  for_each_index(out, [&](const std::vector<int64_t>& o, int64_t i) {
    bool outside = false;
    for (size_t k = 0; k < o.size(); ++k) outside = outside || taps[k][static_cast<size_t>(o[k])].outside;
    if (outside) {
      y[static_cast<size_t>(i)] = c.extrapolation;
      return;
    }
    std::vector<int64_t> src(o.size());
    std::function<float(size_t)> value = [&](size_t k) -> float {
      if (k == o.size()) return x[static_cast<size_t>(offset_in(src, in))];
      const Taps& t = taps[k][static_cast<size_t>(o[k])];
      src[k] = t.index[0];
      float acc = t.weight[0] * value(k + 1);
      for (size_t j = 1; j < t.index.size(); ++j) {
        src[k] = t.index[j];
        acc = acc + t.weight[j] * value(k + 1);
      }
      return acc;
    };
    y[static_cast<size_t>(i)] = value(0);
  });
  return y;
}

bool close(float got, float expected) { return std::fabs(got - expected) <= 2e-5f * std::max(1.0f, std::fabs(expected)); }

}  // namespace

TEST(resize_matches_onnxruntime_golden_outputs) {
  const std::vector<Isa> isas = supported_isas();
  const Isa saved = active_isa();
  int index = 0, spec_cases = 0;
  for (const ResizeGolden& g : resize_golden_cases()) {
    ResizeCase c;
    c.op = g.op;
    c.opset = g.opset;
    c.mode = g.mode;
    if (*g.coordinate_transformation_mode) c.coord = g.coordinate_transformation_mode;
    if (*g.nearest_mode) c.nearest = g.nearest_mode;
    c.cubic_a = g.cubic_coeff_a;
    c.exclude_outside = g.exclude_outside != 0;
    c.extrapolation = g.extrapolation_value;
    c.axes = g.axes;
    c.policy = g.keep_aspect_ratio_policy;
    c.roi = g.roi;
    c.scales = g.scales;
    c.sizes = g.sizes;
    std::vector<float> x(static_cast<size_t>(shape_numel(g.shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37 + 11) % 101) / 8.0f - 6.0f;
    const std::string what = "golden case " + std::to_string(index++) + " (" + c.op + "-" + std::to_string(c.opset) + " " + c.mode + " " +
                             c.coord + " " + c.nearest + " scales " + std::to_string(c.scales.size()) + " sizes " + shape_string(c.sizes) + ")";
    // Where onnxruntime departs from the spec (see onnxruntime_differs_from_spec), the spec's
    // reference is the expected output instead of the golden one.
    const std::vector<RefAxis> axes = ref_axes(c, g.shape);
    const bool spec = onnxruntime_differs_from_spec(c, axes);
    spec_cases += spec ? 1 : 0;
    const std::vector<float> expected = spec ? ref_resize(c, x, g.shape, axes) : g.expected;
    const char* source = spec ? "the spec's reference" : "onnxruntime";
    std::vector<uint8_t> first;
    for (Isa isa : isas) {
      set_active_isa(isa);
      OpHarness h = make_resize(c, OpTensor::of<float>(DType::kFloat32, g.shape, x), g.out_shape);
      const std::vector<uint8_t> bytes = run_all_threads(h, what);
      if (first.empty()) {
        first = bytes;
        const std::vector<float> y = h.output(0).values<float>();
        CHECK(y.size() == expected.size()) << what << ": " << y.size() << " outputs, expected " << expected.size();
        for (size_t i = 0; i < y.size() && i < expected.size(); ++i) {
          const bool ok = c.mode == "nearest" ? y[i] == expected[i] : close(y[i], expected[i]);
          if (!ok) {
            CHECK(false) << what << ": element " << i << " got " << y[i] << ", " << source << " " << expected[i];
            break;
          }
        }
      } else {
        CHECK(bytes == first) << what << ": " << isa_name(isa) << " differs from " << isa_name(isas[0]);
      }
    }
  }
  set_active_isa(saved);
  CHECK(spec_cases > 0) << "the golden data has no case where onnxruntime and the spec differ";
}

// length_resized = in * scale (not the integer output size) in align_corners, pytorch_half_pixel and
// tf_crop_and_resize, as the ONNX spec and its backend tests define them; onnxruntime gives other
// values here (noted per case). And output sizes floor a float32 product, like the shape rules.
TEST(resize_follows_the_spec_where_onnxruntime_differs) {
  auto run = [](ResizeCase c, const Shape& in, const Shape& out, const std::vector<float>& x, const std::vector<float>& want, const char* what) {
    OpHarness h = make_resize(c, OpTensor::of<float>(DType::kFloat32, in, x), out);
    run_all_threads(h, what);
    const std::vector<float> y = h.output(0).values<float>();
    CHECK(y.size() == want.size()) << what << ": " << y.size() << " outputs";
    for (size_t i = 0; i < y.size() && i < want.size(); ++i) CHECK(close(y[i], want[i])) << what << ": element " << i << " got " << y[i] << ", spec " << want[i];
  };
  ResizeCase linear;
  linear.mode = "linear";
  linear.coord = "align_corners";
  linear.scales = {1.0f, 1.0f, 0.6f, 0.6f};
  // ONNX backend test resize_downsample_scales_linear_align_corners (onnxruntime: 1, 4).
  run(linear, {1, 1, 2, 4}, {1, 1, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}, {1.0f, 3.14285707f}, "linear align_corners 0.6");
  ResizeCase cubic = linear;
  cubic.mode = "cubic";
  cubic.scales = {1.0f, 1.0f, 0.8f, 0.8f};
  // ONNX backend test resize_downsample_scales_cubic_align_corners.
  std::vector<float> x16(16);
  for (size_t i = 0; i < x16.size(); ++i) x16[i] = static_cast<float>(i + 1);
  run(cubic, {1, 1, 4, 4}, {1, 1, 3, 3}, x16,
      {1.0f, 2.39519167f, 3.7903831f, 6.5807662f, 7.97595787f, 9.37114906f, 12.1615324f, 13.5567236f, 14.9519157f}, "cubic align_corners 0.8");
  // pytorch_half_pixel: length_resized 4 * 0.3 = 1.2 > 1, so output 0 samples (0 + 0.5) / 0.3 - 0.5
  // = 1.1667 (onnxruntime: one output, so 0).
  ResizeCase pytorch;
  pytorch.mode = "linear";
  pytorch.coord = "pytorch_half_pixel";
  pytorch.scales = {0.3f};
  run(pytorch, {4}, {1}, {1, 2, 3, 4}, {2.16666675f}, "pytorch_half_pixel 0.3");
  // tf_crop_and_resize over the whole axis: output 1 samples 1 * 3 / (2.4 - 1) (onnxruntime: 3, so 4).
  ResizeCase crop = pytorch;
  crop.coord = "tf_crop_and_resize";
  crop.roi = {0.0f, 1.0f};
  crop.scales = {0.6f};
  run(crop, {4}, {2}, {1, 2, 3, 4}, {1.0f, 3.14285707f}, "tf_crop_and_resize 0.6");
  // 10 * 0.7f is 6.99999988 in double but 7 in float32, the output size every shape rule computes.
  ResizeCase nearest;
  nearest.scales = {0.7f};
  std::vector<float> x10(10);
  for (size_t i = 0; i < x10.size(); ++i) x10[i] = static_cast<float>(i);
  OpHarness resize = make_resize(nearest, OpTensor::of<float>(DType::kFloat32, {10}, x10), {7});
  run_all_threads(resize, "nearest 0.7 output size");
  ResizeCase upsample;
  upsample.op = "Upsample";
  upsample.opset = 9;
  upsample.scales = {0.7f};
  OpHarness up = make_resize(upsample, OpTensor::of<float>(DType::kFloat32, {10}, x10), {7});
  run_all_threads(up, "Upsample 0.7 output size");
}

TEST(resize_matches_reference_bit_for_bit) {
  Rng rng(23);
  const char* coords[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"};
  const char* nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  const char* modes[] = {"nearest", "linear", "cubic"};
  for (int iter = 0; iter < 300; ++iter) {
    ResizeCase c;
    c.mode = modes[iter % 3];
    c.coord = coords[rng.uniform(0, 5)];
    c.nearest = nearests[rng.uniform(0, 3)];
    c.cubic_a = rng.uniform(0, 1) ? -0.75f : -0.5f;
    c.exclude_outside = c.mode == "cubic" && rng.uniform(0, 1);
    c.extrapolation = static_cast<float>(rng.uniform(-5, 5));
    c.opset = 19;
    const int rank = rng.uniform(1, 4);
    const Shape in = random_shape(rng, rank, 6);
    // Axes: all, or a random subset (opset 18+), in random order.
    std::vector<size_t> axes;
    for (size_t k = 0; k < in.size(); ++k) {
      if (iter % 4 != 0 || rng.uniform(0, 1)) axes.push_back(k);
    }
    if (axes.empty()) axes.push_back(static_cast<size_t>(rank - 1));
    if (axes.size() < in.size() || rng.uniform(0, 3) == 0) {
      for (size_t i = axes.size(); i > 1; --i) std::swap(axes[i - 1], axes[static_cast<size_t>(rng.uniform(0, static_cast<int>(i) - 1))]);
      for (size_t k : axes) c.axes.push_back(rng.uniform(0, 1) ? static_cast<int64_t>(k) : static_cast<int64_t>(k) - rank);
    }
    std::vector<RefAxis> ref;
    for (int64_t d : in) ref.push_back({d, d, 1.0f, static_cast<float>(d)});
    const bool use_sizes = rng.uniform(0, 1);
    for (size_t k : axes) {
      if (use_sizes) {
        c.sizes.push_back(rng.uniform(1, 9));
        ref[k].out = c.sizes.back();
        ref[k].scale = static_cast<float>(ref[k].out) / static_cast<float>(ref[k].in);
        ref[k].length = static_cast<float>(ref[k].out);
      } else {
        // Eighths, and now and then a scale whose in * scale is no whole number of outputs.
        c.scales.push_back(rng.uniform(0, 3) == 0 ? rng.uniform_float(0.3f, 3.5f) : static_cast<float>(rng.uniform(2, 30)) / 8.0f);
        ref[k].scale = c.scales.back();
        ref[k].length = static_cast<float>(ref[k].in) * c.scales.back();
        ref[k].out = static_cast<int64_t>(std::floor(ref[k].length));
      }
    }
    if (c.coord == "tf_crop_and_resize") {
      std::vector<float> starts, ends;
      for (size_t k : axes) {
        starts.push_back(rng.uniform_float(-0.3f, 0.6f));
        ends.push_back(rng.uniform_float(0.4f, 1.3f));
        ref[k].roi_start = starts.back();
        ref[k].roi_end = ends.back();
      }
      c.roi = starts;
      c.roi.insert(c.roi.end(), ends.begin(), ends.end());
    }
    Shape out;
    for (const RefAxis& a : ref) out.push_back(a.out);
    const OpTensor x = random_floats(in, rng);
    const std::vector<float> expected = ref_resize(c, x.values<float>(), in, ref);
    OpHarness h = make_resize(c, x, out);
    run_all_threads(h, "resize");
    const std::vector<float> y = h.output(0).values<float>();
    for (size_t i = 0; i < y.size(); ++i) {
      if (std::memcmp(&y[i], &expected[i], 4) != 0) {
        CHECK(false) << "resize " << c.mode << " " << c.coord << " " << c.nearest << " a=" << c.cubic_a << " exclude=" << c.exclude_outside
                     << " in " << shape_string(in) << " out " << shape_string(out) << " axes " << shape_string(c.axes) << ": element " << i
                     << " got " << y[i] << " expected " << expected[i];
        break;
      }
    }
  }
}

TEST(resize_nearest_works_on_every_element_size_and_threads) {
  Rng rng(24);
  for (DType dtype : copy_dtypes()) {
    const Shape in{2, 3, 33, 47};
    const OpTensor x = random_tensor(dtype, in, rng);
    ResizeCase c;
    c.scales = {1.0f, 1.0f, 2.5f, 0.75f};
    const Shape out{2, 3, 82, 35};
    OpHarness h = make_resize(c, x, out);
    const std::vector<uint8_t> got = run_all_threads(h, "nearest");
    std::vector<RefAxis> ref;
    for (size_t k = 0; k < in.size(); ++k) ref.push_back({in[k], out[k], c.scales[k], static_cast<float>(in[k]) * c.scales[k]});
    const size_t e = dtype_size(dtype);
    const std::vector<uint8_t> expected = gather_reference(x, out, [&](const std::vector<int64_t>& o) {
      std::vector<int64_t> src(o.size());
      for (size_t k = 0; k < o.size(); ++k) src[k] = ref_taps(c, ref[k], o[k]).index[0];
      return offset_in(src, in);
    });
    same_bytes(got, expected, e, std::string("nearest ") + dtype_name(dtype));
  }
  // Large linear resize: passes split between threads give the same bytes.
  ResizeCase lin;
  lin.mode = "linear";
  lin.scales = {1.0f, 1.0f, 1.75f, 2.25f};
  OpHarness big = make_resize(lin, random_floats({1, 4, 60, 70}, rng), {1, 4, 105, 157});
  run_all_threads(big, "big linear");
}

TEST(resize_and_upsample_reject_bad_parameters) {
  Rng rng(25);
  const OpTensor x = random_floats({1, 1, 4, 4}, rng);
  const OpFactory f = tensor_factory("Resize");
  const OpTensor none = OpTensor::absent();
  auto mode = [](const char* m) {
    Attributes a;
    a.set_string("mode", m);
    return a;
  };
  expect_create_error(f, make_node("Resize", {}, 13), {x, none, floats({1, 1, 2, 2}), ints64({1, 1, 8, 8})},
                      {out_spec(DType::kFloat32, {1, 1, 8, 8})}, "either scales or sizes", ErrorKind::kType);
  expect_create_error(f, make_node("Resize", {}, 13), {x}, {out_spec(DType::kFloat32, {1, 1, 4, 4})}, "one of scales or sizes", ErrorKind::kType);
  expect_create_error(f, make_node("Resize", {}, 13), {x, none, floats({1, 2})}, {out_spec(DType::kFloat32, {1, 1, 4, 8})},
                      "scales has 2 values, expected 4", ErrorKind::kRange);
  expect_create_error(f, make_node("Resize", {}, 13), {x, none, floats({1, 1, 2, 2}, false)}, {out_spec(DType::kFloat32, {1, 1, 8, 8})},
                      "scales must be a constant", ErrorKind::kType);
  expect_create_error(f, make_node("Resize", {}, 13), {x, none, floats({1, 1, 2, 2})}, {out_spec(DType::kFloat32, {1, 1, 8, 9})},
                      "computes [1,1,8,8]", ErrorKind::kRange);
  expect_create_error(f, make_node("Resize", mode("linear"), 13), {random_tensor(DType::kUint8, {1, 1, 4, 4}, rng), none, floats({1, 1, 2, 2})},
                      {out_spec(DType::kUint8, {1, 1, 8, 8})}, "need float32 input, got uint8", ErrorKind::kType);
  Attributes aa = mode("linear");
  aa.set_int("antialias", 1);
  expect_create_error(f, make_node("Resize", aa, 18), {x, none, floats({1, 1, 0.5f, 0.5f})}, {out_spec(DType::kFloat32, {1, 1, 2, 2})},
                      "antialias is not supported", ErrorKind::kType);
  Attributes tf = mode("linear");
  tf.set_string("coordinate_transformation_mode", "tf_crop_and_resize");
  expect_create_error(f, make_node("Resize", tf, 13), {x, none, floats({1, 1, 2, 2})}, {out_spec(DType::kFloat32, {1, 1, 8, 8})},
                      "needs roi", ErrorKind::kType);
  Attributes bad = mode("linear");
  bad.set_string("coordinate_transformation_mode", "corner");
  expect_create_error(f, make_node("Resize", bad, 13), {x, none, floats({1, 1, 2, 2})}, {out_spec(DType::kFloat32, {1, 1, 8, 8})},
                      "coordinate_transformation_mode 'corner'", ErrorKind::kRange);
  expect_create_error(f, make_node("Resize", mode("area"), 13), {x, none, floats({1, 1, 2, 2})}, {out_spec(DType::kFloat32, {1, 1, 8, 8})},
                      "mode must be nearest, linear or cubic", ErrorKind::kRange);
  expect_create_error(tensor_factory("Upsample"), make_node("Upsample", {}, 9), {x, floats({1, 1, 2})}, {out_spec(DType::kFloat32, {1, 1, 8, 4})},
                      "scales has 3 values for an input of rank 4", ErrorKind::kRange);
  expect_create_error(tensor_factory("Upsample"), make_node("Upsample", {}, 7), {x}, {out_spec(DType::kFloat32, {1, 1, 8, 8})},
                      "attribute 'scales' is required", ErrorKind::kType);
}

}  // namespace octet::test
