// NEON quantized depthwise: 4 output pixels at a time (then 3, 2, 1) × one packed tile of 16
// channels in 16 q accumulators, then half a tile (8 channels), then the last 1-7 channels one at a
// time as the scalar kernel does them. Several pixels per tile share each weight load and give the
// multiply-accumulate pipes independent chains (as in the float kernel).
//
// Per tap the input bytes are widened to int16 (uxtl/sxtl) and SMLAL multiplies them by the int16
// weights into int32 lanes — exact, as |x| <= 255 and |w| <= 255 — so no tap pairing is needed.
// Integer sums are exact and wrap like the definition's, in any order; the requantization is the
// definition's IEEE steps lane by lane: SCVTF, FMUL, the clamp as compare and select (the x86
// maxps/minps rule of the definition), FCVTNS (round half to even, as std::nearbyint in the default
// mode), and truncating narrows that keep the low byte of q like the scalar kernel's cast —
// bit-identical.
//
// Packed weights: tiles of 16 channels (the last padded with zero weights); a tile holds, tap by tap,
// its 16 channels' int16 weights.
#include <arm_neon.h>

#include <cstring>

#include "qdwconv_kernel.h"
#include "qdwconv_pixel_loop.h"

namespace octet {

namespace {

constexpr size_t kTile = 16;  // channels per packed tile

size_t tiles(size_t channels) { return (channels + kTile - 1) / kTile; }

// Where tap t of channel c lives in the packed weights.
size_t packed_index(size_t t, size_t c, size_t taps) { return c / kTile * taps * kTile + t * kTile + c % kTile; }

size_t packed_bytes(size_t taps, size_t channels) { return tiles(channels) * taps * kTile * sizeof(int16_t); }

void pack(const int16_t* w, size_t taps, size_t channels, void* packed) {
  int16_t* out = static_cast<int16_t*>(packed);
  std::memset(out, 0, packed_bytes(taps, channels));  // padding channels
  for (size_t t = 0; t < taps; ++t)
    for (size_t c = 0; c < channels; ++c) out[packed_index(t, c, taps)] = w[t * channels + c];
}

// 8 input bytes as int16.
template <bool Signed>
inline int16x8_t widen(uint8x8_t bytes) {
  return Signed ? vmovl_s8(vreinterpret_s8_u8(bytes)) : vreinterpretq_s16_u16(vmovl_u8(bytes));
}

// acc[0..1] += x · w for 8 channels (4 per accumulator).
inline void multiply_add8(int16x8_t x, int16x8_t w, int32x4_t acc[2]) {
  acc[0] = vmlal_s16(acc[0], vget_low_s16(x), vget_low_s16(w));
  acc[1] = vmlal_high_s16(acc[1], x, w);
}

// The requantization constants, broadcast once per call.
struct Requant {
  float32x4_t lo, hi;
  int32x4_t zero_point;
  explicit Requant(const QDwConvArgs& a) : lo(vdupq_n_f32(a.lo)), hi(vdupq_n_f32(a.hi)), zero_point(vdupq_n_s32(a.zero_point)) {}
};

// The requantization of 4 channels: float(acc) · scale; f = f > lo ? f : lo; f = f < hi ? f : hi
// (compare and select: the definition's rule); round half to even; plus the zero point.
inline int32x4_t quantize(int32x4_t acc, const float* scale, const Requant& rq) {
  float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(scale));
  f = vbslq_f32(vcgtq_f32(f, rq.lo), f, rq.lo);
  f = vbslq_f32(vcltq_f32(f, rq.hi), f, rq.hi);
  return vaddq_s32(vcvtnq_s32_f32(f), rq.zero_point);
}

// The low bytes of 8 channels' q (XTN truncates: the scalar kernel's cast).
inline int8x8_t low_bytes(int32x4_t q0, int32x4_t q1) { return vmovn_s16(vcombine_s16(vmovn_s32(q0), vmovn_s32(q1))); }

// Writes `groups` (2 or 4) groups of 4 channels' sums from channel c of one pixel.
template <OutputKind Kind>
inline void store(const QDwConvArgs& a, const Requant& rq, const int32x4_t* acc, int groups, size_t c, void* out) {
  if (Kind == OutputKind::kInt32) {
    int32_t* y = static_cast<int32_t*>(out) + c;
    for (int g = 0; g < groups; ++g) vst1q_s32(y + 4 * g, acc[g]);
    return;
  }
  int8_t* y = static_cast<int8_t*>(out) + c;
  for (int g = 0; g < groups; g += 2)
    vst1_s8(y + 4 * g, low_bytes(quantize(acc[g], a.scale + c + 4 * g, rq), quantize(acc[g + 1], a.scale + c + 4 * g + 4, rq)));
}

// One tile (16 channels from c) of P pixels, or with Half its first 8 channels. Pixel p's tap t reads
// in[p * step + t] + shift + p * input_stride (see qdwconv_pixel_loop.h), and its output starts at
// out + p * out_stride (bytes). P pixels share every weight load and keep up to 4P sums in flight.
template <bool Signed, OutputKind Kind, int P, bool Half>
inline void tile_of_pixels(const QDwConvArgs& a, const Requant& rq, const uint8_t* const* in, size_t step, size_t shift,
                           size_t c, uint8_t* out, size_t out_stride) {
  constexpr int kGroups = Half ? 2 : 4;  // of 4 channels
  const size_t T = a.taps;
  const int16_t* w = static_cast<const int16_t*>(a.weights) + c / kTile * T * kTile;
  int32x4_t bias[kGroups];  // the sums start at the bias
#pragma GCC unroll 4
  for (int g = 0; g < kGroups; ++g) bias[g] = vld1q_s32(a.bias + c + 4 * g);
  int32x4_t acc[P][kGroups];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) acc[p][g] = bias[g];
  for (size_t t = 0; t < T; ++t, w += kTile) {
    const int16x8_t w0 = vld1q_s16(w);
    const int16x8_t w1 = Half ? w0 : vld1q_s16(w + 8);
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const uint8_t* x = in[p * step + t] + (shift + p * a.input_stride) + c;
      if (Half) {
        multiply_add8(widen<Signed>(vld1_u8(x)), w0, acc[p]);
      } else {
        const uint8x16_t bytes = vld1q_u8(x);
        multiply_add8(widen<Signed>(vget_low_u8(bytes)), w0, acc[p]);
        multiply_add8(widen<Signed>(vget_high_u8(bytes)), w1, acc[p] + 2);
      }
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) store<Kind>(a, rq, acc[p], kGroups, c, out + p * out_stride);
}

// What the shared pixel loop (qdwconv_pixel_loop.h) runs: whole tiles of 16 channels, half a tile,
// then the last 1-7 channels one at a time.
struct Neon {
  using Requant = octet::Requant;
  static constexpr size_t kTile = octet::kTile;
  static constexpr size_t kHalfTile = 8;
  static constexpr bool kMaskedTail = false;
  static size_t packed_index(size_t t, size_t c, size_t taps) { return octet::packed_index(t, c, taps); }
  template <bool Signed, OutputKind Kind, int P, qdwconv::Tile Part>
  static void tile(const QDwConvArgs& a, const Requant& rq, const uint8_t* const* in, size_t step, size_t shift, size_t c,
                   size_t n, uint8_t* out, size_t out_stride) {
    tile_of_pixels<Signed, Kind, P, Part == qdwconv::Tile::kHalf>(a, rq, in, step, shift, c, out, out_stride);
  }
};

const QDwConvKernel kNeon{Isa::kNeon, "qdwconv_c16__neon", packed_bytes, pack, qdwconv::run<Neon>};

}  // namespace

const QDwConvKernel* qdwconv_kernel_neon() { return &kNeon; }

}  // namespace octet
