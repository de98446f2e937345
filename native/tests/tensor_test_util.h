// Helpers for the data-movement operator tests: the operators' registry, random tensors of any
// element size, multi-index walks for plain reference implementations, byte-exact comparison that
// names the first differing element, and checks that creation fails with a helpful message.
#pragma once

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../core/status.h"
#include "../graph/op.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

inline const OpRegistry& tensor_registry() {
  static const OpRegistry* r = [] {
    auto* reg = new OpRegistry();
    register_tensor_ops(*reg);
    return reg;
  }();
  return *r;
}

inline OpFactory tensor_factory(const std::string& op_type, const std::string& domain = "") {
  OpFactory f = tensor_registry().find(op_type, domain);
  CHECK(f != nullptr) << "operator " << op_type << " is not registered";
  return f;
}

// One dtype per element size, the ones the tests cycle through.
inline const std::vector<DType>& copy_dtypes() {
  static const std::vector<DType> types = {DType::kUint8, DType::kFloat16, DType::kFloat32, DType::kInt64};
  return types;
}

// Random bytes (every element distinct with high probability, so misplaced copies show).
inline OpTensor random_tensor(DType dtype, const Shape& shape, Rng& rng, bool constant = false) {
  OpTensor t;
  t.dtype = dtype;
  t.shape = Shape(shape.begin(), shape.end());  // (copy-assigning an empty vector trips GCC 12's -Wnonnull at -O3)
  t.constant = constant;
  t.bytes.resize(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype));
  for (auto& b : t.bytes) b = static_cast<uint8_t>(rng.next() >> 56);
  return t;
}

inline OpTensor random_floats(const Shape& shape, Rng& rng, float lo = -10.f, float hi = 10.f) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (auto& x : v) x = rng.uniform_float(lo, hi);
  return OpTensor::of<float>(DType::kFloat32, shape, v);
}

inline OpTensor ints64(const std::vector<int64_t>& v, bool constant = true) {
  return OpTensor::of<int64_t>(DType::kInt64, {static_cast<int64_t>(v.size())}, v, constant);
}
inline OpTensor ints32(const std::vector<int32_t>& v, bool constant = true) {
  return OpTensor::of<int32_t>(DType::kInt32, {static_cast<int64_t>(v.size())}, v, constant);
}
inline OpTensor floats(const std::vector<float>& v, bool constant = true) {
  return OpTensor::of<float>(DType::kFloat32, {static_cast<int64_t>(v.size())}, v, constant);
}
inline OpTensor out_spec(DType dtype, const Shape& shape) {
  OpTensor t;
  t.dtype = dtype;
  t.shape = Shape(shape.begin(), shape.end());
  return t;
}

inline std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t k = shape.size(); k-- > 0;) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

// Calls fn(index, linear) for every index of `shape` in row-major order.
inline void for_each_index(const Shape& shape, const std::function<void(const std::vector<int64_t>&, int64_t)>& fn) {
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(idx, i);
    for (size_t k = shape.size(); k-- > 0;) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

// Reference outputs: out element i copies input element src(i) (or zero bytes when it returns -1).
inline std::vector<uint8_t> gather_reference(const OpTensor& in, const Shape& out_shape,
                                             const std::function<int64_t(const std::vector<int64_t>&)>& src) {
  const size_t e = dtype_size(in.dtype);
  std::vector<uint8_t> out(static_cast<size_t>(shape_numel(out_shape)) * e, 0);
  for_each_index(out_shape, [&](const std::vector<int64_t>& idx, int64_t i) {
    const int64_t s = src(idx);
    if (s >= 0) std::memcpy(out.data() + i * e, in.bytes.data() + s * e, e);
  });
  return out;
}

// Byte-exact comparison; reports the first differing element.
inline bool same_bytes(const std::vector<uint8_t>& got, const std::vector<uint8_t>& expected, size_t esize, const std::string& what) {
  CHECK(got.size() == expected.size()) << what << ": " << got.size() << " bytes, expected " << expected.size();
  if (got.size() != expected.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != expected[i]) {
      CHECK(false) << what << ": first difference at element " << i / esize << " (byte " << i << ": got " << int(got[i])
                   << ", expected " << int(expected[i]) << ")";
      return false;
    }
  }
  return true;
}

// Creates the op and expects an octet::Error whose message contains `needle`.
inline void expect_create_error(OpFactory factory, const NodeSpec& node, std::vector<OpTensor> inputs, std::vector<OpTensor> outputs,
                                const std::string& needle, ErrorKind kind) {
  try {
    OpHarness h(factory, node, std::move(inputs), std::move(outputs));
    CHECK(false) << node.op_type << ": expected an error containing '" << needle << "', creation succeeded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find(needle) != std::string::npos) << node.op_type << ": message '" << msg << "' lacks '" << needle << "'";
    CHECK(e.kind() == kind) << node.op_type << ": wrong error kind for '" << msg << "'";
  }
}

// Runs with 1, 2 and 3 threads; every run must give the same bytes (returned).
inline std::vector<uint8_t> run_all_threads(OpHarness& h, const std::string& what, size_t output = 0) {
  h.run(1);
  const std::vector<uint8_t> first = h.output(output).bytes;
  for (int threads : {2, 3}) {
    h.run(threads);
    CHECK(h.output(output).bytes == first) << what << ": result differs with " << threads << " threads";
  }
  return first;
}

inline Attributes attrs_ints(const std::string& name, std::vector<int64_t> v) {
  Attributes a;
  a.set_ints(name, std::move(v));
  return a;
}

inline Attributes attrs_int(const std::string& name, int64_t v) {
  Attributes a;
  a.set_int(name, v);
  return a;
}

inline Shape random_shape(Rng& rng, int rank, int max_dim) {
  Shape s(static_cast<size_t>(rank));
  for (auto& d : s) d = rng.uniform(1, max_dim);
  return s;
}

}  // namespace octet::test
