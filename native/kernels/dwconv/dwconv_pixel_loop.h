// The pixel loop the SIMD float depthwise kernels share (dwconv_f32__avx2.cc, dwconv_f32__avx512.cc,
// dwconv_f32__neon.cc): output pixels 4 at a time, then the last 3, 2 or 1; for each group of pixels
// all channels (whole tiles, then narrower blocks, then the last channels either as one masked block
// or one at a time by the definition); the Clamp template instance chosen once per call. Each ISA
// file supplies, inside its own anonymous namespace, a struct K with
//   Vec                          its float vector type;
//   static Vec broadcast(float)  a vector of one value (the clamp bounds, once per call);
//   static constexpr size_t kLanes       floats per vector;
//   static constexpr int kTileVectors    vectors per whole tile (1, 2 or 4);
//   static constexpr bool kHalving       after the whole tiles, half a tile, a quarter, ... down to one
//                                        vector, each at most once (true); or one vector at a time
//                                        while one fits (false);
//   static constexpr bool kMaskedTail    the last 1 to kLanes - 1 channels go as one
//                                        block<Clamp, P, 1, true> (true), or one at a time by the
//                                        definition (false);
//   template <bool Clamp, int P, int V, bool Masked>
//   static void block(a, in, step, shift, out, c, n, lo, hi)
//     channels c to c + n - 1 of P pixels: V vectors (n = V * kLanes), or with Masked (V = 1) the
//     n = 1 to kLanes - 1 channels left (n's type is K's: any unsigned type holding a tile's count).
//     Pixel p's tap t reads in[p * step + t] + shift + p * a.input_stride from channel 0 (so + c for
//     channel c), and its output starts at out + p * a.output_stride, also at channel 0. lo and hi
//     are the clamp bounds (used with Clamp).
// and sets its table's f32 to dwconv::run<K>. Everything here is a template on K, so each ISA file
// compiles its own copy with its own flags (nothing shared between them at link time), and the
// blocks inline into pixels() exactly as when each file carried this loop itself.
#pragma once

#include <cmath>
#include <cstddef>

#include "dwconv_kernel.h"

namespace octet::dwconv {

// All channels of P pixels: whole tiles, narrower blocks, then the last channels masked or one by one.
template <class K, bool Clamp, int P>
void pixels(const DwConvF32Args& a, const float* const* in, size_t step, size_t shift, float* out, typename K::Vec lo,
            typename K::Vec hi) {
  constexpr int kV = K::kTileVectors;
  static_assert(kV == 1 || kV == 2 || kV == 4, "a whole tile is 1, 2 or 4 vectors");
  constexpr size_t kL = K::kLanes, kTile = kV * kL;
  const size_t C = a.channels, T = a.taps;  // T only for the channel-by-channel tail (read here as before)
  size_t c = 0;
  for (; c + kTile <= C; c += kTile) K::template block<Clamp, P, kV, false>(a, in, step, shift, out, c, kTile, lo, hi);
  if constexpr (K::kHalving) {
    if constexpr (kV >= 4) {
      if (c + 2 * kL <= C) {
        K::template block<Clamp, P, 2, false>(a, in, step, shift, out, c, 2 * kL, lo, hi);
        c += 2 * kL;
      }
    }
    if constexpr (kV >= 2) {
      if (c + kL <= C) {
        K::template block<Clamp, P, 1, false>(a, in, step, shift, out, c, kL, lo, hi);
        c += kL;
      }
    }
  } else if constexpr (kV > 1) {
    for (; c + kL <= C; c += kL) K::template block<Clamp, P, 1, false>(a, in, step, shift, out, c, kL, lo, hi);
  }
  if constexpr (K::kMaskedTail) {
    if (c < C) K::template block<Clamp, P, 1, true>(a, in, step, shift, out, c, C - c, lo, hi);
  } else {
    // The definition (dwconv_kernel.h), one channel of one pixel at a time.
    for (; c < C; ++c)
      for (int p = 0; p < P; ++p) {
        float acc = 0.0f;
        for (size_t t = 0; t < T; ++t)
          acc = std::fma(in[p * step + t][shift + p * a.input_stride + c], a.weights[t * C + c], acc);
        float y = acc + a.bias[c];
        if (Clamp) {
          y = y > a.min ? y : a.min;
          y = y < a.max ? y : a.max;
        }
        out[p * a.output_stride + c] = y;
      }
  }
}

template <class K, bool Clamp>
void run_clamped(const DwConvF32Args& a) {
  const typename K::Vec lo = K::broadcast(a.min), hi = K::broadcast(a.max);
  const size_t T = a.taps;
  // Pixel p's tap t is input[p * step + t] + p * input_stride: a pointer per pixel and tap (step =
  // taps, input_stride = 0), or per tap (step = 0, see DwConvF32Args).
  const size_t step = a.input_stride == 0 ? T : 0;
  size_t p = 0;
  for (; p + 4 <= a.pixels; p += 4)
    pixels<K, Clamp, 4>(a, a.input + p * step, step, p * a.input_stride, a.output + p * a.output_stride, lo, hi);
  const float* const* in = a.input + p * step;
  const size_t shift = p * a.input_stride;
  float* out = a.output + p * a.output_stride;
  switch (a.pixels - p) {
    case 3: pixels<K, Clamp, 3>(a, in, step, shift, out, lo, hi); break;
    case 2: pixels<K, Clamp, 2>(a, in, step, shift, out, lo, hi); break;
    case 1: pixels<K, Clamp, 1>(a, in, step, shift, out, lo, hi); break;
    default: break;
  }
}

// DwConvKernel::f32 for the ISA K.
// (The arguments are copied: vector stores may alias anything, and through the caller's struct every
// field would be reloaded after every store; a local whose address never escapes stays in registers.)
template <class K>
void run(const DwConvF32Args& args) {
  const DwConvF32Args a = args;
  if (a.clamp) run_clamped<K, true>(a);
  else run_clamped<K, false>(a);
}

}  // namespace octet::dwconv
