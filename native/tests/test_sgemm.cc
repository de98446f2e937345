// The float GEMM on every path this CPU runs, against sgemm_reference, bit for bit: random shapes,
// grids around each kernel's tile (mr, nr ± 1), around the driver's K blocks, K = 0, padded strides,
// both B layouts, packed and unpacked B, bias and clamps, NaN/±inf/±0 inputs, 1-3 threads. C's
// padding between rows and a guard after the last row must come back untouched.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../dispatch/dispatch.h"
#include "../kernels/sgemm/sgemm_kernel.h"
#include "../ops/sgemm.h"
#include "float_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr uint32_t kGuardBits = 0x7FBADBAD;  // a NaN payload no computation produces

enum class Values { kRandom, kSpecial };
enum class Clamp { kNone, kRelu, kRange, kMaxOnly };

struct Case {
  size_t M = 1, N = 1, K = 1;
  size_t lda_pad = 0, ldb_pad = 0, ldc_pad = 0;
  bool b_transposed = false;
  bool packed = true;  // sgemm_pack_b + sgemm, else sgemm_unpacked
  bool bias = false;
  Clamp clamp = Clamp::kNone;
  Values values = Values::kRandom;
  int threads = 1;
};

std::string describe(const Case& c, Isa isa) {
  std::ostringstream s;
  s << isa_name(isa) << " (" << sgemm_kernel(isa).name << ") M=" << c.M << " N=" << c.N << " K=" << c.K
    << " pads(a,b,c)=" << c.lda_pad << "," << c.ldb_pad << "," << c.ldc_pad << " b_transposed=" << c.b_transposed
    << " packed=" << c.packed << " bias=" << c.bias << " clamp=" << static_cast<int>(c.clamp)
    << " values=" << static_cast<int>(c.values) << " threads=" << c.threads;
  return s.str();
}

float from_bits(uint32_t u) {
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}

float draw(Rng& rng, Values values) {
  if (values == Values::kSpecial) {
    switch (rng.uniform(0, 15)) {
      case 0: return std::numeric_limits<float>::quiet_NaN();
      case 1: return kInf;
      case 2: return -kInf;
      case 3: return 0.0f;
      case 4: return -0.0f;
      case 5: return 3.0e38f;  // products overflow
      case 6: return 1.0e-40f;  // subnormal
      default: break;
    }
  }
  return rng.uniform_float(-1.0f, 1.0f);
}

// Inputs of one case; the expected output from the reference.
struct Data {
  size_t lda, ldb, ldc;
  std::vector<float> a, b, bias, expected;
  SGemmEpilogue ep;
};

Data make_data(const Case& c, uint64_t seed) {
  Rng rng(seed);
  Data d;
  d.lda = c.K + c.lda_pad;
  const size_t b_rows = c.b_transposed ? c.N : c.K, b_cols = c.b_transposed ? c.K : c.N;
  d.ldb = b_cols + c.ldb_pad;
  d.ldc = c.N + c.ldc_pad;
  d.a.resize(c.M * d.lda + 1);
  d.b.resize(b_rows * d.ldb + 1);
  for (auto& v : d.a) v = draw(rng, c.values);
  for (auto& v : d.b) v = draw(rng, c.values);
  if (c.bias) {
    d.bias.resize(c.N);
    for (auto& v : d.bias) v = c.values == Values::kSpecial && rng.uniform(0, 7) == 0 ? draw(rng, c.values) : rng.uniform_float(-2.0f, 2.0f);
    d.ep.bias = d.bias.data();
  }
  switch (c.clamp) {
    case Clamp::kNone: break;
    case Clamp::kRelu: d.ep.min = 0.0f; break;
    case Clamp::kRange: d.ep.min = rng.uniform_float(-1.0f, 0.0f); d.ep.max = rng.uniform_float(0.0f, 1.0f); break;
    case Clamp::kMaxOnly: d.ep.max = 0.25f; break;
  }
  d.expected.assign(c.M * d.ldc + 1, from_bits(kGuardBits));
  sgemm_reference(c.M, c.N, c.K, d.a.data(), d.lda, d.b.data(), d.ldb, c.b_transposed, d.expected.data(), d.ldc, d.ep);
  return d;
}

// Runs the case on the active path; false (after recording the details) on any difference.
bool check_case(const Case& c, const Data& d, Isa isa) {
  std::vector<float> got(d.expected.size(), from_bits(kGuardBits));
  if (c.packed) {
    auto packed = sgemm_pack_b(d.b.data(), c.K, c.N, c.b_transposed, d.ldb);
    CHECK(packed->k() == c.K && packed->n() == c.N) << describe(c, isa) << ": packed B reports K=" << packed->k() << " N=" << packed->n();
    sgemm(c.M, c.N, c.K, d.a.data(), d.lda, *packed, got.data(), d.ldc, d.ep, c.threads);
  } else {
    // The scratch gets a guard region too: the packing must stay inside the bytes it asked for.
    const size_t bytes = sgemm_pack_scratch_bytes(c.K, c.N);
    AlignedBuffer scratch(bytes + 256);
    std::memset(scratch.data() + bytes, 0x5A, 256);
    sgemm_unpacked(c.M, c.N, c.K, d.a.data(), d.lda, d.b.data(), d.ldb, c.b_transposed, got.data(), d.ldc, d.ep, c.threads,
                   scratch.data());
    for (size_t i = bytes; i < bytes + 256; ++i)
      if (scratch.data()[i] != 0x5A) {
        CHECK(false) << describe(c, isa) << ": packing wrote past sgemm_pack_scratch_bytes = " << bytes;
        return false;
      }
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (bits(got[i]) == bits(d.expected[i])) continue;
    // A NaN's sign and payload depend on which NaN operand an instruction form propagates (x86 makes
    // -NaN from inf - inf, ARM +NaN), which the compiler picks: any NaN matches any NaN.
    if (std::isnan(got[i]) && std::isnan(d.expected[i]) && bits(d.expected[i]) != kGuardBits) continue;
    const size_t m = i / d.ldc, n = i % d.ldc;
    if (i == got.size() - 1 || n >= c.N) {
      CHECK(false) << describe(c, isa) << ": wrote outside C at row " << m << ", column " << n;
    } else {
      CHECK(false) << describe(c, isa) << ": first difference at [m=" << m << ", n=" << n << "]: got " << got[i] << " (0x"
                   << std::hex << bits(got[i]) << "), expected " << d.expected[i] << " (0x" << bits(d.expected[i]) << std::dec
                   << ")";
    }
    return false;
  }
  return true;
}

// Every supported path against one reference result.
bool check_everywhere(const Case& c, uint64_t seed) {
  const Data d = make_data(c, seed);
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    if (!check_case(c, d, isa)) return false;
  }
  return true;
}

}  // namespace

TEST(sgemm_kernels_name_their_tiles) {
  for (Isa isa : supported_isas()) {
    const SGemmKernel& k = sgemm_kernel(isa);
    const std::string expected = "sgemm_" + std::to_string(k.mr) + "x" + std::to_string(k.nr) + "__";
    CHECK(std::string(k.name).rfind(expected, 0) == 0) << k.name << " vs tile " << k.mr << "x" << k.nr;
    CHECK(kSGemmMaxNr % k.nr == 0) << k.name << ": nr must divide kSGemmMaxNr";
  }
}

TEST(sgemm_random_shapes_match_reference_on_every_isa) {
  Rng rng(7);
  for (int i = 0; i < 200; ++i) {
    Case c;
    c.M = rng.uniform(1, 300);
    c.N = rng.uniform(1, 300);
    c.K = rng.uniform(1, 300);
    if (i % 10 == 0) c.M = 1;
    if (i % 10 == 1) c.N = 1;
    if (i % 10 == 2) c.K = 1;
    if (i % 4 == 0) c.lda_pad = rng.uniform(1, 19);
    if (i % 5 == 0) c.ldb_pad = rng.uniform(1, 19);
    if (i % 3 == 0) c.ldc_pad = rng.uniform(1, 19);
    c.b_transposed = rng.uniform(0, 1) == 1;
    c.packed = rng.uniform(0, 2) != 0;
    c.bias = rng.uniform(0, 1) == 1;
    c.clamp = static_cast<Clamp>(rng.uniform(0, 3));
    c.threads = rng.uniform(1, 3);
    if (!check_everywhere(c, 100 + i)) break;
  }
}

TEST(sgemm_tile_edges_match_reference_on_every_isa) {
  // Around every path's mr (4, 6, 8, 12) and nr (8, 16, 32), plus primes.
  const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 23, 24, 25, 37};
  const size_t ns[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 97};
  const size_t ks[] = {1, 2, 3, 4, 5, 8, 17, 64};
  uint64_t seed = 1;
  for (size_t M : ms)
    for (size_t N : ns) {
      Case c;
      c.M = M;
      c.N = N;
      c.K = ks[seed % 8];
      c.bias = seed % 2 == 0;
      c.clamp = seed % 3 == 0 ? Clamp::kRange : Clamp::kNone;
      c.b_transposed = seed % 5 == 0;
      c.ldc_pad = seed % 7 == 0 ? 3 : 0;
      c.threads = 1 + static_cast<int>(seed % 3);
      if (!check_everywhere(c, seed++)) return;
    }
}

TEST(sgemm_k_blocks_match_reference_on_every_isa) {
  // K below, at and above the driver's K block (1024) and its multiples, with enough rows and
  // columns that B is reused and does not fit the L2 budget, so K really is cut (and A copied).
  const size_t ks[] = {511, 512, 513, 1023, 1024, 1025, 2049};
  uint64_t seed = 500;
  for (size_t K : ks) {
    Case c;
    c.M = seed % 2 == 0 ? 25 : 13 + seed % 11;  // 25, 19: a last tile of one row (row_ukernel) on AVX-512, AVX2
    c.N = 129 + seed % 5;
    c.K = K;
    c.bias = true;
    c.clamp = Clamp::kRelu;
    c.lda_pad = seed % 2 ? 0 : 5;
    c.threads = 1 + static_cast<int>(seed % 3);
    if (!check_everywhere(c, seed++)) return;
  }
}

TEST(sgemm_unpacked_small_m_matches_reference_on_every_isa) {
  // Few row tiles: the driver reads a row-major B in place and packs only its partial last panel.
  // Rows on both sides of that switch for every kernel's mr; N on both sides of every nr.
  const size_t ms[] = {1, 3, 5, 8, 13, 17, 24, 25};
  const size_t ns[] = {1, 8, 15, 16, 31, 32, 33, 64, 100};
  uint64_t seed = 700;
  for (size_t M : ms)
    for (size_t N : ns) {
      Case c;
      c.M = M;
      c.N = N;
      c.K = (seed % 4 == 0) ? 0 : 1 + seed % 70;
      c.packed = false;
      c.b_transposed = seed % 6 == 0;
      c.ldb_pad = seed % 3 == 0 ? 7 : 0;
      c.bias = seed % 2 == 1;
      c.clamp = seed % 5 == 0 ? Clamp::kRelu : Clamp::kNone;
      c.threads = 1 + static_cast<int>(seed % 3);
      if (!check_everywhere(c, seed++)) return;
    }
}

TEST(sgemm_k_zero_gives_the_epilogue_of_zero) {
  for (Clamp clamp : {Clamp::kNone, Clamp::kRelu, Clamp::kRange}) {
    for (bool packed : {true, false}) {
      Case c;
      c.M = 14;
      c.N = 37;
      c.K = 0;
      c.bias = clamp != Clamp::kNone;
      c.clamp = clamp;
      c.packed = packed;
      c.ldc_pad = 2;
      if (!check_everywhere(c, 900)) return;
    }
  }
  // Spelled out once: no bias, no clamp → +0.0f everywhere.
  std::vector<float> out(6, 1.0f);
  sgemm_reference(2, 3, 0, nullptr, 0, nullptr, 3, false, out.data(), 3, SGemmEpilogue{});
  for (float v : out) CHECK(bits(v) == 0) << "K=0 must give +0.0f, got " << v;
}

TEST(sgemm_special_values_match_reference_on_every_isa) {
  // NaN, ±inf, ±0, overflow and subnormals, through bias and every clamp: the NaN and ±0 rules of
  // the epilogue must agree across paths.
  Rng rng(31);
  for (int i = 0; i < 40; ++i) {
    Case c;
    c.M = rng.uniform(1, 30);
    c.N = rng.uniform(1, 70);
    c.K = rng.uniform(1, 20);
    c.values = Values::kSpecial;
    c.bias = i % 2 == 0;
    c.clamp = static_cast<Clamp>(i % 4);
    c.b_transposed = i % 3 == 0;
    c.packed = i % 5 != 0;
    if (!check_everywhere(c, 3000 + i)) return;
  }
}

TEST(sgemm_clamp_nan_and_signed_zero_rules) {
  // The definition's clamp (the vmath clamp of Relu/Clip): NaN passes through, a tie between zeros
  // keeps the value.
  CHECK(std::isnan(sgemm_clamp(std::numeric_limits<float>::quiet_NaN(), 0.0f, 6.0f)));
  CHECK(bits(sgemm_clamp(-0.0f, 0.0f, kInf)) == bits(-0.0f));
  CHECK(bits(sgemm_clamp(0.0f, -0.0f, kInf)) == bits(0.0f));
  CHECK(bits(sgemm_clamp(-0.0f, -kInf, 0.0f)) == bits(-0.0f));
  CHECK(sgemm_clamp(7.0f, 0.0f, 6.0f) == 6.0f);
  CHECK(sgemm_clamp(-7.0f, -1.0f, 6.0f) == -1.0f);
  // Without a clamp too, a NaN result stays NaN.
  const float a[1] = {std::numeric_limits<float>::quiet_NaN()}, b[1] = {1.0f};
  float out[1] = {0};
  sgemm_reference(1, 1, 1, a, 1, b, 1, false, out, 1, SGemmEpilogue{});
  CHECK(std::isnan(out[0])) << "got " << out[0];
}

TEST(sgemm_results_do_not_depend_on_thread_count) {
  // Shapes where the driver splits rows (in bands per thread, K blocked or not), panels, or both;
  // every thread count gives the reference. 1x1 convolutions: {784, 144, 24}, {49, 160, 960}.
  const size_t shapes[][3] = {{1, 1024, 300}, {2, 700, 129}, {97, 64, 576}, {300, 300, 64}, {260, 33, 1030},
                              {150, 170, 1100}, {784, 144, 24}, {49, 160, 960}, {37, 40, 16}};
  uint64_t seed = 70;
  for (const auto& s : shapes)
    for (int threads : {1, 2, 3, 4}) {
      Case c;
      c.M = s[0];
      c.N = s[1];
      c.K = s[2];
      c.threads = threads;
      c.bias = true;
      c.packed = threads % 2 == 1;
      if (!check_everywhere(c, seed)) return;
    }
}

TEST(sgemm_packed_b_is_reused_across_calls) {
  // One packing, many calls with different A, C strides and thread counts (the weight-cache case).
  Rng rng(5);
  const size_t K = 77, N = 45;
  std::vector<float> b(K * N);
  for (auto& v : b) v = rng.uniform_float(-1, 1);
  auto packed = sgemm_pack_b(b.data(), K, N, false);
  for (int call = 0; call < 6; ++call) {
    const size_t M = 1 + call * 7, lda = K + call, ldc = N + 2 * call;
    std::vector<float> a(M * lda), got(M * ldc, 0.0f), expected(M * ldc, 0.0f);
    for (auto& v : a) v = rng.uniform_float(-1, 1);
    sgemm_reference(M, N, K, a.data(), lda, b.data(), N, false, expected.data(), ldc, SGemmEpilogue{});
    sgemm(M, N, K, a.data(), lda, *packed, got.data(), ldc, SGemmEpilogue{}, 1 + call % 3);
    CHECK(std::memcmp(got.data(), expected.data(), got.size() * 4) == 0) << "call " << call << " M=" << M;
  }
}

TEST(sgemm_dispatch_picks_a_kernel_for_every_path) {
  for (Isa isa : supported_isas()) {
    const SGemmKernel& k = sgemm_kernel(isa);
    const bool x86_avx2 = isa == Isa::kAvx2 || isa == Isa::kAvxVnni;
    const bool arm = isa == Isa::kNeon || isa == Isa::kNeonDot;
    const Isa expected = x86_avx2 ? Isa::kAvx2 : arm ? Isa::kNeon : isa;
    CHECK(k.isa == expected) << isa_name(isa) << " got " << k.name;
  }
}

}  // namespace octet::test
