// Vector math over float arrays, one table per ISA: the transcendental functions the elementwise
// operators, the fused activations and Softmax share, and the float32 binary kernels.
//
// Bit identity. Every function is written once, in vmath_algorithms.h, against a handful of SIMD
// primitives (add, mul, fma, compare, select, int32 bit operations). Each ISA file defines those
// primitives — the scalar file for a "vector" of one float, with std::fma — and includes the
// algorithms, so every path performs the same IEEE operations in the same order and the results are
// identical bit for bit, NaN payloads included (a NaN input is returned as it is).
//
// Definitions (all inputs allowed: ±0, ±inf, NaN, subnormals):
//   exp        range reduction x = n·ln2 + r (n rounded to nearest, two-constant Cody-Waite), a
//              degree-5 minimax polynomial (Cephes), scaled by 2^n in two exact steps so subnormal
//              results are rounded once; overflow → +inf, underflow → 0.
//   log        x = 2^e·m, m in [√½, √2), polynomial in m−1 (Cephes); 0 → −inf, x<0 → NaN, +inf → +inf.
//   sigmoid    e = exp(−|x|); (x > 0 ? 1 : e) / (1 + e) — no cancellation on either side.
//   tanh       expm1(−2|x|) by the exp reduction (s·p + (s−1)); t/(t+2); the sign of x copied back.
//   erf        |x| < 0.875: x·P(x²); else 1 − erfc(|x|), erfc(z) = exp(−z²)·R(z) with z² split exactly
//              (hi + lo by fma) so the exponent carries no rounding error; the sign copied back.
//   gelu_erf   x·Φ(x), Φ(x) = ½·erfc(−x/√2) — the lower tail computed from erfc directly (relative
//              accuracy where ½(1+erf) would cancel).
//   gelu_tanh  x·sigmoid(2·√(2/π)·x·(1 + 0.044715·x²)) — equal to ½x(1+tanh(...)) without cancellation.
//   softplus   max(x,0) + log1p(exp(−|x|)), log1p(e) = log(u)·e/(u−1), u = 1+e (Kahan).
//   mish       x·tanh(softplus(x)) = x·n/(n+2), n = e(e+2), e = exp(min(x, 20)).
//   elu        gamma·(x > 0 ? x : alpha·expm1(x))      (Elu: gamma = 1; Selu)
//   celu       x > 0 ? x : alpha·expm1(x / alpha)
//   clamp      m = (lo > x ? lo : x); (hi < m ? hi : m) — NaN passes through (Relu, Clip).
//   leaky_relu x < 0 ? alpha·x : x.        hard_sigmoid clamp(alpha·x + beta, 0, 1) (no fma).
//   hard_swish x·clamp(x·(1/6) + 0.5, 0, 1).
//   binary     add, sub, mul, div; max/min return a NaN operand if either is NaN, else (a > b ? a : b)
//              / (a < b ? a : b); prelu(x, slope) = x < 0 ? slope·x : x.
//   reduce_max, exp_shifted_sum: 16 interleaved partial results (element i goes to lane i mod 16,
//              short blocks padded with −inf / +0), combined by a fixed halving tree — one summation
//              order for every ISA, so sums are bit-identical too.
// Accuracy against double precision (tests/test_vmath.cc, results in the normal range): exp 1.0 ulp,
// log 0.74, sigmoid 2.1, tanh 2.5, erf 2.4, softplus 2.5, mish 3.9, gelu_tanh 3.5 for x ≥ −1 (below,
// its own argument's rounding is amplified |u|-fold; absolute error stays < 1e-7), gelu_erf 6.7 (the
// lower tail, ½x·erfc, is relative-accurate where ½x(1+erf) would lose every digit).
// Speed (AVX-512, Zen 4, ns per element): exp 0.18, sigmoid 0.24, tanh 0.21, erf 0.39, gelu_erf 0.45.
// The scalar path calls the C library's fmaf (no -mfma in the portable build): ~50× slower.
#pragma once

#include <cstddef>

#include "../../core/isa.h"

namespace octet {

enum class VBinaryOp : int { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kPRelu, kCount };
// Which operand is a single broadcast value: kVV none, kVS b, kSV a.
enum class VBroadcast : int { kVV = 0, kVS, kSV, kCount };

using VUnaryFn = void (*)(const float* x, float* y, size_t n);
using VBinaryFn = void (*)(const float* a, const float* b, float* y, size_t n);

// Every function accepts y == x (and y == a or y == b): each element is read before it is written.
struct VMathKernels {
  Isa isa;
  VUnaryFn exp, log, sigmoid, tanh, erf, gelu_erf, gelu_tanh, softplus, mish;
  void (*elu)(const float* x, float* y, size_t n, float alpha, float gamma);
  void (*celu)(const float* x, float* y, size_t n, float alpha);
  void (*clamp)(const float* x, float* y, size_t n, float lo, float hi);
  void (*leaky_relu)(const float* x, float* y, size_t n, float alpha);
  void (*hard_sigmoid)(const float* x, float* y, size_t n, float alpha, float beta);
  void (*hard_swish)(const float* x, float* y, size_t n);
  // binary[op][mode]; with kVS, b points at one value; with kSV, a does.
  VBinaryFn binary[static_cast<int>(VBinaryOp::kCount)][static_cast<int>(VBroadcast::kCount)];
  // Largest element in the canonical order (−inf for n = 0). With a NaN present the result is
  // unspecified (the same on every ISA); Softmax needs none: the NaN reaches the sum anyway.
  float (*reduce_max)(const float* x, size_t n);
  // y[i] = exp(x[i] − shift); returns the sum of the y[i] in the canonical order.
  float (*exp_shifted_sum)(const float* x, float* y, size_t n, float shift);

  VBinaryFn binary_fn(VBinaryOp op, VBroadcast mode) const { return binary[static_cast<int>(op)][static_cast<int>(mode)]; }
};

const VMathKernels* vmath_kernels_scalar();
const VMathKernels* vmath_kernels_avx2();    // null in builds without x86-64
const VMathKernels* vmath_kernels_avx512();  // null in builds without x86-64
const VMathKernels* vmath_kernels_neon();    // null in builds without AArch64

// The table for a path (kAvx512Vnni → avx512; kAvx2, kAvxVnni → avx2; kNeon, kNeonDot → neon);
// throws a RangeError-kind Error if this build lacks it.
const VMathKernels& vmath_kernels(Isa isa);
// The table of the active path (dispatch's active_isa()).
const VMathKernels& vmath();

}  // namespace octet
