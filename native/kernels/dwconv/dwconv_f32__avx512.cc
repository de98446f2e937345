// AVX-512 depthwise: 4 output pixels at a time (then 3, 2, 1) × 64 channels in 16 zmm accumulators,
// then 32 and 16 channels, then one masked step for the last 1-15 channels (masked loads do not
// fault on skipped lanes). Several pixels per step share each weight load and give the FMA pipes
// independent chains: one pixel of 16 or 32 channels is a single chain or two, which the fma
// latency throttles to a fraction of the FMA throughput (MobileNetV2's 32-channel layer).
// Per lane the operations are the scalar definition's — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"

namespace octet {

namespace {

template <bool Clamp>
inline __m512 finish(__m512 acc, __m512 bias, __m512 lo, __m512 hi) {
  __m512 y = _mm512_add_ps(acc, bias);
  // max(y, lo) = y > lo ? y : lo. The all-lanes masked forms are the same instructions; they only
  // spare GCC 12 a false "uninitialized" warning about the plain intrinsics' undefined source.
  if (Clamp) {
    y = _mm512_mask_max_ps(y, 0xFFFF, y, lo);
    y = _mm512_mask_min_ps(y, 0xFFFF, y, hi);
  }
  return y;
}

// P pixels × V vectors of 16 channels from channel c; with Masked (V = 1) only the lanes in `mask`.
// Pixel p's tap t reads in[p * step + t] + shift + p * input_stride (see dwconv()).
template <bool Clamp, int P, int V, bool Masked>
inline void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out,
                  size_t c, __mmask16 mask, __m512 lo, __m512 hi) {
  const size_t C = a.channels, T = a.taps;
  const auto load = [&](const float* p) { return Masked ? _mm512_maskz_loadu_ps(mask, p) : _mm512_loadu_ps(p); };
  __m512 acc[P][V];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[p][v] = _mm512_setzero_ps();
  const float* w = a.weights + c;
  for (size_t t = 0; t < T; ++t, w += C) {
    __m512 wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = load(w + 16 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* x = in[p * step + t] + (shift + p * a.input_stride) + c;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p][v] = _mm512_fmadd_ps(load(x + 16 * v), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m512 bias = load(a.bias + c + 16 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      float* y = out + p * a.output_stride + c + 16 * v;
      const __m512 r = finish<Clamp>(acc[p][v], bias, lo, hi);
      if (Masked) _mm512_mask_storeu_ps(y, mask, r);
      else _mm512_storeu_ps(y, r);
    }
  }
}

// All channels of P pixels.
template <bool Clamp, int P>
void pixels(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, __m512 lo, __m512 hi) {
  const size_t C = a.channels;
  size_t c = 0;
  for (; c + 64 <= C; c += 64) block<Clamp, P, 4, false>(a, in, step, shift, out, c, 0xFFFF, lo, hi);
  if (c + 32 <= C) {
    block<Clamp, P, 2, false>(a, in, step, shift, out, c, 0xFFFF, lo, hi);
    c += 32;
  }
  if (c + 16 <= C) {
    block<Clamp, P, 1, false>(a, in, step, shift, out, c, 0xFFFF, lo, hi);
    c += 16;
  }
  if (c < C) block<Clamp, P, 1, true>(a, in, step, shift, out, c, static_cast<__mmask16>((1u << (C - c)) - 1), lo, hi);
}

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const __m512 lo = _mm512_set1_ps(a.min), hi = _mm512_set1_ps(a.max);
  const size_t T = a.taps;
  // Pixel p's tap t is input[p * step + t] + p * input_stride: a pointer per pixel and tap (step =
  // taps, input_stride = 0), or per tap (step = 0, see DwConvF32Args).
  const size_t step = a.input_stride == 0 ? T : 0;
  size_t p = 0;
  for (; p + 4 <= a.pixels; p += 4)
    pixels<Clamp, 4>(a, a.input + p * step, step, p * a.input_stride, a.output + p * a.output_stride, lo, hi);
  const float* const* in = a.input + p * step;
  const size_t shift = p * a.input_stride;
  float* out = a.output + p * a.output_stride;
  switch (a.pixels - p) {
    case 3: pixels<Clamp, 3>(a, in, step, shift, out, lo, hi); break;
    case 2: pixels<Clamp, 2>(a, in, step, shift, out, lo, hi); break;
    case 1: pixels<Clamp, 1>(a, in, step, shift, out, lo, hi); break;
    default: break;
  }
}

void dwconv_f32_avx512(const DwConvF32Args& args) {
  // A private copy: vector stores may alias anything, so through the caller's struct every field was
  // reloaded after every store; a local whose address never escapes stays in registers.
  const DwConvF32Args a = args;
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kAvx512{Isa::kAvx512Vnni, "dwconv_f32_4x64__avx512", dwconv_f32_avx512};

}  // namespace

const DwConvKernel* dwconv_kernel_avx512() { return &kAvx512; }

}  // namespace octet
