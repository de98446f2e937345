// QLinearAdd and QLinearMul (com.microsoft) over quantized tensors, element by element, the second
// operand either a tensor of the same length or one value for all (b_step 0): residual additions,
// and the squeeze-and-excitation products of MobileNetV3 / PaddleOCR (a feature map times one
// value per channel). Other broadcasts walk segments of these in ops/qlinear_elementwise_ops.cc.
//
// The definitions every path matches bit for bit (the scalar kernels compute exactly these), with
// a, b read as uint8 or int8 (the same type as y) and requant(f) = round_half_even(min(max(f, lo),
// hi)) + zc, lo = qmin - zc, hi = qmax - zc (maxps/minps operand order), inside the output type's
// range so that its low byte is the result:
//   add:  f = float(a - za)·ra + float(b - zb)·rb   two float32 products and one float32 sum, no FMA
//   mul:  f = float((a - za)·(b - zb))·m            the product exact in int32 (|.| <= 255²), m = ra
// y may be a or b: each element is read before it is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

struct QBinaryParams {
  int32_t za = 0, zb = 0, zc = 0;
  float ra = 1.0f;  // add: A_scale / C_scale; mul: (A_scale · B_scale) / C_scale
  float rb = 1.0f;  // add: B_scale / C_scale
  float lo = 0.0f, hi = 0.0f;
};

// b_step: 1, b holds n elements; 0, b[0] is every element's b.
using QBinaryFn = void (*)(const uint8_t* a, const uint8_t* b, size_t b_step, uint8_t* y, size_t n, const QBinaryParams& p);

struct QBinaryKernels {
  Isa isa;
  QBinaryFn add_u8, add_s8, mul_u8, mul_s8;
};

// Per-ISA tables; null when this build does not carry the path.
const QBinaryKernels* qbinary_kernels_scalar();
const QBinaryKernels* qbinary_kernels_avx2();
const QBinaryKernels* qbinary_kernels_avx512();

// The table for a path (kAvx512Vnni → avx512, kAvx2 / kAvxVnni → avx2, anything else → scalar).
const QBinaryKernels& qbinary_kernels(Isa isa);

}  // namespace octet
