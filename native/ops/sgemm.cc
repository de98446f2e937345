// The float GEMM driver: packs B into the active path's panels, cuts C into tasks for the thread
// pool, and walks each task's tiles so that what a micro-kernel reuses stays in cache.
//
// Per task (a block of rows × a range of panels), when several row tiles reuse B and B is too big
// to stay in L2 meanwhile:
//   for each chunk of panels (its kc × chunk slice of B, ≤ 768 KiB, stays in L2)
//     for each K block (kc ≤ 1024; partial sums go to C and come back: exact, see sgemm.h)
//       for each mr-row tile (its rows × kc of A copied to the stack: L1, and no set conflicts
//                             from power-of-two row strides, which cost up to 30% read in place)
//         for each panel of the chunk: the micro-kernel.
// C's block (rows × chunk columns, 256 KiB) stays in L2 between K blocks. Otherwise (B fits in L2,
// or a single row tile: GEMV, batch-1 inference) K is not cut and A is read in place.
// Measured on Zen 5 (2 cores, 48 KiB L1, 1 MiB L2): kc = 1024 beat 256/512 by 3-5% on 1024³ (a C
// round trip costs more than the L1 misses of a longer slice) and tied on 2048³ and K = 4096; a
// 768 KiB chunk beat 512 KiB by ~3% (each A tile copy serves more panels) and tied 1 MiB.
//
// Threads: with enough rows, each thread owns a band of rows (core/parallel.h), the same band of
// pixels in consecutive 1x1 convolutions, so that it reads from its own cache what it wrote; few
// rows against a big B are cut into blocks of rows × panels instead. Tasks never share an output
// element, and every element is one fma chain whatever the tiling, so the result never depends on
// the thread count or on which thread ran what.
#include "sgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "../core/aligned_buffer.h"
#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "../kernels/sgemm/sgemm_kernel.h"
#include "../core/parallel.h"

namespace octet {

namespace {

size_t div_up(size_t v, size_t d) { return (v + d - 1) / d; }
size_t round_up(size_t v, size_t m) { return div_up(v, m) * m; }

constexpr size_t kMaxKc = 1024;                 // K values per block
constexpr size_t kBChunkBytes = 768 * 1024;     // B slice of one chunk of panels (L2)
constexpr size_t kCBlockBytes = 256 * 1024;     // C of one row block × chunk (L2)
constexpr size_t kMaxMr = 12;                   // the tallest tile of any kernel (AVX-512)
constexpr size_t kATileStride = kMaxKc + 16;    // floats per copied A row: kc rounded up to 16, + 16
// Below this many multiply-adds per thread, waking another thread costs more than it saves.
constexpr size_t kMinFmaPerThread = size_t{1} << 17;
// sgemm_unpacked reads a row-major B in place (no packing) when C has at most this many row tiles:
// packing costs as much as such a GEMM, and B's rows are not reused enough to pay for it (1024²:
// in place wins up to 24 rows on AVX-512, packing from 36).
constexpr size_t kInPlaceMaxRowTiles = 2;

// K block of a B read in place: the tiles sweep rows k0..k0+kc of B across all panels (one
// prefetch stream per row) instead of walking each panel's column strip down all K rows, a new
// page per row (6 GFLOP/s at M = 1). Measured on 1024² (AVX-512, GFLOP/s): M = 1 (row_ukernel)
// 8 → 32, 64 → 33 on one thread and 28 → 53 on two (tasks of 4 panels: calls must be long);
// M = 2-3 prefer 8-16 (37-42, 32 → 11 before row_ukernel existed); M = 12: 16 → 122, 32 → 156.
size_t in_place_kc(size_t M) { return M == 1 ? 64 : M < 8 ? 16 : 32; }

// B as the micro-kernels see it: a packed buffer (owned by a PackedB or in the caller's scratch),
// or a row-major B read in place with only its last, partial panel packed.
struct Panels {
  const SGemmKernel* kernel = nullptr;
  size_t K = 0, N = 0;
  const float* data = nullptr;
  size_t panel_stride = 0;      // floats between panel p and p + 1
  size_t row_stride = 0;        // floats between rows k and k + 1 of a panel
  const float* tail = nullptr;  // B in place: the last panel, packed (N not a multiple of nr), else null

  size_t nr() const { return static_cast<size_t>(kernel->nr); }
  size_t count() const { return div_up(N, nr()); }
  bool is_tail(size_t p) const { return tail != nullptr && p + 1 == count(); }
  const float* panel(size_t p) const { return is_tail(p) ? tail : data + p * panel_stride; }
  size_t stride(size_t p) const { return is_tail(p) ? nr() : row_stride; }

  static Panels packed(const SGemmKernel& kernel, size_t K, size_t N, const float* data) {
    return Panels{&kernel, K, N, data, K * kernel.nr, static_cast<size_t>(kernel.nr), nullptr};
  }
};

class PackedB final : public SGemmPackedB {
 public:
  size_t k() const override { return K; }
  size_t n() const override { return N; }

  const SGemmKernel* kernel = nullptr;
  size_t K = 0, N = 0;
  AlignedBuffer buffer;
};

// Writes panel p of B (all K·nr floats; the columns past N as zeros, since scratch holds garbage).
void pack_panel(const float* b, size_t K, size_t N, bool b_transposed, size_t ldb, size_t nr, size_t p, float* dst) {
  const size_t n0 = p * nr;
  const size_t cols = std::min(nr, N - n0);
  if (!b_transposed) {
    for (size_t k = 0; k < K; ++k) {
      std::memcpy(dst + k * nr, b + k * ldb + n0, cols * sizeof(float));
      std::fill(dst + k * nr + cols, dst + (k + 1) * nr, 0.0f);
    }
    return;
  }
  // B^T rows are panel columns. Transpose in blocks of 16 K values so that the destination rows
  // being filled stay in L1 while the nr source rows are read sequentially.
  constexpr size_t kBlock = 16;
  for (size_t k0 = 0; k0 < K; k0 += kBlock) {
    const size_t k1 = std::min(K, k0 + kBlock);
    for (size_t j = 0; j < cols; ++j) {
      const float* src = b + (n0 + j) * ldb;
      for (size_t k = k0; k < k1; ++k) dst[k * nr + j] = src[k];
    }
    for (size_t k = k0; k < k1; ++k) std::fill(dst + k * nr + cols, dst + (k + 1) * nr, 0.0f);
  }
}

void pack_all(const float* b, size_t K, size_t N, bool b_transposed, size_t ldb, const SGemmKernel& kernel, float* out,
              int threads) {
  const size_t nr = static_cast<size_t>(kernel.nr);
  const size_t panels = div_up(N, nr);
  if (panels == 0 || K == 0) return;
  // Packing is a copy: worth a second thread only for big matrices.
  const size_t useful = std::max<size_t>(1, K * N / (size_t{1} << 16));
  const int t = static_cast<int>(std::min<size_t>(std::max(threads, 1), useful));
  const size_t per_task = div_up(panels, t == 1 ? 1 : std::min(panels, static_cast<size_t>(4 * t)));
  parallel_tasks(div_up(panels, per_task), t, [&](size_t task) {
    const size_t end = std::min(panels, (task + 1) * per_task);
    for (size_t p = task * per_task; p < end; ++p) pack_panel(b, K, N, b_transposed, ldb, nr, p, out + p * K * nr);
  });
}

// row_sweep_kc: B is read in place; cut K into blocks of at most this many rows (see in_place_kc).
void run(size_t M, const float* a, size_t lda, const Panels& b, float* c, size_t ldc, const SGemmEpilogue& ep, int threads,
         size_t row_sweep_kc = 0) {
  const size_t N = b.N, K = b.K;
  if (M == 0 || N == 0) return;
  const SGemmKernel& kernel = *b.kernel;
  const size_t mr = static_cast<size_t>(kernel.mr), nr = b.nr();
  const size_t panels = b.count();

  // Threads actually worth using for this much work.
  const size_t fmas = M * N * std::max<size_t>(K, 1);
  const int t = static_cast<int>(std::min<size_t>(std::max(threads, 1), std::max<size_t>(1, fmas / kMinFmaPerThread)));

  const bool blocked = M > mr && K * panels * nr * sizeof(float) > kBChunkBytes;
  const size_t k_blocks = row_sweep_kc > 0 ? div_up(K, row_sweep_kc) : blocked ? div_up(K, kMaxKc) : 1;
  const size_t kc_step = K == 0 ? 0 : div_up(K, k_blocks);  // equal blocks: no short, wasteful last one
  const size_t chunk_panels = blocked && row_sweep_kc == 0 ? std::max<size_t>(1, kBChunkBytes / (kc_step * nr * sizeof(float))) : panels;
  // Copy A tiles only when the copy is reused across a few panels (B big but N small: read in place).
  const bool copy_a = blocked && mr <= kMaxMr && std::min(chunk_panels, panels) >= 3;
  const size_t a_stride = round_up(kc_step, 16) + 16;

  SGemmTile base;
  // An infinite bound clamps nothing (sgemm_clamp passes NaN and ±inf through), so skip both then.
  base.clamp = !(ep.min == -std::numeric_limits<float>::infinity() && ep.max == std::numeric_limits<float>::infinity());
  base.min = ep.min;
  base.max = ep.max;
  base.ldc = ldc;

  // Row tiles [tile_begin, tile_end) × panels [p_begin, p_end) of C.
  const auto block = [&](size_t tile_begin, size_t tile_end, size_t p_begin, size_t p_end) {
    alignas(64) float a_tile[kMaxMr * kATileStride];  // ~49 KiB of stack, used when copy_a
    const size_t m_begin = tile_begin * mr, m_end = std::min(M, tile_end * mr);
    SGemmTile tile = base;
    for (size_t chunk = p_begin; chunk < p_end; chunk += chunk_panels) {
      const size_t chunk_end = std::min(p_end, chunk + chunk_panels);
      size_t k0 = 0;
      do {
        const size_t kc = std::min(kc_step, K - k0);
        tile.kc = kc;
        tile.accumulate = k0 > 0;
        tile.finish = k0 + kc >= K;
        for (size_t m0 = m_begin; m0 < m_end; m0 += mr) {
          tile.rows = static_cast<int>(std::min(mr, m_end - m0));
          if (copy_a) {
            for (int r = 0; r < tile.rows; ++r) std::memcpy(a_tile + r * a_stride, a + (m0 + r) * lda + k0, kc * sizeof(float));
            tile.a = a_tile;
            tile.lda = a_stride;
          } else {
            tile.a = a + m0 * lda + k0;
            tile.lda = lda;
          }
          for (size_t p = chunk; p < chunk_end;) {
            const size_t n0 = p * nr;
            tile.ldb = b.stride(p);
            tile.b = b.panel(p) + k0 * tile.ldb;
            tile.cols = static_cast<int>(std::min(nr, N - n0));
            tile.bias = ep.bias != nullptr ? ep.bias + n0 : nullptr;
            tile.c = c + m0 * ldc + n0;
            // A single row takes all the chunk's full panels at once (the partial last one, which
            // is also the only one that may be packed apart, goes alone).
            const size_t full_end = std::min(chunk_end, N / nr);
            if (tile.rows == 1 && kernel.row_ukernel != nullptr && p < full_end) {
              kernel.row_ukernel(tile, full_end - p, b.panel_stride);
              p = full_end;
            } else {
              kernel.ukernel(tile);
              ++p;
            }
          }
        }
        k0 += kc;
      } while (k0 < K);
    }
  };

  // Row blocks whose C (block rows × chunk columns) stays in L2.
  const size_t tiles = div_up(M, mr);
  const size_t block_tiles = std::max<size_t>(1, kCBlockBytes / (std::min(chunk_panels, panels) * nr * sizeof(float)) / mr);
  if (t == 1) {
    for (size_t t0 = 0; t0 < tiles; t0 += block_tiles) block(t0, std::min(tiles, t0 + block_tiles), 0, panels);
    return;
  }
  const size_t threads_used = static_cast<size_t>(t);
  if (tiles >= 2 * threads_used && K * N < M * (K + N)) {
    // Rows: each thread owns a contiguous band of rows (parallel_parts), so that it writes the rows
    // of C (the pixels, in a 1x1 convolution) that it reads in the next layer. Every thread reads
    // all of B, which costs less than splitting columns when B is the smaller of the operands
    // (K·N < M·(K + N): A and C, which the other split makes every thread read or pass on).
    // Chunks of an eighth of a band (for stealing), no bigger than an L2 block.
    parallel_ranges(tiles, t, 1, block_tiles, [&](size_t t0, size_t t1, size_t) { block(t0, t1, 0, panels); });
    return;
  }
  // Few rows against a big B: blocks of rows × panels, at least 4 per thread (an atomic counter
  // hands them out, so a thread slowed by another process takes fewer), a multiple of the thread
  // count when rows alone make them. Blocks have whole tiles in equal numbers (±1).
  const size_t wanted = 4 * threads_used;
  size_t m_blocks = div_up(tiles, block_tiles);
  size_t n_tasks = 1;
  if (m_blocks >= wanted) {
    m_blocks = std::min(tiles, round_up(m_blocks, threads_used));
  } else {
    n_tasks = std::min(panels, div_up(wanted, m_blocks));
    if (m_blocks * n_tasks < wanted) m_blocks = std::min(tiles, div_up(wanted, n_tasks));
  }
  const size_t panels_per_task = div_up(panels, n_tasks);
  n_tasks = div_up(panels, panels_per_task);
  parallel_tasks(m_blocks * n_tasks, t, [&](size_t task) {
    const size_t mb = task / n_tasks, nt = task % n_tasks;
    block(mb * tiles / m_blocks, (mb + 1) * tiles / m_blocks, nt * panels_per_task, std::min(panels, (nt + 1) * panels_per_task));
  });
}

}  // namespace

void sgemm_reference(size_t M, size_t N, size_t K, const float* a, size_t lda, const float* b, size_t ldb, bool b_transposed,
                     float* c, size_t ldc, const SGemmEpilogue& ep) {
  if (ldb == 0) ldb = b_transposed ? K : N;
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (size_t k = 0; k < K; ++k) acc = std::fma(a[m * lda + k], b_transposed ? b[n * ldb + k] : b[k * ldb + n], acc);
      if (ep.bias != nullptr) acc = acc + ep.bias[n];
      c[m * ldc + n] = sgemm_clamp(acc, ep.min, ep.max);  // the identity when both bounds are infinite
    }
}

std::shared_ptr<const SGemmPackedB> sgemm_pack_b(const float* b, size_t K, size_t N, bool b_transposed, size_t ldb) {
  if (ldb == 0) ldb = b_transposed ? K : N;
  auto packed = std::make_shared<PackedB>();
  packed->kernel = &sgemm_kernel(active_isa());
  packed->K = K;
  packed->N = N;
  packed->buffer.resize(K * round_up(N, static_cast<size_t>(packed->kernel->nr)) * sizeof(float));
  pack_all(b, K, N, b_transposed, ldb, *packed->kernel, packed->buffer.as<float>(), default_threads());
  return packed;
}

void sgemm(size_t M, size_t N, size_t K, const float* a, size_t lda, const SGemmPackedB& b, float* c, size_t ldc,
           const SGemmEpilogue& epilogue, int threads) {
  // N and K are the packed B's own (the callers' arguments repeat them).
  const auto& packed = static_cast<const PackedB&>(b);
  run(M, a, lda, Panels::packed(*packed.kernel, packed.K, packed.N, packed.buffer.as<float>()), c, ldc, epilogue, threads);
}

size_t sgemm_pack_scratch_bytes(size_t K, size_t N) { return K * round_up(N, kSGemmMaxNr) * sizeof(float); }

void sgemm_unpacked(size_t M, size_t N, size_t K, const float* a, size_t lda, const float* b, size_t ldb, bool b_transposed,
                    float* c, size_t ldc, const SGemmEpilogue& epilogue, int threads, void* scratch) {
  if (M == 0 || N == 0) return;
  if (ldb == 0) ldb = b_transposed ? K : N;
  const SGemmKernel& kernel = sgemm_kernel(active_isa());
  const size_t nr = static_cast<size_t>(kernel.nr);
  float* packed = static_cast<float*>(scratch);
  if (!b_transposed && div_up(M, static_cast<size_t>(kernel.mr)) <= kInPlaceMaxRowTiles) {
    // Full panels straight from B's rows; the partial last one (the kernel reads nr columns) packed.
    const size_t last = div_up(N, nr) - 1;
    const bool partial = N % nr != 0;
    if (partial && K > 0) pack_panel(b, K, N, false, ldb, nr, last, packed);
    run(M, a, lda, Panels{&kernel, K, N, b, nr, ldb, partial ? packed : nullptr}, c, ldc, epilogue, threads, in_place_kc(M));
    return;
  }
  pack_all(b, K, N, b_transposed, ldb, kernel, packed, threads);
  run(M, a, lda, Panels::packed(kernel, K, N, packed), c, ldc, epilogue, threads);
}

}  // namespace octet
