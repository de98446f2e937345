// QLinearAdd, QLinearMul, QLinearLookup, QLinearGlobalAveragePool and QLinearAveragePool against plain
// references written here from the definitions (numpy broadcasting by index arithmetic, windows from
// window_test_util.h, round = std::nearbyint, requant = round + zero point, clamped), bit for bit: on
// broadcast shapes incl. scalars, both uint8 and int8, constant and run-time scales, present and
// absent zero points, scales chosen to produce exact .5 ties, both pooling layouts, 1-D to 3-D windows
// with strides, pads, ceil_mode and count_include_pad, threads 1/2/3; Lookup in place; and the inputs
// create must refuse, with their messages.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"
#include "window_test_util.h"

namespace octet::test {

namespace {

OpFactory qlinear_factory(const std::string& op_type, const std::string& domain) {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_qlinear_elementwise_ops(r);
    register_qlinear_pool_ops(r);
    return r;
  }();
  return registry.find(op_type, domain);
}

const char* domain_of(const std::string& op) { return op == "QLinearLookup" ? "octet" : "com.microsoft"; }

NodeSpec qnode(const std::string& op, Attributes attrs = {}) {
  NodeSpec n = make_node(op, std::move(attrs), 1);
  n.domain = domain_of(op);
  return n;
}

// ---- the definitions ----

int32_t qmin_of(DType t) { return t == DType::kInt8 ? -128 : 0; }
int32_t qmax_of(DType t) { return t == DType::kInt8 ? 127 : 255; }

// The value a stored byte holds in type t.
int32_t value_of(DType t, uint8_t byte) { return t == DType::kInt8 ? static_cast<int32_t>(static_cast<int8_t>(byte)) : byte; }
uint8_t byte_of(int32_t v) { return static_cast<uint8_t>(v); }

// requant(f, zp): (int32)nearbyint(f) + zp, clamped to the type's range (tests keep |f| well inside int32).
uint8_t requant_ref(float f, int32_t zp, DType t) {
  const int32_t q = static_cast<int32_t>(std::nearbyint(f)) + zp;
  return byte_of(std::min(std::max(q, qmin_of(t)), qmax_of(t)));
}

std::vector<uint8_t> random_bytes(Rng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng.next() >> 32);
  return v;
}

OpTensor bytes_tensor(DType t, Shape shape, const std::vector<uint8_t>& bytes, bool constant = false) {
  return OpTensor::of<uint8_t>(t, std::move(shape), bytes, constant);
}
OpTensor scale_tensor(float v, bool constant, Shape shape = {}) { return OpTensor::of<float>(DType::kFloat32, std::move(shape), {v}, constant); }
OpTensor zp_tensor(DType t, int32_t v, bool constant = true) { return bytes_tensor(t, {}, {byte_of(v)}, constant); }

std::string first_difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, DType t) {
  if (got.size() != want.size()) return "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i])
      return "first difference at " + std::to_string(i) + ": got " + std::to_string(value_of(t, got[i])) + " want " + std::to_string(value_of(t, want[i]));
  return "";
}

// ---- QLinearAdd / QLinearMul ----

Shape broadcast_ref(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t x = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const int64_t y = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    out[d] = x == 1 ? y : x;
  }
  return out;
}

// The element of `in` (right-aligned, size-1 dims repeated) that output element `flat` reads.
int64_t source_index(const Shape& out, int64_t flat, const Shape& in) {
  int64_t index = 0, stride = 1;
  for (size_t d = out.size(); d-- > 0;) {
    const int64_t i = flat % out[d];
    flat /= out[d];
    const size_t pad = out.size() - in.size();
    if (d >= pad) {
      const int64_t dim = in[d - pad];
      if (dim != 1) index += i * stride;
      stride *= dim;
    }
  }
  return index;
}

struct BinaryCase {
  std::string op;  // QLinearAdd or QLinearMul
  DType t = DType::kUint8;
  Shape a, b;
  float sa = 0.02f, sb = 0.03f, sc = 0.05f;
  bool constant_scales = true;
  int zero_points = 0;  // 0: all present (C_zero_point at run time), 1: all absent, 2: node of 7 inputs (no C_zero_point)
};

std::string describe(const BinaryCase& c) {
  std::ostringstream s;
  s << c.op << " " << dtype_name(c.t) << " A=" << shape_string(c.a) << " B=" << shape_string(c.b) << " scales " << c.sa << "," << c.sb << ","
    << c.sc << (c.constant_scales ? " constant" : " run-time") << " zero_points mode " << c.zero_points;
  return s.str();
}

void check_binary(const BinaryCase& c, uint64_t seed) {
  Rng rng(seed);
  const std::vector<uint8_t> a = random_bytes(rng, static_cast<size_t>(shape_numel(c.a)));
  const std::vector<uint8_t> b = random_bytes(rng, static_cast<size_t>(shape_numel(c.b)));
  const bool zp = c.zero_points != 1;
  const int32_t za = zp ? value_of(c.t, static_cast<uint8_t>(rng.next())) : 0;
  const int32_t zb = zp ? value_of(c.t, static_cast<uint8_t>(rng.next())) : 0;
  const int32_t zc = c.zero_points == 0 ? value_of(c.t, static_cast<uint8_t>(rng.next())) : 0;
  const Shape out_shape = broadcast_ref(c.a, c.b);
  std::vector<uint8_t> want(static_cast<size_t>(shape_numel(out_shape)));
  const bool add = c.op == "QLinearAdd";
  const float ra = c.sa / c.sc, rb = c.sb / c.sc, m = (c.sa * c.sb) / c.sc;
  for (int64_t i = 0; i < shape_numel(out_shape); ++i) {
    const int32_t x = value_of(c.t, a[source_index(out_shape, i, c.a)]);
    const int32_t y = value_of(c.t, b[source_index(out_shape, i, c.b)]);
    const float f = add ? static_cast<float>(x - za) * ra + static_cast<float>(y - zb) * rb : static_cast<float>((x - za) * (y - zb)) * m;
    want[i] = requant_ref(f, zc, c.t);
  }
  const bool cs = c.constant_scales;
  std::vector<OpTensor> in{bytes_tensor(c.t, c.a, a),
                           scale_tensor(c.sa, cs),
                           zp ? zp_tensor(c.t, za, true) : OpTensor::absent(),
                           bytes_tensor(c.t, c.b, b),
                           scale_tensor(c.sb, cs, {1}),
                           zp ? zp_tensor(c.t, zb, false) : OpTensor::absent(),
                           scale_tensor(c.sc, cs)};
  if (c.zero_points != 2) in.push_back(c.zero_points == 0 ? zp_tensor(c.t, zc, false) : OpTensor::absent());
  std::unique_ptr<OpHarness> h;
  try {
    h = std::make_unique<OpHarness>(qlinear_factory(c.op, "com.microsoft"), qnode(c.op), in,
                                    std::vector<OpTensor>{bytes_tensor(c.t, out_shape, {})});
  } catch (const std::exception& e) {
    CHECK(false) << describe(c) << ": create threw " << e.what();
    return;
  }
  for (int threads : {1, 2, 3}) {
    h->run(threads);
    const std::string diff = first_difference(h->output(0).bytes, want, c.t);
    CHECK(diff.empty()) << describe(c) << " threads=" << threads << ": " << diff;
    if (!diff.empty()) return;
  }
}

// A random pair of shapes that broadcast: each dimension of the output full or 1 in A and B, then
// some leading dimensions dropped.
std::pair<Shape, Shape> random_broadcast_pair(Rng& rng) {
  const int rank = rng.uniform(0, 5);
  Shape out(static_cast<size_t>(rank));
  for (auto& d : out) d = rng.uniform(1, 6);
  Shape a, b;
  for (int64_t d : out) {
    const int pick = rng.uniform(0, 3);
    a.push_back(pick == 1 ? 1 : d);
    b.push_back(pick == 2 ? 1 : d);
  }
  a.erase(a.begin(), a.begin() + rng.uniform(0, rank));
  b.erase(b.begin(), b.begin() + rng.uniform(0, rank));
  return {a, b};
}

}  // namespace

TEST(qlinear_add_mul_match_reference) {
  std::vector<std::pair<Shape, Shape>> shapes{
      {{}, {}},
      {{5}, {}},
      {{}, {2, 3}},
      {{1}, {4, 1}},
      {{2, 3, 4, 5}, {3, 1, 1}},
      {{3, 1, 1}, {2, 3, 4, 5}},
      {{2, 3, 4, 5}, {2, 3, 4, 5}},
      {{2, 3, 4, 5}, {5}},
      {{3, 1, 5}, {4, 1}},
      {{2, 1, 4}, {1, 3, 1}},
      {{0, 3}, {3}},
      {{2, 64, 33, 17}, {64, 1, 1}},  // large enough for several threads
      {{1, 70001}, {70001}},
      {{70001}, {}},
      {{}, {3, 23456}},
  };
  Rng shape_rng(3);
  for (int i = 0; i < 25; ++i) shapes.push_back(random_broadcast_pair(shape_rng));
  Rng rng(21);
  uint64_t seed = 100;
  for (const auto& [a, b] : shapes)
    for (const char* op : {"QLinearAdd", "QLinearMul"})
      for (DType t : {DType::kUint8, DType::kInt8})
        for (int zero_points = 0; zero_points < 3; ++zero_points)
          for (bool constant : {true, false}) {
            BinaryCase c;
            c.op = op;
            c.t = t;
            c.a = a;
            c.b = b;
            c.zero_points = zero_points;
            c.constant_scales = constant;
            if (seed % 3 == 0) {
              // Exact multiples of 1/4: many results end in .5, where half-to-even decides.
              c.sa = 0.5f;
              c.sb = c.op == "QLinearAdd" ? 0.25f : 0.5f;
              c.sc = 1.0f;
            } else {
              c.sa = rng.uniform_float(0.002f, 0.05f);
              c.sb = rng.uniform_float(0.002f, 0.05f);
              c.sc = rng.uniform_float(0.002f, 0.1f);  // small ones saturate
            }
            check_binary(c, ++seed);
          }
}

TEST(qlinear_add_mul_hand_values) {
  // uint8, zero points 128 / 100 / 10, scales 0.5, 0.25 -> C 1: (a-128)·0.5 + (b-100)·0.25 + 10.
  const std::vector<uint8_t> a{128, 129, 131, 0, 255}, b{100, 102, 100, 100, 255};
  std::vector<OpTensor> in{bytes_tensor(DType::kUint8, {5}, a), scale_tensor(0.5f, true), zp_tensor(DType::kUint8, 128),
                           bytes_tensor(DType::kUint8, {5}, b), scale_tensor(0.25f, true), zp_tensor(DType::kUint8, 100),
                           scale_tensor(1.0f, true), zp_tensor(DType::kUint8, 10)};
  OpHarness add(qlinear_factory("QLinearAdd", "com.microsoft"), qnode("QLinearAdd"), in, {bytes_tensor(DType::kUint8, {5}, {})});
  add.run(1);
  // 0 -> 10; 0.5 + 0.5 = 1 -> 11; 1.5 -> 2 (half to even) -> 12; -64 -> -54 -> 0 (clamped); 63.5 + 38.75 = 102.25 -> 112.
  CHECK((add.output(0).bytes == std::vector<uint8_t>{10, 11, 12, 0, 112})) << "QLinearAdd: " << first_difference(add.output(0).bytes, {10, 11, 12, 0, 112}, DType::kUint8);
  // Mul with m = 0.5·0.25 / 1 = 0.125: (a-128)(b-100)·0.125 + 10.
  OpHarness mul(qlinear_factory("QLinearMul", "com.microsoft"), qnode("QLinearMul"), in, {bytes_tensor(DType::kUint8, {5}, {})});
  mul.run(1);
  // 0 -> 10; 1·2·0.125 = 0.25 -> 0 -> 10; 0 -> 10; 0 -> 10; 127·155·0.125 = 2460.6 -> 255.
  CHECK((mul.output(0).bytes == std::vector<uint8_t>{10, 10, 10, 10, 255})) << "QLinearMul: " << first_difference(mul.output(0).bytes, {10, 10, 10, 10, 255}, DType::kUint8);
}

// ---- QLinearLookup ----

TEST(qlinear_lookup_matches_reference) {
  Rng rng(31);
  const std::vector<Shape> shapes{{}, {7}, {3, 5, 7}, {1, 0, 4}, {100003}, {2, 3, 40000}};
  for (DType xt : {DType::kUint8, DType::kInt8})
    for (DType tt : {DType::kUint8, DType::kInt8})
      for (const Shape& s : shapes) {
        const std::vector<uint8_t> table = random_bytes(rng, 256);
        const std::vector<uint8_t> x = random_bytes(rng, static_cast<size_t>(shape_numel(s)));
        std::vector<uint8_t> want(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          // The index is the byte's unsigned value: int8 -1 reads table[255].
          const int32_t v = value_of(xt, x[i]);
          want[i] = table[static_cast<size_t>(v < 0 ? v + 256 : v)];
        }
        OpHarness h(qlinear_factory("QLinearLookup", "octet"), qnode("QLinearLookup"),
                    {bytes_tensor(xt, s, x), bytes_tensor(tt, {256}, table, true)}, {bytes_tensor(tt, s, {})});
        for (int threads : {1, 2, 3}) {
          h.run(threads);
          const std::string diff = first_difference(h.output(0).bytes, want, tt);
          CHECK(diff.empty()) << "QLinearLookup X " << dtype_name(xt) << " table " << dtype_name(tt) << " " << shape_string(s) << " threads=" << threads
                              << ": " << diff;
        }
      }
  // Signed indices, spelled out.
  std::vector<uint8_t> table(256);
  for (int i = 0; i < 256; ++i) table[static_cast<size_t>(i)] = static_cast<uint8_t>(255 - i);
  OpHarness h(qlinear_factory("QLinearLookup", "octet"), qnode("QLinearLookup"),
              {bytes_tensor(DType::kInt8, {4}, {byte_of(-1), byte_of(-128), 0, 127}), bytes_tensor(DType::kUint8, {256}, table, true)},
              {bytes_tensor(DType::kUint8, {4}, {})});
  h.run(1);
  CHECK((h.output(0).bytes == std::vector<uint8_t>{0, 127, 255, 128})) << "int8 indices read table[byte]";
}

TEST(qlinear_lookup_in_place) {
  Rng rng(37);
  for (DType xt : {DType::kUint8, DType::kInt8})
    for (DType tt : {DType::kUint8, DType::kInt8})
      for (int64_t n : {int64_t{1}, int64_t{1000}, int64_t{200003}}) {
        const std::vector<uint8_t> table = random_bytes(rng, 256);
        const std::vector<uint8_t> x = random_bytes(rng, static_cast<size_t>(n));
        const Shape shape{n};
        NodeSpec node = qnode("QLinearLookup");
        WeightCache cache;
        ValueInfo xi{xt, shape, nullptr}, ti{tt, {256}, table.data()}, yi{tt, shape, nullptr};
        OpInit init{node, {&xi, &ti}, {&yi}, cache};
        std::unique_ptr<Op> op = qlinear_factory("QLinearLookup", "octet")(init);
        for (int threads : {1, 2, 3}) {
          std::vector<uint8_t> buf = x;  // input and output both
          TensorView xv{buf.data(), xt, shape}, tv{const_cast<uint8_t*>(table.data()), tt, {256}}, yv{buf.data(), tt, shape};
          const TensorView* ins[] = {&xv, &tv};
          TensorView* outs[] = {&yv};
          AlignedBuffer scratch(op->scratch_bytes(threads));
          op->run(RunContext{threads, scratch.data()}, ins, outs);
          bool same = true;
          for (size_t i = 0; i < x.size(); ++i) same = same && buf[i] == table[x[i]];
          CHECK(same) << "in-place QLinearLookup n=" << n << " X " << dtype_name(xt) << " table " << dtype_name(tt) << " threads=" << threads;
        }
      }
}

// ---- QLinearGlobalAveragePool ----

namespace {

struct PoolQuant {
  float xs = 0.05f, ys = 0.04f;
  int32_t zx = 0, zy = 0;
  bool zero_points = true;  // present (else absent: 0)
  bool constant_scales = true;
};

PoolQuant random_quant(Rng& rng, DType t, int variant) {
  PoolQuant q;
  if (variant % 3 == 2) {
    q.xs = 2.0f;  // with a power-of-two count, multiples of 1/2: ties
    q.ys = 1.0f;
  } else {
    q.xs = rng.uniform_float(0.01f, 0.1f);
    q.ys = rng.uniform_float(0.005f, 0.1f);
  }
  q.zero_points = variant % 4 != 3;
  q.zx = q.zero_points ? value_of(t, static_cast<uint8_t>(rng.next())) : 0;
  q.zy = q.zero_points ? value_of(t, static_cast<uint8_t>(rng.next())) : 0;
  q.constant_scales = variant % 2 == 0;
  return q;
}

std::vector<OpTensor> pool_inputs(DType t, const Shape& shape, const std::vector<uint8_t>& x, const PoolQuant& q) {
  return {bytes_tensor(t, shape, x), scale_tensor(q.xs, q.constant_scales),
          q.zero_points ? zp_tensor(t, q.zx, true) : OpTensor::absent(), scale_tensor(q.ys, q.constant_scales, {1}),
          q.zero_points ? zp_tensor(t, q.zy, false) : OpTensor::absent()};
}

std::string describe_quant(DType t, const PoolQuant& q) {
  std::ostringstream s;
  s << dtype_name(t) << " x_scale=" << q.xs << " y_scale=" << q.ys << " zx=" << q.zx << " zy=" << q.zy << (q.zero_points ? "" : " (zero points absent)")
    << (q.constant_scales ? " constant scales" : " run-time scales");
  return s.str();
}

}  // namespace

TEST(qlinear_global_average_pool_matches_reference) {
  Rng rng(41);
  const std::vector<Shape> shapes{{1, 5, 7},     {2, 3, 4, 5},       {1, 300, 7, 7},  {2, 17, 1, 1},   {1, 2, 3, 4, 5},
                                  {3, 33, 13, 11}, {1, 4, 2, 3, 2, 2}, {1, 8, 2, 2},    {1, 3, 128, 128}, {2, 600, 4, 4},
                                  {1, 0, 3, 3}};
  int variant = 0;
  for (const Shape& s : shapes)
    for (DType t : {DType::kUint8, DType::kInt8})
      for (int rep = 0; rep < 4; ++rep, ++variant) {
        const PoolQuant q = random_quant(rng, t, variant);
        const int64_t n = s[0], c = s[1];
        const std::vector<int64_t> spatial(s.begin() + 2, s.end());
        int64_t pixels = 1;
        for (int64_t d : spatial) pixels *= d;
        const std::vector<uint8_t> x = random_bytes(rng, static_cast<size_t>(n * c * pixels));
        std::vector<uint8_t> want(static_cast<size_t>(n * c));
        const float m = q.xs / (q.ys * static_cast<float>(pixels));
        for (int64_t i = 0; i < n * c; ++i) {
          int64_t sum = 0;
          for (int64_t p = 0; p < pixels; ++p) sum += value_of(t, x[static_cast<size_t>(i * pixels + p)]) - q.zx;
          want[static_cast<size_t>(i)] = requant_ref(static_cast<float>(static_cast<int32_t>(sum)) * m, q.zy, t);
        }
        for (bool cl : {false, true}) {
          Attributes a;
          if (cl) a.set_int("channels_last", 1);
          OpHarness h(qlinear_factory("QLinearGlobalAveragePool", "com.microsoft"), qnode("QLinearGlobalAveragePool", a),
                      pool_inputs(t, layout_shape(n, c, spatial, cl), cl ? to_nhwc(x, n, c, pixels) : x, q),
                      {bytes_tensor(t, layout_shape(n, c, std::vector<int64_t>(spatial.size(), 1), cl), {})});
          for (int threads : {1, 2, 3}) {
            h.run(threads);
            const std::string diff = first_difference(h.output(0).bytes, want, t);  // [N, C] in either layout
            CHECK(diff.empty()) << "QLinearGlobalAveragePool " << shape_string(s) << " " << describe_quant(t, q) << " channels_last=" << cl
                                << " threads=" << threads << ": " << diff;
          }
        }
      }
}

// ---- QLinearAveragePool ----

namespace {

struct QPoolCase {
  std::string label;
  DType t = DType::kUint8;
  int64_t n = 1, c = 1;
  std::vector<int64_t> spatial, kernel, strides, pads;
  std::string auto_pad;
  bool ceil_mode = false, count_include_pad = false;
};

QPoolCase qpool(std::string label, int64_t n, int64_t c, std::vector<int64_t> spatial, int64_t k, int64_t s, int64_t p = 0) {
  QPoolCase pc;
  pc.label = std::move(label);
  pc.n = n;
  pc.c = c;
  const size_t rank = spatial.size();
  pc.spatial = std::move(spatial);
  pc.kernel.assign(rank, k);
  pc.strides.assign(rank, s);
  pc.pads.assign(2 * rank, p);
  return pc;
}

Attributes qpool_attrs(const QPoolCase& c, bool channels_last) {
  Attributes a;
  a.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) a.set_ints("strides", c.strides);
  if (!c.pads.empty()) a.set_ints("pads", c.pads);
  if (!c.auto_pad.empty()) a.set_string("auto_pad", c.auto_pad);
  if (c.ceil_mode) a.set_int("ceil_mode", 1);
  if (c.count_include_pad) a.set_int("count_include_pad", 1);
  if (channels_last) a.set_int("channels_last", 1);
  return a;
}

std::string describe(const QPoolCase& c) {
  std::ostringstream s;
  s << c.label << " (" << dtype_name(c.t) << " N=" << c.n << " C=" << c.c << " spatial=" << shape_string(c.spatial) << " kernel=" << shape_string(c.kernel)
    << " strides=" << shape_string(c.strides) << " pads=" << shape_string(c.pads) << " auto_pad=" << c.auto_pad << " ceil=" << c.ceil_mode
    << " include_pad=" << c.count_include_pad << ")";
  return s.str();
}

// NCHW reference from the definition: Σ (x - zx) over the taps inside the input, the count as AveragePool's.
std::vector<uint8_t> reference_qpool(const QPoolCase& c, const std::vector<uint8_t>& x, const PoolQuant& q, const Axes& ax) {
  const Axis &d = ax.d, &h = ax.h, &w = ax.w;
  std::vector<uint8_t> y(static_cast<size_t>(c.n * c.c * ax.out_pixels()));
  const auto counted = [&](int64_t i, const Axis& a) { return c.count_include_pad ? (i >= -a.pb && i < a.in + a.pe) : (i >= 0 && i < a.in); };
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t od = 0; od < d.out; ++od)
        for (int64_t oh = 0; oh < h.out; ++oh)
          for (int64_t ow = 0; ow < w.out; ++ow) {
            int64_t sum = 0, count = 0;
            for (int64_t kd = 0; kd < d.k; ++kd)
              for (int64_t kh = 0; kh < h.k; ++kh)
                for (int64_t kw = 0; kw < w.k; ++kw) {
                  const int64_t id = od * d.s - d.pb + kd, ih = oh * h.s - h.pb + kh, iw = ow * w.s - w.pb + kw;
                  if (counted(id, d) && counted(ih, h) && counted(iw, w)) ++count;
                  if (id < 0 || id >= d.in || ih < 0 || ih >= h.in || iw < 0 || iw >= w.in) continue;
                  const int64_t at = (n * c.c + ch) * d.in * h.in * w.in + (id * h.in + ih) * w.in + iw;
                  sum += value_of(c.t, x[static_cast<size_t>(at)]) - q.zx;
                }
            const size_t o = static_cast<size_t>((((n * c.c + ch) * d.out + od) * h.out + oh) * w.out + ow);
            y[o] = requant_ref(static_cast<float>(static_cast<int32_t>(sum)) * (q.xs / (q.ys * static_cast<float>(count))), q.zy, c.t);
          }
  return y;
}

void check_qpool(const QPoolCase& c, uint64_t seed) {
  Rng rng(seed);
  int64_t pixels = 1;
  for (int64_t s : c.spatial) pixels *= s;
  const std::vector<uint8_t> x = random_bytes(rng, static_cast<size_t>(c.n * c.c * pixels));
  const Axes ax = window_axes(c.spatial, c.kernel, c.strides, {}, c.pads, c.auto_pad, c.ceil_mode);
  const std::vector<int64_t> out_spatial = ax.out_spatial(c.spatial.size());
  for (int variant = 0; variant < 2; ++variant) {
    const PoolQuant q = random_quant(rng, c.t, static_cast<int>(seed) + variant);
    const std::vector<uint8_t> want = reference_qpool(c, x, q, ax);
    for (bool cl : {false, true}) {
      std::unique_ptr<OpHarness> h;
      try {
        h = std::make_unique<OpHarness>(qlinear_factory("QLinearAveragePool", "com.microsoft"), qnode("QLinearAveragePool", qpool_attrs(c, cl)),
                                        pool_inputs(c.t, layout_shape(c.n, c.c, c.spatial, cl), cl ? to_nhwc(x, c.n, c.c, pixels) : x, q),
                                        std::vector<OpTensor>{bytes_tensor(c.t, layout_shape(c.n, c.c, out_spatial, cl), {})});
      } catch (const std::exception& e) {
        CHECK(false) << describe(c) << " channels_last=" << cl << ": create threw " << e.what();
        return;
      }
      for (int threads : {1, 2, 3}) {
        h->run(threads);
        std::vector<uint8_t> got = h->output(0).bytes;
        if (cl) got = to_nchw(got, c.n, c.c, ax.out_pixels());
        const std::string diff = first_difference(got, want, c.t);
        CHECK(diff.empty()) << describe(c) << " " << describe_quant(c.t, q) << " channels_last=" << cl << " threads=" << threads << ": " << diff;
        if (!diff.empty()) return;
      }
    }
  }
}

}  // namespace

TEST(qlinear_average_pool_matches_reference) {
  std::vector<QPoolCase> cases;
  cases.push_back(qpool("2x2 s2", 2, 5, {8, 9}, 2, 2));
  cases.push_back(qpool("3x3 s2 p1", 1, 17, {13, 12}, 3, 2, 1));
  cases.push_back(qpool("3x3 s1 p1", 1, 3, {7, 6}, 3, 1, 1));
  cases.push_back(qpool("window = input", 2, 4, {7, 7}, 7, 1));
  cases.push_back(qpool("1x1 input", 1, 3, {1, 1}, 1, 1));
  cases.push_back(qpool("2x2 input, ties", 1, 8, {2, 2}, 2, 1));
  QPoolCase ceil = qpool("ceil_mode 3x3 s2", 1, 4, {8, 9}, 3, 2);
  ceil.ceil_mode = true;
  cases.push_back(ceil);
  QPoolCase ceil_pad = qpool("ceil_mode with pads", 1, 4, {8, 7}, 3, 2, 1);
  ceil_pad.ceil_mode = true;
  cases.push_back(ceil_pad);
  QPoolCase ceil_drop = qpool("ceil_mode drops a window starting in the end padding", 1, 2, {6, 5}, 2, 3);
  ceil_drop.pads = {0, 0, 1, 1};
  ceil_drop.ceil_mode = true;
  cases.push_back(ceil_drop);
  QPoolCase asym = qpool("asymmetric pads", 1, 3, {7, 8}, 3, 2);
  asym.pads = {0, 2, 1, 0};
  cases.push_back(asym);
  QPoolCase rect = qpool("rectangular", 1, 2, {9, 11}, 2, 1);
  rect.kernel = {2, 4};
  rect.strides = {3, 2};
  cases.push_back(rect);
  for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    QPoolCase a = qpool(std::string("auto_pad ") + ap, 1, 3, {7, 8}, 4, 3);
    a.pads.clear();
    a.auto_pad = ap;
    cases.push_back(a);
  }
  cases.push_back(qpool("1-D", 2, 3, {17}, 3, 2, 1));
  QPoolCase one_d_ceil = qpool("1-D ceil_mode", 2, 3, {16}, 3, 2, 1);
  one_d_ceil.ceil_mode = true;
  cases.push_back(one_d_ceil);
  QPoolCase defaults = qpool("default strides and pads", 1, 2, {5, 6}, 2, 1);
  defaults.strides.clear();
  defaults.pads.clear();
  cases.push_back(defaults);
  cases.push_back(qpool("many channels (several channel blocks)", 1, 600, {6, 6}, 3, 2, 1));
  cases.push_back(qpool("ResNet-like 7x7 s1", 2, 64, {7, 7}, 7, 1));
  cases.push_back(qpool("3-D 3x3x3 s2 p1", 2, 5, {7, 6, 8}, 3, 2, 1));
  QPoolCase def3 = qpool("3-D default strides and pads", 1, 3, {6, 5, 7}, 2, 1);
  def3.strides.clear();
  def3.pads.clear();
  cases.push_back(def3);
  QPoolCase ceil3 = qpool("3-D ceil_mode with pads", 1, 3, {6, 7, 5}, 3, 2, 1);
  ceil3.ceil_mode = true;
  cases.push_back(ceil3);
  QPoolCase drop3 = qpool("3-D ceil_mode drops windows in the end padding", 1, 2, {5, 6, 4}, 2, 3);
  drop3.pads = {0, 0, 1, 1, 1, 0};
  drop3.ceil_mode = true;
  cases.push_back(drop3);
  QPoolCase mixed3 = qpool("3-D rectangular, asymmetric pads", 1, 9, {7, 6, 9}, 2, 1);
  mixed3.kernel = {2, 3, 2};
  mixed3.strides = {2, 1, 3};
  mixed3.pads = {1, 0, 1, 0, 2, 1};
  cases.push_back(mixed3);
  QPoolCase same3 = qpool("3-D auto_pad SAME_UPPER", 1, 3, {5, 6, 7}, 2, 2);
  same3.pads.clear();
  same3.auto_pad = "SAME_UPPER";
  cases.push_back(same3);
  // Every padded case again with count_include_pad, then everything in int8 too.
  size_t n = cases.size();
  for (size_t i = 0; i < n; ++i)
    if (!cases[i].pads.empty() || !cases[i].auto_pad.empty()) {
      QPoolCase c = cases[i];
      c.count_include_pad = true;
      c.label += ", count_include_pad";
      cases.push_back(c);
    }
  n = cases.size();
  for (size_t i = 0; i < n; ++i) {
    QPoolCase c = cases[i];
    c.t = DType::kInt8;
    cases.push_back(c);
  }
  uint64_t seed = 500;
  for (const QPoolCase& c : cases) check_qpool(c, ++seed);
}

TEST(qlinear_average_pool_random_shapes) {
  Rng rng(7);
  for (int i = 0; i < 150; ++i) {
    QPoolCase c;
    c.label = "random #" + std::to_string(i);
    c.t = rng.uniform(0, 1) ? DType::kInt8 : DType::kUint8;
    c.n = rng.uniform(1, 2);
    c.c = rng.uniform(1, 20);
    const size_t rank = static_cast<size_t>(rng.uniform(1, 3));
    for (size_t a = 0; a < rank; ++a) {
      c.kernel.push_back(rng.uniform(1, rank == 3 ? 3 : 4));
      c.strides.push_back(rng.uniform(1, 3));
    }
    c.pads.resize(2 * rank);
    for (size_t a = 0; a < 2 * rank; ++a) c.pads[a] = rng.uniform(0, static_cast<int>(c.kernel[a % rank] - 1));
    for (size_t a = 0; a < rank; ++a) c.spatial.push_back(c.kernel[a] + rng.uniform(0, rank == 3 ? 4 : 8));
    c.ceil_mode = rng.uniform(0, 1) == 1;
    c.count_include_pad = rng.uniform(0, 1) == 1;
    check_qpool(c, 1000 + static_cast<uint64_t>(i));
  }
}

TEST(qlinear_average_pool_hand_values) {
  // [1, 1, 2, 2] = 1, 2, 3, 4 with scales 1 and zero points 0: the 2x2 average 2.5 rounds to 2 (half to
  // even); 1, 2, 3, 6 averages 3; int8 -1, -2, -3, -4 averages -2.5 -> -2.
  const auto pool = [](DType t, std::vector<uint8_t> x) {
    Attributes a;
    a.set_ints("kernel_shape", {2, 2});
    PoolQuant q;
    q.xs = q.ys = 1.0f;
    OpHarness h(qlinear_factory("QLinearAveragePool", "com.microsoft"), qnode("QLinearAveragePool", a), pool_inputs(t, {1, 1, 2, 2}, x, q),
                {bytes_tensor(t, {1, 1, 1, 1}, {})});
    h.run(1);
    return value_of(t, h.output(0).bytes[0]);
  };
  CHECK(pool(DType::kUint8, {1, 2, 3, 4}) == 2);
  CHECK(pool(DType::kUint8, {1, 2, 3, 6}) == 3);
  CHECK(pool(DType::kInt8, {byte_of(-1), byte_of(-2), byte_of(-3), byte_of(-4)}) == -2);
  CHECK(pool(DType::kInt8, {byte_of(-1), byte_of(-2), byte_of(-3), byte_of(-6)}) == -3);
}

// ---- the float steps, exactly ----

namespace {

// Rounds f as requant does (unclamped results compare by value; clamped ones by the clamp).
uint8_t requant_u8(float f) { return requant_ref(f, 128, DType::kUint8); }

// A formula for one output from its integer inputs and the scales.
using Formula = std::function<float(int32_t u, int32_t v, float s1, float s2, float s3)>;

// Searches scales (s1, s2 from [lo12, hi12], s3 from [lo3, hi3]) for which `alternative` rounds
// differently from `definition` on at least one of `pairs`. False if none turned up.
bool find_sensitive_scales(Rng& rng, const std::vector<std::pair<int32_t, int32_t>>& pairs, const Formula& definition, const Formula& alternative,
                           float lo12, float hi12, float lo3, float hi3, float* s) {
  for (int tries = 0; tries < 100000; ++tries) {
    s[0] = rng.uniform_float(lo12, hi12);
    s[1] = rng.uniform_float(lo12, hi12);
    s[2] = rng.uniform_float(lo3, hi3);
    for (const auto& [u, v] : pairs)
      if (requant_u8(definition(u, v, s[0], s[1], s[2])) != requant_u8(alternative(u, v, s[0], s[1], s[2]))) return true;
  }
  return false;
}

}  // namespace

TEST(qlinear_float_steps_follow_the_definition) {
  // Random data almost never lands where a reordered or fused float step changes a rounded result, so
  // for each plausible alternative this searches for scales where it does, then requires the
  // definition's bits there (constant and run-time scales). uint8, every zero point 128.
  Rng rng(77);

  // QLinearAdd / QLinearMul: A every byte (a - za in [-128, 127]) against B's few values, [6, 256].
  std::vector<uint8_t> a(256);
  for (int i = 0; i < 256; ++i) a[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  const std::vector<uint8_t> b{129, 130, 131, 133, 120, 228};  // b - zb = 1, 2, 3, 5, -8, 100
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (uint8_t y : b)
    for (uint8_t x : a) pairs.emplace_back(x - 128, y - 128);
  const Formula add_def = [](int32_t da, int32_t db, float sa, float sb, float sc) {
    return static_cast<float>(da) * (sa / sc) + static_cast<float>(db) * (sb / sc);
  };
  const Formula mul_def = [](int32_t da, int32_t db, float sa, float sb, float sc) { return static_cast<float>(da * db) * ((sa * sb) / sc); };
  struct Alternative {
    const char* op;
    const char* name;
    Formula alt;
  };
  const std::vector<Alternative> binary_alternatives{
      {"QLinearAdd", "multiplying by 1/C_scale", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         const float r = 1.0f / sc;
         return static_cast<float>(da) * (sa * r) + static_cast<float>(db) * (sb * r);
       }},
      {"QLinearAdd", "A_scale·(1/C_scale) for rA", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return static_cast<float>(da) * (sa * (1.0f / sc)) + static_cast<float>(db) * (sb / sc);
       }},
      {"QLinearAdd", "B_scale·(1/C_scale) for rB", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return static_cast<float>(da) * (sa / sc) + static_cast<float>(db) * (sb * (1.0f / sc));
       }},
      {"QLinearAdd", "one division at the end", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return (static_cast<float>(da) * sa + static_cast<float>(db) * sb) / sc;
       }},
      {"QLinearAdd", "a fused multiply-add", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return std::fma(static_cast<float>(da), sa / sc, static_cast<float>(db) * (sb / sc));
       }},
      {"QLinearMul", "m = A_scale·(B_scale/C_scale)", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return static_cast<float>(da * db) * (sa * (sb / sc));
       }},
      {"QLinearMul", "m = (A_scale/C_scale)·B_scale", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return static_cast<float>(da * db) * ((sa / sc) * sb);
       }},
      {"QLinearMul", "((p·A_scale)·B_scale)/C_scale", [](int32_t da, int32_t db, float sa, float sb, float sc) {
         return ((static_cast<float>(da * db) * sa) * sb) / sc;
       }},
  };
  for (const Alternative& alt : binary_alternatives) {
    const std::string op = alt.op;
    const Formula& def = op == "QLinearAdd" ? add_def : mul_def;
    float s[3];
    const bool found = find_sensitive_scales(rng, pairs, def, alt.alt, 0.001f, 0.05f, 0.01f, 0.5f, s);
    CHECK(found) << op << ": no scales found where " << alt.name << " differs";
    if (!found) continue;
    std::vector<uint8_t> want;
    for (const auto& [da, db] : pairs) want.push_back(requant_u8(def(da, db, s[0], s[1], s[2])));
    for (bool constant : {true, false}) {
      const DType u8 = DType::kUint8;
      OpHarness h(qlinear_factory(op, "com.microsoft"), qnode(op),
                  {bytes_tensor(u8, {256}, a), scale_tensor(s[0], constant), zp_tensor(u8, 128), bytes_tensor(u8, {6, 1}, b), scale_tensor(s[1], constant),
                   zp_tensor(u8, 128), scale_tensor(s[2], constant), zp_tensor(u8, 128)},
                  {bytes_tensor(u8, {6, 256}, {})});
      h.run(1);
      const std::string diff = first_difference(h.output(0).bytes, want, u8);
      CHECK(diff.empty()) << op << " scales " << s[0] << ", " << s[1] << ", " << s[2] << " (where " << alt.name << " differs), "
                          << (constant ? "constant" : "run-time") << ": " << diff;
    }
  }

  // The pools: m = x_scale / (y_scale·count). QLinearAveragePool 1-D, kernel 3, pads 1: counts 2 and 3.
  Rng data(78);
  const int64_t channels = 256, width = 7;
  const std::vector<uint8_t> x = random_bytes(data, static_cast<size_t>(channels * width));
  const Formula pool_def = [](int32_t sum, int32_t count, float xs, float ys, float) { return static_cast<float>(sum) * (xs / (ys * static_cast<float>(count))); };
  const std::vector<std::pair<const char*, Formula>> pool_alternatives{
      {"(x_scale/y_scale)/count", [](int32_t sum, int32_t count, float xs, float ys, float) { return static_cast<float>(sum) * ((xs / ys) / static_cast<float>(count)); }},
      {"(sum·x_scale)/(y_scale·count)", [](int32_t sum, int32_t count, float xs, float ys, float) {
         return (static_cast<float>(sum) * xs) / (ys * static_cast<float>(count));
       }},
      {"float(sum)/count·(x_scale/y_scale)", [](int32_t sum, int32_t count, float xs, float ys, float) {
         return static_cast<float>(sum) / static_cast<float>(count) * (xs / ys);
       }},
  };
  for (const char* op : {"QLinearGlobalAveragePool", "QLinearAveragePool"}) {
    const bool global = std::string(op) == "QLinearGlobalAveragePool";
    // (sum, count) of every output.
    std::vector<std::pair<int32_t, int32_t>> windows;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t o = 0; o < (global ? 1 : width); ++o) {
        int32_t sum = 0, count = 0;
        for (int64_t i = global ? 0 : o - 1; i <= (global ? width - 1 : o + 1); ++i)
          if (i >= 0 && i < width) {
            sum += x[static_cast<size_t>(c * width + i)] - 128;
            ++count;
          }
        windows.emplace_back(sum, count);
      }
    for (const auto& [name, alt] : pool_alternatives) {
      float s[3];
      const bool found = find_sensitive_scales(rng, windows, pool_def, alt, 0.002f, 0.2f, 1.0f, 1.0f, s);
      CHECK(found) << op << ": no scales found where " << name << " differs";
      if (!found) continue;
      std::vector<uint8_t> want;
      for (const auto& [sum, count] : windows) want.push_back(requant_u8(pool_def(sum, count, s[0], s[1], 0)));
      Attributes attrs;
      if (!global) {
        attrs.set_ints("kernel_shape", {3});
        attrs.set_ints("pads", {1, 1});
      }
      for (bool constant : {true, false}) {
        PoolQuant q;
        q.xs = s[0];
        q.ys = s[1];
        q.zx = q.zy = 128;
        q.constant_scales = constant;
        const DType u8 = DType::kUint8;
        OpHarness h(qlinear_factory(op, "com.microsoft"), qnode(op, attrs), pool_inputs(u8, {1, channels, width}, x, q),
                    {bytes_tensor(u8, {1, channels, global ? 1 : width}, {})});
        h.run(1);
        const std::string diff = first_difference(h.output(0).bytes, want, u8);
        CHECK(diff.empty()) << op << " scales " << s[0] << ", " << s[1] << " (where " << name << " differs), " << (constant ? "constant" : "run-time")
                            << ": " << diff;
      }
    }
  }
}

// ---- bad input ----

namespace {

void expect_create_error(const std::string& what, ErrorKind kind, const std::vector<std::string>& needles, const std::function<void()>& create) {
  try {
    create();
    CHECK(false) << what << ": create did not throw";
  } catch (const Error& e) {
    CHECK(e.kind() == kind) << what << ": wrong error kind for \"" << e.what() << "\"";
    for (const std::string& n : needles)
      CHECK(std::string(e.what()).find(n) != std::string::npos) << what << ": message \"" << e.what() << "\" lacks \"" << n << "\"";
  }
}

// A valid node of each operator (create() must succeed), edited by each bad case.
struct BadNode {
  std::string op;
  std::vector<OpTensor> inputs;
  std::vector<OpTensor> outputs;
  Attributes attrs;

  void create() const { OpHarness h(qlinear_factory(op, domain_of(op)), qnode(op, attrs), inputs, outputs); }
};

BadNode good_binary(const std::string& op) {
  const DType u8 = DType::kUint8;
  return BadNode{op,
                 {bytes_tensor(u8, {2, 3}, std::vector<uint8_t>(6)), scale_tensor(0.1f, true), zp_tensor(u8, 3), bytes_tensor(u8, {3}, std::vector<uint8_t>(3)),
                  scale_tensor(0.2f, true), zp_tensor(u8, 4), scale_tensor(0.3f, true), zp_tensor(u8, 5)},
                 {bytes_tensor(u8, {2, 3}, {})},
                 {}};
}

BadNode good_lookup() {
  return BadNode{"QLinearLookup",
                 {bytes_tensor(DType::kInt8, {4, 5}, std::vector<uint8_t>(20)), bytes_tensor(DType::kUint8, {256}, std::vector<uint8_t>(256), true)},
                 {bytes_tensor(DType::kUint8, {4, 5}, {})},
                 {}};
}

BadNode good_pool(const std::string& op) {
  const DType u8 = DType::kUint8;
  BadNode b{op,
            {bytes_tensor(u8, {1, 3, 8, 8}, std::vector<uint8_t>(192)), scale_tensor(0.1f, true), zp_tensor(u8, 3), scale_tensor(0.2f, true), zp_tensor(u8, 4)},
            {bytes_tensor(u8, op == "QLinearAveragePool" ? Shape{1, 3, 4, 4} : Shape{1, 3, 1, 1}, {})},
            {}};
  if (op == "QLinearAveragePool") {
    b.attrs.set_ints("kernel_shape", {2, 2});
    b.attrs.set_ints("strides", {2, 2});
  }
  return b;
}

}  // namespace

TEST(qlinear_ops_reject_bad_input) {
  // The valid nodes create, including with run-time scales that would be invalid as constants.
  for (const char* op : {"QLinearAdd", "QLinearMul"}) {
    good_binary(op).create();
    BadNode runtime = good_binary(op);
    runtime.inputs[6] = scale_tensor(0.0f, false);  // a run cannot throw; create cannot see it
    runtime.create();
    BadNode seven = good_binary(op);
    seven.inputs.pop_back();
    seven.create();
  }
  good_lookup().create();
  good_pool("QLinearGlobalAveragePool").create();
  good_pool("QLinearAveragePool").create();

  const auto bad = [](const std::string& what, BadNode node, ErrorKind kind, std::vector<std::string> needles, auto edit) {
    edit(node);
    expect_create_error(what, kind, needles, [&] { node.create(); });
  };
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const DType u8 = DType::kUint8, s8 = DType::kInt8;

  for (const char* op : {"QLinearAdd", "QLinearMul"}) {
    const std::string o = op;
    const BadNode g = good_binary(o);
    bad(o + " zero A_scale", g, ErrorKind::kRange, {o + "_test", "A_scale", "must be positive and finite"}, [](BadNode& b) { b.inputs[1] = scale_tensor(0.0f, true); });
    bad(o + " negative B_scale", g, ErrorKind::kRange, {"B_scale is -1", "must be positive and finite"}, [](BadNode& b) { b.inputs[4] = scale_tensor(-1.0f, true); });
    bad(o + " NaN C_scale", g, ErrorKind::kRange, {"C_scale", "must be positive and finite"}, [&](BadNode& b) { b.inputs[6] = scale_tensor(nan, true); });
    bad(o + " infinite C_scale", g, ErrorKind::kRange, {"C_scale", "must be positive and finite"}, [&](BadNode& b) { b.inputs[6] = scale_tensor(inf, true); });
    bad(o + " non-scalar A_scale", g, ErrorKind::kRange, {"A_scale", "one value", "[2]"}, [](BadNode& b) {
      b.inputs[1] = OpTensor::of<float>(DType::kFloat32, {2}, {0.1f, 0.2f}, true);
    });
    bad(o + " float64 B_scale", g, ErrorKind::kType, {"B_scale must be float32", "float64"}, [](BadNode& b) {
      b.inputs[4] = OpTensor::of<double>(DType::kFloat64, {}, {0.1}, true);
    });
    bad(o + " int8 A_zero_point", g, ErrorKind::kType, {"A_zero_point", "uint8", "int8"}, [&](BadNode& b) { b.inputs[2] = zp_tensor(s8, 1); });
    bad(o + " int32 C_zero_point", g, ErrorKind::kType, {"C_zero_point", "uint8", "int32"}, [](BadNode& b) {
      b.inputs[7] = OpTensor::of<int32_t>(DType::kInt32, {}, {1}, true);
    });
    bad(o + " non-scalar B_zero_point", g, ErrorKind::kRange, {"B_zero_point", "one value"}, [&](BadNode& b) {
      b.inputs[5] = bytes_tensor(u8, {3}, {1, 2, 3}, true);
    });
    bad(o + " float32 A", g, ErrorKind::kType, {"A must be uint8 or int8", "float32"}, [](BadNode& b) {
      b.inputs[0] = OpTensor::of<float>(DType::kFloat32, {2, 3}, std::vector<float>(6), false);
    });
    bad(o + " B of another type", g, ErrorKind::kType, {"B must have A's type uint8", "int8"}, [&](BadNode& b) {
      b.inputs[3] = bytes_tensor(s8, {3}, std::vector<uint8_t>(3));
      b.inputs[5] = zp_tensor(s8, 0);
    });
    bad(o + " shapes that do not broadcast", g, ErrorKind::kRange, {"[2,3]", "[4]", "do not broadcast"}, [&](BadNode& b) {
      b.inputs[3] = bytes_tensor(u8, {4}, std::vector<uint8_t>(4));
    });
    bad(o + " output shape", g, ErrorKind::kRange, {"C has shape [3,2]", "[2,3]"}, [&](BadNode& b) { b.outputs[0] = bytes_tensor(u8, {3, 2}, {}); });
    bad(o + " output dtype", g, ErrorKind::kType, {"C must be uint8", "int8"}, [&](BadNode& b) { b.outputs[0] = bytes_tensor(s8, {2, 3}, {}); });
    bad(o + " six inputs", g, ErrorKind::kRange, {"has 6 inputs", "expected 7 or 8"}, [](BadNode& b) { b.inputs.resize(6); });
    bad(o + " C_scale absent", g, ErrorKind::kType, {"C_scale (input 6) is required"}, [](BadNode& b) { b.inputs[6] = OpTensor::absent(); });
  }

  const BadNode l = good_lookup();
  bad("Lookup table computed at run time", l, ErrorKind::kType, {"table", "constant"}, [](BadNode& b) { b.inputs[1].constant = false; });
  bad("Lookup table of 255", l, ErrorKind::kRange, {"table", "[256]", "[255]"}, [&](BadNode& b) {
    b.inputs[1] = bytes_tensor(u8, {255}, std::vector<uint8_t>(255), true);
  });
  bad("Lookup table [2,128]", l, ErrorKind::kRange, {"table", "[256]", "[2,128]"}, [&](BadNode& b) {
    b.inputs[1] = bytes_tensor(u8, {2, 128}, std::vector<uint8_t>(256), true);
  });
  bad("Lookup float32 table", l, ErrorKind::kType, {"table must be uint8 or int8", "float32"}, [](BadNode& b) {
    b.inputs[1] = OpTensor::of<float>(DType::kFloat32, {256}, std::vector<float>(256), true);
  });
  bad("Lookup int32 X", l, ErrorKind::kType, {"X must be uint8 or int8", "int32"}, [](BadNode& b) {
    b.inputs[0] = OpTensor::of<int32_t>(DType::kInt32, {4, 5}, std::vector<int32_t>(20), false);
  });
  bad("Lookup output of X's type, not the table's", l, ErrorKind::kType, {"Y must be uint8", "int8"}, [&](BadNode& b) {
    b.outputs[0] = bytes_tensor(s8, {4, 5}, {});
  });
  bad("Lookup output shape", l, ErrorKind::kRange, {"Y has shape [20]", "[4,5]"}, [&](BadNode& b) { b.outputs[0] = bytes_tensor(u8, {20}, {}); });
  bad("Lookup three inputs", l, ErrorKind::kRange, {"has 3 inputs", "expected 2"}, [&](BadNode& b) { b.inputs.push_back(zp_tensor(u8, 0)); });

  for (const char* op : {"QLinearGlobalAveragePool", "QLinearAveragePool"}) {
    const std::string o = op;
    const BadNode g = good_pool(o);
    bad(o + " zero x_scale", g, ErrorKind::kRange, {o + "_test", "x_scale", "must be positive and finite"}, [](BadNode& b) { b.inputs[1] = scale_tensor(0.0f, true); });
    bad(o + " negative y_scale", g, ErrorKind::kRange, {"y_scale", "must be positive and finite"}, [](BadNode& b) { b.inputs[3] = scale_tensor(-0.5f, true); });
    bad(o + " NaN y_scale", g, ErrorKind::kRange, {"y_scale", "must be positive and finite"}, [&](BadNode& b) { b.inputs[3] = scale_tensor(nan, true); });
    bad(o + " infinite x_scale", g, ErrorKind::kRange, {"x_scale", "must be positive and finite"}, [&](BadNode& b) { b.inputs[1] = scale_tensor(-inf, true); });
    bad(o + " non-scalar x_scale", g, ErrorKind::kRange, {"x_scale", "one value", "[1,2]"}, [](BadNode& b) {
      b.inputs[1] = OpTensor::of<float>(DType::kFloat32, {1, 2}, {0.1f, 0.2f}, true);
    });
    bad(o + " int8 y_zero_point", g, ErrorKind::kType, {"y_zero_point", "X's type uint8", "int8"}, [&](BadNode& b) { b.inputs[4] = zp_tensor(s8, 0); });
    bad(o + " non-scalar x_zero_point", g, ErrorKind::kRange, {"x_zero_point", "one value"}, [&](BadNode& b) {
      b.inputs[2] = bytes_tensor(u8, {2}, {1, 2}, true);
    });
    bad(o + " float32 X", g, ErrorKind::kType, {"X must be uint8 or int8", "float32"}, [](BadNode& b) {
      b.inputs[0] = OpTensor::of<float>(DType::kFloat32, {1, 3, 8, 8}, std::vector<float>(192), false);
    });
    bad(o + " rank 2", g, ErrorKind::kRange, {"rank 3 or more"}, [&](BadNode& b) {
      b.inputs[0] = bytes_tensor(u8, {3, 8}, std::vector<uint8_t>(24));
      b.outputs[0] = bytes_tensor(u8, {3, 1}, {});
    });
    bad(o + " output shape", g, ErrorKind::kRange, {"Y has shape [1,3,2,2]"}, [&](BadNode& b) { b.outputs[0] = bytes_tensor(u8, {1, 3, 2, 2}, {}); });
    bad(o + " output dtype", g, ErrorKind::kType, {"Y must be uint8", "int8"}, [&](BadNode& b) { b.outputs[0].dtype = s8; });
    bad(o + " y_scale absent", g, ErrorKind::kType, {"y_scale (input 3) is required"}, [](BadNode& b) { b.inputs[3] = OpTensor::absent(); });
  }
  const BadNode p = good_pool("QLinearAveragePool");
  bad("AveragePool dilations", p, ErrorKind::kType, {"dilations", "[2,2]"}, [](BadNode& b) { b.attrs.set_ints("dilations", {2, 2}); });
  bad("AveragePool no kernel_shape", p, ErrorKind::kType, {"kernel_shape", "required"}, [](BadNode& b) { b.attrs = Attributes(); });
  bad("AveragePool 4-D", p, ErrorKind::kType, {"4-D", "not supported"}, [&](BadNode& b) {
    b.inputs[0] = bytes_tensor(u8, {1, 1, 2, 2, 2, 2}, std::vector<uint8_t>(16));
    b.outputs[0] = bytes_tensor(u8, {1, 1, 1, 1, 1, 1}, {});
    b.attrs.set_ints("kernel_shape", {2, 2, 2, 2});
    b.attrs.set_ints("strides", {2, 2, 2, 2});
  });
  bad("AveragePool count_include_pad 2", p, ErrorKind::kRange, {"count_include_pad", "0 or 1"}, [](BadNode& b) { b.attrs.set_int("count_include_pad", 2); });
  // kernel 2, stride 2, pads 2 at the begin: the first window covers only padding.
  const auto all_padding = [&](BadNode& b) {
    b.attrs.set_ints("pads", {2, 0, 0, 0});
    b.outputs[0] = bytes_tensor(u8, {1, 3, 5, 4}, {});
  };
  bad("AveragePool window entirely in the padding", p, ErrorKind::kRange, {"entirely in the padding", "H axis", "count_include_pad = 0"}, all_padding);
  BadNode include = p;  // with count_include_pad the padding taps count: an average of zeros, defined
  all_padding(include);
  include.attrs.set_int("count_include_pad", 1);
  include.create();
}

}  // namespace octet::test
