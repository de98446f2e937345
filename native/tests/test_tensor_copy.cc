// The two copy engines under the data-movement operators, against plain index arithmetic: random
// shapes, strides (permuted, negative, zero), element sizes 1/2/4/8, sizes around the transpose tile
// (64, 32, 32, 8 elements; 4x4 blocks inside for 4 bytes) and thread counts.
#include <cstring>
#include <vector>

#include "../ops/tensor/index_map_copy.h"
#include "../ops/tensor/strided_copy.h"
#include "tensor_test_util.h"

namespace octet::test {

namespace {

using tensor::IndexMapCopy;
using tensor::StridedCopy;

// Source buffer big enough for any offset in [lo, hi]; returns the base pointer for offset 0.
struct SourceBuffer {
  std::vector<uint8_t> bytes;
  int64_t origin = 0;  // element index of offset 0
};

SourceBuffer make_source(const Shape& shape, const std::vector<int64_t>& strides, size_t esize, Rng& rng) {
  int64_t lo = 0, hi = 0;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0) continue;
    const int64_t span = (shape[k] - 1) * strides[k];
    (span < 0 ? lo : hi) += span;
  }
  SourceBuffer s;
  s.origin = -lo;
  s.bytes.resize(static_cast<size_t>(hi - lo + 1) * esize);
  for (auto& b : s.bytes) b = static_cast<uint8_t>(rng.next() >> 56);
  return s;
}

void check_strided(const Shape& shape, const std::vector<int64_t>& src_strides, size_t esize, Rng& rng, const std::string& what) {
  SourceBuffer src = make_source(shape, src_strides, esize, rng);
  const int64_t n = shape_numel(shape);
  std::vector<uint8_t> expected(static_cast<size_t>(n) * esize);
  for_each_index(shape, [&](const std::vector<int64_t>& idx, int64_t i) {
    int64_t off = src.origin;
    for (size_t k = 0; k < idx.size(); ++k) off += idx[k] * src_strides[k];
    std::memcpy(expected.data() + i * static_cast<int64_t>(esize), src.bytes.data() + off * static_cast<int64_t>(esize), esize);
  });
  const StridedCopy copy = StridedCopy::to_contiguous(esize, shape, src_strides);
  for (int threads : {1, 2, 3}) {
    std::vector<uint8_t> got(expected.size() + 16, 0xCD);
    copy.run(src.bytes.data() + src.origin * static_cast<int64_t>(esize), got.data(), threads);
    for (size_t i = expected.size(); i < got.size(); ++i) CHECK(got[i] == 0xCD) << what << ": wrote past the end";
    got.resize(expected.size());
    same_bytes(got, expected, esize, what + " threads=" + std::to_string(threads));
  }
}

std::string describe(const Shape& shape, const std::vector<int64_t>& strides, size_t esize) {
  return "shape " + shape_string(shape) + " strides " + shape_string(strides) + " esize " + std::to_string(esize);
}

}  // namespace

TEST(strided_copy_transposes_match_reference) {
  Rng rng(101);
  for (int iter = 0; iter < 200; ++iter) {
    const size_t esize = dtype_size(copy_dtypes()[static_cast<size_t>(iter) % 4]);
    const int rank = rng.uniform(1, 5);
    Shape shape = random_shape(rng, rank, 7);
    std::vector<int64_t> perm(static_cast<size_t>(rank));
    for (int k = 0; k < rank; ++k) perm[static_cast<size_t>(k)] = k;
    for (int k = rank - 1; k > 0; --k) std::swap(perm[static_cast<size_t>(k)], perm[static_cast<size_t>(rng.uniform(0, k))]);
    const std::vector<int64_t> in_strides = strides_of(shape);
    Shape out(shape.size());
    std::vector<int64_t> strides(shape.size());
    for (size_t k = 0; k < shape.size(); ++k) {
      out[k] = shape[static_cast<size_t>(perm[k])];
      strides[k] = in_strides[static_cast<size_t>(perm[k])];
    }
    check_strided(out, strides, esize, rng, "transpose " + describe(out, strides, esize));
  }
}

TEST(strided_copy_tile_edges_and_large_transposes) {
  Rng rng(102);
  for (DType t : copy_dtypes()) {
    const size_t esize = dtype_size(t);
    const int64_t tile = esize == 4 ? 32 : std::max<int64_t>(4, 64 / static_cast<int64_t>(esize));
    for (int64_t a : {int64_t{1}, int64_t{3}, int64_t{5}, tile - 1, tile, tile + 1, 2 * tile + 3, int64_t{37}}) {
      for (int64_t b : {int64_t{1}, int64_t{2}, int64_t{4}, int64_t{7}, tile - 1, tile, tile + 1, int64_t{29}}) {
        // [a, b] -> [b, a]
        check_strided({b, a}, {1, b}, esize, rng, "2-D transpose " + std::to_string(a) + "x" + std::to_string(b));
      }
    }
    // NCHW -> NHWC with few channels, and back; big enough to be split between threads.
    const int64_t n = 2, c = 3, h = 67, w = 131;
    check_strided({n, h, w, c}, {c * h * w, w, 1, h * w}, esize, rng, "NCHW->NHWC esize " + std::to_string(esize));
    check_strided({n, c, h, w}, {h * w * c, 1, w * c, c}, esize, rng, "NHWC->NCHW esize " + std::to_string(esize));
    check_strided({300, 257}, {1, 300}, esize, rng, "large 2-D transpose esize " + std::to_string(esize));
  }
}

TEST(strided_copy_steps_broadcasts_and_long_rows) {
  Rng rng(103);
  for (int iter = 0; iter < 200; ++iter) {
    const size_t esize = dtype_size(copy_dtypes()[static_cast<size_t>(iter) % 4]);
    const int rank = rng.uniform(1, 4);
    const Shape shape = random_shape(rng, rank, 9);
    std::vector<int64_t> strides(static_cast<size_t>(rank));
    int64_t extent = 1;
    for (int k = rank - 1; k >= 0; --k) {
      const int kind = rng.uniform(0, 3);
      const int64_t step = kind == 0 ? 0 : (kind == 1 ? -rng.uniform(1, 3) : rng.uniform(1, 3));
      strides[static_cast<size_t>(k)] = step * extent;
      extent *= shape[static_cast<size_t>(k)] * 3;
    }
    check_strided(shape, strides, esize, rng, "steps " + describe(shape, strides, esize));
  }
  // One long contiguous row and a few long rows: cut in pieces for the threads.
  check_strided({1 << 19}, {1}, 1, rng, "one long row");
  check_strided({3, 200001}, {400003, 1}, 4, rng, "three long rows");
  // Zero-size and scalar copies.
  check_strided({3, 0, 2}, {0, 1, 1}, 4, rng, "empty");
  check_strided({}, {}, 8, rng, "scalar");
}

TEST(index_map_copy_matches_reference) {
  Rng rng(104);
  for (int iter = 0; iter < 200; ++iter) {
    const DType dtype = copy_dtypes()[static_cast<size_t>(iter) % 4];
    const size_t esize = dtype_size(dtype);
    const int rank = rng.uniform(1, 4);
    const Shape in_shape = random_shape(rng, rank, 6);
    Shape out_shape(in_shape.size());
    std::vector<std::vector<int64_t>> maps(in_shape.size());
    for (size_t k = 0; k < in_shape.size(); ++k) {
      const int kind = rng.uniform(0, 3);
      if (kind == 0) {  // identity (merges with its neighbours)
        out_shape[k] = in_shape[k];
        for (int64_t i = 0; i < in_shape[k]; ++i) maps[k].push_back(i);
      } else if (kind == 1) {  // pad-like: fill, run, fill
        const int64_t lo = rng.uniform(0, 3), hi = rng.uniform(0, 3);
        out_shape[k] = in_shape[k] + lo + hi;
        for (int64_t o = 0; o < out_shape[k]; ++o) maps[k].push_back(o < lo || o >= lo + in_shape[k] ? -1 : o - lo);
      } else {  // arbitrary (upsample-like repeats)
        out_shape[k] = rng.uniform(1, 12);
        for (int64_t o = 0; o < out_shape[k]; ++o) maps[k].push_back(rng.uniform(0, 5) == 0 ? -1 : rng.uniform(0, static_cast<int>(in_shape[k]) - 1));
      }
    }
    OpTensor in = random_tensor(dtype, in_shape, rng);
    std::vector<uint8_t> fill(esize);
    for (auto& b : fill) b = static_cast<uint8_t>(rng.next() >> 56);
    const std::vector<int64_t> in_strides = strides_of(in_shape);
    std::vector<uint8_t> expected(static_cast<size_t>(shape_numel(out_shape)) * esize);
    for_each_index(out_shape, [&](const std::vector<int64_t>& idx, int64_t i) {
      int64_t off = 0;
      bool use_fill = false;
      for (size_t k = 0; k < idx.size(); ++k) {
        const int64_t m = maps[k][static_cast<size_t>(idx[k])];
        use_fill = use_fill || m < 0;
        off += m * in_strides[k];
      }
      std::memcpy(expected.data() + i * static_cast<int64_t>(esize), use_fill ? fill.data() : in.bytes.data() + off * static_cast<int64_t>(esize), esize);
    });
    const IndexMapCopy copy(esize, in_shape, out_shape, maps, fill);
    for (int threads : {1, 3}) {
      std::vector<uint8_t> got(expected.size(), 0xCD);
      copy.run(in.bytes.data(), got.data(), threads);
      same_bytes(got, expected, esize, "index map " + shape_string(in_shape) + "->" + shape_string(out_shape) + " esize " + std::to_string(esize));
    }
  }
}

}  // namespace octet::test
