// AArch64 NEON dot-product path (ARMv8.2 SDOT; this file is built with -march=armv8.2-a+dotprod and
// only runs when the CPU reports it). SDOT multiplies 4 int8 × int8 pairs and adds them into an int32
// lane in one instruction, exactly: each product is at most 128·128 and the accumulation wraps like
// every other path. uint8 A does not fit int8, so the driver hands over a ^ 0x80 = a - 128
// (AFormat::kS8Xor80) and adds a_offset·colsum(B) = 128·Σb back in the epilogue's column term:
//   Σ a·b = Σ (a - 128)·b + 128·Σ b   (exact in wrapping int32).
//
// Packed B panel (16 columns): for each group g of 4 K values, 64 bytes: column c's 4 K bytes at
// [4c, 4c+4), i.e. four 16-byte vectors of 4 columns each, matching SDOT's "4 bytes per int32 lane".
// Padding (K up to a multiple of 4, columns past N) is zero, so it contributes nothing.
// A rows (the driver's copy, stride Kp) are loaded 16 bytes = 4 groups at a time, and each group is
// picked by lane with vdotq_laneq_s32 (SDOT by element). A 4×16 tile keeps 16 accumulators + 4 A +
// 4 B = 24 of 32 registers. Short tiles (1-2 rows, e.g. GEMV) split K over 2-4 accumulator sets so
// that SDOT's latency is hidden.
#include <arm_neon.h>

#include <cstring>

#include "../pack/pack_int8_panels.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;
constexpr int kKr = 4;

using Panels = Int8Panels<kNr, kKr>;

// Group L (0..3) of a 4-group block: that group's B (4 vectors) times lane L of every row's A vector.
// Group L accumulates into set L % U.
template <int L, int MR, int U>
inline void dot_step(int32x4_t (&c)[U][MR][4], const int8x16_t (&av)[MR], const int8_t* b) {
  // Keeps GCC from hoisting all 4 groups' B loads (16 registers) to the top of the block, which
  // spills accumulators; the out-of-order core overlaps the groups anyway.
  __asm__ volatile("");
  const int8x16_t b0 = vld1q_s8(b + L * 64);
  const int8x16_t b1 = vld1q_s8(b + L * 64 + 16);
  const int8x16_t b2 = vld1q_s8(b + L * 64 + 32);
  const int8x16_t b3 = vld1q_s8(b + L * 64 + 48);
  constexpr int u = L % U;
  for (int r = 0; r < MR; ++r) {
    c[u][r][0] = vdotq_laneq_s32(c[u][r][0], b0, av[r], L);
    c[u][r][1] = vdotq_laneq_s32(c[u][r][1], b1, av[r], L);
    c[u][r][2] = vdotq_laneq_s32(c[u][r][2], b2, av[r], L);
    c[u][r][3] = vdotq_laneq_s32(c[u][r][3], b3, av[r], L);
  }
}

template <int MR, int U>
void ukernel_t(int Kp, const int8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  int32x4_t c[U][MR][4];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 4; ++j) c[u][r][j] = vdupq_n_s32(0);
  const int groups = Kp / kKr;
  int g = 0;
  for (; g + 4 <= groups; g += 4) {
    int8x16_t av[MR];
    for (int r = 0; r < MR; ++r) av[r] = vld1q_s8(a + r * lda + g * kKr);
    dot_step<0>(c, av, b);
    dot_step<1>(c, av, b);
    dot_step<2>(c, av, b);
    dot_step<3>(c, av, b);
    b += 4 * kKr * kNr;
  }
  // Remaining 1-3 groups: broadcast each row's 4 bytes (no read past the row's Kp bytes).
  for (; g < groups; ++g) {
    const int8x16_t b0 = vld1q_s8(b);
    const int8x16_t b1 = vld1q_s8(b + 16);
    const int8x16_t b2 = vld1q_s8(b + 32);
    const int8x16_t b3 = vld1q_s8(b + 48);
    for (int r = 0; r < MR; ++r) {
      int32_t four;
      std::memcpy(&four, a + r * lda + g * kKr, 4);
      const int8x16_t ab = vreinterpretq_s8_s32(vdupq_n_s32(four));
      c[0][r][0] = vdotq_s32(c[0][r][0], b0, ab);
      c[0][r][1] = vdotq_s32(c[0][r][1], b1, ab);
      c[0][r][2] = vdotq_s32(c[0][r][2], b2, ab);
      c[0][r][3] = vdotq_s32(c[0][r][3], b3, ab);
    }
    b += kKr * kNr;
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j) {
      int32x4_t s = c[0][r][j];
      for (int u = 1; u < U; ++u) s = vaddq_s32(s, c[u][r][j]);  // wraps, like the scalar sums
      vst1q_s32(acc + r * kNr + j * 4, s);
    }
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const int8_t* a = static_cast<const int8_t*>(a_ptr);
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_t<1, 4>(Kp, a, a_stride, b, acc);
    case 2: return ukernel_t<2, 2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3, 1>(Kp, a, a_stride, b, acc);
    default: return ukernel_t<4, 1>(Kp, a, a_stride, b, acc);
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_4x16c4__neondot", Isa::kNeonDot, kMr, kNr, kKr, AFormat::kS8Xor80, 128,
    Panels::packed_b_bytes, Panels::pack_b, ukernel, Panels::panel_bytes, qgemm_epilogue_neon,
};

}  // namespace

const QGemmKernel* qgemm_kernel_neondot() { return &kKernel; }

// Throughput probe: 16 independent SDOT chains on registers, no memory traffic. One SDOT on 16 int8
// pairs = 16 multiply-adds = 32 operations. The empty asm makes accumulators and operands opaque
// every iteration, so nothing is folded or hoisted.
double qgemm_peak_loop_neondot(long iterations, int32_t* sink) {
  int32x4_t acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = vdupq_n_s32(i);
  int8x16_t a = vdupq_n_s8(3);
  int8x16_t b = vdupq_n_s8(-1);
  for (long it = 0; it < iterations; ++it) {
    __asm__ volatile("" : "+w"(a), "+w"(b));
    for (int i = 0; i < 16; ++i) acc[i] = vdotq_s32(acc[i], a, b);
    __asm__ volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                     "+w"(acc[6]), "+w"(acc[7]));
    __asm__ volatile("" : "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]), "+w"(acc[12]), "+w"(acc[13]),
                     "+w"(acc[14]), "+w"(acc[15]));
  }
  int32x4_t s = acc[0];
  for (int i = 1; i < 16; ++i) s = vaddq_s32(s, acc[i]);
  *sink = vaddvq_s32(s);
  return static_cast<double>(iterations) * 16 * 16 * 2;
}

}  // namespace octet
