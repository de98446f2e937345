// AVX-512 path: a 12×32 tile of C in 24 zmm accumulators. Per k: two zmm loads of the packed B row
// (32 columns), then for each of the 12 rows one broadcast of A[r][k] and two fmas — 24 fmas per
// 14 loads, which keeps both 512-bit FMA pipes busy with 3 zmm to spare (MLAS's SgemmKernelAvx512F
// uses the same shape). Tiles of ≤ 16 columns run half the fmas; edge tiles use masked loads/stores.
#include <immintrin.h>

#include "sgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 12;
constexpr int kNr = 32;

inline __mmask16 lanes(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : count <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << count) - 1);
}

// R rows × NV vectors of 16 columns. Every loop over rows and vectors is unrolled completely, so
// that the accumulators are 2·R named registers from the first load to the last store (with a loop
// left rolled GCC keeps them in a stack array and moves all of them in and out around the K loop,
// which cost a third of the time at K = 16, the 1x1 convolutions of small networks).
template <int R, int NV>
void tile(const SGemmTile& t) {
  const __mmask16 mask[2] = {lanes(t.cols), lanes(t.cols - 16)};
  const bool full = t.cols == NV * 16;  // plain loads and stores: masked ones forward badly (C is reloaded)
  __m512 acc[R][NV];
  if (!t.accumulate) {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const float* c = t.c + r * t.ldc + 16 * v;
        acc[r][v] = full ? _mm512_loadu_ps(c) : _mm512_maskz_loadu_ps(mask[v], c);
      }
  }
  const float* a = t.a;
  const float* b = t.b;
  const size_t lda = t.lda, ldb = t.ldb;
  for (size_t k = 0; k < t.kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * lda + k]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    b += ldb;
  }
  if (t.finish) {
    if (t.bias != nullptr) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const __m512 bias = _mm512_maskz_loadu_ps(mask[v], t.bias + 16 * v);
#pragma GCC unroll 12
        for (int r = 0; r < R; ++r) acc[r][v] = _mm512_add_ps(acc[r][v], bias);
      }
    }
    if (t.clamp) {
      const __m512 lo = _mm512_set1_ps(t.min), hi = _mm512_set1_ps(t.max);
      // vmaxps(lo, c) = lo > c ? lo : c: sgemm_clamp exactly. Merge-masked forms with an all-ones
      // mask are the same instructions, but GCC 12 does not warn about their source operand.
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          acc[r][v] = _mm512_mask_max_ps(acc[r][v], 0xFFFF, lo, acc[r][v]);
          acc[r][v] = _mm512_mask_min_ps(acc[r][v], 0xFFFF, hi, acc[r][v]);
        }
    }
  }
  if (full) {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(t.c + r * t.ldc + 16 * v, acc[r][v]);
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(t.c + r * t.ldc + 16 * v, mask[v], acc[r][v]);
  }
}

template <int R>
void rows(const SGemmTile& t) {
  if (t.cols > 16) tile<R, 2>(t);
  else tile<R, 1>(t);
}

void ukernel(const SGemmTile& t) {
  switch (t.rows) {
    case 1: return rows<1>(t);
    case 2: return rows<2>(t);
    case 3: return rows<3>(t);
    case 4: return rows<4>(t);
    case 5: return rows<5>(t);
    case 6: return rows<6>(t);
    case 7: return rows<7>(t);
    case 8: return rows<8>(t);
    case 9: return rows<9>(t);
    case 10: return rows<10>(t);
    case 11: return rows<11>(t);
    default: return rows<12>(t);
  }
}

// One row across P full panels: 2·P independent chains (8 for P = 4, enough for two FMA pipes of
// latency 4) instead of 2.
template <int P>
void row_panels(const SGemmTile& t, const float* b, size_t panel_stride, float* c, const float* bias) {
  __m512 acc[P][2];
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) acc[j][v] = t.accumulate ? _mm512_loadu_ps(c + j * kNr + 16 * v) : _mm512_setzero_ps();
  const float* a = t.a;
  const size_t ldb = t.ldb, kc = t.kc;
  for (size_t k = 0; k < kc; ++k) {
    const __m512 av = _mm512_set1_ps(a[k]);
    for (int j = 0; j < P; ++j) {
      const float* bj = b + j * panel_stride + k * ldb;
      acc[j][0] = _mm512_fmadd_ps(av, _mm512_loadu_ps(bj), acc[j][0]);
      acc[j][1] = _mm512_fmadd_ps(av, _mm512_loadu_ps(bj + 16), acc[j][1]);
    }
  }
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) {
      __m512 x = acc[j][v];
      if (t.finish) {
        if (bias != nullptr) x = _mm512_add_ps(x, _mm512_loadu_ps(bias + j * kNr + 16 * v));
        if (t.clamp) {
          x = _mm512_mask_max_ps(x, 0xFFFF, _mm512_set1_ps(t.min), x);
          x = _mm512_mask_min_ps(x, 0xFFFF, _mm512_set1_ps(t.max), x);
        }
      }
      _mm512_storeu_ps(c + j * kNr + 16 * v, x);
    }
}

void row_ukernel(const SGemmTile& t, size_t panels, size_t panel_stride) {
  size_t j = 0;
  const auto bias_at = [&](size_t first) { return t.bias != nullptr ? t.bias + first * kNr : nullptr; };
  for (; j + 4 <= panels; j += 4) row_panels<4>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  for (; j + 2 <= panels; j += 2) row_panels<2>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  if (j < panels) row_panels<1>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
}

const SGemmKernel kKernel = {"sgemm_12x32__avx512", Isa::kAvx512Vnni, kMr, kNr, ukernel, row_ukernel};

}  // namespace

const SGemmKernel* sgemm_kernel_avx512() { return &kKernel; }

}  // namespace octet
