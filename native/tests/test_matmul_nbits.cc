// Weight-only quantized MatMul (com.microsoft MatMulNBits) against its definition spelled out:
// dequantize B to float from the MatMulNBits layout, then the float GEMM's reference loops, bit for
// bit — 4 and 8 bits, every block size, absent / packed uint8 / float zero points, bias, K across
// several dequantization slices, 1-3 threads, every ISA. The dequantization kernels alone against
// the scalar definition. Then bad input: each create must throw an octet::Error naming the problem.
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/nbits/nbits_kernel.h"
#include "../kernels/sgemm/sgemm_kernel.h"
#include "../ops/sgemm.h"
#include "float_test_util.h"
#include "op_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

OpFactory factory() {
  OpRegistry r;
  register_matmul_nbits_ops(r);
  return r.find("MatMulNBits", "com.microsoft");
}


enum class ZeroPoints { kAbsent, kPacked, kFloat };

struct NBitsCase {
  size_t M = 1, K = 1, N = 1;
  int bits = 4;
  size_t block_size = 16;
  ZeroPoints zp = ZeroPoints::kAbsent;
  bool bias = false;
  bool batched = false;  // A as [2, M/2, K] when M is even
  int threads = 1;
};

size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }

bool run_case(const NBitsCase& c, uint64_t seed) {
  Rng rng(seed);
  const size_t blocks = div_up(c.K, c.block_size), blob = c.block_size * static_cast<size_t>(c.bits) / 8;
  std::vector<float> a(c.M * c.K);
  for (auto& v : a) v = rng.uniform_float(-1.0f, 1.0f);
  std::vector<uint8_t> b(c.N * blocks * blob);
  for (auto& v : b) v = static_cast<uint8_t>(rng.uniform(0, 255));
  std::vector<float> scales(c.N * blocks);
  for (auto& v : scales) v = rng.uniform_float(0.001f, 0.1f);
  std::vector<uint8_t> zp_packed(c.N * div_up(blocks * static_cast<size_t>(c.bits), 8));
  for (auto& v : zp_packed) v = static_cast<uint8_t>(rng.uniform(0, 255));
  std::vector<float> zp_float(c.N * blocks);
  for (auto& v : zp_float) v = rng.uniform_float(0.0f, c.bits == 4 ? 15.0f : 255.0f);
  std::vector<float> bias(c.N);
  for (auto& v : bias) v = rng.uniform_float(-1.0f, 1.0f);

  // The definition: w[k][n] = (float(q) - zero) · scale from the MatMulNBits layout, then the GEMM.
  std::vector<float> w(c.K * c.N);
  for (size_t n = 0; n < c.N; ++n)
    for (size_t k = 0; k < c.K; ++k) {
      const size_t blk = k / c.block_size, i = k % c.block_size;
      const uint8_t byte = b[(n * blocks + blk) * blob + (c.bits == 8 ? i : i / 2)];
      const int q = c.bits == 8 ? byte : (i % 2 == 0 ? byte & 15 : byte >> 4);
      float zero = static_cast<float>(1 << (c.bits - 1));
      if (c.zp == ZeroPoints::kFloat) zero = zp_float[n * blocks + blk];
      if (c.zp == ZeroPoints::kPacked) {
        if (c.bits == 8) {
          zero = zp_packed[n * blocks + blk];
        } else {
          const uint8_t z = zp_packed[n * div_up(blocks, 2) + blk / 2];
          zero = static_cast<float>(blk % 2 == 0 ? z & 15 : z >> 4);
        }
      }
      w[k * c.N + n] = (static_cast<float>(q) - zero) * scales[n * blocks + blk];
    }
  std::vector<float> want(c.M * c.N);
  SGemmEpilogue ep;
  if (c.bias) ep.bias = bias.data();
  sgemm_reference(c.M, c.N, c.K, a.data(), c.K, w.data(), c.N, false, want.data(), c.N, ep);

  Attributes attrs;
  attrs.set_int("K", static_cast<int64_t>(c.K));
  attrs.set_int("N", static_cast<int64_t>(c.N));
  attrs.set_int("bits", c.bits);
  attrs.set_int("block_size", static_cast<int64_t>(c.block_size));
  NodeSpec node = make_node("MatMulNBits", attrs, 1);
  node.domain = "com.microsoft";
  const int64_t M = static_cast<int64_t>(c.M), K = static_cast<int64_t>(c.K), N = static_cast<int64_t>(c.N);
  const bool batched = c.batched && c.M % 2 == 0;
  const Shape a_shape = batched ? Shape{2, M / 2, K} : Shape{M, K};
  const Shape y_shape = batched ? Shape{2, M / 2, N} : Shape{M, N};
  std::vector<OpTensor> in = {
      OpTensor::of<float>(DType::kFloat32, a_shape, a),
      OpTensor::of<uint8_t>(DType::kUint8, {N, static_cast<int64_t>(blocks), static_cast<int64_t>(blob)}, b, true),
      OpTensor::of<float>(DType::kFloat32, {static_cast<int64_t>(c.N * blocks)}, scales, true),
      c.zp == ZeroPoints::kPacked  ? OpTensor::of<uint8_t>(DType::kUint8, {static_cast<int64_t>(zp_packed.size())}, zp_packed, true)
      : c.zp == ZeroPoints::kFloat ? OpTensor::of<float>(DType::kFloat32, {static_cast<int64_t>(zp_float.size())}, zp_float, true)
                                   : OpTensor::absent(),
      OpTensor::absent(),
      c.bias ? OpTensor::of<float>(DType::kFloat32, {N}, bias) : OpTensor::absent(),
  };
  OpHarness h(factory(), node, in, {OpTensor::of<float>(DType::kFloat32, y_shape, {})});
  h.run(c.threads);
  std::string where;
  const bool ok = same_floats(h.output(0).values<float>(), want, where);
  CHECK(ok) << isa_name(active_isa()) << " M=" << c.M << " K=" << c.K << " N=" << c.N << " bits=" << c.bits << " block=" << c.block_size
            << " zp=" << static_cast<int>(c.zp) << " bias=" << c.bias << " threads=" << c.threads << ": " << where;
  return ok;
}

}  // namespace

TEST(nbits_dequant_kernels_match_the_definition_on_every_isa) {
  for (Isa isa : supported_isas()) {
    const NBitsKernels& k = nbits_kernels(isa);
    CHECK(k.nr == sgemm_kernel(isa).nr) << isa_name(isa) << ": panel width " << k.nr << " is not the float GEMM's";
    Rng rng(3);
    for (int bits : {4, 8}) {
      const size_t rows = static_cast<size_t>(rng.uniform(1, 40));
      const size_t row_bytes = bits == 4 ? static_cast<size_t>(k.nr) / 2 : static_cast<size_t>(k.nr);
      std::vector<uint8_t> codes(rows * row_bytes);
      for (auto& v : codes) v = static_cast<uint8_t>(rng.uniform(0, 255));
      std::vector<float> scale(static_cast<size_t>(k.nr)), zero(static_cast<size_t>(k.nr));
      for (auto& v : scale) v = rng.uniform_float(-0.2f, 0.2f);
      for (auto& v : zero) v = rng.uniform(0, 1) ? static_cast<float>(rng.uniform(0, 15)) : rng.uniform_float(0.0f, 15.0f);
      std::vector<float> got(rows * static_cast<size_t>(k.nr)), want(got.size());
      (bits == 4 ? k.dequant4 : k.dequant8)(codes.data(), rows, scale.data(), zero.data(), got.data());
      if (bits == 4) nbits_dequant4_reference(codes.data(), rows, k.nr, scale.data(), zero.data(), want.data());
      else nbits_dequant8_reference(codes.data(), rows, k.nr, scale.data(), zero.data(), want.data());
      std::string where;
      CHECK(same_floats(got, want, where)) << isa_name(isa) << " bits=" << bits << ": " << where;
    }
  }
}

TEST(matmul_nbits_random_shapes_match_reference_on_every_isa) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    Rng rng(17);
    for (int i = 0; i < 40; ++i) {
      NBitsCase c;
      c.M = static_cast<size_t>(rng.uniform(1, 30));
      if (i % 5 == 0) c.M = 1;
      c.K = static_cast<size_t>(rng.uniform(1, 300));
      if (i % 7 == 0) c.K = static_cast<size_t>(rng.uniform(500, 700));  // several 256-row slices
      c.N = static_cast<size_t>(rng.uniform(1, 140));
      c.bits = rng.uniform(0, 1) ? 4 : 8;
      const size_t sizes[] = {16, 32, 64, 128, 256, 1024};
      c.block_size = sizes[rng.uniform(0, 5)];
      c.zp = static_cast<ZeroPoints>(rng.uniform(0, 2));
      c.bias = rng.uniform(0, 1);
      c.batched = rng.uniform(0, 1);
      c.threads = rng.uniform(1, 3);
      if (!run_case(c, 900 + static_cast<uint64_t>(i))) return;
    }
  }
}

TEST(matmul_nbits_results_do_not_depend_on_threads) {
  for (int threads : {1, 2, 3}) {
    NBitsCase c;
    c.M = 37;
    c.K = 520;
    c.N = 301;
    c.block_size = 32;
    c.zp = ZeroPoints::kPacked;
    c.bias = true;
    c.threads = threads;
    if (!run_case(c, 77)) return;
    c.M = 1;
    if (!run_case(c, 78)) return;
  }
}

TEST(matmul_nbits_bad_input_is_a_named_error) {
  struct Bad {
    const char* label;
    int bits;
    int64_t block_size, K, N;
    bool b_const, g_idx;
    int64_t a_k;        // A's last dim
    int64_t b_bytes;    // B's element count (-1: the right one)
    int64_t scales;     // scales' element count (-1: the right one)
    ErrorKind kind;
    const char* word;
  };
  const Bad cases[] = {
      {"3 bits", 3, 16, 32, 8, true, false, 32, -1, -1, ErrorKind::kRange, "bits"},
      {"block 24", 4, 24, 32, 8, true, false, 32, -1, -1, ErrorKind::kRange, "block_size"},
      {"block 8", 4, 8, 32, 8, true, false, 32, -1, -1, ErrorKind::kRange, "block_size"},
      {"K 0", 4, 16, 0, 8, true, false, 1, -1, -1, ErrorKind::kRange, "'K'"},
      {"runtime B", 4, 16, 32, 8, false, false, 32, -1, -1, ErrorKind::kType, "constant"},
      {"g_idx", 4, 16, 32, 8, true, true, 32, -1, -1, ErrorKind::kType, "g_idx"},
      {"A's K", 4, 16, 32, 8, true, false, 31, -1, -1, ErrorKind::kRange, "K = 32"},
      {"short B", 4, 16, 32, 8, true, false, 32, 60, -1, ErrorKind::kRange, "input B"},
      {"short scales", 4, 16, 32, 8, true, false, 32, -1, 15, ErrorKind::kRange, "scales"},
  };
  for (const Bad& bad : cases) {
    Attributes attrs;
    attrs.set_int("K", bad.K);
    attrs.set_int("N", bad.N);
    attrs.set_int("bits", bad.bits);
    attrs.set_int("block_size", bad.block_size);
    NodeSpec node = make_node("MatMulNBits", attrs, 1);
    node.domain = "com.microsoft";
    const int64_t bs = bad.block_size > 0 ? bad.block_size : 16;
    const int64_t blocks = bad.K > 0 ? (bad.K + bs - 1) / bs : 1;
    const int64_t blob = bs * (bad.bits == 8 ? 8 : 4) / 8;
    const int64_t b_bytes = bad.b_bytes >= 0 ? bad.b_bytes : bad.N * blocks * blob;
    const int64_t n_scales = bad.scales >= 0 ? bad.scales : bad.N * blocks;
    std::vector<OpTensor> in = {
        OpTensor::of<float>(DType::kFloat32, {2, bad.a_k}, std::vector<float>(static_cast<size_t>(2 * bad.a_k), 0.5f)),
        OpTensor::of<uint8_t>(DType::kUint8, {b_bytes}, std::vector<uint8_t>(static_cast<size_t>(b_bytes), 7), bad.b_const),
        OpTensor::of<float>(DType::kFloat32, {n_scales}, std::vector<float>(static_cast<size_t>(n_scales), 0.1f), true),
        OpTensor::absent(),
        bad.g_idx ? OpTensor::of<int32_t>(DType::kInt32, {bad.K}, std::vector<int32_t>(static_cast<size_t>(bad.K), 0), true) : OpTensor::absent(),
    };
    if (b_bytes > 0 && bad.b_bytes < 0) in[1].shape = {bad.N, blocks, blob};
    try {
      OpHarness h(factory(), node, in, {OpTensor::of<float>(DType::kFloat32, {2, bad.N}, {})});
      CHECK(false) << bad.label << ": create did not throw";
    } catch (const Error& e) {
      CHECK(e.kind() == bad.kind) << bad.label << ": wrong error kind for \"" << e.what() << "\"";
      CHECK(std::string(e.what()).find(bad.word) != std::string::npos) << bad.label << ": \"" << e.what() << "\" does not name " << bad.word;
    }
  }
}

}  // namespace octet::test
