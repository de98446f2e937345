// Reduce* and ArgMax/ArgMin against plain references: every axis combination of rank-4 shapes with
// size-1 dims, keepdims 0/1, both forms of axes (attribute, constant input), noop_with_empty_axes,
// empty tensors, every dtype, shapes past the block and task sizes; results bit-identical for any
// thread count; bad input rejected at create with a message that names the problem.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../core/status.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

const OpRegistry& reduce_registry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_reduce_ops(r);
    return r;
  }();
  return registry;
}

OpFactory factory(const std::string& op) { return reduce_registry().find(op, ""); }

const char* const kReduceOps[] = {"ReduceSum", "ReduceMean",   "ReduceProd",     "ReduceMax",      "ReduceMin",
                                  "ReduceL1",  "ReduceL2",     "ReduceLogSum",   "ReduceLogSumExp", "ReduceSumSquare"};

OpTensor out_spec(DType dtype, const Shape& shape) {
  OpTensor t;
  t.dtype = dtype;
  t.shape = Shape(shape.begin(), shape.end());  // not copy-assignment: GCC 12 -Wnonnull false positive on empty shapes
  return t;
}

std::string describe(const std::string& op, const Shape& shape, const std::vector<int64_t>& axes, bool keepdims, DType dtype, int threads) {
  std::ostringstream s;
  s << op << " " << dtype_name(dtype) << " shape " << shape_string(shape) << " axes [";
  for (size_t i = 0; i < axes.size(); ++i) s << (i ? "," : "") << axes[i];
  s << "] keepdims=" << keepdims << " threads=" << threads;
  return s.str();
}

// The reduced-dims mask the ONNX spec gives for these axes.
std::vector<bool> mask_of(const std::vector<int64_t>& axes, size_t rank, bool noop) {
  std::vector<bool> mask(rank, axes.empty() && !noop);
  for (int64_t a : axes) mask[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(rank) : a)] = true;
  return mask;
}

Shape out_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) out.push_back(shape[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

// members[o] = the input indices (row-major order) that output o reduces.
std::vector<std::vector<int64_t>> groups_of(const Shape& shape, const std::vector<bool>& mask) {
  int64_t outputs = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!mask[d]) outputs *= shape[d];
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(outputs));
  const int64_t n = shape_numel(shape);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, o = 0, stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      const int64_t idx = rem % shape[d];
      rem /= shape[d];
      if (!mask[d]) {
        o += idx * stride;
        stride *= shape[d];
      }
    }
    members[static_cast<size_t>(o)].push_back(i);
  }
  return members;
}

// Float reference in double, with the error bound a float computation may reach.
struct RefValue {
  double value, tolerance;
};

RefValue float_reference(const std::string& op, const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  double sum = 0, abs_sum = 0, sq = 0, prod = 1;
  double max = -INFINITY, min = INFINITY;
  bool nan = false;
  for (double x : v) {
    sum += x;
    abs_sum += std::fabs(x);
    sq += x * x;
    prod *= x;
    if (std::isnan(x)) nan = true;
    max = std::max(max, x);
    min = std::min(min, x);
  }
  const double eps = 2e-6 * (1 + std::log2(1 + n));
  if (op == "ReduceSum") return {sum, eps * abs_sum};
  if (op == "ReduceMean") return {v.empty() ? NAN : sum / n, v.empty() ? 0 : eps * abs_sum / n};
  if (op == "ReduceProd") return {prod, eps * std::fabs(prod) * (1 + n)};
  if (op == "ReduceMax") return {nan ? NAN : max, 0};
  if (op == "ReduceMin") return {nan ? NAN : min, 0};
  if (op == "ReduceL1") return {abs_sum, eps * abs_sum};
  if (op == "ReduceL2") return {std::sqrt(sq), eps * std::sqrt(sq)};
  if (op == "ReduceLogSum") return {std::log(sum), eps * abs_sum / std::fabs(sum)};
  if (op == "ReduceSumSquare") return {sq, eps * sq};
  if (op == "ReduceLogSumExp") {
    if (v.empty()) return {-INFINITY, 0};
    double s = 0;
    for (double x : v) s += std::exp(x - max);
    return {max + std::log(s), eps * (1 + std::fabs(max))};
  }
  return {NAN, 0};
}

// Integer reference: two's complement wrapping in T (computed in uint64, then truncated).
template <typename T>
T int_reference(const std::string& op, const std::vector<T>& v) {
  uint64_t sum = 0, prod = 1, abs_sum = 0, sq = 0;
  T max = std::numeric_limits<T>::lowest(), min = std::numeric_limits<T>::max();
  for (T x : v) {
    const uint64_t u = static_cast<uint64_t>(static_cast<int64_t>(x));  // sign-extends; fine for unsigned up to 63 bits
    const uint64_t w = std::is_signed_v<T> ? u : static_cast<uint64_t>(x);
    sum += w;
    prod *= w;
    abs_sum += (std::is_signed_v<T> && static_cast<int64_t>(x) < 0) ? 0 - w : w;
    sq += w * w;
    max = std::max(max, x);
    min = std::min(min, x);
  }
  if (op == "ReduceSum") return static_cast<T>(sum);
  if (op == "ReduceProd") return static_cast<T>(prod);
  if (op == "ReduceMax") return max;
  if (op == "ReduceMin") return min;
  if (op == "ReduceL1") return static_cast<T>(abs_sum);
  if (op == "ReduceSumSquare") return static_cast<T>(sq);
  if (op == "ReduceMean") {
    if (v.empty()) return 0;
    if (std::is_signed_v<T>) return static_cast<T>(static_cast<int64_t>(sum) / static_cast<int64_t>(v.size()));
    return static_cast<T>(sum / v.size());
  }
  return 0;
}

struct ReduceCase {
  std::string op;
  Shape shape;
  std::vector<int64_t> axes;
  bool keepdims = true;
  bool axes_as_input = false;  // opset 18 (13 for ReduceSum) constant input, else the attribute
  bool noop = false;
  bool omit_axes = false;      // no attribute, no input
};

NodeSpec reduce_node(const ReduceCase& c) {
  Attributes a;
  a.set_int("keepdims", c.keepdims ? 1 : 0);
  if (c.noop) a.set_int("noop_with_empty_axes", 1);
  if (!c.axes_as_input && !c.omit_axes) a.set_ints("axes", c.axes);
  return make_node(c.op, a, c.axes_as_input || c.noop ? 18 : 11);
}

std::vector<OpTensor> reduce_inputs(const ReduceCase& c, OpTensor data) {
  std::vector<OpTensor> in{std::move(data)};
  if (c.axes_as_input && !c.omit_axes) in.push_back(OpTensor::of<int64_t>(DType::kInt64, {static_cast<int64_t>(c.axes.size())}, c.axes, true));
  return in;
}

// Runs a case with 1, 2 and 3 threads; checks the thread counts agree bit for bit; returns the
// 1-thread output bytes.
std::vector<uint8_t> run_reduce(const ReduceCase& c, const OpTensor& data, DType out_dtype, const Shape& expected_shape) {
  std::vector<uint8_t> first;
  for (int threads : {1, 2, 3}) {
    OpHarness h(factory(c.op), reduce_node(c), reduce_inputs(c, data), {out_spec(out_dtype, expected_shape)});
    h.run(threads);
    if (threads == 1) first = h.output(0).bytes;
    else CHECK(h.output(0).bytes == first) << describe(c.op, c.shape, c.axes, c.keepdims, data.dtype, threads) << ": differs from 1 thread";
  }
  return first;
}

bool same_float(double got, const RefValue& ref) {
  if (std::isnan(ref.value)) return std::isnan(got);
  if (std::isinf(ref.value)) return got == ref.value;
  return std::fabs(got - ref.value) <= ref.tolerance + 1e-30;
}

// Float data suited to the op (positive for LogSum, near 1 for Prod so products of 30000 stay finite).
std::vector<float> float_data(const std::string& op, int64_t n, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    if (op == "ReduceProd") x = rng.uniform_float(0.98f, 1.02f) * (rng.next() % 8 == 0 ? -1.0f : 1.0f);
    else if (op == "ReduceLogSum") x = rng.uniform_float(0.01f, 3.0f);
    else x = rng.uniform_float(-4.0f, 4.0f);
  }
  return v;
}

void check_float_case(const ReduceCase& c, Rng& rng) {
  const std::vector<float> data = float_data(c.op, shape_numel(c.shape), rng);
  const std::vector<bool> mask = mask_of(c.axes, c.shape.size(), c.noop);
  const Shape expected = out_shape(c.shape, mask, c.keepdims);
  const std::vector<uint8_t> bytes = run_reduce(c, OpTensor::of<float>(DType::kFloat32, c.shape, data), DType::kFloat32, expected);
  std::vector<float> got(bytes.size() / 4);
  if (!got.empty()) std::memcpy(got.data(), bytes.data(), bytes.size());
  const auto groups = groups_of(c.shape, mask);
  CHECK(got.size() == groups.size()) << describe(c.op, c.shape, c.axes, c.keepdims, DType::kFloat32, 1);
  for (size_t o = 0; o < groups.size() && o < got.size(); ++o) {
    std::vector<double> values;
    for (int64_t i : groups[o]) values.push_back(data[static_cast<size_t>(i)]);
    const RefValue ref = float_reference(c.op, values);
    CHECK(same_float(got[o], ref)) << describe(c.op, c.shape, c.axes, c.keepdims, DType::kFloat32, 1) << ": output " << o << " = " << got[o] << ", expected "
                   << ref.value << " ± " << ref.tolerance;
  }
}

template <typename T>
void check_int_case(const ReduceCase& c, DType dtype, Rng& rng, bool full_range) {
  std::vector<T> data(static_cast<size_t>(shape_numel(c.shape)));
  for (auto& x : data) x = full_range ? static_cast<T>(rng.next()) : static_cast<T>(rng.uniform(-9, 9) & (std::is_signed_v<T> ? ~0 : 7));
  if (dtype == DType::kBool)
    for (auto& x : data) x = static_cast<T>(rng.next() & 1);
  const std::vector<bool> mask = mask_of(c.axes, c.shape.size(), c.noop);
  const Shape expected = out_shape(c.shape, mask, c.keepdims);
  const std::vector<uint8_t> bytes = run_reduce(c, OpTensor::of<T>(dtype, c.shape, data), dtype, expected);
  std::vector<T> got(bytes.size() / sizeof(T));
  if (!got.empty()) std::memcpy(got.data(), bytes.data(), bytes.size());
  const auto groups = groups_of(c.shape, mask);
  CHECK(got.size() == groups.size()) << describe(c.op, c.shape, c.axes, c.keepdims, dtype, 1);
  for (size_t o = 0; o < groups.size() && o < got.size(); ++o) {
    std::vector<T> values;
    for (int64_t i : groups[o]) values.push_back(data[static_cast<size_t>(i)]);
    T ref = int_reference<T>(c.op, values);
    if (dtype == DType::kBool && values.empty()) ref = c.op == "ReduceMin" ? 1 : 0;
    CHECK(got[o] == ref) << describe(c.op, c.shape, c.axes, c.keepdims, dtype, 1) << ": output " << o << " = " << +got[o] << ", expected " << +ref;
  }
}

Shape random_rank4(Rng& rng) {
  Shape s(4);
  for (auto& d : s) d = rng.uniform(0, 3) == 0 ? 1 : rng.uniform(2, 6);
  return s;
}

std::vector<int64_t> axes_of_mask(int mask_bits, int rank, Rng& rng) {
  std::vector<int64_t> axes;
  for (int d = 0; d < rank; ++d)
    if (mask_bits & (1 << d)) axes.push_back(rng.uniform(0, 1) ? d : d - rank);  // negative axes half the time
  // Shuffle: the order of axes does not matter.
  for (size_t i = axes.size(); i > 1; --i) std::swap(axes[i - 1], axes[rng.next() % i]);
  return axes;
}

}  // namespace

TEST(reduce_float_every_axis_combination_rank4) {
  Rng rng(101);
  for (const char* op : kReduceOps) {
    for (int bits = 0; bits < 16; ++bits) {
      for (int keepdims = 0; keepdims <= 1; ++keepdims) {
        ReduceCase c;
        c.op = op;
        c.shape = random_rank4(rng);
        c.axes = axes_of_mask(bits, 4, rng);
        c.keepdims = keepdims;
        c.axes_as_input = rng.uniform(0, 1) == 1;
        c.omit_axes = bits == 0;  // no axes: reduce all
        check_float_case(c, rng);
      }
    }
  }
}

TEST(reduce_float_large_shapes_cross_blocks_and_tasks) {
  Rng rng(102);
  struct S {
    Shape shape;
    std::vector<int64_t> axes;
  };
  // Rows: segments longer than the lanes with tails; columns: inner past the 256-column block; many
  // outputs (several tasks); one output reducing 70000 elements; mixed patterns.
  const std::vector<S> shapes = {
      {{3, 1000}, {1}},          {{1000, 3}, {1}},         {{7, 517, 3}, {1}},    {{2, 300, 259}, {1}},   {{70000}, {0}},
      {{257, 300}, {0}},         {{33, 17, 65}, {0, 2}},   {{4, 3, 2, 5000}, {1, 3}}, {{600, 130}, {1}},  {{5, 2, 3001}, {0}},
      {{1, 1, 1, 17}, {3}},      {{13, 1, 1, 1}, {1, 2}},
  };
  for (const char* op : kReduceOps)
    for (const S& s : shapes) {
      ReduceCase c;
      c.op = op;
      c.shape = s.shape;
      c.axes = s.axes;
      c.keepdims = rng.uniform(0, 1) == 1;
      check_float_case(c, rng);
    }
}

TEST(reduce_integer_types) {
  Rng rng(103);
  const char* const int_ops[] = {"ReduceSum", "ReduceMean", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceSumSquare"};
  for (const char* op : int_ops) {
    for (int bits = 0; bits < 16; ++bits) {
      ReduceCase c;
      c.op = op;
      c.shape = random_rank4(rng);
      c.axes = axes_of_mask(bits, 4, rng);
      c.omit_axes = bits == 0;
      c.keepdims = rng.uniform(0, 1) == 1;
      c.axes_as_input = rng.uniform(0, 1) == 1;
      const bool full = rng.uniform(0, 1) == 1;  // full-range values: sums and products wrap
      check_int_case<int32_t>(c, DType::kInt32, rng, full);
      check_int_case<int64_t>(c, DType::kInt64, rng, full);
      check_int_case<uint32_t>(c, DType::kUint32, rng, full);
      check_int_case<uint64_t>(c, DType::kUint64, rng, false);
    }
    ReduceCase big;
    big.op = op;
    big.shape = {3, 600, 300};
    big.axes = {1};
    check_int_case<int32_t>(big, DType::kInt32, rng, true);
    big.axes = {2};
    check_int_case<int64_t>(big, DType::kInt64, rng, true);
  }
  for (const char* op : {"ReduceMax", "ReduceMin"}) {
    for (int bits = 0; bits < 16; ++bits) {
      ReduceCase c;
      c.op = op;
      c.shape = random_rank4(rng);
      c.axes = axes_of_mask(bits, 4, rng);
      c.omit_axes = bits == 0;
      c.keepdims = rng.uniform(0, 1) == 1;
      check_int_case<uint8_t>(c, DType::kUint8, rng, true);
      check_int_case<int8_t>(c, DType::kInt8, rng, true);
      check_int_case<uint8_t>(c, DType::kBool, rng, true);
    }
  }
}

TEST(reduce_empty_tensors_follow_onnx) {
  Rng rng(104);
  for (const char* op : kReduceOps) {
    for (const std::vector<int64_t>& axes : {std::vector<int64_t>{1}, std::vector<int64_t>{0}, std::vector<int64_t>{}}) {
      ReduceCase c;
      c.op = op;
      c.shape = {2, 0, 3};
      c.axes = axes;
      c.omit_axes = axes.empty();
      check_float_case(c, rng);  // axes {1}: 6 results of an empty reduction; {0}: no result at all
    }
  }
  // The values themselves, spelled out.
  const std::vector<std::pair<std::string, float>> expected = {
      {"ReduceSum", 0.f},        {"ReduceProd", 1.f},         {"ReduceMax", -INFINITY}, {"ReduceMin", INFINITY},
      {"ReduceL1", 0.f},         {"ReduceL2", 0.f},           {"ReduceLogSum", -INFINITY}, {"ReduceLogSumExp", -INFINITY},
      {"ReduceSumSquare", 0.f}};
  for (const auto& [op, value] : expected) {
    OpHarness h(factory(op), make_node(op, [] { Attributes a; a.set_ints("axes", {0}); a.set_int("keepdims", 0); return a; }(), 11),
                {OpTensor::of<float>(DType::kFloat32, {0, 2}, std::vector<float>{})}, {out_spec(DType::kFloat32, {2})});
    h.run();
    const auto got = h.output(0).values<float>();
    CHECK(got[0] == value && got[1] == value && std::signbit(got[0]) == std::signbit(value)) << op << " of nothing = " << got[0];
  }
  {
    OpHarness h(factory("ReduceMean"), make_node("ReduceMean", [] { Attributes a; a.set_ints("axes", {0}); return a; }(), 11),
                {OpTensor::of<float>(DType::kFloat32, {0, 1}, std::vector<float>{})}, {out_spec(DType::kFloat32, {1, 1})});
    h.run();
    CHECK(std::isnan(h.output(0).values<float>()[0])) << "ReduceMean of nothing is NaN";
  }
  {
    OpHarness h(factory("ReduceMax"), make_node("ReduceMax", [] { Attributes a; a.set_ints("axes", {0}); return a; }(), 11),
                {OpTensor::of<int32_t>(DType::kInt32, {0, 1}, std::vector<int32_t>{})}, {out_spec(DType::kInt32, {1, 1})});
    h.run();
    CHECK(h.output(0).values<int32_t>()[0] == std::numeric_limits<int32_t>::min()) << "int32 ReduceMax of nothing is INT32_MIN";
  }
}

TEST(reduce_axes_forms_and_noop) {
  Rng rng(105);
  const Shape shape{3, 4, 5};
  for (const char* op : kReduceOps) {
    // Input form at opset 18 (and ReduceSum 13) equals the attribute form.
    for (bool as_input : {false, true}) {
      ReduceCase c;
      c.op = op;
      c.shape = shape;
      c.axes = {-1, 0};
      c.axes_as_input = as_input;
      check_float_case(c, rng);
    }
    // Empty axes input: reduce all; with noop_with_empty_axes, each element alone.
    for (bool noop : {false, true}) {
      for (bool omit : {false, true}) {
        ReduceCase c;
        c.op = op;
        c.shape = shape;
        c.axes_as_input = true;
        c.omit_axes = omit;
        c.noop = noop;
        check_float_case(c, rng);
      }
    }
  }
  // ReduceSum takes the input form from opset 13.
  {
    Attributes a;
    a.set_int("keepdims", 0);
    OpHarness h(factory("ReduceSum"), make_node("ReduceSum", a, 13),
                {OpTensor::of<float>(DType::kFloat32, {2, 2}, std::vector<float>{1, 2, 3, 4}), OpTensor::of<int64_t>(DType::kInt64, {1}, std::vector<int64_t>{1}, true)},
                {out_spec(DType::kFloat32, {2})});
    h.run();
    CHECK(h.output(0).values<float>() == (std::vector<float>{3, 7}));
  }
  // noop copies exactly (including -0.0 and NaN payloads) for Sum; SumSquare squares each element.
  {
    Attributes a;
    a.set_int("noop_with_empty_axes", 1);
    const std::vector<float> x{-0.0f, 2.0f, -3.0f};
    OpHarness sum(factory("ReduceSum"), make_node("ReduceSum", a, 18), {OpTensor::of<float>(DType::kFloat32, {3}, x)}, {out_spec(DType::kFloat32, {3})});
    sum.run();
    CHECK(std::memcmp(sum.output(0).bytes.data(), x.data(), 12) == 0) << "noop ReduceSum copies";
    OpHarness sq(factory("ReduceSumSquare"), make_node("ReduceSumSquare", a, 18), {OpTensor::of<float>(DType::kFloat32, {3}, x)},
                 {out_spec(DType::kFloat32, {3})});
    sq.run();
    CHECK(sq.output(0).values<float>() == (std::vector<float>{0, 4, 9})) << "noop ReduceSumSquare squares";
  }
  // A scalar input reduces to a scalar.
  {
    OpHarness h(factory("ReduceMax"), make_node("ReduceMax", {}, 11), {OpTensor::of<float>(DType::kFloat32, {}, std::vector<float>{5})},
                {out_spec(DType::kFloat32, {})});
    h.run();
    CHECK(h.output(0).values<float>()[0] == 5);
  }
}

TEST(reduce_special_values) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = INFINITY;
  const auto run1 = [](const std::string& op, std::vector<float> x) {
    Attributes a;
    a.set_int("keepdims", 0);
    OpHarness h(factory(op), make_node(op, a, 11), {OpTensor::of<float>(DType::kFloat32, {static_cast<int64_t>(x.size())}, x)},
                {out_spec(DType::kFloat32, {})});
    h.run();
    return h.output(0).values<float>()[0];
  };
  // NaN anywhere in a long run (every lane position, the tail) propagates through Max and Min.
  for (int pos : {0, 5, 15, 16, 31, 40}) {
    std::vector<float> x(41, 1.0f);
    x[static_cast<size_t>(pos)] = nan;
    CHECK(std::isnan(run1("ReduceMax", x))) << "NaN at " << pos;
    CHECK(std::isnan(run1("ReduceMin", x))) << "NaN at " << pos;
  }
  CHECK(run1("ReduceLogSumExp", {1000.f, 1000.f}) == 1000.f + std::log(2.0f)) << "no overflow";
  CHECK(run1("ReduceLogSumExp", {-inf, -inf}) == -inf);
  CHECK(run1("ReduceLogSumExp", {inf, 3.f}) == inf);
  CHECK(std::isnan(run1("ReduceLogSumExp", {nan, 3.f})));
  CHECK(run1("ReduceMax", {-inf, -inf}) == -inf);
  CHECK(run1("ReduceL1", {-2.f, 3.f}) == 5.f);
  CHECK(std::signbit(run1("ReduceSum", {-0.0f, -0.0f}))) << "a sum of -0s is -0";
}

// The reductions have one portable path (no per-ISA kernels): the active ISA must not matter.
TEST(reduce_same_bits_on_every_isa) {
  Rng rng(106);
  const Isa saved = active_isa();
  const Shape shape{3, 70, 41};
  const auto x = float_data("ReduceSum", shape_numel(shape), rng);
  std::vector<std::vector<uint8_t>> first;
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    std::vector<std::vector<uint8_t>> results;
    for (const char* op : kReduceOps) {
      for (const std::vector<int64_t>& axes : {std::vector<int64_t>{2}, std::vector<int64_t>{1}, std::vector<int64_t>{0, 2}}) {
        Attributes a;
        a.set_ints("axes", axes);
        OpHarness h(factory(op), make_node(op, a, 11), {OpTensor::of<float>(DType::kFloat32, shape, x)},
                    {out_spec(DType::kFloat32, out_shape(shape, mask_of(axes, 3, false), true))});
        h.run(2);
        results.push_back(h.output(0).bytes);
      }
    }
    if (first.empty()) first = results;
    else CHECK(results == first) << isa_name(isa) << " differs from " << isa_name(supported_isas()[0]);
  }
  set_active_isa(saved);
}

// ---- ArgMax / ArgMin.

namespace {

template <typename T>
int64_t arg_reference(const std::vector<T>& v, bool is_max, bool last) {
  int64_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    const T x = v[i], b = v[static_cast<size_t>(best)];
    bool take;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(b)) take = last && std::isnan(x);
      else if (std::isnan(x)) take = true;
      else take = last ? (is_max ? x >= b : x <= b) : (is_max ? x > b : x < b);
    } else {
      take = last ? (is_max ? x >= b : x <= b) : (is_max ? x > b : x < b);
    }
    if (take) best = static_cast<int64_t>(i);
  }
  return best;
}

template <typename T>
void check_arg_case(const std::string& op, DType dtype, const Shape& shape, int64_t axis, bool keepdims, bool last, Rng& rng, bool with_nan) {
  std::vector<T> data(static_cast<size_t>(shape_numel(shape)));
  for (auto& x : data) x = static_cast<T>(rng.uniform(0, 6));  // few values: many ties
  if constexpr (std::is_floating_point_v<T>)
    if (with_nan)
      for (auto& x : data)
        if (rng.next() % 5 == 0) x = std::numeric_limits<float>::quiet_NaN();
  Attributes a;
  a.set_int("axis", axis);
  a.set_int("keepdims", keepdims);
  a.set_int("select_last_index", last);
  const size_t rank = shape.size();
  const size_t ax = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
  std::vector<bool> mask(rank, false);
  mask[ax] = true;
  const Shape expected = out_shape(shape, mask, keepdims);
  std::vector<int64_t> first;
  for (int threads : {1, 3}) {
    OpHarness h(factory(op), make_node(op, a, 13), {OpTensor::of<T>(dtype, shape, data)}, {out_spec(DType::kInt64, expected)});
    h.run(threads);
    const auto got = h.output(0).values<int64_t>();
    if (threads == 1) first = got;
    else CHECK(got == first) << op << " threads differ";
  }
  const auto groups = groups_of(shape, mask);
  for (size_t o = 0; o < groups.size(); ++o) {
    std::vector<T> values;
    for (int64_t i : groups[o]) values.push_back(data[static_cast<size_t>(i)]);
    const int64_t ref = arg_reference(values, op == "ArgMax", last);
    CHECK(first[o] == ref) << op << " " << dtype_name(dtype) << " " << shape_string(shape) << " axis " << axis << " last=" << last << ": output " << o
                   << " = " << first[o] << ", expected " << ref;
  }
}

}  // namespace

TEST(argmax_argmin_random) {
  Rng rng(201);
  for (const char* op : {"ArgMax", "ArgMin"}) {
    for (int trial = 0; trial < 24; ++trial) {
      const Shape shape = random_rank4(rng);
      const int64_t axis = rng.uniform(-4, 3);
      const bool keepdims = rng.uniform(0, 1), last = rng.uniform(0, 1);
      check_arg_case<float>(op, DType::kFloat32, shape, axis, keepdims, last, rng, trial % 3 == 0);
      check_arg_case<int32_t>(op, DType::kInt32, shape, axis, keepdims, last, rng, false);
      check_arg_case<int64_t>(op, DType::kInt64, shape, axis, keepdims, last, rng, false);
      check_arg_case<uint8_t>(op, DType::kUint8, shape, axis, keepdims, last, rng, false);
      check_arg_case<int8_t>(op, DType::kInt8, shape, axis, keepdims, last, rng, false);
    }
    for (bool last : {false, true}) {
      check_arg_case<float>(op, DType::kFloat32, {5, 3000, 2}, 1, true, last, rng, false);
      check_arg_case<float>(op, DType::kFloat32, {40, 1000}, 1, false, last, rng, true);
      check_arg_case<float>(op, DType::kFloat32, {3, 7, 600}, 1, true, last, rng, true);
      check_arg_case<int32_t>(op, DType::kInt32, {1, 1}, 0, true, last, rng, false);
    }
  }
}

// ---- Bad input.

namespace {

// Expects the factory to throw octet::Error of `kind` whose message contains every fragment.
void expect_error(const std::string& what, OpFactory f, NodeSpec node, std::vector<OpTensor> in, std::vector<OpTensor> out, ErrorKind kind,
                  std::vector<std::string> fragments) {
  try {
    OpHarness h(f, std::move(node), std::move(in), std::move(out));
    CHECK(false) << what << ": no error";
  } catch (const Error& e) {
    CHECK(e.kind() == kind) << what << ": wrong error kind for \"" << e.what() << "\"";
    for (const auto& fragment : fragments) CHECK(std::string(e.what()).find(fragment) != std::string::npos) << what << ": \"" << e.what() << "\" lacks \"" << fragment << "\"";
  }
}

Attributes axes_attr(std::vector<int64_t> axes, int64_t keepdims = 1) {
  Attributes a;
  a.set_ints("axes", std::move(axes));
  a.set_int("keepdims", keepdims);
  return a;
}

}  // namespace

TEST(reduce_bad_input) {
  const OpTensor x = OpTensor::of<float>(DType::kFloat32, {2, 3, 4}, std::vector<float>(24, 1.0f));
  expect_error("axis out of range", factory("ReduceSum"), make_node("ReduceSum", axes_attr({3}), 11), {x}, {out_spec(DType::kFloat32, {2, 3, 1})},
               ErrorKind::kRange, {"ReduceSum_test", "axis 3", "out of range", "rank 3"});
  expect_error("negative axis out of range", factory("ReduceMax"), make_node("ReduceMax", axes_attr({-4}), 11), {x},
               {out_spec(DType::kFloat32, {1, 3, 4})}, ErrorKind::kRange, {"axis -4"});
  expect_error("duplicate axes", factory("ReduceMean"), make_node("ReduceMean", axes_attr({1, -2}), 11), {x}, {out_spec(DType::kFloat32, {2, 1, 4})},
               ErrorKind::kRange, {"more than once"});
  expect_error("wrong output shape", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}), 11), {x}, {out_spec(DType::kFloat32, {2, 4})},
               ErrorKind::kRange, {"[2,4]", "expected [2,1,4]"});
  expect_error("wrong output shape keepdims=0", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}, 0), 11), {x},
               {out_spec(DType::kFloat32, {2, 1, 4})}, ErrorKind::kRange, {"expected [2,4]"});
  expect_error("wrong output dtype", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}), 11), {x}, {out_spec(DType::kInt32, {2, 1, 4})},
               ErrorKind::kType, {"float32", "int32"});
  expect_error("unsupported dtype", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}), 11),
               {OpTensor::of<uint16_t>(DType::kFloat16, {2, 3}, std::vector<uint16_t>(6))}, {out_spec(DType::kFloat16, {2, 1})}, ErrorKind::kType,
               {"float16"});
  expect_error("ReduceL2 of int32", factory("ReduceL2"), make_node("ReduceL2", axes_attr({1}), 11),
               {OpTensor::of<int32_t>(DType::kInt32, {2, 3}, std::vector<int32_t>(6))}, {out_spec(DType::kInt32, {2, 1})}, ErrorKind::kType,
               {"float32", "int32"});
  expect_error("ReduceSum of uint8", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}), 11),
               {OpTensor::of<uint8_t>(DType::kUint8, {2, 3}, std::vector<uint8_t>(6))}, {out_spec(DType::kUint8, {2, 1})}, ErrorKind::kType, {"uint8"});
  OpTensor computed_axes = OpTensor::of<int64_t>(DType::kInt64, {1}, std::vector<int64_t>{1}, false);
  expect_error("axes not constant", factory("ReduceMean"), make_node("ReduceMean", {}, 18), {x, computed_axes}, {out_spec(DType::kFloat32, {2, 1, 4})},
               ErrorKind::kType, {"axes must be a constant"});
  OpTensor axes_input = OpTensor::of<int64_t>(DType::kInt64, {1}, std::vector<int64_t>{1}, true);
  expect_error("axes twice", factory("ReduceMean"), make_node("ReduceMean", axes_attr({1}), 18), {x, axes_input}, {out_spec(DType::kFloat32, {2, 1, 4})},
               ErrorKind::kType, {"both"});
  OpTensor float_axes = OpTensor::of<float>(DType::kFloat32, {1}, std::vector<float>{1}, true);
  expect_error("axes of floats", factory("ReduceMean"), make_node("ReduceMean", {}, 18), {x, float_axes}, {out_spec(DType::kFloat32, {2, 1, 4})},
               ErrorKind::kType, {"axes must be int64"});
  OpTensor bad_axes = OpTensor::of<int64_t>(DType::kInt64, {1}, std::vector<int64_t>{7}, true);
  expect_error("axes input out of range", factory("ReduceProd"), make_node("ReduceProd", {}, 18), {x, bad_axes},
               {out_spec(DType::kFloat32, {2, 1, 4})}, ErrorKind::kRange, {"axis 7"});
  expect_error("missing data", factory("ReduceSum"), make_node("ReduceSum", axes_attr({1}), 11), {OpTensor::absent()},
               {out_spec(DType::kFloat32, {1})}, ErrorKind::kType, {"input 0 is required"});
}

TEST(argmax_bad_input) {
  const OpTensor x = OpTensor::of<float>(DType::kFloat32, {2, 3}, std::vector<float>(6, 1.0f));
  Attributes a;
  a.set_int("axis", 2);
  expect_error("axis out of range", factory("ArgMax"), make_node("ArgMax", a, 13), {x}, {out_spec(DType::kInt64, {2, 1})}, ErrorKind::kRange,
               {"axis 2", "out of range"});
  a.set_int("axis", 1);
  expect_error("float output", factory("ArgMin"), make_node("ArgMin", a, 13), {x}, {out_spec(DType::kFloat32, {2, 1})}, ErrorKind::kType,
               {"int64"});
  expect_error("wrong shape", factory("ArgMin"), make_node("ArgMin", a, 13), {x}, {out_spec(DType::kInt64, {2})}, ErrorKind::kRange, {"expected [2,1]"});
  expect_error("empty axis", factory("ArgMax"), make_node("ArgMax", a, 13), {OpTensor::of<float>(DType::kFloat32, {2, 0}, std::vector<float>{})},
               {out_spec(DType::kInt64, {2, 1})}, ErrorKind::kRange, {"empty"});
  expect_error("scalar", factory("ArgMax"), make_node("ArgMax", {}, 13), {OpTensor::of<float>(DType::kFloat32, {}, std::vector<float>{1})},
               {out_spec(DType::kInt64, {})}, ErrorKind::kRange, {"rank"});
  expect_error("bool data", factory("ArgMax"), make_node("ArgMax", a, 13), {OpTensor::of<uint8_t>(DType::kBool, {2, 3}, std::vector<uint8_t>(6))},
               {out_spec(DType::kInt64, {2, 1})}, ErrorKind::kType, {"bool"});
  // Empty tensors with a non-empty axis are fine: nothing to compute.
  Attributes b;
  b.set_int("axis", 1);
  OpHarness h(factory("ArgMax"), make_node("ArgMax", b, 13), {OpTensor::of<float>(DType::kFloat32, {0, 3}, std::vector<float>{})},
              {out_spec(DType::kInt64, {0, 1})});
  h.run();
}

}  // namespace octet::test
