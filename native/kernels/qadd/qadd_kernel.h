// QLinearAdd of two quantized tensors of the same shape, element by element: the residual additions
// of ResNet and MobileNetV2, where both inputs are whole activations. (Broadcast forms stay in the
// operator's own loops, ops/qlinear_elementwise_ops.cc, which compute the same expression.)
//
// The definition every path matches bit for bit (the scalar kernel computes exactly this):
//   f = float(a - za)·ra + float(b - zb)·rb      two float32 products and one float32 sum, no FMA
//   f = max(f, lo); f = min(f, hi)               lo = qmin - zc, hi = qmax - zc (maxps/minps order)
//   y = round_half_even(f) + zc                  inside the output type's range, so its low byte
// with a, b read as uint8 or int8 (the same type as y). y may be a or b: each element is read before
// it is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

struct QAddParams {
  int32_t za = 0, zb = 0, zc = 0;
  float ra = 1.0f, rb = 1.0f;  // A_scale / C_scale, B_scale / C_scale
  float lo = 0.0f, hi = 0.0f;
};

using QAddFn = void (*)(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p);

struct QAddKernels {
  Isa isa;
  QAddFn add_u8;
  QAddFn add_s8;
};

// Per-ISA tables; null when this build does not carry the path.
const QAddKernels* qadd_kernels_scalar();
const QAddKernels* qadd_kernels_avx2();
const QAddKernels* qadd_kernels_avx512();

// The table for a path (kAvx512Vnni → avx512, kAvx2 / kAvxVnni → avx2, anything else → scalar).
const QAddKernels& qadd_kernels(Isa isa);

}  // namespace octet
