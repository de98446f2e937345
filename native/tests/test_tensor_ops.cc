// Data-movement operators against plain reference implementations: random shapes and element types
// (1, 2, 4, 8 bytes), the special parameter values of each operator, every thread count giving the
// same bytes, views (same pointer: untouched) and creation errors that name the problem.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "tensor_test_util.h"

namespace octet::test {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

int64_t offset_of(const std::vector<int64_t>& idx, const std::vector<int64_t>& strides) {
  int64_t o = 0;
  for (size_t k = 0; k < idx.size(); ++k) o += idx[k] * strides[k];
  return o;
}

int64_t rand_axis(Rng& rng, int64_t rank) { return rng.uniform(static_cast<int>(-rank), static_cast<int>(rank - 1)); }
int64_t norm(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Concat / Split

TEST(concat_matches_reference) {
  Rng rng(1);
  for (int iter = 0; iter < 120; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    const Shape base = random_shape(rng, rank, 5);
    const int64_t axis_attr = rand_axis(rng, rank), axis = norm(axis_attr, rank);
    const int n = rng.uniform(1, 4);
    std::vector<OpTensor> inputs;
    std::vector<bool> legacy_empty;
    Shape out = base;
    out[static_cast<size_t>(axis)] = 0;
    for (int i = 0; i < n; ++i) {
      if (rank != 1 && rng.uniform(0, 5) == 0) {  // PyTorch's 1-D empty tensor: skipped
        inputs.push_back(random_tensor(dtype, {0}, rng));
        legacy_empty.push_back(true);
        continue;
      }
      Shape s = base;
      s[static_cast<size_t>(axis)] = rng.uniform(0, 4);
      out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
      inputs.push_back(random_tensor(dtype, s, rng));
      legacy_empty.push_back(false);
    }
    if (std::all_of(legacy_empty.begin(), legacy_empty.end(), [](bool b) { return b; })) continue;
    std::vector<uint8_t> expected(static_cast<size_t>(shape_numel(out)) * e);
    for_each_index(out, [&](const std::vector<int64_t>& idx, int64_t i) {
      int64_t a = idx[static_cast<size_t>(axis)];
      for (size_t j = 0; j < inputs.size(); ++j) {
        if (legacy_empty[j]) continue;
        const int64_t size = inputs[j].shape[static_cast<size_t>(axis)];
        if (a < size) {
          std::vector<int64_t> local = idx;
          local[static_cast<size_t>(axis)] = a;
          std::memcpy(expected.data() + i * static_cast<int64_t>(e), inputs[j].bytes.data() + offset_of(local, strides_of(inputs[j].shape)) * static_cast<int64_t>(e), e);
          return;
        }
        a -= size;
      }
    });
    OpHarness h(tensor_factory("Concat"), make_node("Concat", attrs_int("axis", axis_attr), 13), inputs, {out_spec(dtype, out)});
    same_bytes(run_all_threads(h, "concat"), expected, e, "concat " + shape_string(out) + " axis " + std::to_string(axis_attr));
  }
  // Large enough to split between threads.
  Rng big(11);
  OpTensor a = random_tensor(DType::kFloat32, {3, 200, 100}, big), b = random_tensor(DType::kFloat32, {3, 50, 100}, big);
  OpHarness h(tensor_factory("Concat"), make_node("Concat", attrs_int("axis", 1), 13), {a, b}, {out_spec(DType::kFloat32, {3, 250, 100})});
  const std::vector<uint8_t> got = run_all_threads(h, "big concat");
  CHECK(std::memcmp(got.data() + 200 * 100 * 4, b.bytes.data(), 50 * 100 * 4) == 0) << "big concat: second input misplaced";
}

TEST(concat_rejects_bad_inputs) {
  const OpFactory f = tensor_factory("Concat");
  Rng rng(2);
  const OpTensor a = random_tensor(DType::kFloat32, {2, 3}, rng), b = random_tensor(DType::kFloat32, {2, 4}, rng);
  expect_create_error(f, make_node("Concat", attrs_int("axis", 0), 13), {a, b}, {out_spec(DType::kFloat32, {4, 3})},
                      "differs from [2,3]", ErrorKind::kRange);
  expect_create_error(f, make_node("Concat", attrs_int("axis", 2), 13), {a, a}, {out_spec(DType::kFloat32, {2, 6})},
                      "axis 2 is out of range for rank 2", ErrorKind::kRange);
  expect_create_error(f, make_node("Concat", attrs_int("axis", 1), 13), {a, a}, {out_spec(DType::kFloat32, {2, 5})},
                      "in the plan, but the operator computes [2,6]", ErrorKind::kRange);
  expect_create_error(f, make_node("Concat", attrs_int("axis", 1), 13), {a, random_tensor(DType::kInt32, {2, 3}, rng)},
                      {out_spec(DType::kFloat32, {2, 6})}, "has type int32, expected float32", ErrorKind::kType);
  expect_create_error(f, make_node("Concat", {}, 13), {a, a}, {out_spec(DType::kFloat32, {2, 6})}, "'axis' is required", ErrorKind::kType);
  // Opset 1-3: axis defaults to 1.
  OpHarness h(f, make_node("Concat", {}, 3), {a, b}, {out_spec(DType::kFloat32, {2, 7})});
  h.run();
}

TEST(split_forms_match_reference) {
  Rng rng(3);
  for (int iter = 0; iter < 120; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    Shape shape = random_shape(rng, rank, 5);
    const int64_t axis_attr = rand_axis(rng, rank), axis = norm(axis_attr, rank);
    const int n = rng.uniform(1, 4);
    const int form = iter % 4;  // 0: attr (opset 11), 1: input (13), 2: num_outputs (18), 3: equal parts (13)
    std::vector<int64_t> sizes;
    if (form == 3) {
      shape[static_cast<size_t>(axis)] = n * rng.uniform(0, 3);
      sizes.assign(static_cast<size_t>(n), shape[static_cast<size_t>(axis)] / n);
    } else if (form == 2) {
      shape[static_cast<size_t>(axis)] = rng.uniform(n, 3 * n + 2);  // uneven: the last chunk is smaller
      const int64_t dim = shape[static_cast<size_t>(axis)], chunk = (dim + n - 1) / n;
      for (int i = 0; i < n; ++i) sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
    } else {
      int64_t total = 0;
      for (int i = 0; i < n; ++i) {
        sizes.push_back(rng.uniform(0, 4));
        total += sizes.back();
      }
      shape[static_cast<size_t>(axis)] = total;
    }
    OpTensor in = random_tensor(dtype, shape, rng);
    std::vector<OpTensor> inputs{in}, outputs;
    Attributes attrs = attrs_int("axis", axis_attr);
    int opset = 13;
    if (form == 0) {
      attrs.set_ints("split", sizes);
      opset = 11;
    } else if (form == 1) {
      inputs.push_back(ints64(sizes));
    } else if (form == 2) {
      attrs.set_int("num_outputs", n);
      opset = 18;
    }
    for (int64_t s : sizes) {
      Shape o = shape;
      o[static_cast<size_t>(axis)] = s;
      outputs.push_back(out_spec(dtype, o));
    }
    OpHarness h(tensor_factory("Split"), make_node("Split", attrs, opset), inputs, outputs);
    h.run(1 + iter % 3);
    int64_t offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      const Shape& os = outputs[i].shape;
      const std::vector<uint8_t> expected = gather_reference(in, os, [&](const std::vector<int64_t>& idx) {
        std::vector<int64_t> src = idx;
        src[static_cast<size_t>(axis)] += offset;
        return offset_of(src, strides_of(shape));
      });
      same_bytes(h.output(i).bytes, expected, e, "split form " + std::to_string(form) + " output " + std::to_string(i));
      offset += sizes[i];
    }
  }
}

TEST(split_rejects_bad_sizes) {
  const OpFactory f = tensor_factory("Split");
  Rng rng(4);
  const OpTensor in = random_tensor(DType::kFloat32, {5, 2}, rng);
  const std::vector<OpTensor> two{out_spec(DType::kFloat32, {2, 2}), out_spec(DType::kFloat32, {3, 2})};
  expect_create_error(f, make_node("Split", {}, 13), {in, ints64({2, 2})}, two, "sums to 4", ErrorKind::kRange);
  expect_create_error(f, make_node("Split", {}, 13), {in}, two, "does not split into 2 equal parts", ErrorKind::kRange);
  expect_create_error(f, make_node("Split", {}, 13), {in, ints64({2, 3}, false)}, two, "split must be a constant", ErrorKind::kType);
  expect_create_error(f, make_node("Split", attrs_int("num_outputs", 3), 18), {in}, two, "num_outputs is 3", ErrorKind::kRange);
}

// ---------------------------------------------------------------------------------------------
// Slice

namespace {

// The ONNX definition written as a loop: clamp, then step from start while short of end.
std::vector<int64_t> slice_positions(int64_t start, int64_t end, int64_t step, int64_t dim) {
  std::vector<int64_t> out;
  if (dim == 0) return out;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::max<int64_t>(0, std::min(start, dim));
    end = std::max<int64_t>(0, std::min(end, dim));
    for (int64_t i = start; i < end; i += step) {
      out.push_back(i);
      if (step > dim) break;
    }
  } else {
    start = std::max<int64_t>(0, std::min(start, dim - 1));
    end = std::max<int64_t>(-1, std::min(end, dim - 1));
    for (int64_t i = start; i > end; i += step) {
      out.push_back(i);
      if (step < -dim) break;
    }
  }
  return out;
}

int64_t random_bound(Rng& rng, int64_t dim) {
  switch (rng.uniform(0, 5)) {
    case 0: return kMax;
    case 1: return kMin;
    case 2: return -rng.uniform(0, static_cast<int>(dim) + 2);
    default: return rng.uniform(0, static_cast<int>(dim) + 2);
  }
}

}  // namespace

TEST(slice_matches_reference) {
  Rng rng(5);
  for (int iter = 0; iter < 300; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    const Shape shape = random_shape(rng, rank, 7);
    const bool opset1 = iter % 5 == 0, use_int32 = iter % 3 == 0;
    std::vector<int64_t> axes, starts, ends, steps;
    for (int k = 0; k < rank; ++k) {
      if (rng.uniform(0, 2) == 0) continue;
      axes.push_back(rng.uniform(0, 1) ? k : k - rank);
      starts.push_back(random_bound(rng, shape[static_cast<size_t>(k)]));
      ends.push_back(random_bound(rng, shape[static_cast<size_t>(k)]));
      int64_t step = opset1 ? 1 : rng.uniform(-3, 3);
      if (step == 0) step = rng.uniform(0, 1) ? kMax : kMin;
      steps.push_back(step);
    }
    std::vector<std::vector<int64_t>> positions(static_cast<size_t>(rank));
    for (int k = 0; k < rank; ++k) {
      for (int64_t i = 0; i < shape[static_cast<size_t>(k)]; ++i) positions[static_cast<size_t>(k)].push_back(i);
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      positions[static_cast<size_t>(norm(axes[i], rank))] = slice_positions(starts[i], ends[i], steps[i], shape[static_cast<size_t>(norm(axes[i], rank))]);
    }
    Shape out;
    for (const auto& p : positions) out.push_back(static_cast<int64_t>(p.size()));
    OpTensor in = random_tensor(dtype, shape, rng);
    const std::vector<uint8_t> expected = gather_reference(in, out, [&](const std::vector<int64_t>& idx) {
      int64_t o = 0;
      const std::vector<int64_t> st = strides_of(shape);
      for (size_t k = 0; k < idx.size(); ++k) o += positions[k][static_cast<size_t>(idx[k])] * st[k];
      return o;
    });
    std::vector<OpTensor> inputs{in};
    Attributes attrs;
    int opset = 13;
    if (opset1) {
      opset = 1;
      attrs.set_ints("starts", starts);
      attrs.set_ints("ends", ends);
      attrs.set_ints("axes", axes);
    } else if (use_int32) {
      auto to32 = [](const std::vector<int64_t>& v) {
        std::vector<int32_t> r;
        for (int64_t x : v) r.push_back(static_cast<int32_t>(std::max<int64_t>(INT32_MIN, std::min<int64_t>(INT32_MAX, x))));
        return r;
      };
      // int32 cannot hold INT64_MAX: the clamped value means the same.
      inputs.insert(inputs.end(), {ints32(to32(starts)), ints32(to32(ends)), ints32(to32(axes)), ints32(to32(steps))});
    } else {
      inputs.insert(inputs.end(), {ints64(starts), ints64(ends), ints64(axes), ints64(steps)});
    }
    OpHarness h(tensor_factory("Slice"), make_node("Slice", attrs, opset), inputs, {out_spec(dtype, out)});
    same_bytes(run_all_threads(h, "slice"), expected, e,
               "slice " + shape_string(shape) + " starts " + shape_string(starts) + " ends " + shape_string(ends) + " axes " +
                   shape_string(axes) + " steps " + shape_string(steps));
  }
}

TEST(slice_defaults_and_errors) {
  const OpFactory f = tensor_factory("Slice");
  Rng rng(6);
  const OpTensor in = random_tensor(DType::kInt64, {4, 5}, rng);
  // No axes or steps: the first len(starts) axes, step 1.
  OpHarness h(f, make_node("Slice", {}, 13), {in, ints64({1}), ints64({-1})}, {out_spec(DType::kInt64, {2, 5})});
  h.run();
  CHECK(std::memcmp(h.output(0).bytes.data(), in.bytes.data() + 5 * 8, 10 * 8) == 0) << "rows 1..2";
  // Reverse everything with INT64_MIN style ends.
  OpHarness r(f, make_node("Slice", {}, 13), {in, ints64({-1}), ints64({kMin}), ints64({1}), ints64({-1})}, {out_spec(DType::kInt64, {4, 4 + 1})});
  r.run();
  const auto got = r.output(0).values<int64_t>(), src = in.values<int64_t>();
  CHECK(got[0] == src[4] && got[4] == src[0]) << "reversed columns";
  expect_create_error(f, make_node("Slice", {}, 13), {in, ints64({0}), ints64({2}), ints64({0}), ints64({0})},
                      {out_spec(DType::kInt64, {2, 5})}, "step 0", ErrorKind::kRange);
  expect_create_error(f, make_node("Slice", {}, 13), {in, ints64({0}, false), ints64({2})}, {out_spec(DType::kInt64, {2, 5})},
                      "starts must be a constant", ErrorKind::kType);
  expect_create_error(f, make_node("Slice", {}, 13), {in, ints64({0, 0}), ints64({2, 2}), ints64({1, -1})},
                      {out_spec(DType::kInt64, {4, 2})}, "listed twice", ErrorKind::kRange);
  expect_create_error(f, make_node("Slice", {}, 13), {in, ints64({0, 0}), ints64({2})}, {out_spec(DType::kInt64, {2, 5})},
                      "starts has 2 values but ends has 1", ErrorKind::kRange);
  expect_create_error(f, make_node("Slice", {}, 13), {in, ints64({0}), ints64({2}), ints64({2})}, {out_spec(DType::kInt64, {2, 5})},
                      "axis 2 is out of range", ErrorKind::kRange);
}

// ---------------------------------------------------------------------------------------------
// Gather / GatherElements

TEST(gather_matches_reference) {
  Rng rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    const Shape shape = random_shape(rng, rank, 6);
    const int64_t axis_attr = rand_axis(rng, rank), axis = norm(axis_attr, rank);
    const int64_t dim = shape[static_cast<size_t>(axis)];
    const Shape ishape = random_shape(rng, rng.uniform(0, 2), 4);
    const bool constant = iter % 2 == 0, is32 = iter % 3 == 0;
    std::vector<int64_t> idx(static_cast<size_t>(shape_numel(ishape)));
    for (auto& v : idx) v = rng.uniform(static_cast<int>(-dim), static_cast<int>(dim - 1));
    if (!constant && !idx.empty() && iter % 4 == 1) idx[0] = rng.uniform(0, 1) ? dim : -dim - 1;  // out of range at run time
    OpTensor indices;
    if (is32) {
      std::vector<int32_t> v(idx.begin(), idx.end());
      indices = OpTensor::of<int32_t>(DType::kInt32, ishape, v, constant);
    } else {
      indices = OpTensor::of<int64_t>(DType::kInt64, ishape, idx, constant);
    }
    Shape out(shape.begin(), shape.begin() + axis);
    out.insert(out.end(), ishape.begin(), ishape.end());
    out.insert(out.end(), shape.begin() + axis + 1, shape.end());
    OpTensor in = random_tensor(dtype, shape, rng);
    const std::vector<uint8_t> expected = gather_reference(in, out, [&](const std::vector<int64_t>& o) {
      std::vector<int64_t> src(o.begin(), o.begin() + axis);
      int64_t flat = 0;
      for (size_t k = 0; k < ishape.size(); ++k) flat = flat * ishape[k] + o[static_cast<size_t>(axis) + k];
      int64_t i = idx[static_cast<size_t>(flat)];
      if (i < 0) i += dim;
      if (i < 0 || i >= dim) return int64_t{-1};  // zeros
      src.push_back(i);
      src.insert(src.end(), o.begin() + axis + static_cast<int64_t>(ishape.size()), o.end());
      return offset_of(src, strides_of(shape));
    });
    OpHarness h(tensor_factory("Gather"), make_node("Gather", attrs_int("axis", axis_attr), 13), {in, indices}, {out_spec(dtype, out)});
    same_bytes(run_all_threads(h, "gather"), expected, e, "gather " + shape_string(shape) + " axis " + std::to_string(axis_attr) +
                                                              " indices " + shape_string(ishape) + (constant ? " constant" : ""));
  }
}

TEST(gather_rejects_constant_out_of_range_indices) {
  const OpFactory f = tensor_factory("Gather");
  Rng rng(8);
  const OpTensor in = random_tensor(DType::kFloat32, {3, 4}, rng);
  expect_create_error(f, make_node("Gather", {}, 13), {in, ints64({0, 3})}, {out_spec(DType::kFloat32, {2, 4})},
                      "index 3 (position 1) is out of range for an axis of size 3", ErrorKind::kRange);
  expect_create_error(f, make_node("Gather", {}, 13), {in, floats({0})}, {out_spec(DType::kFloat32, {1, 4})},
                      "expected int32 or int64", ErrorKind::kType);
}

TEST(gather_elements_matches_reference) {
  Rng rng(9);
  for (int iter = 0; iter < 150; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    const Shape shape = random_shape(rng, rank, 5);
    const int64_t axis_attr = rand_axis(rng, rank), axis = norm(axis_attr, rank);
    Shape ishape = shape;
    for (size_t k = 0; k < ishape.size(); ++k) ishape[k] = static_cast<int64_t>(k) == axis ? rng.uniform(1, 6) : rng.uniform(1, static_cast<int>(shape[k]));
    const int64_t dim = shape[static_cast<size_t>(axis)];
    const bool constant = iter % 2 == 0;
    std::vector<int64_t> idx(static_cast<size_t>(shape_numel(ishape)));
    for (auto& v : idx) v = rng.uniform(static_cast<int>(-dim), static_cast<int>(dim - 1));
    if (!constant && iter % 4 == 1) idx.back() = dim + 2;
    OpTensor indices = OpTensor::of<int64_t>(DType::kInt64, ishape, idx, constant);
    OpTensor in = random_tensor(dtype, shape, rng);
    const std::vector<uint8_t> expected = gather_reference(in, ishape, [&](const std::vector<int64_t>& o) {
      int64_t i = idx[static_cast<size_t>(offset_of(o, strides_of(ishape)))];
      if (i < 0) i += dim;
      if (i < 0 || i >= dim) return int64_t{-1};
      std::vector<int64_t> src = o;
      src[static_cast<size_t>(axis)] = i;
      return offset_of(src, strides_of(shape));
    });
    OpHarness h(tensor_factory("GatherElements"), make_node("GatherElements", attrs_int("axis", axis_attr), 13), {in, indices},
                {out_spec(dtype, ishape)});
    same_bytes(run_all_threads(h, "gather_elements"), expected, e, "gather_elements " + shape_string(shape) + " indices " + shape_string(ishape));
  }
}

// ---------------------------------------------------------------------------------------------
// Transpose / Expand / Tile / DepthToSpace / SpaceToDepth

namespace {

void check_transpose(Rng& rng, DType dtype, const Shape& shape, const std::vector<int64_t>& perm, bool default_perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(shape[static_cast<size_t>(p)]);
  OpTensor in = random_tensor(dtype, shape, rng);
  const std::vector<uint8_t> expected = gather_reference(in, out, [&](const std::vector<int64_t>& o) {
    std::vector<int64_t> src(shape.size());
    for (size_t k = 0; k < perm.size(); ++k) src[static_cast<size_t>(perm[k])] = o[k];
    return offset_of(src, strides_of(shape));
  });
  OpHarness h(tensor_factory("Transpose"), make_node("Transpose", default_perm ? Attributes{} : attrs_ints("perm", perm), 13), {in},
              {out_spec(dtype, out)});
  same_bytes(run_all_threads(h, "transpose"), expected, dtype_size(dtype), "transpose " + shape_string(shape) + " perm " + shape_string(perm));
}

}  // namespace

TEST(transpose_matches_reference) {
  Rng rng(10);
  for (int iter = 0; iter < 150; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const int rank = rng.uniform(0, 5);
    const Shape shape = random_shape(rng, rank, 6);
    std::vector<int64_t> perm;
    for (int k = 0; k < rank; ++k) perm.push_back(k);
    for (int k = rank - 1; k > 0; --k) std::swap(perm[static_cast<size_t>(k)], perm[static_cast<size_t>(rng.uniform(0, k))]);
    const bool default_perm = iter % 5 == 0;
    if (default_perm) std::iota(perm.rbegin(), perm.rend(), int64_t{0});
    check_transpose(rng, dtype, shape, perm, default_perm);
  }
  // Layout changes of image models, big enough for the register tiles, the wide byte tiles and the
  // three-row interleave of RGB planes (64 pixels a step), with size-1 dims between the moving ones.
  const std::vector<std::pair<Shape, std::vector<int64_t>>> layouts = {
      {{1, 3, 20, 70}, {0, 2, 3, 1}}, {{2, 3, 1, 131}, {0, 2, 3, 1}}, {{2, 20, 7, 3}, {0, 3, 1, 2}},
      {{1, 144, 9, 9}, {0, 2, 3, 1}}, {{3, 1, 5, 100}, {1, 3, 0, 2}}, {{33, 70}, {1, 0}}, {{4, 1, 17, 3, 1}, {1, 0, 4, 3, 2}}};
  for (const DType dtype : copy_dtypes())
    for (const auto& [shape, perm] : layouts) check_transpose(rng, dtype, shape, perm, false);
  expect_create_error(tensor_factory("Transpose"), make_node("Transpose", attrs_ints("perm", {0, 0}), 13),
                      {random_tensor(DType::kUint8, {2, 2}, rng)}, {out_spec(DType::kUint8, {2, 2})}, "is not a permutation", ErrorKind::kRange);
}

TEST(expand_and_tile_match_reference) {
  Rng rng(11);
  for (int iter = 0; iter < 150; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int rank = rng.uniform(0, 4);
    Shape shape = random_shape(rng, rank, 4);
    for (auto& d : shape) {
      if (rng.uniform(0, 2) == 0) d = 1;
    }
    OpTensor in = random_tensor(dtype, shape, rng);
    // Expand: a target of any rank, 1s where the input keeps its dim.
    const int trank = rng.uniform(0, 4);
    std::vector<int64_t> target(static_cast<size_t>(trank));
    const size_t orank = std::max<size_t>(shape.size(), target.size());
    Shape out(orank);
    for (size_t k = 0; k < orank; ++k) {
      const bool has_in = k + shape.size() >= orank, has_t = k + target.size() >= orank;
      const int64_t a = has_in ? shape[k + shape.size() - orank] : 1;
      int64_t b = a == 1 ? rng.uniform(0, 4) : (rng.uniform(0, 1) ? 1 : a);
      if (has_t) target[k + target.size() - orank] = b;
      else b = 1;
      out[k] = a == 1 ? b : a;
    }
    const std::vector<uint8_t> expected = gather_reference(in, out, [&](const std::vector<int64_t>& o) {
      std::vector<int64_t> src(shape.size());
      for (size_t k = 0; k < shape.size(); ++k) src[k] = shape[k] == 1 ? 0 : o[k + orank - shape.size()];
      return offset_of(src, strides_of(shape));
    });
    OpHarness h(tensor_factory("Expand"), make_node("Expand", {}, 13), {in, ints64(target)}, {out_spec(dtype, out)});
    same_bytes(run_all_threads(h, "expand"), expected, e, "expand " + shape_string(shape) + " to " + shape_string(target));

    // Tile.
    std::vector<int64_t> repeats(shape.size());
    Shape tiled(shape.size());
    for (size_t k = 0; k < shape.size(); ++k) {
      repeats[k] = rng.uniform(0, 3);
      tiled[k] = shape[k] * repeats[k];
    }
    const std::vector<uint8_t> expected_tile = gather_reference(in, tiled, [&](const std::vector<int64_t>& o) {
      std::vector<int64_t> src(shape.size());
      for (size_t k = 0; k < shape.size(); ++k) src[k] = o[k] % shape[k];
      return offset_of(src, strides_of(shape));
    });
    OpHarness t(tensor_factory("Tile"), make_node("Tile", {}, 13), {in, ints64(repeats)}, {out_spec(dtype, tiled)});
    same_bytes(run_all_threads(t, "tile"), expected_tile, e, "tile " + shape_string(shape) + " by " + shape_string(repeats));
  }
  // Tile-1: tiles and axis inputs.
  OpTensor in = random_tensor(DType::kFloat32, {2, 3}, rng);
  OpHarness t1(tensor_factory("Tile"), make_node("Tile", {}, 1), {in, ints64({3}), ints64({-1})}, {out_spec(DType::kFloat32, {2, 9})});
  t1.run();
  CHECK(std::memcmp(t1.output(0).bytes.data() + 12, in.bytes.data(), 12) == 0) << "tile-1 second copy";
  expect_create_error(tensor_factory("Expand"), make_node("Expand", {}, 13), {in, ints64({4, 3})}, {out_spec(DType::kFloat32, {4, 3})},
                      "cannot broadcast input [2,3] to shape [4,3]", ErrorKind::kRange);
  expect_create_error(tensor_factory("Tile"), make_node("Tile", {}, 13), {in, ints64({2})}, {out_spec(DType::kFloat32, {4, 3})},
                      "has 1 values for an input of rank 2", ErrorKind::kRange);
}

TEST(depth_to_space_and_space_to_depth_match_reference) {
  Rng rng(12);
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t e = dtype_size(dtype);
    const int64_t b = rng.uniform(1, 3), n = rng.uniform(1, 2), c = rng.uniform(1, 3), h = rng.uniform(1, 4), w = rng.uniform(1, 5);
    const bool crd = iter % 2 == 1;
    // DepthToSpace: [n, c*b*b, h, w] -> [n, c, h*b, w*b]
    OpTensor in = random_tensor(dtype, {n, c * b * b, h, w}, rng);
    const Shape out{n, c, h * b, w * b};
    const std::vector<uint8_t> expected = gather_reference(in, out, [&](const std::vector<int64_t>& o) {
      const int64_t y = o[2], x = o[3], i = y % b, j = x % b;
      const int64_t ch = crd ? o[1] * b * b + i * b + j : (i * b + j) * c + o[1];
      return offset_of({o[0], ch, y / b, x / b}, strides_of(in.shape));
    });
    Attributes a = attrs_int("blocksize", b);
    if (crd) a.set_string("mode", "CRD");
    OpHarness d2s(tensor_factory("DepthToSpace"), make_node("DepthToSpace", a, 13), {in}, {out_spec(dtype, out)});
    same_bytes(run_all_threads(d2s, "depth_to_space"), expected, e, std::string("depth_to_space ") + (crd ? "CRD" : "DCR"));
    // SpaceToDepth: [n, c, h*b, w*b] -> [n, c*b*b, h, w]
    OpTensor sp = random_tensor(dtype, {n, c, h * b, w * b}, rng);
    const Shape sout{n, c * b * b, h, w};
    const std::vector<uint8_t> sexpected = gather_reference(sp, sout, [&](const std::vector<int64_t>& o) {
      const int64_t blk = o[1] / c, ch = o[1] % c, i = blk / b, j = blk % b;
      return offset_of({o[0], ch, o[2] * b + i, o[3] * b + j}, strides_of(sp.shape));
    });
    OpHarness s2d(tensor_factory("SpaceToDepth"), make_node("SpaceToDepth", attrs_int("blocksize", b), 13), {sp}, {out_spec(dtype, sout)});
    same_bytes(run_all_threads(s2d, "space_to_depth"), sexpected, e, "space_to_depth");
  }
  expect_create_error(tensor_factory("DepthToSpace"), make_node("DepthToSpace", attrs_int("blocksize", 2), 13),
                      {random_tensor(DType::kFloat32, {1, 6, 2, 2}, rng)}, {out_spec(DType::kFloat32, {1, 1, 4, 4})},
                      "not a multiple of blocksize^2 = 4", ErrorKind::kRange);
  expect_create_error(tensor_factory("SpaceToDepth"), make_node("SpaceToDepth", attrs_int("blocksize", 2), 13),
                      {random_tensor(DType::kFloat32, {1, 1, 3, 4}, rng)}, {out_spec(DType::kFloat32, {1, 4, 1, 2})},
                      "not a multiple of blocksize 2", ErrorKind::kRange);
}

// ---------------------------------------------------------------------------------------------
// Reshape family, views

TEST(reshape_family_shapes) {
  Rng rng(13);
  const OpTensor in = random_tensor(DType::kFloat16, {2, 3, 4}, rng);
  struct Case {
    const char* op;
    Attributes attrs;
    int opset;
    std::vector<OpTensor> extra;
    Shape out;
  };
  Attributes allow_zero = attrs_int("allowzero", 1);
  const std::vector<Case> cases = {
      {"Reshape", {}, 13, {ints64({0, -1})}, {2, 12}},
      {"Reshape", {}, 13, {ints64({-1, 0, 2})}, {4, 3, 2}},
      {"Reshape", {}, 5, {ints64({24})}, {24}},
      {"Reshape", attrs_ints("shape", {4, 0, -1}), 1, {}, {4, 3, 2}},
      {"Reshape", {}, 13, {OpTensor::of<int64_t>(DType::kInt64, {4}, {1, 2, 12, 1}, true)}, {1, 2, 12, 1}},
      {"Flatten", {}, 13, {}, {2, 12}},
      {"Flatten", attrs_int("axis", 0), 13, {}, {1, 24}},
      {"Flatten", attrs_int("axis", 3), 13, {}, {24, 1}},
      {"Flatten", attrs_int("axis", -1), 13, {}, {6, 4}},
      {"Unsqueeze", attrs_ints("axes", {0, -1}), 11, {}, {1, 2, 3, 4, 1}},
      {"Unsqueeze", {}, 13, {ints64({1, 3})}, {2, 1, 3, 1, 4}},
      {"Identity", {}, 16, {}, {2, 3, 4}},
      {"Copy", {}, 1, {}, {2, 3, 4}},
  };
  for (const Case& c : cases) {
    std::vector<OpTensor> inputs{in};
    inputs.insert(inputs.end(), c.extra.begin(), c.extra.end());
    NodeSpec node = make_node(c.op, c.attrs, c.opset);
    OpHarness h(tensor_factory(c.op, std::string(c.op) == "Copy" ? "octet" : ""), node, inputs, {out_spec(DType::kFloat16, c.out)});
    CHECK(run_all_threads(h, c.op) == in.bytes) << c.op << " to " << shape_string(c.out) << " changed the bytes";
  }
  // allowzero: a literal 0 dim (empty tensor).
  const OpTensor empty = random_tensor(DType::kFloat32, {0, 3}, rng);
  OpHarness z(tensor_factory("Reshape"), make_node("Reshape", allow_zero, 14), {empty, ints64({3, 0})}, {out_spec(DType::kFloat32, {3, 0})});
  z.run();
  // Squeeze: attribute (11), input (13), all size-1 dims by default or with empty axes, repeats tolerated.
  const OpTensor ones = random_tensor(DType::kInt64, {1, 3, 1, 2, 1}, rng);
  OpHarness s1(tensor_factory("Squeeze"), make_node("Squeeze", attrs_ints("axes", {0, -1}), 11), {ones}, {out_spec(DType::kInt64, {3, 1, 2})});
  OpHarness s2(tensor_factory("Squeeze"), make_node("Squeeze", {}, 13), {ones, ints64({2})}, {out_spec(DType::kInt64, {1, 3, 2, 1})});
  OpHarness s3(tensor_factory("Squeeze"), make_node("Squeeze", {}, 13), {ones}, {out_spec(DType::kInt64, {3, 2})});
  OpHarness s4(tensor_factory("Squeeze"), make_node("Squeeze", {}, 13), {ones, ints64({})}, {out_spec(DType::kInt64, {3, 2})});
  OpHarness s5(tensor_factory("Squeeze"), make_node("Squeeze", {}, 13), {ones, ints64({2, -3})}, {out_spec(DType::kInt64, {1, 3, 2, 1})});
  for (OpHarness* h : {&s1, &s2, &s3, &s4, &s5}) {
    h->run();
    CHECK(h->output(0).bytes == ones.bytes) << "squeeze changed the bytes";
  }

  const OpFactory reshape = tensor_factory("Reshape");
  expect_create_error(reshape, make_node("Reshape", {}, 13), {in, ints64({-1, -1})}, {out_spec(DType::kFloat16, {24})}, "more than one -1", ErrorKind::kRange);
  expect_create_error(reshape, make_node("Reshape", {}, 13), {in, ints64({5, -1})}, {out_spec(DType::kFloat16, {24})}, "cannot infer the -1", ErrorKind::kRange);
  expect_create_error(reshape, make_node("Reshape", {}, 13), {in, ints64({5, 5})}, {out_spec(DType::kFloat16, {5, 5})}, "cannot reshape [2,3,4] (24 elements) to [5,5]", ErrorKind::kRange);
  expect_create_error(reshape, make_node("Reshape", allow_zero, 14), {in, ints64({0, -1})}, {out_spec(DType::kFloat16, {24})}, "both 0 and -1", ErrorKind::kRange);
  expect_create_error(reshape, make_node("Reshape", {}, 13), {in, ints64({2, 12}, false)}, {out_spec(DType::kFloat16, {2, 12})}, "shape must be a constant", ErrorKind::kType);
  expect_create_error(reshape, make_node("Reshape", {}, 13), {in, ints64({2, 12})}, {out_spec(DType::kFloat16, {12, 2})}, "has shape [12,2] in the plan, but the operator computes [2,12]", ErrorKind::kRange);
  expect_create_error(tensor_factory("Squeeze"), make_node("Squeeze", {}, 13), {in, ints64({1})}, {out_spec(DType::kFloat16, {2, 4})}, "cannot squeeze axis 1 of size 3", ErrorKind::kRange);
  expect_create_error(tensor_factory("Unsqueeze"), make_node("Unsqueeze", {}, 13), {in, ints64({1, 1})}, {out_spec(DType::kFloat16, {2, 1, 1, 3, 4})}, "listed twice", ErrorKind::kRange);
  expect_create_error(tensor_factory("Unsqueeze"), make_node("Unsqueeze", {}, 13), {in, ints64({5})}, {out_spec(DType::kFloat16, {2, 3, 4, 1})}, "axis 5 is out of range for rank 4", ErrorKind::kRange);
  expect_create_error(tensor_factory("Flatten"), make_node("Flatten", attrs_int("axis", 4), 13), {in}, {out_spec(DType::kFloat16, {24, 1})}, "axis 4 is out of range", ErrorKind::kRange);
}

TEST(dropout_copies_and_writes_a_true_mask) {
  Rng rng(14);
  const OpTensor in = random_tensor(DType::kFloat32, {3, 5}, rng);
  // Opset 12+: bool mask; ratio and training_mode inputs.
  OpHarness h(tensor_factory("Dropout"), make_node("Dropout", {}, 13),
              {in, floats({0.3f}), OpTensor::of<uint8_t>(DType::kBool, {}, {0}, true)},
              {out_spec(DType::kFloat32, {3, 5}), out_spec(DType::kBool, {3, 5})});
  h.run(2);
  CHECK(h.output(0).bytes == in.bytes) << "dropout output";
  CHECK(h.output(1).bytes == std::vector<uint8_t>(15, 1)) << "dropout mask must be all true";
  // Opset 7: the mask has the data's type (1.0f).
  OpHarness h7(tensor_factory("Dropout"), make_node("Dropout", {}, 7), {in}, {out_spec(DType::kFloat32, {3, 5}), out_spec(DType::kFloat32, {3, 5})});
  h7.run();
  for (float v : h7.output(1).values<float>()) CHECK(v == 1.0f) << "opset 7 mask";
  // No mask output.
  OpHarness none(tensor_factory("Dropout"), make_node("Dropout", {}, 13), {in}, {out_spec(DType::kFloat32, {3, 5}), OpTensor::absent()});
  none.run();
  CHECK(none.output(0).bytes == in.bytes) << "dropout without mask";
  expect_create_error(tensor_factory("Dropout"), make_node("Dropout", {}, 13),
                      {in, floats({0.5f}), OpTensor::of<uint8_t>(DType::kBool, {}, {1}, true)}, {out_spec(DType::kFloat32, {3, 5})},
                      "training mode", ErrorKind::kType);
  expect_create_error(tensor_factory("Dropout"), make_node("Dropout", {}, 13),
                      {in, floats({0.5f}), OpTensor::of<uint8_t>(DType::kBool, {}, {1}, false)}, {out_spec(DType::kFloat32, {3, 5})},
                      "training_mode must be a constant", ErrorKind::kType);
}

// When the planner aliases a view's output to its input, run() must not touch the bytes: the shared
// buffer is made read-only, so any write would fault.
TEST(views_leave_a_shared_buffer_untouched) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(mem != MAP_FAILED) << "mmap";
  if (mem == MAP_FAILED) return;
  for (size_t i = 0; i < 24 * 4; ++i) static_cast<uint8_t*>(mem)[i] = static_cast<uint8_t*>(mem)[i] ^ static_cast<uint8_t>(i * 7 + 1);
  mprotect(mem, page, PROT_READ);
  struct Case {
    const char* op;
    const char* domain;
    Attributes attrs;
    std::vector<ValueInfo> params;
    Shape out;
  };
  const int64_t shape12[] = {2, 12};
  ValueInfo shape_param{DType::kInt64, {2}, shape12};
  const std::vector<Case> cases = {
      {"Reshape", "", {}, {shape_param}, {2, 12}},   {"Flatten", "", {}, {}, {2, 12}},
      {"Squeeze", "", {}, {}, {2, 3, 4}},            {"Unsqueeze", "", attrs_ints("axes", {0}), {}, {1, 2, 3, 4}},
      {"Identity", "", {}, {}, {2, 3, 4}},           {"Dropout", "", {}, {}, {2, 3, 4}},
      {"Copy", "octet", {}, {}, {2, 3, 4}},
  };
  for (const Case& c : cases) {
    NodeSpec node = make_node(c.op, c.attrs, std::string(c.op) == "Unsqueeze" ? 11 : 13);
    ValueInfo data{DType::kFloat32, {2, 3, 4}, nullptr};
    ValueInfo out{DType::kFloat32, c.out, nullptr};
    WeightCache cache;
    OpInit init{node, {&data}, {&out}, cache};
    for (const ValueInfo& p : c.params) init.inputs.push_back(&p);
    std::unique_ptr<Op> op = tensor_factory(c.op, c.domain)(init);
    TensorView in_view{mem, DType::kFloat32, {2, 3, 4}}, out_view{mem, DType::kFloat32, c.out};
    const TensorView* ins[] = {&in_view, &in_view};
    TensorView* outs[] = {&out_view};
    RunContext ctx{2, nullptr};
    op->run(ctx, ins, outs);  // a write would crash here
  }
  munmap(mem, page);
}

// ---------------------------------------------------------------------------------------------
// Shape, Size, ConstantOfShape, Range

TEST(shape_size_constant_of_shape_range) {
  Rng rng(15);
  const OpTensor in = random_tensor(DType::kUint8, {2, 3, 5, 7}, rng);
  OpHarness shape(tensor_factory("Shape"), make_node("Shape", {}, 13), {in}, {out_spec(DType::kInt64, {4})});
  shape.run();
  CHECK((shape.output(0).values<int64_t>() == std::vector<int64_t>{2, 3, 5, 7})) << "shape";
  Attributes range_attrs = attrs_int("start", -3);
  range_attrs.set_int("end", -1);
  OpHarness shape15(tensor_factory("Shape"), make_node("Shape", range_attrs, 15), {in}, {out_spec(DType::kInt64, {2})});
  shape15.run();
  CHECK((shape15.output(0).values<int64_t>() == std::vector<int64_t>{3, 5})) << "shape start/end";
  Attributes clamp_attrs = attrs_int("start", -10);
  clamp_attrs.set_int("end", 10);
  OpHarness shape_clamp(tensor_factory("Shape"), make_node("Shape", clamp_attrs, 15), {in}, {out_spec(DType::kInt64, {4})});
  shape_clamp.run();
  CHECK((shape_clamp.output(0).values<int64_t>() == std::vector<int64_t>{2, 3, 5, 7})) << "shape clamped start/end";
  OpHarness size(tensor_factory("Size"), make_node("Size", {}, 13), {in}, {out_spec(DType::kInt64, {})});
  size.run();
  CHECK(size.output(0).values<int64_t>() == std::vector<int64_t>{210}) << "size";

  OpHarness zeros(tensor_factory("ConstantOfShape"), make_node("ConstantOfShape", {}, 9), {ints64({2, 3})}, {out_spec(DType::kFloat32, {2, 3})});
  zeros.run();
  CHECK(zeros.output(0).values<float>() == std::vector<float>(6, 0.0f)) << "constant of shape default";
  Attributes big = attrs_int("value", (int64_t{1} << 53) + 1);
  OpHarness ints(tensor_factory("ConstantOfShape"), make_node("ConstantOfShape", big, 9), {ints64({4})}, {out_spec(DType::kInt64, {4})});
  ints.run();
  CHECK(ints.output(0).values<int64_t>() == std::vector<int64_t>(4, (int64_t{1} << 53) + 1)) << "constant of shape int64 value";
  Attributes half_value;
  half_value.set_float("value", 1.5f);
  OpHarness halves(tensor_factory("ConstantOfShape"), make_node("ConstantOfShape", half_value, 9), {ints64({3})}, {out_spec(DType::kFloat16, {3})});
  halves.run();
  CHECK(halves.output(0).values<uint16_t>() == std::vector<uint16_t>(3, 0x3E00)) << "constant of shape float16 1.5";
  OpHarness scalar(tensor_factory("ConstantOfShape"), make_node("ConstantOfShape", half_value, 9), {ints64({})}, {out_spec(DType::kFloat32, {})});
  scalar.run();
  CHECK(scalar.output(0).values<float>() == std::vector<float>{1.5f}) << "constant of shape scalar";

  auto scalar_f = [](float v) { return OpTensor::of<float>(DType::kFloat32, {}, {v}, true); };
  auto scalar_i = [](int32_t v) { return OpTensor::of<int32_t>(DType::kInt32, {}, {v}, true); };
  OpHarness fr(tensor_factory("Range"), make_node("Range", {}, 11), {scalar_f(1.0f), scalar_f(2.0f), scalar_f(0.25f)}, {out_spec(DType::kFloat32, {4})});
  fr.run();
  CHECK((fr.output(0).values<float>() == std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f})) << "float range";
  OpHarness ir(tensor_factory("Range"), make_node("Range", {}, 11), {scalar_i(10), scalar_i(3), scalar_i(-3)}, {out_spec(DType::kInt32, {3})});
  ir.run();
  CHECK((ir.output(0).values<int32_t>() == std::vector<int32_t>{10, 7, 4})) << "negative int range";
  OpHarness empty(tensor_factory("Range"), make_node("Range", {}, 11), {scalar_i(3), scalar_i(3), scalar_i(1)}, {out_spec(DType::kInt32, {0})});
  empty.run();
  expect_create_error(tensor_factory("Range"), make_node("Range", {}, 11), {scalar_i(0), scalar_i(3), scalar_i(0)}, {out_spec(DType::kInt32, {0})},
                      "delta must be non-zero", ErrorKind::kRange);
  expect_create_error(tensor_factory("Range"), make_node("Range", {}, 11),
                      {scalar_i(0), OpTensor::of<int32_t>(DType::kInt32, {}, {3}, false), scalar_i(1)}, {out_spec(DType::kInt32, {3})},
                      "limit must be a constant", ErrorKind::kType);
  expect_create_error(tensor_factory("ConstantOfShape"), make_node("ConstantOfShape", {}, 9), {ints64({2}, false)}, {out_spec(DType::kFloat32, {2})},
                      "shape must be a constant", ErrorKind::kType);
}

}  // namespace octet::test
