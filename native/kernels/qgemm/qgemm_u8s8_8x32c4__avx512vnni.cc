// AVX-512 VNNI path: vpdpbusd multiplies 4 uint8 × int8 pairs and adds them into an int32 lane in one
// instruction, exactly (no intermediate saturation), so this kernel needs no range tricks.
//
// Packed B panel (32 columns): for each group g of 4 K values, 128 bytes: columns 0-15 then 16-31,
// each column's 4 K bytes contiguous — one zmm load per 16 columns per group, matching vpdpbusd's
// "4 bytes per int32 lane". A is read in place (uint8 rows, K a multiple of 4): one 32-bit broadcast
// per row per group. An 8×32 tile keeps 16 accumulators in registers; short tiles (1-3 rows, e.g. GEMV)
// unroll K over 2-4 accumulator sets so that vpdpbusd's latency is hidden.
#include <immintrin.h>

#include <cstring>

#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 8;
constexpr int kNr = 32;
constexpr int kKr = 4;

size_t panel_bytes(int Kp) { return static_cast<size_t>(Kp) * kNr; }

size_t packed_b_bytes(int K, int N) {
  const int Kp = (K + kKr - 1) / kKr * kKr;
  return (static_cast<size_t>(N) + kNr - 1) / kNr * panel_bytes(Kp);
}

void pack_b(const int8_t* b, size_t ldb, int K, int N, void* packed) {
  const int Kp = (K + kKr - 1) / kKr * kKr;
  int8_t* panel = static_cast<int8_t*>(packed);
  for (int n0 = 0; n0 < N; n0 += kNr) {
    std::memset(panel, 0, panel_bytes(Kp));
    const int cols = N - n0 < kNr ? N - n0 : kNr;
    for (int k = 0; k < K; ++k) {
      const int8_t* src = b + static_cast<size_t>(k) * ldb + n0;
      int8_t* group = panel + (k / kKr) * (kKr * kNr) + (k % kKr);
      for (int c = 0; c < cols; ++c) group[(c / 16) * 64 + (c % 16) * 4] = src[c];
    }
    panel += panel_bytes(Kp);
  }
}

inline int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <int MR, int U>
void ukernel_t(int Kp, const uint8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  __m512i c[U][MR][2];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < MR; ++r) c[u][r][0] = c[u][r][1] = _mm512_setzero_si512();
  const int groups = Kp / kKr;
  int g = 0;
  for (; g + U <= groups; g += U) {
    for (int u = 0; u < U; ++u) {
      const int8_t* bg = b + static_cast<size_t>(g + u) * (kKr * kNr);
      const __m512i b0 = _mm512_load_si512(bg);
      const __m512i b1 = _mm512_load_si512(bg + 64);
      for (int r = 0; r < MR; ++r) {
        const __m512i av = _mm512_set1_epi32(load_u32(a + r * lda + (g + u) * kKr));
        c[u][r][0] = _mm512_dpbusd_epi32(c[u][r][0], av, b0);
        c[u][r][1] = _mm512_dpbusd_epi32(c[u][r][1], av, b1);
      }
    }
  }
  for (; g < groups; ++g) {
    const int8_t* bg = b + static_cast<size_t>(g) * (kKr * kNr);
    const __m512i b0 = _mm512_load_si512(bg);
    const __m512i b1 = _mm512_load_si512(bg + 64);
    for (int r = 0; r < MR; ++r) {
      const __m512i av = _mm512_set1_epi32(load_u32(a + r * lda + g * kKr));
      c[0][r][0] = _mm512_dpbusd_epi32(c[0][r][0], av, b0);
      c[0][r][1] = _mm512_dpbusd_epi32(c[0][r][1], av, b1);
    }
  }
  for (int r = 0; r < MR; ++r) {
    __m512i s0 = c[0][r][0], s1 = c[0][r][1];
    for (int u = 1; u < U; ++u) {
      s0 = _mm512_add_epi32(s0, c[u][r][0]);
      s1 = _mm512_add_epi32(s1, c[u][r][1]);
    }
    _mm512_storeu_si512(acc + r * kNr, s0);
    _mm512_storeu_si512(acc + r * kNr + 16, s1);
  }
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const uint8_t* a = static_cast<const uint8_t*>(a_ptr);
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_t<1, 4>(Kp, a, a_stride, b, acc);
    case 2: return ukernel_t<2, 2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3, 2>(Kp, a, a_stride, b, acc);
    case 4: return ukernel_t<4, 1>(Kp, a, a_stride, b, acc);
    case 5: return ukernel_t<5, 1>(Kp, a, a_stride, b, acc);
    case 6: return ukernel_t<6, 1>(Kp, a, a_stride, b, acc);
    case 7: return ukernel_t<7, 1>(Kp, a, a_stride, b, acc);
    default: return ukernel_t<8, 1>(Kp, a, a_stride, b, acc);
  }
}

// 16 columns at a time; the mask covers the tail, and masked loads never touch memory past it.
void epilogue(const EpilogueTile& t) {
  const __m512 lo = _mm512_set1_ps(t.clamp_lo);
  const __m512 hi = _mm512_set1_ps(t.clamp_hi);
  const __m512i zp = _mm512_set1_epi32(t.zero_point);
  for (int r = 0; r < t.rows; ++r) {
    const int32_t* acc = t.acc + static_cast<size_t>(r) * t.acc_stride;
    for (int c = 0; c < t.cols; c += 16) {
      const int left = t.cols - c;
      const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
      __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc + c), _mm512_maskz_loadu_epi32(m, t.col_add + c));
      if (t.col_zb != nullptr) {
        v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(m, t.col_zb + c), _mm512_set1_epi32(t.row_sum[r])));
      }
      if (t.col_z != nullptr) {
        v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(t.row_za[r]), _mm512_maskz_loadu_epi32(m, t.col_z + c)));
      }
      const size_t at = static_cast<size_t>(r) * t.ldc + c;
      if (t.kind == OutputKind::kInt32) {
        _mm512_mask_storeu_epi32(static_cast<int32_t*>(t.out) + at, m, v);
        continue;
      }
      const __m512 scale = t.scale_per_col ? _mm512_maskz_loadu_ps(m, t.scale + c) : _mm512_set1_ps(t.scale[0]);
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), scale);
      if (t.kind == OutputKind::kFloat32) {
        _mm512_mask_storeu_ps(static_cast<float*>(t.out) + at, m, f);
        continue;
      }
      f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
      const __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
      // q is already inside the output type's range, so truncating to 8 bits is exact.
      if (t.kind == OutputKind::kUint8) {
        _mm512_mask_cvtepi32_storeu_epi8(static_cast<uint8_t*>(t.out) + at, m, q);
      } else {
        _mm512_mask_cvtepi32_storeu_epi8(static_cast<int8_t*>(t.out) + at, m, q);
      }
    }
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_8x32c4__avx512vnni", Isa::kAvx512Vnni, kMr, kNr, kKr, AFormat::kU8, 0,
    packed_b_bytes, pack_b, ukernel, panel_bytes, epilogue,
};

}  // namespace

const QGemmKernel* qgemm_kernel_avx512vnni() { return &kKernel; }

// Throughput probe: 16 independent vpdpbusd chains on registers, no memory traffic. Returns the
// number of int8 operations (2 per multiply-add) performed; the caller times it.
double qgemm_peak_loop_avx512vnni(long iterations, int32_t* sink) {
  __m512i acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3);
  const __m512i b = _mm512_set1_epi8(-1);
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                     "+v"(acc[6]), "+v"(acc[7]));
  }
  __m512i s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_epi32(s, acc[i]);
  *sink = _mm512_reduce_add_epi32(s);
  return static_cast<double>(iterations) * 16 * 64 * 2;
}

}  // namespace octet
