// Baseline AArch64 NEON path (ARMv8.0, no dot product), exact. Every product is formed as int16 × int16
// → int32 with SMLAL (vmlal_laneq_s16): A is uint8 (0..255) zero-extended to int16, B is int8 (-128..127)
// sign-extended to int16, |255·128| = 32640 fits, and the int32 accumulation wraps like every other
// path. Nothing saturates, so the result is the scalar reference's, always.
//
// A is read in place as uint8 (AFormat::kU8, kr = 1, so the driver copies nothing for uint8 input) and
// widened in registers: one 8-byte load + UXTL per row per 8 K values. B stays int8 when packed (half the
// bytes of pre-widened int16 weights: GEMV is bound by streaming B) and is widened with SXTL/SXTL2,
// which issue on a different pipe than SMLAL on the usual cores.
//
// Packed B panel (16 columns): for each k, 16 bytes = b[k][n0 .. n0+15]; columns past N are zero.
// A 4×16 tile keeps 16 int32x4 accumulators; per 8 K values each row's A vector (8 int16) feeds
// vmlal_laneq by lane, which must live in v0-v15 (the by-element form of 16-bit SMLAL): 16
// accumulators + 4 A + 3 B = 23 of 32 registers, no spills. Short tiles (1-2 rows, e.g. GEMV) split K
// over 2-4 accumulator sets so that SMLAL's latency is hidden.
//
// This file also holds the NEON epilogue (qgemm_epilogue_neon), shared with the dot-product kernel; it
// is built with baseline flags so that it runs on every AArch64 CPU.
#include <arm_neon.h>

#include <cstring>

#include "../pack/pack_int8_panels.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;
constexpr int kKr = 1;

using Panels = Int8Panels<kNr, kKr>;

// One K step L (0..7) of an 8-K block: B row L of the block times lane L of every row's A vector.
// Step L accumulates into set L % U.
template <int L, int MR, int U>
inline void mlal_step(int32x4_t (&c)[U][MR][4], const int16x8_t (&av)[MR], const int8_t* b) {
  // Keeps GCC from hoisting all 8 steps' B loads to the top of the block, which needs more registers
  // than there are and spills accumulators; the out-of-order core overlaps the steps anyway.
  __asm__ volatile("");
  const int8x16_t bb = vld1q_s8(b + L * kNr);
  const int16x8_t b0 = vmovl_s8(vget_low_s8(bb));
  const int16x8_t b1 = vmovl_high_s8(bb);
  constexpr int u = L % U;
  for (int r = 0; r < MR; ++r) {
    c[u][r][0] = vmlal_laneq_s16(c[u][r][0], vget_low_s16(b0), av[r], L);
    c[u][r][1] = vmlal_high_laneq_s16(c[u][r][1], b0, av[r], L);
    c[u][r][2] = vmlal_laneq_s16(c[u][r][2], vget_low_s16(b1), av[r], L);
    c[u][r][3] = vmlal_high_laneq_s16(c[u][r][3], b1, av[r], L);
  }
}

template <int MR, int U>
void ukernel_t(int K, const uint8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  int32x4_t c[U][MR][4];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 4; ++j) c[u][r][j] = vdupq_n_s32(0);
  int k = 0;
  for (; k + 8 <= K; k += 8) {
    int16x8_t av[MR];
    for (int r = 0; r < MR; ++r) av[r] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(a + r * lda + k)));
    mlal_step<0>(c, av, b);
    mlal_step<1>(c, av, b);
    mlal_step<2>(c, av, b);
    mlal_step<3>(c, av, b);
    mlal_step<4>(c, av, b);
    mlal_step<5>(c, av, b);
    mlal_step<6>(c, av, b);
    mlal_step<7>(c, av, b);
    b += 8 * kNr;
  }
  // K % 8 tail, one K value at a time: A may be the caller's own rows, so never read past K.
  for (; k < K; ++k) {
    const int8x16_t bb = vld1q_s8(b);
    const int16x8_t b0 = vmovl_s8(vget_low_s8(bb));
    const int16x8_t b1 = vmovl_high_s8(bb);
    for (int r = 0; r < MR; ++r) {
      const int16_t av = a[r * lda + k];
      c[0][r][0] = vmlal_n_s16(c[0][r][0], vget_low_s16(b0), av);
      c[0][r][1] = vmlal_high_n_s16(c[0][r][1], b0, av);
      c[0][r][2] = vmlal_n_s16(c[0][r][2], vget_low_s16(b1), av);
      c[0][r][3] = vmlal_high_n_s16(c[0][r][3], b1, av);
    }
    b += kNr;
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j) {
      int32x4_t s = c[0][r][j];
      for (int u = 1; u < U; ++u) s = vaddq_s32(s, c[u][r][j]);  // wraps, like the scalar sums
      vst1q_s32(acc + r * kNr + j * 4, s);
    }
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const uint8_t* a = static_cast<const uint8_t*>(a_ptr);
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_t<1, 4>(Kp, a, a_stride, b, acc);
    case 2: return ukernel_t<2, 2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3, 1>(Kp, a, a_stride, b, acc);
    default: return ukernel_t<4, 1>(Kp, a, a_stride, b, acc);
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_4x16c1__neon", Isa::kNeon, kMr, kNr, kKr, AFormat::kU8, 0,
    Panels::packed_b_bytes, Panels::pack_b, ukernel, Panels::panel_bytes, qgemm_epilogue_neon,
};

// --- Epilogue -----------------------------------------------------------------------------------

// v = acc + col_add - col_zb·row_sum - row_za·col_z for 4 columns, in wrapping int32 (ADD/SUB/MUL).
inline int32x4_t epilogue_sum(const EpilogueTile& t, const int32_t* acc, int c, int32x4_t rs, int32x4_t za) {
  int32x4_t v = vaddq_s32(vld1q_s32(acc + c), vld1q_s32(t.col_add + c));
  if (t.col_zb != nullptr) v = vsubq_s32(v, vmulq_s32(vld1q_s32(t.col_zb + c), rs));
  if (t.col_z != nullptr) v = vsubq_s32(v, vmulq_s32(za, vld1q_s32(t.col_z + c)));
  return v;
}

inline float32x4_t epilogue_scaled(const EpilogueTile& t, int32x4_t v, int c) {
  const float32x4_t scale = t.scale_per_col ? vld1q_f32(t.scale + c) : vdupq_n_f32(t.scale[0]);
  return vmulq_f32(vcvtq_f32_s32(v), scale);  // SCVTF rounds to nearest like static_cast<float>
}

// f = f > lo ? f : lo; f = f < hi ? f : hi — the scalar definition (x86 maxps/minps), select by select.
// FMAX/FMIN would return NaN for a NaN input; these compares are false for NaN, which then takes lo.
// Then round half to even (FCVTNS) and add the zero point: the result lies inside the output type.
inline int32x4_t epilogue_quantized(float32x4_t f, float32x4_t lo, float32x4_t hi, int32x4_t zp) {
  f = vbslq_f32(vcgtq_f32(f, lo), f, lo);
  f = vbslq_f32(vcltq_f32(f, hi), f, hi);
  return vaddq_s32(vcvtnq_s32_f32(f), zp);
}

}  // namespace

// 8 columns at a time, then 4; the last cols % 4 go through the scalar definition.
void qgemm_epilogue_neon(const EpilogueTile& t) {
  const int vec_cols = t.cols / 4 * 4;
  const float32x4_t lo = vdupq_n_f32(t.clamp_lo);
  const float32x4_t hi = vdupq_n_f32(t.clamp_hi);
  const int32x4_t zp = vdupq_n_s32(t.zero_point);
  for (int r = 0; r < t.rows; ++r) {
    const int32_t* acc = t.acc + static_cast<size_t>(r) * t.acc_stride;
    const int32x4_t rs = vdupq_n_s32(t.col_zb != nullptr ? t.row_sum[r] : 0);
    const int32x4_t za = vdupq_n_s32(t.col_z != nullptr ? t.row_za[r] : 0);
    const size_t row_at = static_cast<size_t>(r) * t.ldc;
    int c = 0;
    for (; c + 8 <= vec_cols; c += 8) {
      const int32x4_t v0 = epilogue_sum(t, acc, c, rs, za);
      const int32x4_t v1 = epilogue_sum(t, acc, c + 4, rs, za);
      const size_t at = row_at + c;
      if (t.kind == OutputKind::kInt32) {
        vst1q_s32(static_cast<int32_t*>(t.out) + at, v0);
        vst1q_s32(static_cast<int32_t*>(t.out) + at + 4, v1);
        continue;
      }
      const float32x4_t f0 = epilogue_scaled(t, v0, c);
      const float32x4_t f1 = epilogue_scaled(t, v1, c + 4);
      if (t.kind == OutputKind::kFloat32) {
        vst1q_f32(static_cast<float*>(t.out) + at, f0);
        vst1q_f32(static_cast<float*>(t.out) + at + 4, f1);
        continue;
      }
      const int32x4_t q0 = epilogue_quantized(f0, lo, hi, zp);
      const int32x4_t q1 = epilogue_quantized(f1, lo, hi, zp);
      // In range already: truncating narrows (XTN) are exact, for u8 and s8 alike.
      const int8x8_t bytes = vmovn_s16(vcombine_s16(vmovn_s32(q0), vmovn_s32(q1)));
      vst1_s8(static_cast<int8_t*>(t.out) + at, bytes);
    }
    if (c < vec_cols) {  // one group of 4
      const int32x4_t v = epilogue_sum(t, acc, c, rs, za);
      const size_t at = row_at + c;
      if (t.kind == OutputKind::kInt32) {
        vst1q_s32(static_cast<int32_t*>(t.out) + at, v);
        continue;
      }
      const float32x4_t f = epilogue_scaled(t, v, c);
      if (t.kind == OutputKind::kFloat32) {
        vst1q_f32(static_cast<float*>(t.out) + at, f);
        continue;
      }
      const int32x4_t q = epilogue_quantized(f, lo, hi, zp);
      const int16x4_t w = vmovn_s32(q);
      const uint32_t four = vget_lane_u32(vreinterpret_u32_s8(vmovn_s16(vcombine_s16(w, w))), 0);
      std::memcpy(static_cast<int8_t*>(t.out) + at, &four, 4);
    }
  }
  qgemm_epilogue_scalar_tail(t, vec_cols);
}

const QGemmKernel* qgemm_kernel_neon() { return &kKernel; }

// Throughput probe for the NEON path's multiply instruction: SMLAL by element (vmlal_laneq_s16) does 4
// int16 multiply-adds into int32 lanes = 8 operations. 16 independent chains; the empty asm makes
// the accumulators and operands opaque every iteration, so nothing is folded or hoisted.
double qgemm_peak_loop_neon(long iterations, int32_t* sink) {
  int32x4_t acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = vdupq_n_s32(i);
  int16x8_t a = vdupq_n_s16(3);
  int16x4_t b = vdup_n_s16(-1);
  for (long it = 0; it < iterations; ++it) {
    __asm__ volatile("" : "+w"(a), "+w"(b));
    acc[0] = vmlal_laneq_s16(acc[0], b, a, 0);
    acc[1] = vmlal_laneq_s16(acc[1], b, a, 1);
    acc[2] = vmlal_laneq_s16(acc[2], b, a, 2);
    acc[3] = vmlal_laneq_s16(acc[3], b, a, 3);
    acc[4] = vmlal_laneq_s16(acc[4], b, a, 4);
    acc[5] = vmlal_laneq_s16(acc[5], b, a, 5);
    acc[6] = vmlal_laneq_s16(acc[6], b, a, 6);
    acc[7] = vmlal_laneq_s16(acc[7], b, a, 7);
    acc[8] = vmlal_laneq_s16(acc[8], b, a, 0);
    acc[9] = vmlal_laneq_s16(acc[9], b, a, 1);
    acc[10] = vmlal_laneq_s16(acc[10], b, a, 2);
    acc[11] = vmlal_laneq_s16(acc[11], b, a, 3);
    acc[12] = vmlal_laneq_s16(acc[12], b, a, 4);
    acc[13] = vmlal_laneq_s16(acc[13], b, a, 5);
    acc[14] = vmlal_laneq_s16(acc[14], b, a, 6);
    acc[15] = vmlal_laneq_s16(acc[15], b, a, 7);
    __asm__ volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                     "+w"(acc[6]), "+w"(acc[7]));
    __asm__ volatile("" : "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]), "+w"(acc[12]), "+w"(acc[13]),
                     "+w"(acc[14]), "+w"(acc[15]));
  }
  int32x4_t s = acc[0];
  for (int i = 1; i < 16; ++i) s = vaddq_s32(s, acc[i]);
  *sink = vaddvq_s32(s);
  return static_cast<double>(iterations) * 16 * 4 * 2;
}

}  // namespace octet
