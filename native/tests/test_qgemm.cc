// Every GEMM path this CPU runs against the scalar oracle (kernels/reference), bit for bit: shape grids
// that hunt tile edges (K around kr and its multiples, M and N at 1, at the tile, tile±1, primes),
// adversarial values (the 255·(-128) pairs that saturate int16), every zero-point layout, every
// output kind, several thread counts.
#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include "../core/cpu_features.h"
#include "../dispatch/dispatch.h"
#include "../kernels/reference/qgemm_reference.h"
#include "../ops/qgemm.h"
#include "test_main.h"

namespace octet::test {

namespace {

enum class Fill { kRandom, kMax, kMin, kZero, kAlternating };

struct Case {
  int M, N, K;
  bool a_signed = false, b_unsigned = false;
  bool za_per_row = false, zb_per_col = false, symmetric = false, bias = false;
  OutputKind kind = OutputKind::kUint8;
  bool scale_per_col = false;
  Fill fill_a = Fill::kRandom, fill_b = Fill::kRandom;
  int threads = 1;
  int32_t qmin_offset = 0;  // tightens the clamp like a fused ReLU
};

std::string describe(const Case& c, Isa isa) {
  std::ostringstream s;
  s << isa_name(isa) << " M=" << c.M << " N=" << c.N << " K=" << c.K << " a_signed=" << c.a_signed
    << " b_unsigned=" << c.b_unsigned << " za_per_row=" << c.za_per_row << " zb_per_col=" << c.zb_per_col
    << " symmetric=" << c.symmetric << " bias=" << c.bias << " kind=" << static_cast<int>(c.kind)
    << " scale_per_col=" << c.scale_per_col << " fill=" << static_cast<int>(c.fill_a) << "/" << static_cast<int>(c.fill_b)
    << " threads=" << c.threads;
  return s.str();
}

uint8_t fill_byte(Fill f, bool is_signed, Rng& rng, size_t i) {
  switch (f) {
    case Fill::kMax: return is_signed ? 127 : 255;
    case Fill::kMin: return is_signed ? 0x80 : 0;  // int8 -128 or uint8 0
    case Fill::kZero: return 0;
    case Fill::kAlternating: return (i & 1) ? (is_signed ? 0x80 : 0) : (is_signed ? 127 : 255);
    case Fill::kRandom: break;
  }
  return static_cast<uint8_t>(rng.next());
}

size_t elem_size(OutputKind k) { return k == OutputKind::kUint8 || k == OutputKind::kInt8 ? 1 : 4; }

// Runs one case on one ISA; returns false (after recording a failure with details) on mismatch.
bool run_case(const Case& c, Isa isa, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> a(static_cast<size_t>(c.M) * c.K), b(static_cast<size_t>(c.K) * c.N);
  for (size_t i = 0; i < a.size(); ++i) a[i] = fill_byte(c.fill_a, c.a_signed, rng, i);
  // Weights: int8 unless b_unsigned; the "min" fill of int8 weights is -128.
  for (size_t i = 0; i < b.size(); ++i) b[i] = fill_byte(c.fill_b, !c.b_unsigned, rng, i);
  const auto rand_zp = [&](bool is_signed) { return is_signed ? rng.uniform(-128, 127) : rng.uniform(0, 255); };
  std::vector<int32_t> za(c.za_per_row ? c.M : 1), zb(c.zb_per_col ? c.N : 1);
  for (auto& z : za) z = rand_zp(c.a_signed);
  for (auto& z : zb) z = c.symmetric ? (c.b_unsigned ? 128 : 0) : rand_zp(!c.b_unsigned);
  if (c.fill_a != Fill::kRandom) za[0] = c.a_signed ? -128 : 255;  // extremes of the zero point too
  std::vector<int32_t> bias(c.N);
  for (auto& v : bias) v = rng.uniform(-100000, 100000);
  std::vector<float> b_scale(c.scale_per_col ? c.N : 1);
  for (auto& s : b_scale) s = rng.uniform_float(0.0005f, 0.02f);
  const float a_scale = rng.uniform_float(0.005f, 0.05f);
  const float y_scale = rng.uniform_float(0.05f, 2.0f);
  std::vector<float> scale(b_scale.size());
  if (c.kind == OutputKind::kFloat32) dequant_scales(a_scale, b_scale.data(), static_cast<int>(b_scale.size()), scale.data());
  else requant_multipliers(a_scale, b_scale.data(), static_cast<int>(b_scale.size()), y_scale, scale.data());
  const bool s8 = c.kind == OutputKind::kInt8;
  const int32_t qmin = (s8 ? -128 : 0) + c.qmin_offset, qmax = s8 ? 127 : 255;
  const int32_t y_zp = s8 ? rng.uniform(-20, 20) : rng.uniform(0, 40);

  QGemmReferenceArgs r;
  r.M = c.M; r.N = c.N; r.K = c.K;
  r.a = a.data(); r.a_signed = c.a_signed; r.a_zero_point = za.data(); r.a_zero_point_per_row = c.za_per_row;
  r.b = b.data(); r.b_unsigned = c.b_unsigned; r.b_zero_point = zb.data(); r.b_zero_point_per_col = c.zb_per_col;
  r.bias = c.bias ? bias.data() : nullptr;
  r.kind = c.kind; r.scale = scale.data(); r.scale_per_col = c.scale_per_col;
  r.zero_point = y_zp; r.qmin = qmin; r.qmax = qmax;
  std::vector<uint8_t> expected(static_cast<size_t>(c.M) * c.N * elem_size(c.kind) + 1, 0xAB);
  r.out = expected.data();
  qgemm_reference(r);

  auto packed = pack_weights(isa, b.data(), c.b_unsigned, c.K, c.N, zb.data(), c.zb_per_col);
  QGemmArgs g;
  g.M = c.M; g.a = a.data(); g.a_signed = c.a_signed; g.a_zero_point = za.data(); g.a_zero_point_per_row = c.za_per_row;
  g.b = packed.get(); g.bias = r.bias; g.kind = c.kind; g.scale = scale.data(); g.scale_per_col = c.scale_per_col;
  g.zero_point = y_zp; g.qmin = qmin; g.qmax = qmax; g.threads = c.threads;
  std::vector<uint8_t> got(expected.size(), 0xAB);  // the guard byte at the end must survive
  g.out = got.data();
  qgemm(g);

  if (got == expected) return true;
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t e = elem_size(c.kind);
    if (std::memcmp(&got[i / e * e], &expected[i / e * e], e) == 0) continue;
    const size_t idx = i / e;
    if (idx >= static_cast<size_t>(c.M) * c.N) {
      CHECK(false) << describe(c, isa) << ": wrote past the end of the output";
      return false;
    }
    std::ostringstream vals;
    switch (c.kind) {
      case OutputKind::kInt32: vals << reinterpret_cast<int32_t*>(got.data())[idx] << " vs " << reinterpret_cast<int32_t*>(expected.data())[idx]; break;
      case OutputKind::kFloat32: vals << reinterpret_cast<float*>(got.data())[idx] << " vs " << reinterpret_cast<float*>(expected.data())[idx]; break;
      case OutputKind::kUint8: vals << int(got[idx]) << " vs " << int(expected[idx]); break;
      case OutputKind::kInt8: vals << int(int8_t(got[idx])) << " vs " << int(int8_t(expected[idx])); break;
    }
    CHECK(false) << describe(c, isa) << " kernel=" << packed->kernel->name << ": first difference at [m=" << idx / c.N
                 << ", n=" << idx % c.N << "]: got " << vals.str() << " (za[0]=" << za[0] << ", zb[0]=" << zb[0]
                 << ", scale[0]=" << scale[0] << ", y_zp=" << y_zp << ")";
    return false;
  }
  return false;
}

const OutputKind kKinds[] = {OutputKind::kInt32, OutputKind::kUint8, OutputKind::kInt8, OutputKind::kFloat32};

}  // namespace

TEST(qgemm_random_shapes_match_reference_on_every_isa) {
  for (Isa isa : supported_isas()) {
    Rng rng(42);
    for (int i = 0; i < 150; ++i) {
      Case c;
      c.M = rng.uniform(1, 300);
      c.N = rng.uniform(1, 300);
      c.K = rng.uniform(1, 300);
      if (i % 10 == 0) c.M = 1;
      if (i % 10 == 1) c.N = 1;
      if (i % 10 == 2) c.K = 1;
      c.a_signed = rng.uniform(0, 3) == 0;
      c.b_unsigned = rng.uniform(0, 3) == 0;
      c.za_per_row = rng.uniform(0, 4) == 0;
      c.zb_per_col = rng.uniform(0, 1) == 0;
      c.symmetric = rng.uniform(0, 1) == 0;
      c.bias = rng.uniform(0, 1) == 0;
      c.kind = kKinds[rng.uniform(0, 3)];
      c.scale_per_col = rng.uniform(0, 1) == 0;
      c.threads = rng.uniform(1, 3);
      if (!run_case(c, isa, 1000 + i)) break;
    }
  }
}

TEST(qgemm_tile_edges_match_reference_on_every_isa) {
  const int ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129};
  const int ms[] = {1, 3, 4, 5, 7, 8, 9, 13, 16, 17};
  const int ns[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65};
  for (Isa isa : supported_isas()) {
    int i = 0;
    for (int K : ks)
      for (int M : ms) {
        Case c;
        c.M = M;
        c.K = K;
        c.N = ns[(i++) % (sizeof(ns) / sizeof(ns[0]))];
        c.kind = kKinds[i % 4];
        c.zb_per_col = i % 3 == 0;
        c.symmetric = i % 2 == 0;
        c.a_signed = i % 5 == 0;
        c.bias = true;
        if (!run_case(c, isa, 77 + i)) return;
      }
  }
}

// 255 × -128 everywhere: each pair of products is -65280, which saturates an int16 (vpmaddubsw).
TEST(qgemm_saturation_traps_match_reference_on_every_isa) {
  const Fill fills[] = {Fill::kMax, Fill::kMin, Fill::kZero, Fill::kAlternating};
  for (Isa isa : supported_isas()) {
    int i = 0;
    for (Fill fa : fills)
      for (Fill fb : fills)
        for (int K : {2, 64, 300, 1031}) {
          Case c;
          c.M = 9;
          c.N = 33;
          c.K = K;
          c.fill_a = fa;
          c.fill_b = fb;
          c.kind = kKinds[i % 4];
          c.a_signed = i % 3 == 1;
          c.b_unsigned = i % 4 == 2;
          c.symmetric = i % 2 == 0;
          ++i;
          if (!run_case(c, isa, 5 + i)) return;
        }
  }
}

TEST(qgemm_results_do_not_depend_on_thread_count) {
  for (Isa isa : supported_isas())
    for (int threads : {1, 2, 3, 5}) {
      Case c;
      c.M = 131;
      c.N = 97;
      c.K = 75;
      c.threads = threads;
      c.kind = OutputKind::kInt8;
      c.zb_per_col = true;
      c.qmin_offset = 100;  // a fused ReLU-like clamp
      if (!run_case(c, isa, 9)) return;
    }
}

TEST(qgemm_large_k_wraps_like_the_reference) {
  // K large enough that the int32 sum can leave int32 range with extreme zero points: every path wraps.
  for (Isa isa : supported_isas()) {
    Case c;
    c.M = 2;
    c.N = 3;
    c.K = 70000;
    c.fill_a = Fill::kMax;
    c.fill_b = Fill::kMin;
    c.kind = OutputKind::kInt32;
    if (!run_case(c, isa, 3)) return;
  }
}

TEST(dispatch_reports_paths) {
  const auto isas = supported_isas();
  CHECK(!isas.empty() && isas.front() == Isa::kScalar) << "scalar must always be supported";
  CHECK(isa_supported(best_isa())) << "best ISA must be supported";
  bool threw = false;
  try {
    parse_isa("bogus");
  } catch (const std::exception&) {
    threw = true;
  }
  CHECK(threw) << "parse_isa must reject unknown names";
}

}  // namespace octet::test

namespace octet::test {

// The epilogue alone, on accumulators chosen to land exactly on .5 after scaling (ties must round to
// even), on the clamp bounds, and on huge values; every ISA's epilogue against the scalar definition.
TEST(qgemm_epilogue_ties_and_bounds_match_scalar_on_every_isa) {
  Rng rng(21);
  const int rows = 5, cols = 45;  // not a multiple of any vector width: tails too
  std::vector<int32_t> acc(rows * cols), col_add(cols), col_zb(cols), row_sum(rows);
  for (auto& v : acc) {
    switch (rng.uniform(0, 3)) {
      case 0: v = 2 * rng.uniform(-600, 600) + 1; break;  // odd: ×0.5 gives an exact tie
      case 1: v = rng.uniform(-2, 2) * 0x7fffffff; break;  // wraps, huge
      default: v = rng.uniform(-1000, 1000); break;
    }
  }
  for (auto& v : col_add) v = rng.uniform(-3, 3) * 2;  // keeps the ties
  for (auto& v : col_zb) v = rng.uniform(-2, 2);
  for (auto& v : row_sum) v = rng.uniform(-5, 5) * 2;
  std::vector<float> scales(cols);
  for (auto& s : scales) s = rng.uniform(0, 1) ? 0.5f : 0.25f;
  for (Isa isa : supported_isas()) {
    const QGemmKernel& k = qgemm_kernel(isa);
    for (OutputKind kind : {OutputKind::kInt32, OutputKind::kUint8, OutputKind::kInt8, OutputKind::kFloat32})
      for (bool per_col : {false, true}) {
        EpilogueTile t;
        t.rows = rows;
        t.cols = cols;
        t.acc = acc.data();
        t.acc_stride = cols;
        t.col_add = col_add.data();
        t.col_zb = col_zb.data();
        t.row_sum = row_sum.data();
        t.kind = kind;
        t.scale = scales.data();
        t.scale_per_col = per_col;
        const bool s8 = kind == OutputKind::kInt8;
        t.zero_point = s8 ? -1 : 3;
        t.clamp_lo = static_cast<float>((s8 ? -128 : 0) - t.zero_point);
        t.clamp_hi = static_cast<float>((s8 ? 127 : 255) - t.zero_point);
        t.ldc = cols;
        std::vector<uint8_t> want(rows * cols * 4, 0xCD), got(rows * cols * 4, 0xCD);
        t.out = want.data();
        qgemm_epilogue_scalar(t);
        t.out = got.data();
        k.epilogue(t);
        CHECK(want == got) << isa_name(isa) << " epilogue differs, kind=" << static_cast<int>(kind) << " per_col=" << per_col;
      }
  }
}

}  // namespace octet::test

namespace octet::test {

// A kernel's fused tile (ukernel_requant) against its plain micro-kernel followed by the scalar
// epilogue: every column count of a panel, u8 and s8 output, full and narrowed clamps, per-tensor and
// per-column multipliers at 0.5 (odd sums land on ties), below it and above it (where a kernel must
// clamp before it rounds), each with the driver's scale_at_most_half as qgemm sets it.
TEST(qgemm_fused_requant_tile_matches_ukernel_and_scalar_epilogue) {
  Rng rng(77);
  for (Isa isa : supported_isas()) {
    const QGemmKernel& k = qgemm_kernel(isa);
    if (k.ukernel_requant == nullptr) continue;
    for (int trial = 0; trial < 400; ++trial) {
      const int K = rng.uniform(1, 40), cols = rng.uniform(1, k.nr);
      const int Kp = (K + k.kr - 1) / k.kr * k.kr;
      std::vector<int8_t> b(static_cast<size_t>(K) * cols);
      for (auto& v : b) v = static_cast<int8_t>(rng.next());
      const int32_t zero = 0;
      auto packed = pack_weights(isa, b.data(), false, K, cols, &zero, false);
      const size_t lda = static_cast<size_t>(Kp) + rng.uniform(0, 5) * k.kr;
      std::vector<uint8_t> a(lda * k.mr + 64, 0);
      for (int r = 0; r < k.mr; ++r)
        for (int i = 0; i < K; ++i) a[r * lda + i] = static_cast<uint8_t>(rng.next());
      std::vector<int32_t> col_add(cols);
      for (auto& v : col_add) v = rng.uniform(0, 4) == 0 ? rng.uniform(-2, 2) * 0x3fffffff : rng.uniform(-20000, 20000);
      const bool per_col = rng.uniform(0, 1) == 1;
      std::vector<float> scale(per_col ? cols : 1);
      for (auto& s : scale) {
        switch (rng.uniform(0, 4)) {
          case 0: s = 0.5f; break;
          case 1: s = rng.uniform_float(0.0001f, 0.02f); break;
          case 2: s = rng.uniform_float(0.02f, 0.5f); break;
          case 3: s = rng.uniform_float(0.5f, 4.0f); break;
          default: s = 0.25f; break;
        }
      }
      const bool s8 = rng.uniform(0, 1) == 1;
      EpilogueTile t;
      t.rows = k.mr;
      t.cols = cols;
      t.acc_stride = k.nr;
      t.col_add = col_add.data();
      t.kind = s8 ? OutputKind::kInt8 : OutputKind::kUint8;
      t.scale = scale.data();
      t.scale_per_col = per_col;
      t.zero_point = s8 ? rng.uniform(-128, 127) : rng.uniform(0, 255);
      int qmin = s8 ? -128 : 0, qmax = s8 ? 127 : 255;
      if (rng.uniform(0, 2) == 0) qmin = std::max(qmin, t.zero_point);                       // a fused Relu
      if (rng.uniform(0, 3) == 0) qmax = std::max(qmin, std::min(qmax, t.zero_point + 60));  // Relu6-like
      t.clamp_lo = static_cast<float>(qmin - t.zero_point);
      t.clamp_hi = static_cast<float>(qmax - t.zero_point);
      t.scale_at_most_half = true;
      for (float s : scale) t.scale_at_most_half = t.scale_at_most_half && s <= 0.5f;
      const size_t ldc = static_cast<size_t>(cols) + rng.uniform(0, 7);
      t.ldc = ldc;
      std::vector<int32_t> acc(static_cast<size_t>(k.mr) * k.nr);
      std::vector<uint8_t> want(ldc * k.mr + 32, 0xCD), got(want.size(), 0xCD);
      k.ukernel(k.mr, Kp, a.data(), lda, packed->data.data(), acc.data());
      t.acc = acc.data();
      t.out = want.data();
      qgemm_epilogue_scalar(t);
      t.acc = nullptr;
      t.out = got.data();
      k.ukernel_requant(Kp, a.data(), lda, packed->data.data(), t);
      if (want != got) {
        size_t i = 0;
        while (want[i] == got[i]) ++i;
        CHECK(false) << k.name << " fused tile differs at row " << i / ldc << " col " << i % ldc << ": got " << int(got[i])
                     << ", want " << int(want[i]) << " (K=" << K << " cols=" << cols << " s8=" << s8 << " per_col=" << per_col
                     << " scale[0]=" << scale[0] << " zp=" << t.zero_point << " qmin=" << qmin << " qmax=" << qmax << ")";
        return;
      }
    }
  }
}

}  // namespace octet::test

namespace octet::test {

// The gathered form (qgemm_indirect) against the scalar oracle on the rows it gathers: random row
// counts (a last tile of fewer rows), runs per row and run lengths, columns across several panels and a
// partial one, u8/s8 output with narrowed clamps, per-tensor and per-column multipliers small (round
// first) and large (clamp first), output rows wider than N. Runs point anywhere in a pool of bytes,
// several at the same place (as padding taps share the zero-point vector).
TEST(qgemm_indirect_matches_reference) {
  Rng rng(91);
  int ran = 0;
  for (Isa isa : supported_isas()) {
    for (int trial = 0; trial < 300; ++trial) {
      const int M = rng.uniform(1, 50), N = rng.uniform(1, 100), segments = rng.uniform(1, 12), seg_bytes = 4 * rng.uniform(1, 12);
      const int K = segments * seg_bytes;
      std::vector<int8_t> b(static_cast<size_t>(K) * N);
      for (auto& v : b) v = static_cast<int8_t>(rng.next());
      const int32_t zb = 0;
      auto packed = pack_weights(isa, b.data(), false, K, N, &zb, false);
      const bool s8 = rng.uniform(0, 1) == 1, per_col = rng.uniform(0, 1) == 1, large = rng.uniform(0, 3) == 0;
      std::vector<float> scale(per_col ? N : 1);
      for (auto& s : scale) s = large ? rng.uniform_float(0.4f, 3.0f) : rng.uniform_float(0.00002f, 0.002f);
      std::vector<int32_t> bias(N);
      for (auto& v : bias) v = rng.uniform(-50000, 50000);
      const int32_t za = rng.uniform(0, 255), y_zp = s8 ? rng.uniform(-30, 30) : rng.uniform(0, 60);
      const int32_t qmin = (s8 ? -128 : 0) + (rng.uniform(0, 2) == 0 ? 128 : 0), qmax = s8 ? 127 : 255;
      QGemmArgs g;
      g.M = M;
      g.a_zero_point = &za;
      g.b = packed.get();
      g.bias = rng.uniform(0, 1) == 1 ? bias.data() : nullptr;
      g.kind = s8 ? OutputKind::kInt8 : OutputKind::kUint8;
      g.scale = scale.data();
      g.scale_per_col = per_col;
      g.zero_point = y_zp;
      g.qmin = qmin;
      g.qmax = qmax;
      g.ldc = static_cast<size_t>(N + rng.uniform(0, 9));
      if (!qgemm_indirect_supported(g, segments)) continue;
      ++ran;
      // The pool the runs point into, and each row's runs (rows past M included: tiles are whole).
      std::vector<uint8_t> pool(4096);
      for (auto& v : pool) v = static_cast<uint8_t>(rng.next());
      const int mr = qgemm_tile_rows(*packed);
      const int tiles = (M + mr - 1) / mr;
      std::vector<const uint8_t*> rows(static_cast<size_t>(tiles) * segments * mr);
      std::vector<uint8_t> a(static_cast<size_t>(M) * K);
      const uint8_t* shared = pool.data() + rng.uniform(0, 4096 - seg_bytes);
      for (int m = 0; m < tiles * mr; ++m)
        for (int s = 0; s < segments; ++s) {
          const uint8_t* run = rng.uniform(0, 4) == 0 ? shared : pool.data() + rng.uniform(0, 4096 - seg_bytes);
          rows[(static_cast<size_t>(m / mr) * segments + s) * mr + m % mr] = run;
          if (m < M) std::memcpy(&a[static_cast<size_t>(m) * K + s * seg_bytes], run, static_cast<size_t>(seg_bytes));
        }
      QGemmReferenceArgs r;
      r.M = M; r.N = N; r.K = K;
      r.a = a.data(); r.a_zero_point = &za;
      r.b = reinterpret_cast<const uint8_t*>(b.data()); r.b_zero_point = &zb;
      r.bias = g.bias; r.kind = g.kind; r.scale = scale.data(); r.scale_per_col = per_col;
      r.zero_point = y_zp; r.qmin = qmin; r.qmax = qmax;
      std::vector<uint8_t> dense(static_cast<size_t>(M) * N);
      r.out = dense.data();
      qgemm_reference(r);
      std::vector<uint8_t> want(g.ldc * M + 16, 0xEE), got(want.size(), 0xEE);
      for (int m = 0; m < M; ++m) std::memcpy(&want[m * g.ldc], &dense[static_cast<size_t>(m) * N], static_cast<size_t>(N));
      g.out = got.data();
      qgemm_indirect(g, segments, rows.data());
      if (got != want) {
        size_t i = 0;
        while (got[i] == want[i]) ++i;
        CHECK(false) << packed->kernel->name << " indirect differs at row " << i / g.ldc << " col " << i % g.ldc << ": got " << int(got[i])
                     << ", want " << int(want[i]) << " (M=" << M << " N=" << N << " segments=" << segments << " seg_bytes=" << seg_bytes
                     << " s8=" << s8 << " per_col=" << per_col << " large=" << large << ")";
        return;
      }
    }
  }
  // The CPUs CI runs on have the AVX-512 form; elsewhere (NEON, AVX2) no kernel has one yet.
  if (cpu_features().avx512vnni) {
    CHECK(ran > 0) << "no ISA ran the indirect form";
  }
}

}  // namespace octet::test
