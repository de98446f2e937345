// AVX2+FMA depthwise: 4 output pixels at a time (then 3, 2, 1) × 16 channels in 8 ymm accumulators,
// then 8 channels, then one masked step for the last 1-7 channels (maskload never touches the lanes
// it skips, so no read goes past a caller's buffer). Several pixels per step share each weight load
// and give the FMA pipes independent chains (one pixel's few chains are throttled by the fma
// latency). Per lane the operations are the scalar definition's: fma per tap in order, + bias,
// maxps/minps clamp — bit-identical.
#include <immintrin.h>

#include "dwconv_kernel.h"

namespace octet {

namespace {

alignas(32) const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <bool Clamp>
inline __m256 finish(__m256 acc, __m256 bias, __m256 lo, __m256 hi) {
  __m256 y = _mm256_add_ps(acc, bias);
  if (Clamp) y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);  // max(y, lo) = y > lo ? y : lo
  return y;
}

// P pixels × V vectors of 8 channels from channel c; with Masked (V = 1) only the lanes in `mask`.
// 8 accumulators, 2 weights and a load: 11 of the 16 ymm registers. Pixel p's tap t reads
// in[p * step + t] + shift + p * input_stride (see dwconv()).
template <bool Clamp, int P, int V, bool Masked>
inline void block(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out,
                  size_t c, __m256i mask, __m256 lo, __m256 hi) {
  const size_t C = a.channels, T = a.taps;
  const auto load = [&](const float* p) { return Masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p); };
  __m256 acc[P][V];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[p][v] = _mm256_setzero_ps();
  const float* w = a.weights + c;
  for (size_t t = 0; t < T; ++t, w += C) {
    __m256 wv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) wv[v] = load(w + 8 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* x = in[p * step + t] + (shift + p * a.input_stride) + c;
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[p][v] = _mm256_fmadd_ps(load(x + 8 * v), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 2
  for (int v = 0; v < V; ++v) {
    const __m256 bias = load(a.bias + c + 8 * v);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      float* y = out + p * a.output_stride + c + 8 * v;
      const __m256 r = finish<Clamp>(acc[p][v], bias, lo, hi);
      if (Masked) _mm256_maskstore_ps(y, mask, r);
      else _mm256_storeu_ps(y, r);
    }
  }
}

// All channels of P pixels.
template <bool Clamp, int P>
void pixels(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, __m256 lo, __m256 hi) {
  const size_t C = a.channels;
  const __m256i all = _mm256_set1_epi32(-1);
  size_t c = 0;
  for (; c + 16 <= C; c += 16) block<Clamp, P, 2, false>(a, in, step, shift, out, c, all, lo, hi);
  if (c + 8 <= C) {
    block<Clamp, P, 1, false>(a, in, step, shift, out, c, all, lo, hi);
    c += 8;
  }
  if (c < C) {
    const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - (C - c)));
    block<Clamp, P, 1, true>(a, in, step, shift, out, c, mask, lo, hi);
  }
}

template <bool Clamp>
void dwconv(const DwConvF32Args& a) {
  const __m256 lo = _mm256_set1_ps(a.min), hi = _mm256_set1_ps(a.max);
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

void dwconv_f32_avx2(const DwConvF32Args& args) {
  // A private copy: vector stores may alias anything, so through the caller's struct every field was
  // reloaded after every store; a local whose address never escapes stays in registers.
  const DwConvF32Args a = args;
  if (a.clamp) dwconv<true>(a);
  else dwconv<false>(a);
}

const DwConvKernel kAvx2{Isa::kAvx2, "dwconv_f32_4x16__avx2", dwconv_f32_avx2};

}  // namespace

const DwConvKernel* dwconv_kernel_avx2() { return &kAvx2; }

}  // namespace octet
