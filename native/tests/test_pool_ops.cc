// MaxPool, AveragePool (1-D, 2-D, 3-D) and the global pools against plain NCHW references written
// from the ONNX specs (output sizes, ceil_mode's "last window starts inside" rule, count_include_pad,
// Indices with both storage orders), plus the ONNX backend tests' small cases. Pooling is exact (max) or sums in the same documented order (average), so
// results are compared bit for bit, in both layouts and with threads 1/2/3.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"
#include "window_test_util.h"

namespace octet::test {

namespace {

OpFactory pool_factory(const std::string& op_type) {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_pool_ops(r);
    return r;
  }();
  return registry.find(op_type, "");
}




struct PoolCase {
  std::string label;
  std::string op = "MaxPool";
  DType dtype = DType::kFloat32;
  int64_t n = 1, c = 1;
  std::vector<int64_t> spatial, kernel, strides, dilations, pads;
  std::string auto_pad;
  bool ceil_mode = false, count_include_pad = false, indices = false;
  int64_t storage_order = 0;
};

PoolCase pool2d(std::string label, std::string op, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p = 0) {
  PoolCase pc;
  pc.label = std::move(label);
  pc.op = std::move(op);
  pc.n = n;
  pc.c = c;
  pc.spatial = {h, w};
  pc.kernel = {k, k};
  pc.strides = {s, s};
  pc.pads = {p, p, p, p};
  return pc;
}


Axes case_axes(const PoolCase& c) { return window_axes(c.spatial, c.kernel, c.strides, c.dilations, c.pads, c.auto_pad, c.ceil_mode); }

template <typename T>
T lowest() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}

// NCHW reference; indices as flat NCHW input positions (column-major: the first spatial axis fastest).
template <typename T>
void reference_pool(const PoolCase& c, const std::vector<T>& x, std::vector<T>& y, std::vector<int64_t>& idx) {
  const Axes ax = case_axes(c);
  const Axis &d = ax.d, &h = ax.h, &w = ax.w;
  y.assign(static_cast<size_t>(c.n * c.c * ax.out_pixels()), T{});
  idx.assign(y.size(), -1);
  const auto counted = [&](int64_t i, const Axis& a) {
    return c.count_include_pad ? (i >= -a.pb && i < a.in + a.pe) : (i >= 0 && i < a.in);
  };
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t od = 0; od < d.out; ++od)
        for (int64_t oh = 0; oh < h.out; ++oh)
          for (int64_t ow = 0; ow < w.out; ++ow) {
            const size_t o = static_cast<size_t>((((n * c.c + ch) * d.out + od) * h.out + oh) * w.out + ow);
            T best = lowest<T>();
            int64_t best_at = -1;
            float sum = 0.0f;
            int64_t count = 0;
            for (int64_t kd = 0; kd < d.k; ++kd)
              for (int64_t kh = 0; kh < h.k; ++kh)
                for (int64_t kw = 0; kw < w.k; ++kw) {
                  const int64_t id = od * d.s - d.pb + kd * d.d, ih = oh * h.s - h.pb + kh * h.d, iw = ow * w.s - w.pb + kw * w.d;
                  if (counted(id, d) && counted(ih, h) && counted(iw, w)) ++count;
                  if (id < 0 || id >= d.in || ih < 0 || ih >= h.in || iw < 0 || iw >= w.in) continue;
                  const int64_t plane = (n * c.c + ch) * d.in * h.in * w.in;
                  const T v = x[plane + (id * h.in + ih) * w.in + iw];
                  const int64_t at = plane + (c.storage_order == 1 ? (iw * h.in + ih) * d.in + id : (id * h.in + ih) * w.in + iw);
                  if (best_at < 0) best_at = at;
                  if (v > best) {
                    best = v;
                    best_at = at;
                  }
                  sum += static_cast<float>(v);
                }
            if (c.op == "MaxPool") {
              y[o] = best;
              idx[o] = best_at;
            } else {
              y[o] = static_cast<T>(sum / static_cast<float>(count));
            }
          }
}

template <typename T>
std::vector<T> random_values(Rng& rng, size_t n) {
  std::vector<T> v(n);
  for (auto& e : v) {
    if constexpr (std::is_same_v<T, float>) e = rng.uniform_float(-4.0f, 4.0f);
    else e = static_cast<T>(rng.next());
  }
  return v;
}

Attributes pool_attrs(const PoolCase& c, bool channels_last) {
  Attributes a;
  a.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) a.set_ints("strides", c.strides);
  if (!c.dilations.empty()) a.set_ints("dilations", c.dilations);
  if (!c.pads.empty()) a.set_ints("pads", c.pads);
  if (!c.auto_pad.empty()) a.set_string("auto_pad", c.auto_pad);
  if (c.ceil_mode) a.set_int("ceil_mode", 1);
  if (c.count_include_pad) a.set_int("count_include_pad", 1);
  if (c.storage_order) a.set_int("storage_order", c.storage_order);
  if (channels_last) a.set_int("channels_last", 1);
  return a;
}

std::string describe(const PoolCase& c, bool cl, int threads) {
  std::ostringstream s;
  s << c.label << " (" << c.op << " " << dtype_name(c.dtype) << " N=" << c.n << " C=" << c.c << " spatial=" << shape_string(c.spatial)
    << " kernel=" << shape_string(c.kernel) << " strides=" << shape_string(c.strides) << " dilations=" << shape_string(c.dilations)
    << " pads=" << shape_string(c.pads) << " auto_pad=" << c.auto_pad << " ceil=" << c.ceil_mode << " include_pad=" << c.count_include_pad
    << " indices=" << c.indices << " storage_order=" << c.storage_order << " channels_last=" << cl << " threads=" << threads << ")";
  return s.str();
}

template <typename T>
void check_pool_typed(const PoolCase& c, uint64_t seed) {
  Rng rng(seed);
  int64_t pixels = 1;
  for (int64_t s : c.spatial) pixels *= s;
  const std::vector<T> x = random_values<T>(rng, static_cast<size_t>(c.n * c.c * pixels));
  std::vector<T> want;
  std::vector<int64_t> want_idx;
  reference_pool(c, x, want, want_idx);
  const Axes ax = case_axes(c);
  const std::vector<int64_t> out_spatial = ax.out_spatial(c.spatial.size());
  for (bool cl : {false, true}) {
    if (cl && c.indices) continue;  // not supported channels-last (create throws; tested below)
    std::vector<OpTensor> in{OpTensor::of(c.dtype, layout_shape(c.n, c.c, c.spatial, cl), cl ? to_nhwc(x, c.n, c.c, pixels) : x)};
    std::vector<OpTensor> out{OpTensor::of(c.dtype, layout_shape(c.n, c.c, out_spatial, cl), std::vector<T>{})};
    if (c.indices) out.push_back(OpTensor::of(DType::kInt64, layout_shape(c.n, c.c, out_spatial, cl), std::vector<int64_t>{}));
    std::unique_ptr<OpHarness> op;
    try {
      op = std::make_unique<OpHarness>(pool_factory(c.op), make_node(c.op, pool_attrs(c, cl)), in, out);
    } catch (const std::exception& e) {
      CHECK(false) << describe(c, cl, 0) << ": create threw " << e.what();
      return;
    }
    for (int threads : {1, 2, 3}) {
      op->run(threads);
      std::vector<T> got = op->output(0).values<T>();
      if (cl) got = to_nchw(got, c.n, c.c, ax.out_pixels());
      if (std::memcmp(got.data(), want.data(), want.size() * sizeof(T)) != 0) {
        for (size_t i = 0; i < want.size(); ++i)
          if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0) {
            CHECK(false) << describe(c, cl, threads) << ": first difference at output " << i << ": got " << +got[i] << " want " << +want[i];
            break;
          }
        return;
      }
      if (c.indices) {
        const std::vector<int64_t> got_idx = op->output(1).values<int64_t>();
        for (size_t i = 0; i < want_idx.size(); ++i)
          if (got_idx[i] != want_idx[i]) {
            CHECK(false) << describe(c, cl, threads) << ": index " << i << " is " << got_idx[i] << ", expected " << want_idx[i];
            return;
          }
      }
    }
  }
}

void check_pool(const PoolCase& c, uint64_t seed) {
  switch (c.dtype) {
    case DType::kInt8: check_pool_typed<int8_t>(c, seed); break;
    case DType::kUint8: check_pool_typed<uint8_t>(c, seed); break;
    default: check_pool_typed<float>(c, seed); break;
  }
}

}  // namespace

TEST(pool_matches_reference) {
  std::vector<PoolCase> cases;
  for (const char* op : {"MaxPool", "AveragePool"}) {
    const std::string o = op;
    cases.push_back(pool2d("2x2 s2", o, 2, 5, 8, 9, 2, 2));
    cases.push_back(pool2d("3x3 s2 p1 (ResNet stem)", o, 1, 17, 13, 12, 3, 2, 1));
    cases.push_back(pool2d("3x3 s1 p1", o, 1, 3, 7, 6, 3, 1, 1));
    cases.push_back(pool2d("window = input", o, 2, 4, 7, 7, 7, 1));
    cases.push_back(pool2d("1x1 input", o, 1, 3, 1, 1, 1, 1));
    PoolCase ceil = pool2d("ceil_mode 3x3 s2", o, 1, 4, 8, 9, 3, 2);
    ceil.ceil_mode = true;
    cases.push_back(ceil);
    PoolCase ceil_pad = pool2d("ceil_mode with pads", o, 1, 4, 8, 7, 3, 2, 1);
    ceil_pad.ceil_mode = true;
    cases.push_back(ceil_pad);
    PoolCase ceil_drop = pool2d("ceil_mode drops a window starting in the end padding", o, 1, 2, 6, 5, 2, 3);
    ceil_drop.pads = {0, 0, 2, 2};
    ceil_drop.ceil_mode = true;
    cases.push_back(ceil_drop);
    PoolCase asym = pool2d("asymmetric pads", o, 1, 3, 7, 8, 3, 2);
    asym.pads = {0, 2, 1, 0};
    cases.push_back(asym);
    PoolCase dil = pool2d("dilation 2", o, 1, 6, 10, 9, 3, 1, 2);
    dil.dilations = {2, 2};
    cases.push_back(dil);
    PoolCase dil_ceil = pool2d("dilation 2 ceil_mode", o, 1, 2, 10, 9, 2, 3, 1);
    dil_ceil.dilations = {2, 1};
    dil_ceil.ceil_mode = true;
    cases.push_back(dil_ceil);
    PoolCase rect = pool2d("rectangular", o, 1, 2, 9, 11, 2, 1);
    rect.kernel = {2, 4};
    rect.strides = {3, 2};
    cases.push_back(rect);
    for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
      PoolCase a = pool2d(std::string("auto_pad ") + ap, o, 1, 3, 7, 8, 4, 3);
      a.pads.clear();
      a.auto_pad = ap;
      cases.push_back(a);
    }
    PoolCase one_d;
    one_d.label = "1-D";
    one_d.op = o;
    one_d.n = 2; one_d.c = 3; one_d.spatial = {17}; one_d.kernel = {3}; one_d.strides = {2}; one_d.pads = {1, 1};
    cases.push_back(one_d);
    one_d.label = "1-D ceil_mode";
    one_d.ceil_mode = true;
    one_d.spatial = {16};
    cases.push_back(one_d);
    PoolCase defaults = pool2d("default strides and pads", o, 1, 2, 5, 6, 2, 1);
    defaults.strides.clear();
    defaults.pads.clear();
    cases.push_back(defaults);
    PoolCase wide = pool2d("many channels", o, 1, 70, 6, 6, 3, 2, 1);
    cases.push_back(wide);
    // A large window: 81 taps, some in the padding.
    cases.push_back(pool2d("9x9 window", o, 1, 66, 12, 11, 9, 2, 2));
  }
  // count_include_pad: every padded average case again with it on.
  const size_t n = cases.size();
  for (size_t i = 0; i < n; ++i)
    if (cases[i].op == "AveragePool" && (!cases[i].pads.empty() || !cases[i].auto_pad.empty())) {
      PoolCase c = cases[i];
      c.count_include_pad = true;
      c.label += ", count_include_pad";
      cases.push_back(c);
    }
  // Indices (channels_last = 0), both storage orders, and the int types.
  for (size_t i = 0; i < n; ++i)
    if (cases[i].op == "MaxPool") {
      PoolCase c = cases[i];
      c.indices = true;
      c.label += ", indices";
      cases.push_back(c);
      c.storage_order = 1;
      c.label += " column-major";
      cases.push_back(c);
      PoolCase i8 = cases[i];
      i8.dtype = DType::kInt8;
      cases.push_back(i8);
      i8.dtype = DType::kUint8;
      cases.push_back(i8);
    }
  uint64_t seed = 10;
  for (const PoolCase& c : cases) check_pool(c, ++seed);
}

TEST(pool_3d_matches_reference) {
  const auto pool3d = [](std::string label, std::string op, int64_t n, int64_t c, std::vector<int64_t> spatial, int64_t k, int64_t s,
                         int64_t p = 0) {
    PoolCase pc;
    pc.label = std::move(label);
    pc.op = std::move(op);
    pc.n = n;
    pc.c = c;
    pc.spatial = std::move(spatial);
    pc.kernel = {k, k, k};
    pc.strides = {s, s, s};
    pc.pads = {p, p, p, p, p, p};
    return pc;
  };
  std::vector<PoolCase> cases;
  for (const char* op : {"MaxPool", "AveragePool"}) {
    const std::string o = op;
    PoolCase def = pool3d("3-D default (like the backend test)", o, 1, 3, {6, 5, 7}, 2, 1);
    def.strides.clear();
    def.pads.clear();
    cases.push_back(def);
    cases.push_back(pool3d("3-D 3x3x3 s2 p1", o, 2, 5, {7, 6, 8}, 3, 2, 1));
    cases.push_back(pool3d("3-D window = input", o, 1, 4, {3, 4, 2}, 1, 1));
    cases.back().kernel = {3, 4, 2};
    PoolCase ceil = pool3d("3-D ceil_mode with pads", o, 1, 3, {6, 7, 5}, 3, 2, 1);
    ceil.ceil_mode = true;
    cases.push_back(ceil);
    PoolCase drop = pool3d("3-D ceil_mode drops windows in the end padding", o, 1, 2, {5, 6, 4}, 2, 3);
    drop.pads = {0, 0, 1, 2, 2, 0};
    drop.ceil_mode = true;
    cases.push_back(drop);
    PoolCase mixed = pool3d("3-D rectangular, dilations, asymmetric pads", o, 1, 9, {7, 6, 9}, 2, 1);
    mixed.kernel = {2, 3, 2};
    mixed.strides = {2, 1, 3};
    mixed.dilations = {2, 1, 2};
    mixed.pads = {1, 0, 1, 0, 2, 1};
    cases.push_back(mixed);
    for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
      PoolCase a = pool3d(std::string("3-D auto_pad ") + ap, o, 1, 3, {5, 6, 7}, 2, 2);
      a.pads.clear();
      a.auto_pad = ap;
      cases.push_back(a);
    }
  }
  const size_t n = cases.size();
  for (size_t i = 0; i < n; ++i) {
    PoolCase c = cases[i];
    if (c.op == "AveragePool" && (!c.pads.empty() || !c.auto_pad.empty())) {
      c.count_include_pad = true;
      c.label += ", count_include_pad";
      cases.push_back(c);
    } else if (c.op == "MaxPool") {
      c.indices = true;
      c.label += ", indices";
      cases.push_back(c);
      c.storage_order = 1;
      c.label += " column-major";
      cases.push_back(c);
      PoolCase u8 = cases[i];
      u8.dtype = DType::kUint8;
      cases.push_back(u8);
    }
  }
  uint64_t seed = 60;
  for (const PoolCase& c : cases) check_pool(c, ++seed);
}

TEST(pool_onnx_backend_cases) {
  // Inputs (1, 2, 3, ...) and expected outputs of the ONNX backend tests small enough to carry here.
  struct Backend {
    const char* name;
    std::string op;
    int64_t size;  // square input [1, 1, size, size] holding 1..size²
    Attributes attrs;
    Shape y;
    std::vector<float> want;
    std::vector<int64_t> want_indices;  // empty: no Indices output
  };
  const auto attrs = [](std::vector<int64_t> kernel, std::vector<int64_t> strides, std::vector<int64_t> pads, const char* auto_pad,
                        int64_t ceil_mode, int64_t include_pad, int64_t storage_order) {
    Attributes a;
    a.set_ints("kernel_shape", kernel);
    if (!strides.empty()) a.set_ints("strides", strides);
    if (!pads.empty()) a.set_ints("pads", pads);
    if (auto_pad[0] != 0) a.set_string("auto_pad", auto_pad);
    if (ceil_mode) a.set_int("ceil_mode", 1);
    if (include_pad) a.set_int("count_include_pad", 1);
    if (storage_order) a.set_int("storage_order", 1);
    return a;
  };
  const std::vector<Backend> cases{
      {"test_maxpool_2d_ceil", "MaxPool", 4, attrs({3, 3}, {2, 2}, {}, "", 1, 0, 0), {1, 1, 2, 2}, {11, 12, 15, 16}, {}},
      {"test_averagepool_2d_ceil", "AveragePool", 4, attrs({3, 3}, {2, 2}, {}, "", 1, 0, 0), {1, 1, 2, 2}, {6, 7.5f, 12, 13.5f}, {}},
      {"test_maxpool_2d_precomputed_same_upper", "MaxPool", 5, attrs({3, 3}, {2, 2}, {}, "SAME_UPPER", 0, 0, 0), {1, 1, 3, 3},
       {7, 9, 10, 17, 19, 20, 22, 24, 25}, {}},
      {"test_averagepool_2d_precomputed_same_upper", "AveragePool", 5, attrs({3, 3}, {2, 2}, {}, "SAME_UPPER", 0, 0, 0), {1, 1, 3, 3},
       {4, 5.5f, 7, 11.5f, 13, 14.5f, 19, 20.5f, 22}, {}},
      {"test_averagepool_2d_precomputed_pads_count_include_pad", "AveragePool", 5, attrs({5, 5}, {}, {2, 2, 2, 2}, "", 0, 1, 0),
       {1, 1, 5, 5},
       {2.52f, 3.6f, 4.8f, 4.08f, 3.24f, 4.56f, 6.4f, 8.4f, 7.04f, 5.52f, 7.2f, 10, 13, 10.8f, 8.4f, 6.96f, 9.6f, 12.4f, 10.24f, 7.92f,
        6.12f, 8.4f, 10.8f, 8.88f, 6.84f},
       {}},
      {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool", 5, attrs({5, 5}, {}, {2, 2, 2, 2}, "", 0, 0, 0), {1, 1, 5, 5},
       {13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25},
       {12, 13, 14, 14, 14, 17, 18, 19, 19, 19, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24}},
      {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool", 5, attrs({2, 2}, {2, 2}, {}, "", 0, 0, 1), {1, 1, 2, 2},
       {7, 9, 17, 19}, {6, 16, 8, 18}},
  };
  for (const Backend& b : cases) {
    std::vector<float> x(static_cast<size_t>(b.size * b.size));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i + 1);
    std::vector<OpTensor> out{OpTensor::of(DType::kFloat32, b.y, std::vector<float>{})};
    if (!b.want_indices.empty()) out.push_back(OpTensor::of(DType::kInt64, b.y, std::vector<int64_t>{}));
    OpHarness op(pool_factory(b.op), make_node(b.op, b.attrs, 12), {OpTensor::of(DType::kFloat32, {1, 1, b.size, b.size}, x)}, out);
    op.run(2);
    CHECK(op.output(0).values<float>() == b.want) << b.name << ": wrong output";
    if (!b.want_indices.empty()) {
      CHECK(op.output(1).values<int64_t>() == b.want_indices) << b.name << ": wrong indices";
    }
  }
}

TEST(pool_random_shapes) {
  Rng rng(5);
  for (int i = 0; i < 120; ++i) {
    PoolCase c;
    c.label = "random #" + std::to_string(i);
    c.op = rng.uniform(0, 1) ? "MaxPool" : "AveragePool";
    c.n = rng.uniform(1, 2);
    c.c = rng.uniform(1, 20);
    const size_t rank = rng.uniform(1, 3);
    for (size_t a = 0; a < rank; ++a) {
      c.kernel.push_back(rng.uniform(1, rank == 3 ? 3 : 4));
      c.strides.push_back(rng.uniform(1, 3));
      c.dilations.push_back(rng.uniform(1, 2));
    }
    c.pads.resize(2 * rank);
    for (size_t a = 0; a < 2 * rank; ++a) c.pads[a] = rng.uniform(0, static_cast<int>(c.kernel[a % rank] - 1));
    for (size_t a = 0; a < rank; ++a) {
      const int64_t extent = (c.kernel[a] - 1) * c.dilations[a] + 1;
      c.spatial.push_back(std::max<int64_t>(extent, 1) + rng.uniform(0, rank == 3 ? 4 : 8));
    }
    c.ceil_mode = rng.uniform(0, 1) == 1;
    c.count_include_pad = c.op == "AveragePool" && rng.uniform(0, 1) == 1;
    c.indices = c.op == "MaxPool" && rng.uniform(0, 1) == 1;
    c.storage_order = c.indices ? rng.uniform(0, 1) : 0;
    check_pool(c, 100 + i);
  }
}

TEST(global_pools_match_reference) {
  Rng rng(9);
  const std::vector<Shape> shapes{{1, 5, 7}, {2, 3, 4, 5}, {1, 300, 7, 7}, {2, 17, 1, 1}, {1, 2, 3, 4, 5}, {3, 33, 13, 11}};
  for (const Shape& s : shapes)
    for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
      const int64_t n = s[0], c = s[1];
      const std::vector<int64_t> spatial(s.begin() + 2, s.end());
      int64_t pixels = 1;
      for (int64_t d : spatial) pixels *= d;
      const std::vector<float> x = random_values<float>(rng, static_cast<size_t>(n * c * pixels));
      std::vector<float> want(static_cast<size_t>(n * c));
      for (int64_t i = 0; i < n * c; ++i) {
        float acc = op[6] == 'M' ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (int64_t p = 0; p < pixels; ++p) {
          const float v = x[i * pixels + p];
          acc = op[6] == 'M' ? (v > acc ? v : acc) : acc + v;
        }
        want[i] = op[6] == 'M' ? acc : acc / static_cast<float>(pixels);
      }
      for (bool cl : {false, true}) {
        Attributes a;
        if (cl) a.set_int("channels_last", 1);
        std::vector<OpTensor> in{OpTensor::of(DType::kFloat32, layout_shape(n, c, spatial, cl), cl ? to_nhwc(x, n, c, pixels) : x)};
        std::vector<OpTensor> out{
            OpTensor::of(DType::kFloat32, layout_shape(n, c, std::vector<int64_t>(spatial.size(), 1), cl), std::vector<float>{})};
        OpHarness h(pool_factory(op), make_node(op, a), in, out);
        for (int threads : {1, 2, 3}) {
          h.run(threads);
          const std::vector<float> got = h.output(0).values<float>();  // [N, C] either way
          CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0)
              << op << " " << shape_string(s) << " channels_last=" << cl << " threads=" << threads << ": got " << got[0] << " want " << want[0];
        }
      }
    }
}

namespace {

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

struct BadPool {
  std::string op = "MaxPool";
  Shape x{1, 3, 8, 8}, y{1, 3, 4, 4};
  DType x_type = DType::kFloat32, y_type = DType::kFloat32;
  bool indices = false;
  Shape idx{1, 3, 4, 4};
  DType idx_type = DType::kInt64;
  Attributes attrs;
  BadPool() { attrs.set_ints("kernel_shape", {2, 2}), attrs.set_ints("strides", {2, 2}); }

  void create() const {
    std::vector<OpTensor> in{OpTensor::of(x_type, x, std::vector<uint8_t>(shape_numel(x) * dtype_size(x_type)))};
    std::vector<OpTensor> out{OpTensor::of(y_type, y, std::vector<uint8_t>{})};
    if (indices) out.push_back(OpTensor::of(idx_type, idx, std::vector<uint8_t>{}));
    OpHarness h(pool_factory(op), make_node(op, attrs), in, out);
  }
};

}  // namespace

TEST(pool_rejects_bad_input) {
  {
    BadPool ok;
    ok.create();
    ok.indices = true;
    ok.create();
    BadPool ok3d;  // 3-D, with Indices, and channels-last
    ok3d.x = {1, 3, 8, 8, 8}; ok3d.y = {1, 3, 4, 4, 4}; ok3d.idx = {1, 3, 4, 4, 4}; ok3d.indices = true;
    ok3d.attrs.set_ints("kernel_shape", {2, 2, 2}); ok3d.attrs.set_ints("strides", {2, 2, 2});
    ok3d.create();
    ok3d.indices = false;
    ok3d.x = {1, 8, 8, 8, 3}; ok3d.y = {1, 4, 4, 4, 3};
    ok3d.attrs.set_int("channels_last", 1);
    ok3d.create();
  }
  const auto bad = [](const std::string& what, ErrorKind kind, std::vector<std::string> needles, auto edit) {
    BadPool c;
    edit(c);
    expect_create_error(what, kind, needles, [&] { c.create(); });
  };
  bad("4-D", ErrorKind::kType, {"4-D", "not supported"}, [](BadPool& c) {
    c.x = {1, 3, 8, 8, 8, 8}; c.y = {1, 3, 4, 4, 4, 4}; c.attrs.set_ints("kernel_shape", {2, 2, 2, 2});
    c.attrs.set_ints("strides", {2, 2, 2, 2});
  });
  bad("3-D kernel_shape length", ErrorKind::kRange, {"kernel_shape", "expected 3"}, [](BadPool& c) {
    c.x = {1, 3, 8, 8, 8}; c.y = {1, 3, 4, 4, 4};
  });
  bad("3-D output shape", ErrorKind::kRange, {"[1,3,4,4,5]", "[1,3,4,4,4]"}, [](BadPool& c) {
    c.x = {1, 3, 8, 8, 8}; c.y = {1, 3, 4, 4, 5}; c.attrs.set_ints("kernel_shape", {2, 2, 2}); c.attrs.set_ints("strides", {2, 2, 2});
  });
  bad("no kernel_shape", ErrorKind::kType, {"kernel_shape", "required"}, [](BadPool& c) { c.attrs = Attributes(); });
  bad("kernel_shape length", ErrorKind::kRange, {"kernel_shape", "expected 2"}, [](BadPool& c) { c.attrs.set_ints("kernel_shape", {2}); });
  bad("zero kernel", ErrorKind::kRange, {"kernel_shape", ">= 1"}, [](BadPool& c) { c.attrs.set_ints("kernel_shape", {0, 2}); });
  bad("int32 X", ErrorKind::kType, {"X must be float32, int8 or uint8", "int32"}, [](BadPool& c) { c.x_type = DType::kInt32; });
  bad("int8 AveragePool", ErrorKind::kType, {"X must be float32", "int8"}, [](BadPool& c) {
    c.op = "AveragePool"; c.x_type = DType::kInt8;
  });
  bad("output shape", ErrorKind::kRange, {"[1,3,5,5]", "[1,3,4,4]"}, [](BadPool& c) { c.y = {1, 3, 5, 5}; });
  bad("output dtype", ErrorKind::kType, {"Y must be float32"}, [](BadPool& c) { c.y_type = DType::kUint8; });
  bad("ceil_mode 2", ErrorKind::kRange, {"ceil_mode", "0 or 1"}, [](BadPool& c) { c.attrs.set_int("ceil_mode", 2); });
  bad("storage_order 3", ErrorKind::kRange, {"storage_order"}, [](BadPool& c) { c.attrs.set_int("storage_order", 3); });
  bad("count_include_pad 5", ErrorKind::kRange, {"count_include_pad"}, [](BadPool& c) {
    c.op = "AveragePool"; c.attrs.set_int("count_include_pad", 5);
  });
  bad("negative pads", ErrorKind::kRange, {"pads", ">= 0"}, [](BadPool& c) { c.attrs.set_ints("pads", {0, 0, -1, 0}); });
  bad("indices channels_last", ErrorKind::kType, {"Indices", "channels_last"}, [](BadPool& c) {
    c.indices = true; c.x = {1, 8, 8, 3}; c.y = {1, 4, 4, 3}; c.idx = {1, 4, 4, 3}; c.attrs.set_int("channels_last", 1);
  });
  bad("indices dtype", ErrorKind::kType, {"Indices must be int64"}, [](BadPool& c) { c.indices = true; c.idx_type = DType::kInt32; });
  bad("indices shape", ErrorKind::kRange, {"Indices", "[1,3,4,4]"}, [](BadPool& c) { c.indices = true; c.idx = {1, 3, 4, 5}; });
  bad("AveragePool second output", ErrorKind::kType, {"only MaxPool"}, [](BadPool& c) { c.op = "AveragePool"; c.indices = true; });
  bad("window larger than input", ErrorKind::kRange, {"does not fit"}, [](BadPool& c) { c.attrs.set_ints("kernel_shape", {9, 9}); });
  bad("global pool output", ErrorKind::kRange, {"[1,3,1,1]"}, [](BadPool& c) { c.op = "GlobalAveragePool"; c.y = {1, 3, 4, 4}; });
  bad("global pool rank 2", ErrorKind::kRange, {"rank 3 or more"}, [](BadPool& c) {
    c.op = "GlobalMaxPool"; c.x = {1, 3}; c.y = {1, 3};
  });
}

}  // namespace octet::test
