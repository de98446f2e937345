#include "qgemm.h"

#include <algorithm>
#include <cstring>

#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"

namespace octet {

namespace {

inline int32_t wrap_add(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
inline int32_t wrap_mul(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); }

int round_up(int v, int multiple) { return (v + multiple - 1) / multiple * multiple; }

// A's rows as the micro-kernel wants them, plus row sums when the weights have zero points.
struct PreparedA {
  uint8_t* copy = nullptr;  // null when the kernel reads the caller's rows in place
  const void* rows = nullptr;
  size_t stride = 0;        // bytes between rows
  int32_t* row_sum = nullptr;
};

// Per-thread buffers one qgemm call uses (A's copy, row and column terms), kept between calls: a
// convolution makes one call per tile, and allocating (and zeroing) them each time cost as much as
// the small GEMMs themselves. Grow-only; each thread's are freed when it exits.
struct CallScratch {
  AlignedBuffer a_copy, row_sum, row_za, col_add;
  static uint8_t* at_least(AlignedBuffer& b, size_t bytes) {
    if (b.size() < bytes) b.resize(bytes);
    return b.data();
  }
};
thread_local CallScratch t_scratch;

// Writes rows [m0, m1) of the kernel's A format (the padding [K, Kp) stays zero from the
// allocation). `shift` turns int8 input into uint8 (xor 0x80).
void prepare_rows(const QGemmKernel& k, const uint8_t* a, size_t lda, int K, uint8_t shift, bool want_copy, bool want_sum,
                  int m0, int m1, PreparedA& out) {
  for (int m = m0; m < m1; ++m) {
    const uint8_t* src = a + static_cast<size_t>(m) * lda;
    uint32_t sum = 0;  // wraps like every other int32 term (only for K beyond 8 million)
    if (want_copy) {
      uint8_t* dst = out.copy + static_cast<size_t>(m) * out.stride;
      // The padding [K, stride) must read as zero (the buffer is reused between calls).
      std::memset(dst + static_cast<size_t>(K) * (k.a_format == AFormat::kS16 ? 2 : 1), 0,
                  out.stride - static_cast<size_t>(K) * (k.a_format == AFormat::kS16 ? 2 : 1));
      switch (k.a_format) {
        case AFormat::kU8:
          for (int i = 0; i < K; ++i) {
            const uint8_t v = src[i] ^ shift;
            dst[i] = v;
            sum += v;
          }
          break;
        case AFormat::kS16: {
          int16_t* d16 = reinterpret_cast<int16_t*>(dst);
          for (int i = 0; i < K; ++i) {
            const uint8_t v = src[i] ^ shift;
            d16[i] = v;
            sum += v;
          }
          break;
        }
        case AFormat::kS8Xor80:
          for (int i = 0; i < K; ++i) {
            const uint8_t v = src[i] ^ shift;
            dst[i] = v ^ 0x80;
            sum += v;
          }
          break;
      }
    } else if (want_sum) {
      for (int i = 0; i < K; ++i) sum += src[i];
    }
    if (want_sum) out.row_sum[m] = static_cast<int32_t>(sum);
  }
}

// Column terms: bias, the kernel's own activation offset, and the per-tensor za term.
void column_terms(const QGemmArgs& p, const PackedWeights& w, int32_t* col_add) {
  const int32_t za = p.a_zero_point_per_row ? 0 : p.a_zero_point[0] + (p.a_signed ? 128 : 0);
  for (int n = 0; n < w.N; ++n) {
    int32_t v = p.bias != nullptr ? p.bias[n] : 0;
    v = wrap_add(v, wrap_mul(w.kernel->a_offset, w.colsum[n]));
    v = wrap_add(v, -wrap_mul(za, w.col_z[n]));
    col_add[n] = v;
  }
}

// What every tile of a call shares; 8-bit output may round first when every multiplier is ≤ 0.5.
EpilogueTile tile_base(const QGemmArgs& p, size_t ldc) {
  EpilogueTile base;
  base.acc_stride = p.b->kernel->nr;
  base.kind = p.kind;
  base.scale = p.scale;
  base.scale_per_col = p.scale_per_col;
  base.zero_point = p.zero_point;
  base.clamp_lo = static_cast<float>(p.qmin - p.zero_point);
  base.clamp_hi = static_cast<float>(p.qmax - p.zero_point);
  base.ldc = ldc;
  if (p.kind == OutputKind::kUint8 || p.kind == OutputKind::kInt8) {
    base.scale_at_most_half = true;
    for (int n = 0; n < (p.scale_per_col ? p.b->N : 1); ++n) base.scale_at_most_half = base.scale_at_most_half && p.scale[n] <= 0.5f;
  }
  return base;
}

}  // namespace

std::unique_ptr<PackedWeights> pack_weights(Isa isa, const void* b, bool b_unsigned, int K, int N,
                                            const int32_t* zero_point, bool zero_point_per_col) {
  const QGemmKernel& k = qgemm_kernel(isa);
  auto w = std::make_unique<PackedWeights>();
  w->isa = isa;
  w->kernel = &k;
  w->K = K;
  w->N = N;
  w->Kp = round_up(K, k.kr);
  // uint8 weights become int8 by subtracting 128 from values and zero point alike.
  const size_t count = static_cast<size_t>(K) * N;
  std::vector<int8_t> shifted;
  const int8_t* b8 = static_cast<const int8_t*>(b);
  if (b_unsigned) {
    shifted.resize(count);
    const uint8_t* u = static_cast<const uint8_t*>(b);
    for (size_t i = 0; i < count; ++i) shifted[i] = static_cast<int8_t>(u[i] ^ 0x80);
    b8 = shifted.data();
  }
  w->data.resize(k.packed_b_bytes(K, N));
  k.pack_b(b8, static_cast<size_t>(N), K, N, w->data.data());
  w->colsum.assign(N, 0);
  for (int kk = 0; kk < K; ++kk) {
    const int8_t* row = b8 + static_cast<size_t>(kk) * N;
    for (int n = 0; n < N; ++n) w->colsum[n] += row[n];
  }
  w->zero_point.resize(N);
  w->col_z.resize(N);
  for (int n = 0; n < N; ++n) {
    const int32_t z = zero_point[zero_point_per_col ? n : 0] - (b_unsigned ? 128 : 0);
    w->zero_point[n] = z;
    if (z != 0) w->symmetric = false;
    w->col_z[n] = wrap_add(w->colsum[n], -wrap_mul(K, z));
  }
  return w;
}

void qgemm(const QGemmArgs& p) {
  const PackedWeights& w = *p.b;
  const QGemmKernel& k = *w.kernel;
  const int M = p.M, N = w.N, K = w.K, Kp = w.Kp;
  if (M == 0 || N == 0) return;
  const size_t lda = p.lda != 0 ? p.lda : static_cast<size_t>(K);
  const size_t ldc = p.ldc != 0 ? p.ldc : static_cast<size_t>(N);
  const int threads = std::max(1, p.threads);
  ThreadPool& pool = ThreadPool::global();

  // --- A: in place when the kernel can read it as is, else one pass that also sums rows.
  const uint8_t shift = p.a_signed ? 0x80 : 0;  // int8 a → uint8 a + 128; its zero point moves too
  const bool want_sum = !w.symmetric;
  const bool padded_in_place = p.a_rows_padded && lda >= static_cast<size_t>(Kp);
  const bool want_copy = k.a_format != AFormat::kU8 || shift != 0 || (Kp != K && !padded_in_place);
  CallScratch& scratch = t_scratch;
  PreparedA a;
  if (want_copy) {
    a.stride = static_cast<size_t>(Kp) * (k.a_format == AFormat::kS16 ? 2 : 1);
    a.copy = CallScratch::at_least(scratch.a_copy, a.stride * M);
    a.rows = a.copy;
  } else {
    a.stride = lda;
    a.rows = p.a;
  }
  if (want_sum) a.row_sum = reinterpret_cast<int32_t*>(CallScratch::at_least(scratch.row_sum, sizeof(int32_t) * M));
  if (want_copy || want_sum) {
    const int rows_per_task = std::max(1, (1 << 16) / std::max(K, 1));
    const size_t tasks = (static_cast<size_t>(M) + rows_per_task - 1) / rows_per_task;
    pool.parallel_for(tasks, threads, [&](size_t t) {
      const int m0 = static_cast<int>(t) * rows_per_task;
      prepare_rows(k, static_cast<const uint8_t*>(p.a), lda, K, shift, want_copy, want_sum, m0,
                   std::min(M, m0 + rows_per_task), a);
    });
  }

  // --- Column terms, and the per-row za values.
  const int za_shift = p.a_signed ? 128 : 0;
  int32_t* row_za = nullptr;
  int32_t* col_add = reinterpret_cast<int32_t*>(CallScratch::at_least(scratch.col_add, sizeof(int32_t) * N));
  column_terms(p, w, col_add);
  if (p.a_zero_point_per_row) {
    row_za = reinterpret_cast<int32_t*>(CallScratch::at_least(scratch.row_za, sizeof(int32_t) * M));
    for (int m = 0; m < M; ++m) row_za[m] = p.a_zero_point[m] + za_shift;
  }

  // --- Tiles: blocks of rows (an A block that stays in L2) × ranges of panels; enough tasks to
  // balance the threads. Within a task each B panel is reused across the block's micro-tiles.
  const int mr = k.mr, nr = k.nr;
  const int panels = (N + nr - 1) / nr;
  const size_t a_row_bytes = a.stride;
  // 256 KiB of A rows: a quarter of a Zen/Skylake-SP L2, so the block stays there while each B panel
  // (K·nr bytes, L1-sized for common K) is reused across all of its micro-tiles. Measured against
  // 48 and 96 KiB: 2-3% faster on 512³-1024³ and on 3136×64×576.
  constexpr size_t kABlockBytes = 256 * 1024;
  constexpr size_t kOutBlockBytes = 64 * 1024;
  int block_rows = static_cast<int>(std::max<size_t>(1, kABlockBytes / std::max<size_t>(a_row_bytes, 1)));
  // The block's output rows should stay in L2 while every panel writes its columns of them: with a
  // short K (a 1x1 convolution of 16 channels) A-sized blocks spanned all M, so each output line was
  // written by every panel at a different time and fetched again each time.
  const size_t out_row_bytes = static_cast<size_t>(N) * (p.kind == OutputKind::kUint8 || p.kind == OutputKind::kInt8 ? 1 : 4);
  block_rows = std::min(block_rows, static_cast<int>(std::max<size_t>(1, kOutBlockBytes / std::max<size_t>(out_row_bytes, 1))));
  block_rows = std::max(mr, block_rows / mr * mr);
  block_rows = std::min(block_rows, round_up(M, mr));
  const int wanted = threads == 1 ? 1 : 4 * threads;
  // With enough rows, threads split M: each writes whole output rows. Split along N instead, two
  // threads write neighbouring columns of every row, sharing cache lines (a 1x1 convolution with 96
  // outputs per pixel ran slower on 2 threads than on 1), and each reads all of A.
  if (threads > 1 && M >= wanted * 4 * mr) block_rows = std::min(block_rows, round_up((M + wanted - 1) / wanted, mr));
  const int m_tasks = (M + block_rows - 1) / block_rows;
  const int n_tasks = std::min(panels, std::max(1, (wanted + m_tasks - 1) / m_tasks));
  const int panels_per_task = (panels + n_tasks - 1) / n_tasks;
  const size_t out_elem = p.kind == OutputKind::kUint8 || p.kind == OutputKind::kInt8 ? 1 : 4;
  const size_t panel_bytes = k.panel_bytes(Kp);

  // Full tiles of 8-bit output without zero-point terms go through the kernel's fused form, if any.
  const bool fused = k.ukernel_requant != nullptr && (p.kind == OutputKind::kUint8 || p.kind == OutputKind::kInt8) && w.symmetric &&
                     !p.a_zero_point_per_row;
  const EpilogueTile base = tile_base(p, ldc);

  // Tasks are numbered row block by row block, so the pool's contiguous part per thread (the same in
  // every call, core/thread_pool.h) keeps a convolution's pixels with the thread that wrote them in
  // the layer before, in its own L2.
  pool.parallel_for(static_cast<size_t>(m_tasks) * n_tasks, threads, [&](size_t task) {
    alignas(64) int32_t acc[16 * 64];  // ≥ mr·nr of every kernel
    const int mt = static_cast<int>(task) / n_tasks;
    const int nt = static_cast<int>(task) % n_tasks;
    const int m_begin = mt * block_rows, m_end = std::min(M, m_begin + block_rows);
    const int p_begin = nt * panels_per_task, p_end = std::min(panels, p_begin + panels_per_task);
    for (int panel = p_begin; panel < p_end; ++panel) {
      const int n0 = panel * nr;
      const uint8_t* b_panel = w.data.data() + panel_bytes * panel;
      EpilogueTile t = base;
      t.cols = std::min(nr, N - n0);
      t.col_add = col_add + n0;
      t.col_zb = w.symmetric ? nullptr : w.zero_point.data() + n0;
      t.col_z = p.a_zero_point_per_row ? w.col_z.data() + n0 : nullptr;
      if (p.scale_per_col) t.scale = p.scale + n0;
      for (int m0 = m_begin; m0 < m_end; m0 += mr) {
        const int rows = std::min(mr, m_end - m0);
        const uint8_t* a_tile = static_cast<const uint8_t*>(a.rows) + a_row_bytes * m0;
        t.rows = rows;
        t.out = static_cast<uint8_t*>(p.out) + (static_cast<size_t>(m0) * ldc + n0) * out_elem;
        if (fused && rows == mr) {
          k.ukernel_requant(Kp, a_tile, a_row_bytes, b_panel, t);
          continue;
        }
        k.ukernel(rows, Kp, a_tile, a_row_bytes, b_panel, acc);
        t.acc = acc;
        t.row_sum = want_sum ? a.row_sum + m0 : nullptr;
        t.row_za = p.a_zero_point_per_row ? row_za + m0 : nullptr;
        k.epilogue(t);
      }
    }
  });
}

bool qgemm_indirect_supported(const QGemmArgs& p, int segments) {
  const PackedWeights& w = *p.b;
  const QGemmKernel& k = *w.kernel;
  return k.ukernel_requant_indirect != nullptr && (p.kind == OutputKind::kUint8 || p.kind == OutputKind::kInt8) && w.symmetric &&
         !p.a_signed && !p.a_zero_point_per_row && segments > 0 && w.K % segments == 0 && w.K / segments % k.kr == 0;
}

int qgemm_tile_rows(const PackedWeights& w) { return w.kernel->mr; }

void qgemm_indirect(const QGemmArgs& p, int segments, const uint8_t* const* rows) {
  const PackedWeights& w = *p.b;
  const QGemmKernel& k = *w.kernel;
  const int M = p.M, N = w.N, mr = k.mr, nr = k.nr;
  if (M == 0 || N == 0) return;
  const size_t ldc = p.ldc != 0 ? p.ldc : static_cast<size_t>(N);
  int32_t* col_add = reinterpret_cast<int32_t*>(CallScratch::at_least(t_scratch.col_add, sizeof(int32_t) * N));
  column_terms(p, w, col_add);
  const EpilogueTile base = tile_base(p, ldc);
  const int seg_bytes = w.K / segments;
  const size_t panel_bytes = k.panel_bytes(w.Kp);
  // A last tile of fewer than mr rows: gathered once into rows of Kp bytes for the kernel's short
  // forms (a full gathered tile would cost mr rows for one; 7x7 layers have 49 pixels).
  const int full = M / mr * mr, left = M - full;
  const uint8_t* tail_a = nullptr;
  if (left > 0) {
    uint8_t* a = CallScratch::at_least(t_scratch.a_copy, static_cast<size_t>(left) * w.Kp);
    const uint8_t* const* tile_rows = rows + static_cast<size_t>(full / mr) * segments * mr;
    for (int r = 0; r < left; ++r) {
      uint8_t* dst = a + static_cast<size_t>(r) * w.Kp;
      for (int s = 0; s < segments; ++s) std::memcpy(dst + s * seg_bytes, tile_rows[s * mr + r], static_cast<size_t>(seg_bytes));
      std::memset(dst + w.K, 0, static_cast<size_t>(w.Kp - w.K));
    }
    tail_a = a;
  }
  alignas(64) int32_t acc[16 * 64];  // ≥ mr·nr of every kernel
  // Panels outside, tiles inside: each B panel is reused across all of the call's tiles.
  for (int n0 = 0, panel = 0; n0 < N; n0 += nr, ++panel) {
    EpilogueTile t = base;
    t.cols = std::min(nr, N - n0);
    t.col_add = col_add + n0;
    if (p.scale_per_col) t.scale = p.scale + n0;
    const uint8_t* b_panel = w.data.data() + panel_bytes * panel;
    t.rows = mr;
    for (int m0 = 0, tile = 0; m0 < full; m0 += mr, ++tile) {
      t.out = static_cast<uint8_t*>(p.out) + static_cast<size_t>(m0) * ldc + n0;
      k.ukernel_requant_indirect(segments, seg_bytes, rows + static_cast<size_t>(tile) * segments * mr, b_panel, t);
    }
    if (left > 0) {
      k.ukernel(left, w.Kp, tail_a, static_cast<size_t>(w.Kp), b_panel, acc);
      t.rows = left;
      t.acc = acc;
      t.out = static_cast<uint8_t*>(p.out) + static_cast<size_t>(full) * ldc + n0;
      k.epilogue(t);
    }
  }
}

void requant_multipliers(float a_scale, const float* b_scale, int count, float y_scale, float* out) {
  for (int i = 0; i < count; ++i) out[i] = (a_scale * b_scale[i]) / y_scale;
}

void dequant_scales(float a_scale, const float* b_scale, int count, float* out) {
  for (int i = 0; i < count; ++i) out[i] = a_scale * b_scale[i];
}

}  // namespace octet
