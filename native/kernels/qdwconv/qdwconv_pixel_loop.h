// The pixel loop the SIMD quantized depthwise kernels share (qdwconv__avx2.cc, qdwconv__avx512.cc,
// qdwconv__neon.cc): output pixels 4 at a time, then the last 3, 2 or 1; for each group of pixels all
// channels in packed tiles (whole tiles, then a half tile, then the rest either as one masked tile or
// one channel at a time, the scalar kernel's way); the Signed and Kind template instances chosen once
// per call. Each ISA file supplies, inside its own anonymous namespace, a struct K with
//   Requant                    its requantization constants, built once per call from the args;
//   static constexpr size_t kTile      channels per packed tile;
//   static constexpr size_t kHalfTile  channels of a half tile done after the whole ones (0: none);
//   static constexpr bool kMaskedTail  the last channels go as one tile<..., Tile::kMasked> (true), or
//                                      one at a time (false: K::packed_index(t, c, taps) then says
//                                      where the int16 weight of tap t of channel c is packed);
//   template <bool Signed, OutputKind Kind, int P, Tile Part>
//   static void tile(a, rq, in, step, shift, c, n, out, out_stride)
//     channels c to c + n - 1 of P pixels, n being kTile (Part kWhole), kHalfTile (kHalf) or the
//     channels left, 1 to kTile - 1 (kMasked). Pixel p's tap t reads in[p * step + t] + shift +
//     p * a.input_stride from channel 0 (so + c for channel c), and its output starts at
//     out + p * out_stride (bytes), also at channel 0.
// and sets its table's run to qdwconv::run<K>. Everything here is a template on K, so each ISA file
// compiles its own copy with its own flags (nothing shared between them at link time), and the tile
// functions inline into pixels() exactly as when each file carried this loop itself.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "qdwconv_kernel.h"

namespace octet::qdwconv {

// Which channels a tile call covers (see above).
enum class Tile { kWhole, kHalf, kMasked };

// One channel of one pixel, the scalar kernel's way (the channels after the last whole or half tile).
template <class K, bool Signed, OutputKind Kind>
void one_channel(const QDwConvArgs& a, const uint8_t* const* in, size_t shift, size_t c, void* out) {
  const int16_t* weights = static_cast<const int16_t*>(a.weights);
  uint32_t sum = static_cast<uint32_t>(a.bias[c]);
  for (size_t t = 0; t < a.taps; ++t) {
    const uint8_t byte = in[t][shift + c];
    const int32_t x = Signed ? static_cast<int32_t>(static_cast<int8_t>(byte)) : static_cast<int32_t>(byte);
    sum += static_cast<uint32_t>(x * weights[K::packed_index(t, c, a.taps)]);
  }
  const int32_t acc = static_cast<int32_t>(sum);
  if (Kind == OutputKind::kInt32) {
    static_cast<int32_t*>(out)[c] = acc;
    return;
  }
  float f = static_cast<float>(acc) * a.scale[c];
  f = f > a.lo ? f : a.lo;
  f = f < a.hi ? f : a.hi;
  const int32_t q = static_cast<int32_t>(std::nearbyint(f)) + a.zero_point;
  static_cast<uint8_t*>(out)[c] = static_cast<uint8_t>(q);  // the low byte, for int8 as for uint8
}

// All channels of P pixels: whole tiles, half a tile, then the masked tile or one channel at a time.
template <class K, bool Signed, OutputKind Kind, int P>
void pixels(const QDwConvArgs& a, const typename K::Requant& rq, const uint8_t* const* in, size_t step, size_t shift,
            uint8_t* out, size_t out_stride) {
  const size_t C = a.channels;
  size_t c = 0;
  for (; c + K::kTile <= C; c += K::kTile)
    K::template tile<Signed, Kind, P, Tile::kWhole>(a, rq, in, step, shift, c, K::kTile, out, out_stride);
  if constexpr (K::kHalfTile != 0) {
    if (c + K::kHalfTile <= C) {
      K::template tile<Signed, Kind, P, Tile::kHalf>(a, rq, in, step, shift, c, K::kHalfTile, out, out_stride);
      c += K::kHalfTile;
    }
  }
  if constexpr (K::kMaskedTail) {
    if (c < C) K::template tile<Signed, Kind, P, Tile::kMasked>(a, rq, in, step, shift, c, C - c, out, out_stride);
  } else {
    for (int p = 0; p < P; ++p)
      for (size_t tail = c; tail < C; ++tail)
        one_channel<K, Signed, Kind>(a, in + p * step, shift + p * a.input_stride, tail, out + p * out_stride);
  }
}

template <class K, bool Signed, OutputKind Kind>
void run_kind(const QDwConvArgs& a) {
  const typename K::Requant rq(a);
  // Pixel p's tap t is input[p * step + t] + p * input_stride: a pointer per pixel and tap (step =
  // taps, input_stride = 0), or per tap (step = 0).
  const size_t step = a.input_stride == 0 ? a.taps : 0;
  const size_t out_stride = a.output_stride * (Kind == OutputKind::kInt32 ? sizeof(int32_t) : 1);  // bytes
  uint8_t* const output = static_cast<uint8_t*>(a.output);
  size_t p = 0;
  for (; p + 4 <= a.pixels; p += 4)
    pixels<K, Signed, Kind, 4>(a, rq, a.input + p * step, step, p * a.input_stride, output + p * out_stride, out_stride);
  const uint8_t* const* in = a.input + p * step;
  const size_t shift = p * a.input_stride;
  uint8_t* out = output + p * out_stride;
  switch (a.pixels - p) {
    case 3: pixels<K, Signed, Kind, 3>(a, rq, in, step, shift, out, out_stride); break;
    case 2: pixels<K, Signed, Kind, 2>(a, rq, in, step, shift, out, out_stride); break;
    case 1: pixels<K, Signed, Kind, 1>(a, rq, in, step, shift, out, out_stride); break;
    default: break;
  }
}

template <class K, bool Signed>
void run_signed(const QDwConvArgs& a) {
  if (a.kind == OutputKind::kInt32) run_kind<K, Signed, OutputKind::kInt32>(a);
  else run_kind<K, Signed, OutputKind::kUint8>(a);  // kInt8 too: the same low bytes
}

// QDwConvKernel::run for the ISA K.
// (The arguments are copied: vector stores may alias anything, and through the caller's struct every
// field would be reloaded after every store; a local whose address never escapes stays in registers.)
template <class K>
void run(const QDwConvArgs& args) {
  const QDwConvArgs a = args;
  if (a.input_signed) run_signed<K, true>(a);
  else run_signed<K, false>(a);
}

}  // namespace octet::qdwconv
