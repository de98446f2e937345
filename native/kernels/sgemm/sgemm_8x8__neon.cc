// NEON path: an 8×8 tile of C in 16 q-register accumulators. Per k: two q loads of the packed B
// row, then per row one A value (ld1r, or ldr + fmla by element) and two fused fmla — 16 + 2 + a few
// of the 32 registers, so nothing spills.
// The clamp is a compare and a select (sgemm_clamp), not fmax/fmin, whose NaN and ±0 rules differ.
#include <arm_neon.h>

#include <cstring>

#include "sgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 8;
constexpr int kNr = 8;

inline float32x4_t load_partial(const float* p, int count) {
  if (count >= 4) return vld1q_f32(p);
  float tmp[4] = {0, 0, 0, 0};
  if (count > 0) std::memcpy(tmp, p, sizeof(float) * count);
  return vld1q_f32(tmp);
}

inline void store_partial(float* p, float32x4_t v, int count) {
  if (count >= 4) return vst1q_f32(p, v);
  float tmp[4];
  vst1q_f32(tmp, v);
  if (count > 0) std::memcpy(p, tmp, sizeof(float) * count);
}

// The accumulators travel by value through the K loop: kept in an array local to the tile function,
// GCC 12 for AArch64 stores all 16 to the stack on every iteration.
template <int R, int NV>
struct Accumulators {
  float32x4_t v[R][NV];
};

template <int R, int NV>
__attribute__((always_inline)) inline Accumulators<R, NV> k_loop(Accumulators<R, NV> acc, const float* a, size_t lda,
                                                                 const float* b, size_t ldb, size_t kc) {
  for (size_t k = 0; k < kc; ++k) {
    float32x4_t bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = vld1q_f32(b + 4 * v);
    for (int r = 0; r < R; ++r) {
      const float32x4_t av = vld1q_dup_f32(a + r * lda + k);
      for (int v = 0; v < NV; ++v) acc.v[r][v] = vfmaq_f32(acc.v[r][v], bv[v], av);
    }
    b += ldb;
  }
  return acc;
}

template <int R, int NV>
void tile(const SGemmTile& t) {
  Accumulators<R, NV> chains;
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      chains.v[r][v] = t.accumulate ? load_partial(t.c + r * t.ldc + 4 * v, t.cols - 4 * v) : vdupq_n_f32(0.0f);
  chains = k_loop(chains, t.a, t.lda, t.b, t.ldb, t.kc);
  auto& acc = chains.v;
  if (t.finish) {
    if (t.bias != nullptr) {
      for (int v = 0; v < NV; ++v) {
        const float32x4_t bias = load_partial(t.bias + 4 * v, t.cols - 4 * v);
        for (int r = 0; r < R; ++r) acc[r][v] = vaddq_f32(acc[r][v], bias);
      }
    }
    if (t.clamp) {
      const float32x4_t lo = vdupq_n_f32(t.min), hi = vdupq_n_f32(t.max);
      for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) {
          acc[r][v] = vbslq_f32(vcgtq_f32(lo, acc[r][v]), lo, acc[r][v]);
          acc[r][v] = vbslq_f32(vcltq_f32(hi, acc[r][v]), hi, acc[r][v]);
        }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) store_partial(t.c + r * t.ldc + 4 * v, acc[r][v], t.cols - 4 * v);
}

template <int R>
void rows(const SGemmTile& t) {
  if (t.cols > 4) tile<R, 2>(t);
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
    default: return rows<8>(t);
  }
}

// One row across P full panels: 2·P independent chains (8 for P = 4) instead of 2.
template <int P>
void row_panels(const SGemmTile& t, const float* b, size_t panel_stride, float* c, const float* bias) {
  float32x4_t acc[P][2];
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) acc[j][v] = t.accumulate ? vld1q_f32(c + j * kNr + 4 * v) : vdupq_n_f32(0.0f);
  const float* a = t.a;
  const size_t ldb = t.ldb, kc = t.kc;
  for (size_t k = 0; k < kc; ++k) {
    const float32x4_t av = vld1q_dup_f32(a + k);
    for (int j = 0; j < P; ++j) {
      const float* bj = b + j * panel_stride + k * ldb;
      acc[j][0] = vfmaq_f32(acc[j][0], vld1q_f32(bj), av);
      acc[j][1] = vfmaq_f32(acc[j][1], vld1q_f32(bj + 4), av);
    }
  }
  for (int j = 0; j < P; ++j)
    for (int v = 0; v < 2; ++v) {
      float32x4_t x = acc[j][v];
      if (t.finish) {
        if (bias != nullptr) x = vaddq_f32(x, vld1q_f32(bias + j * kNr + 4 * v));
        if (t.clamp) {
          const float32x4_t lo = vdupq_n_f32(t.min), hi = vdupq_n_f32(t.max);
          x = vbslq_f32(vcgtq_f32(lo, x), lo, x);
          x = vbslq_f32(vcltq_f32(hi, x), hi, x);
        }
      }
      vst1q_f32(c + j * kNr + 4 * v, x);
    }
}

void row_ukernel(const SGemmTile& t, size_t panels, size_t panel_stride) {
  size_t j = 0;
  const auto bias_at = [&](size_t first) { return t.bias != nullptr ? t.bias + first * kNr : nullptr; };
  for (; j + 4 <= panels; j += 4) row_panels<4>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  for (; j + 2 <= panels; j += 2) row_panels<2>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
  if (j < panels) row_panels<1>(t, t.b + j * panel_stride, panel_stride, t.c + j * kNr, bias_at(j));
}

const SGemmKernel kKernel = {"sgemm_8x8__neon", Isa::kNeon, kMr, kNr, ukernel, row_ukernel};

}  // namespace

const SGemmKernel* sgemm_kernel_neon() { return &kKernel; }

}  // namespace octet
