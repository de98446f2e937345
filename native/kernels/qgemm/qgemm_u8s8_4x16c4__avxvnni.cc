// AVX-VNNI path (VEX-encoded vpdpbusd on ymm): for CPUs that have the VNNI instruction but not
// AVX-512 (Intel client cores since Alder Lake, Sierra Forest). Like the AVX-512 kernel it is exact:
// vpdpbusd adds four u8×s8 products into an int32 lane with no intermediate saturation.
//
// Packed B: the shared int8 panel layout with nr = 16, kr = 4 (kernels/pack/): per group of 4 K
// values, 64 bytes — columns 0-7 then 8-15, 4 bytes each — two ymm loads. A is read in place (uint8,
// K a multiple of 4): one 32-bit broadcast per row per group. 4 rows × 16 columns keep 8 of the 16
// ymm registers as accumulators. The epilogue is the AVX2 one.
#include <immintrin.h>

#include "../pack/pack_int8_panels.h"
#include "../../core/unaligned.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;
constexpr int kKr = 4;

using Panels = Int8Panels<kNr, kKr>;

template <int MR>
void ukernel_t(int Kp, const uint8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  __m256i c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_si256();
  const int groups = Kp / kKr;
  for (int g = 0; g < groups; ++g) {
    const int8_t* bg = b + static_cast<size_t>(g) * (kKr * kNr);
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bg));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bg + 32));
    for (int r = 0; r < MR; ++r) {
      const __m256i av = _mm256_set1_epi32(load_u32(a + r * lda + g * kKr));
      c0[r] = _mm256_dpbusd_avx_epi32(c0[r], av, b0);
      c1[r] = _mm256_dpbusd_avx_epi32(c1[r], av, b1);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kNr), c0[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kNr + 8), c1[r]);
  }
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const uint8_t* a = static_cast<const uint8_t*>(a_ptr);
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_t<1>(Kp, a, a_stride, b, acc);
    case 2: return ukernel_t<2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3>(Kp, a, a_stride, b, acc);
    default: return ukernel_t<4>(Kp, a, a_stride, b, acc);
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_4x16c4__avxvnni", Isa::kAvxVnni, kMr, kNr, kKr, AFormat::kU8, 0,
    Panels::packed_b_bytes, Panels::pack_b, ukernel, Panels::panel_bytes, qgemm_epilogue_avx2,
};

}  // namespace

const QGemmKernel* qgemm_kernel_avxvnni() { return &kKernel; }

// Throughput probe: 12 independent VEX vpdpbusd chains on ymm registers, in assembly so that the loop
// stays as written. Returns int8 operations (2 per multiply-add) performed.
double qgemm_peak_loop_avxvnni(long iterations, int32_t* sink) {
  long n = iterations;
  __asm__ volatile(
      "vpcmpeqd %%ymm15, %%ymm15, %%ymm15\n\t"
      "vpabsb %%ymm15, %%ymm14\n\t"
      "1:\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm0\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm1\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm2\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm3\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm4\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm5\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm6\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm7\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm8\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm9\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm10\n\t"
      "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm11\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      "vzeroupper\n\t"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15", "cc");
  *sink = static_cast<int32_t>(n);
  return static_cast<double>(iterations) * 12 * 32 * 2;
}

}  // namespace octet
