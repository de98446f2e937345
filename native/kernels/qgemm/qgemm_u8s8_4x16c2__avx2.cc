// AVX2 path, exact. The usual AVX2 int8 trick, vpmaddubsw, adds two u8×s8 products into a
// *saturating* int16: 255·(-128)·2 = -65280 does not fit, so results would depend on the data and differ
// from every other CPU. This kernel instead works on int16 values: A rows are zero-extended to int16
// by the driver (AFormat::kS16) and B is sign-extended to int16 when packed; vpmaddwd then multiplies
// int16 pairs and adds the two products into an int32 lane: |255·128·2| < 2^31, so nothing saturates.
// Twice the bytes per product of the int8 trick, but the same answer as the scalar reference, always.
//
// Packed B panel (16 columns): for each pair p of K values, 64 bytes = two ymm of 8 int32 lanes; lane j
// holds (b[2p][col], b[2p+1][col]) as int16 for columns 0-7, then 8-15.
#include <immintrin.h>

#include <cstring>

#include "../../core/unaligned.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;
constexpr int kKr = 2;

size_t panel_bytes(int Kp) { return static_cast<size_t>(Kp) * kNr * sizeof(int16_t); }

size_t packed_b_bytes(int K, int N) {
  const int Kp = (K + kKr - 1) / kKr * kKr;
  return (static_cast<size_t>(N) + kNr - 1) / kNr * panel_bytes(Kp);
}

void pack_b(const int8_t* b, size_t ldb, int K, int N, void* packed) {
  const int Kp = (K + kKr - 1) / kKr * kKr;
  int16_t* panel = static_cast<int16_t*>(packed);
  const size_t panel_elems = panel_bytes(Kp) / sizeof(int16_t);
  for (int n0 = 0; n0 < N; n0 += kNr) {
    std::memset(panel, 0, panel_bytes(Kp));
    const int cols = N - n0 < kNr ? N - n0 : kNr;
    for (int k = 0; k < K; ++k) {
      const int8_t* src = b + static_cast<size_t>(k) * ldb + n0;
      int16_t* pair = panel + static_cast<size_t>(k / kKr) * (kKr * kNr) + (k % kKr);
      for (int c = 0; c < cols; ++c) pair[c * 2] = src[c];
    }
    panel += panel_elems;
  }
}

template <int MR>
void ukernel_t(int Kp, const uint8_t* a, size_t lda, const int16_t* b, int32_t* acc) {
  __m256i c[MR][2];
  for (int r = 0; r < MR; ++r) c[r][0] = c[r][1] = _mm256_setzero_si256();
  const int pairs = Kp / kKr;
  for (int p = 0; p < pairs; ++p) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + static_cast<size_t>(p) * 32));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + static_cast<size_t>(p) * 32 + 16));
    for (int r = 0; r < MR; ++r) {
      const __m256i av = _mm256_set1_epi32(load_u32(a + r * lda + p * 4));
      c[r][0] = _mm256_add_epi32(c[r][0], _mm256_madd_epi16(av, b0));
      c[r][1] = _mm256_add_epi32(c[r][1], _mm256_madd_epi16(av, b1));
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kNr), c[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kNr + 8), c[r][1]);
  }
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const uint8_t* a = static_cast<const uint8_t*>(a_ptr);
  const int16_t* b = static_cast<const int16_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_t<1>(Kp, a, a_stride, b, acc);
    case 2: return ukernel_t<2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3>(Kp, a, a_stride, b, acc);
    default: return ukernel_t<4>(Kp, a, a_stride, b, acc);
  }
}

inline __m256i loadu8(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// (qgemm_epilogue_avx2, below, is this function under its shared name.)
// 8 columns at a time; the last cols % 8 go through the scalar definition.
void epilogue(const EpilogueTile& tile) {
  // A private copy: vector stores may alias anything, so with the caller's tile every field was
  // reloaded after every store; a local whose address never escapes stays in registers.
  const EpilogueTile t = tile;
  const int vec_cols = t.cols / 8 * 8;
  const __m256 lo = _mm256_set1_ps(t.clamp_lo);
  const __m256 hi = _mm256_set1_ps(t.clamp_hi);
  const __m256i zp = _mm256_set1_epi32(t.zero_point);
  for (int r = 0; r < t.rows; ++r) {
    const int32_t* acc = t.acc + static_cast<size_t>(r) * t.acc_stride;
    for (int c = 0; c < vec_cols; c += 8) {
      __m256i v = _mm256_add_epi32(loadu8(acc + c), loadu8(t.col_add + c));
      if (t.col_zb != nullptr) v = _mm256_sub_epi32(v, _mm256_mullo_epi32(loadu8(t.col_zb + c), _mm256_set1_epi32(t.row_sum[r])));
      if (t.col_z != nullptr) v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(t.row_za[r]), loadu8(t.col_z + c)));
      const size_t at = static_cast<size_t>(r) * t.ldc + c;
      if (t.kind == OutputKind::kInt32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<int32_t*>(t.out) + at), v);
        continue;
      }
      const __m256 scale = t.scale_per_col ? _mm256_loadu_ps(t.scale + c) : _mm256_set1_ps(t.scale[0]);
      __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), scale);
      if (t.kind == OutputKind::kFloat32) {
        _mm256_storeu_ps(static_cast<float*>(t.out) + at, f);
        continue;
      }
      f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);
      const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(f), zp);  // MXCSR default: nearest-even
      // q is inside the output type's range: the saturating packs below never saturate.
      const __m256i q16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q, q), 0x08);
      const __m128i w = _mm256_castsi256_si128(q16);
      const __m128i bytes = t.kind == OutputKind::kUint8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(t.out) + at), bytes);
    }
  }
  qgemm_epilogue_scalar_tail(t, vec_cols);
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_4x16c2__avx2", Isa::kAvx2, kMr, kNr, kKr, AFormat::kS16, 0,
    packed_b_bytes, pack_b, ukernel, panel_bytes, epilogue,
};

}  // namespace

const QGemmKernel* qgemm_kernel_avx2() { return &kKernel; }

void qgemm_epilogue_avx2(const EpilogueTile& tile) { epilogue(tile); }

// Throughput probe for the AVX2 path's multiply instruction: vpmaddwd does 16 int16 multiplies per
// ymm. 12 independent chains in registers, in assembly so the loop stays as written. Returns int8-
// equivalent operations (2 per multiply).
double qgemm_peak_loop_avx2(long iterations, int32_t* sink) {
  long n = iterations;
  __asm__ volatile(
      "vpcmpeqd %%ymm15, %%ymm15, %%ymm15\n\t"
      "1:\n\t"
      "vpmaddwd %%ymm15, %%ymm0, %%ymm0\n\t"
      "vpmaddwd %%ymm15, %%ymm1, %%ymm1\n\t"
      "vpmaddwd %%ymm15, %%ymm2, %%ymm2\n\t"
      "vpmaddwd %%ymm15, %%ymm3, %%ymm3\n\t"
      "vpmaddwd %%ymm15, %%ymm4, %%ymm4\n\t"
      "vpmaddwd %%ymm15, %%ymm5, %%ymm5\n\t"
      "vpmaddwd %%ymm15, %%ymm6, %%ymm6\n\t"
      "vpmaddwd %%ymm15, %%ymm7, %%ymm7\n\t"
      "vpmaddwd %%ymm15, %%ymm8, %%ymm8\n\t"
      "vpmaddwd %%ymm15, %%ymm9, %%ymm9\n\t"
      "vpmaddwd %%ymm15, %%ymm10, %%ymm10\n\t"
      "vpmaddwd %%ymm15, %%ymm11, %%ymm11\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      "vzeroupper\n\t"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm15", "cc");
  *sink = static_cast<int32_t>(n);
  return static_cast<double>(iterations) * 12 * 16 * 2;
}

}  // namespace octet
