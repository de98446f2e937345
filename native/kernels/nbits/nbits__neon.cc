// NEON: an 8-column panel row is two vectors of 4 floats. 4-bit rows are 4 bytes (low nibbles =
// columns 0-3, high nibbles = columns 4-7), 8-bit rows 8 bytes.
#include <arm_neon.h>

#include <cstring>

#include "nbits_kernel.h"

namespace octet {

namespace {

constexpr int kNr = 8;

inline void store_row(uint8x8_t codes, const float32x4_t zero[2], const float32x4_t scale[2], float* out) {
  const uint16x8_t wide = vmovl_u8(codes);
  const float32x4_t a = vcvtq_f32_u32(vmovl_u16(vget_low_u16(wide)));
  const float32x4_t b = vcvtq_f32_u32(vmovl_u16(vget_high_u16(wide)));
  vst1q_f32(out, vmulq_f32(vsubq_f32(a, zero[0]), scale[0]));
  vst1q_f32(out + 4, vmulq_f32(vsubq_f32(b, zero[1]), scale[1]));
}

void dequant4(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const float32x4_t s[2] = {vld1q_f32(scale), vld1q_f32(scale + 4)};
  const float32x4_t z[2] = {vld1q_f32(zero), vld1q_f32(zero + 4)};
  for (size_t r = 0; r < rows; ++r, codes += kNr / 2, out += kNr) {
    uint32_t w;
    std::memcpy(&w, codes, 4);
    const uint64_t lo = w & 0x0F0F0F0Fu, hi = (w >> 4) & 0x0F0F0F0Fu;
    store_row(vcreate_u8(lo | (hi << 32)), z, s, out);
  }
}

void dequant8(const uint8_t* codes, size_t rows, const float* scale, const float* zero, float* out) {
  const float32x4_t s[2] = {vld1q_f32(scale), vld1q_f32(scale + 4)};
  const float32x4_t z[2] = {vld1q_f32(zero), vld1q_f32(zero + 4)};
  for (size_t r = 0; r < rows; ++r, codes += kNr, out += kNr) store_row(vld1_u8(codes), z, s, out);
}

const NBitsKernels kKernels{Isa::kNeon, kNr, dequant4, dequant8};

}  // namespace

const NBitsKernels* nbits_kernels_neon() { return &kKernels; }

}  // namespace octet
