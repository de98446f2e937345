// AVX2 path: a 6×16 tile of C in 12 ymm accumulators. Per k: two ymm loads of the packed B row, then
// per row one broadcast of A[r][k] and two fmas — 15 of the 16 ymm registers, the usual AVX2 SGEMM
// shape (BLIS and MLAS use it too). Tiles of ≤ 8 columns run half the fmas; edge columns use
// vmaskmov loads and stores, which never touch the masked-off lanes' memory.
#include <immintrin.h>

#include "sgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

// Lane mask for the first `count` of 8 lanes (all ones in a lane's sign bit selects it).
inline __m256i lanes(int count) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), index);
}

// Every loop over rows and vectors is unrolled completely (pragmas), so that the accumulators are
// named registers from the first load to the last store; left rolled, GCC keeps them in a stack
// array and moves them in and out around the K loop, a third of the time at small K.
template <int R, int NV>
void tile(const SGemmTile& t) {
  // The lane masks are made where they are used, never kept across the K loop: the loop needs 15 of
  // the 16 ymm registers, and a 16th live value makes GCC spill the accumulators every iteration.
  __m256 acc[R][NV];
  if (t.accumulate) {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_maskload_ps(t.c + r * t.ldc + 8 * v, lanes(t.cols - 8 * v));
  } else {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  }
  const float* a = t.a;
  const float* b = t.b;
  const size_t lda = t.lda, ldb = t.ldb, kc = t.kc;  // locals: the loop must not re-read the tile through memory
  for (size_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_set1_ps(a[r * lda]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += 1;
    b += ldb;
  }
  if (t.finish) {
    if (t.bias != nullptr) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const __m256 bias = _mm256_maskload_ps(t.bias + 8 * v, lanes(t.cols - 8 * v));
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) acc[r][v] = _mm256_add_ps(acc[r][v], bias);
      }
    }
    if (t.clamp) {
      const __m256 lo = _mm256_set1_ps(t.min), hi = _mm256_set1_ps(t.max);
#pragma GCC unroll 6
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_min_ps(hi, _mm256_max_ps(lo, acc[r][v]));  // sgemm_clamp
    }
  }
  if (t.cols == NV * 8) {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) _mm256_storeu_ps(t.c + r * t.ldc + 8 * v, acc[r][v]);
  } else {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) _mm256_maskstore_ps(t.c + r * t.ldc + 8 * v, lanes(t.cols - 8 * v), acc[r][v]);
  }
}

template <int R>
void rows(const SGemmTile& t) {
  if (t.cols > 8) tile<R, 2>(t);
  else tile<R, 1>(t);
}

void ukernel(const SGemmTile& t) {
  switch (t.rows) {
    case 1: return rows<1>(t);
    case 2: return rows<2>(t);
    case 3: return rows<3>(t);
    case 4: return rows<4>(t);
    case 5: return rows<5>(t);
    default: return rows<6>(t);
  }
}

// One row across P full panels: 2·P independent chains (8 for P = 4, enough for two FMA pipes of
// latency 4) instead of 2.
template <int P>
void row_panels(const SGemmTile& t, const float* b, size_t panel_stride, float* c, const float* bias) {
  __m256 acc[P][2];
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) acc[j][v] = t.accumulate ? _mm256_loadu_ps(c + j * kNr + 8 * v) : _mm256_setzero_ps();
  const float* a = t.a;
  const size_t ldb = t.ldb, kc = t.kc;
  for (size_t k = 0; k < kc; ++k) {
    const __m256 av = _mm256_set1_ps(a[k]);
    for (int j = 0; j < P; ++j) {
      const float* bj = b + j * panel_stride + k * ldb;
      acc[j][0] = _mm256_fmadd_ps(av, _mm256_loadu_ps(bj), acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(av, _mm256_loadu_ps(bj + 8), acc[j][1]);
    }
  }
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) {
      __m256 x = acc[j][v];
      if (t.finish) {
        if (bias != nullptr) x = _mm256_add_ps(x, _mm256_loadu_ps(bias + j * kNr + 8 * v));
        if (t.clamp) x = _mm256_min_ps(_mm256_set1_ps(t.max), _mm256_max_ps(_mm256_set1_ps(t.min), x));  // sgemm_clamp
      }
      _mm256_storeu_ps(c + j * kNr + 8 * v, x);
    }
}

void row_ukernel(const SGemmTile& t, size_t panels, size_t panel_stride) {
  size_t j = 0;
  const auto bias_at = [&](size_t first) { return t.bias != nullptr ? t.bias + first * kNr : nullptr; };
  for (; j + 4 <= panels; j += 4) row_panels<4>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  for (; j + 2 <= panels; j += 2) row_panels<2>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  if (j < panels) row_panels<1>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
}

const SGemmKernel kKernel = {"sgemm_6x16__avx2", Isa::kAvx2, kMr, kNr, ukernel, row_ukernel};

}  // namespace

const SGemmKernel* sgemm_kernel_avx2() { return &kKernel; }

}  // namespace octet
