// AVX-512 quantized depthwise: 4 output pixels at a time (then 3, 2, 1) × one packed tile of 32
// channels, then one masked tile for the last 1-31 channels (masked loads never touch the bytes they
// skip, so no read goes past a caller's buffer, and masked stores leave the channels past the end
// alone). Several pixels per tile share each weight load and overlap their sums and requantizations:
// 4 pixels × 32 channels ran about 1.3x faster than 1 pixel × 64 channels (3x3 taps, 144 channels).
//
// Taps go in pairs: vpunpck{l,h}bw interleave the two taps' bytes (x_t[c], x_t+1[c]), vpmov{z,s}xbw
// widen them to int16, and one vpdpwssd (AVX512-VNNI) adds x_t·w_t + x_t+1·w_t+1 per channel to an
// int32 lane — exact, as |x| <= 255 and |w| <= 255. An odd last tap is paired with a zero vector
// (and a zero weight). Integer sums are exact and wrap like the definition's, in any order; the
// requantization is the definition's IEEE steps lane by lane (vcvtdq2ps, vmulps, vmaxps, vminps,
// vcvtps2dq in the default round-half-even mode) and keeps the low byte of q (vpmovdb), like the
// scalar kernel's cast — bit-identical. With every scale at most 0.5 it rounds first and lets
// saturating packs clamp (store_pixels_rounded): the same bytes, two pixels per permute.
//
// Packed weights: tiles of 32 channels (the last padded with zero weights); a tile holds
// ceil(taps/2) tap pairs, and a pair 64 int16 (w_t[c], w_t+1[c]) in the order the in-lane unpacks
// leave the channels: 0-7, 16-23 (the low unpack), then 8-15, 24-31 (the high one); w_taps = 0.
#include <immintrin.h>

#include <cstring>

#include "../requant/rounded_avx512.h"
#include "qdwconv_kernel.h"
#include "qdwconv_pixel_loop.h"

namespace octet {

namespace {

constexpr size_t kTile = 32;              // channels per packed tile
constexpr size_t kPairWords = 2 * kTile;  // int16 per tap pair of a tile

size_t tap_pairs(size_t taps) { return (taps + 1) / 2; }
size_t tile_words(size_t taps) { return tap_pairs(taps) * kPairWords; }
size_t tiles(size_t channels) { return (channels + kTile - 1) / kTile; }

// Where tap t of channel c lives in the packed weights: tile, pair, then the unpacks' channel order
// (the channel's 8-group's parity picks the low or high half, its 16-group the 128-bit lane).
size_t packed_index(size_t t, size_t c, size_t taps) {
  const size_t in_tile = c % kTile;
  const size_t word = in_tile / 8 % 2 * 32 + in_tile / 16 * 16 + in_tile % 8 * 2 + t % 2;
  return c / kTile * tile_words(taps) + t / 2 * kPairWords + word;
}

size_t packed_bytes(size_t taps, size_t channels) { return tiles(channels) * tile_words(taps) * sizeof(int16_t); }

void pack(const int16_t* w, size_t taps, size_t channels, void* packed) {
  int16_t* out = static_cast<int16_t*>(packed);
  std::memset(out, 0, packed_bytes(taps, channels));  // padding channels and the missing odd tap
  for (size_t t = 0; t < taps; ++t)
    for (size_t c = 0; c < channels; ++c) out[packed_index(t, c, taps)] = w[t * channels + c];
}

template <bool Signed>
inline __m512i widen(__m256i bytes) {
  return Signed ? _mm512_cvtepi8_epi16(bytes) : _mm512_cvtepu8_epi16(bytes);
}

template <bool Masked>
inline __m256i load32(const uint8_t* p, __mmask32 mask) {
  return Masked ? _mm256_maskz_loadu_epi8(mask, p) : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Adds one tap pair of a tile: x0/x1 hold the two taps' 32 bytes (x1 zero for a lone last tap), w
// the tile's pair. acc[0] gets channels 0-7 and 16-23, acc[1] channels 8-15 and 24-31.
template <bool Signed>
inline void add_pair(__m256i x0, __m256i x1, const int16_t* w, __m512i acc[2]) {
  acc[0] = _mm512_dpwssd_epi32(acc[0], widen<Signed>(_mm256_unpacklo_epi8(x0, x1)), _mm512_loadu_si512(w));
  acc[1] = _mm512_dpwssd_epi32(acc[1], widen<Signed>(_mm256_unpackhi_epi8(x0, x1)), _mm512_loadu_si512(w + 32));
}

// The requantization constants, broadcast once per call. `rounded`: 8-bit output with every scale at
// most 0.5 (QDwConvArgs::scale_at_most_half), requantized by store_pixels_rounded.
struct Requant {
  __m512 lo, hi;
  __m512i zero_point;
  requant_avx512::Constants round_first;
  bool rounded, out_signed;
  explicit Requant(const QDwConvArgs& a)
      : lo(_mm512_set1_ps(a.lo)),
        hi(_mm512_set1_ps(a.hi)),
        zero_point(_mm512_set1_epi32(a.zero_point)),
        round_first(a.zero_point, a.lo, a.hi),
        rounded(a.scale_at_most_half && a.kind != OutputKind::kInt32),
        out_signed(a.kind == OutputKind::kInt8) {}
};

// Writes the sums of 16 channels from c (those in `mask`).
template <OutputKind Kind, bool Masked>
inline void store16(const QDwConvArgs& a, const Requant& rq, __m512i acc, __mmask16 mask, size_t c, void* out) {
  if (Kind == OutputKind::kInt32) {
    int32_t* y = static_cast<int32_t*>(out) + c;
    if (Masked) _mm512_mask_storeu_epi32(y, mask, acc);
    else _mm512_storeu_si512(y, acc);
    return;
  }
  const __m512 scale = Masked ? _mm512_maskz_loadu_ps(mask, a.scale + c) : _mm512_loadu_ps(a.scale + c);
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
  f = _mm512_min_ps(_mm512_max_ps(f, rq.lo), rq.hi);  // max(f, lo) = f > lo ? f : lo, as the definition
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), rq.zero_point);
  const __m128i bytes = _mm512_cvtepi32_epi8(q);  // the low byte of each lane, as the scalar cast
  uint8_t* y = static_cast<uint8_t*>(out) + c;
  if (Masked) _mm_mask_storeu_epi8(y, mask, bytes);
  else _mm_storeu_si128(reinterpret_cast<__m128i*>(y), bytes);
}

// Puts a tile's sums back in channel order (128-bit lanes: acc[0] holds 0-3, 4-7, 16-19, 20-23 and
// acc[1] 8-11, 12-15, 24-27, 28-31) and writes the channels of `mask` from c.
template <OutputKind Kind, bool Masked>
inline void store_tile(const QDwConvArgs& a, const Requant& rq, const __m512i acc[2], __mmask32 mask, size_t c, void* out) {
  const __m512i first = _mm512_shuffle_i64x2(acc[0], acc[1], _MM_SHUFFLE(1, 0, 1, 0));   // channels 0-15
  const __m512i second = _mm512_shuffle_i64x2(acc[0], acc[1], _MM_SHUFFLE(3, 2, 3, 2));  // channels 16-31
  store16<Kind, Masked>(a, rq, first, static_cast<__mmask16>(mask), c, out);
  // A tail of 16 channels or fewer has nothing in the second half (and c + 16 may be past the end).
  if (!Masked || (mask >> 16) != 0) store16<Kind, Masked>(a, rq, second, static_cast<__mmask16>(mask >> 16), c + 16, out);
}

// Two pixels' tiles (p and q; Pixels = 1: p alone) to bytes, round-first (kernels/requant/
// rounded_avx512.h), as the int8 GEMM's fused tile. The sums are in the unpacks' channel order
// (acc[0]: 0-3, 4-7, 16-19, 20-23 by 128-bit lane; acc[1]: 8-11, 12-15, 24-27, 28-31), and the packs
// leave, per lane, 4-byte groups of p then q; one permute puts p's 32 channels in the low half and
// q's in the high half.
template <bool Masked, int Pixels>
__attribute__((always_inline)) inline void store_pixels_rounded(const Requant& rq, const __m512i acc_p[2], const __m512i acc_q[2],
                                                                __m512 scale_low, __m512 scale_high, __mmask32 mask, uint8_t* out_p,
                                                                uint8_t* out_q) {
  const requant_avx512::Constants& k = rq.round_first;
  const __m512i words_p = requant_avx512::words(acc_p[0], scale_low, acc_p[1], scale_high, k);
  __m512i words_q = words_p;
  if constexpr (Pixels == 2) words_q = requant_avx512::words(acc_q[0], scale_low, acc_q[1], scale_high, k);
  __m512i bytes = rq.out_signed ? requant_avx512::bytes<true>(words_p, words_q, k) : requant_avx512::bytes<false>(words_p, words_q, k);
  bytes = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15), bytes);
  const __m256i p = _mm512_castsi512_si256(bytes);
  if (Masked) _mm256_mask_storeu_epi8(out_p, mask, p);
  else _mm256_storeu_si256(reinterpret_cast<__m256i*>(out_p), p);
  if constexpr (Pixels == 2) {
    const __m256i q = _mm512_extracti64x4_epi64(bytes, 1);
    if (Masked) _mm256_mask_storeu_epi8(out_q, mask, q);
    else _mm256_storeu_si256(reinterpret_cast<__m256i*>(out_q), q);
  }
}

// 32 per-channel 4-byte values (biases or scales) from p + c in the unpacks' channel order: [0]
// channels 0-7 and 16-23, [1] 8-15 and 24-31 (see store_tile). Masked: only the channels in `mask`,
// zeros elsewhere; a tail of 16 channels or fewer never reads p + c + 16 (it may be past the end).
template <bool Masked>
inline void load_unpack_order(const void* p, size_t c, __mmask32 mask, __m512i out[2]) {
  const int32_t* v = static_cast<const int32_t*>(p) + c;
  const __mmask16 first_half = static_cast<__mmask16>(mask), second_half = static_cast<__mmask16>(mask >> 16);
  const __m512i low = Masked ? _mm512_maskz_loadu_epi32(first_half, v) : _mm512_loadu_si512(v);
  __m512i high = _mm512_setzero_si512();
  if (!Masked) high = _mm512_loadu_si512(v + 16);
  else if (second_half != 0) high = _mm512_maskz_loadu_epi32(second_half, v + 16);
  out[0] = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(1, 0, 1, 0));
  out[1] = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(3, 2, 3, 2));
}

// One tile (32 channels from c; with Masked only those in `mask`) of P pixels. Pixel p's tap t reads
// in[p * step + t] + shift + p * input_stride (see qdwconv_pixel_loop.h), and its output starts at
// out + p * out_stride (bytes). P pixels share every weight load and keep 2P sums in flight.
template <bool Signed, OutputKind Kind, int P, bool Masked>
inline void tile_of_pixels(const QDwConvArgs& a, const Requant& rq, const uint8_t* const* in, size_t step, size_t shift,
                           size_t c, __mmask32 mask, uint8_t* out, size_t out_stride) {
  const size_t T = a.taps;
  const int16_t* w = static_cast<const int16_t*>(a.weights) + c / kTile * tile_words(T);
  // The sums start at the bias, in the unpacks' channel order (see store_tile).
  __m512i bias[2];
  load_unpack_order<Masked>(a.bias, c, mask, bias);
  __m512i acc[P][2];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) {
    acc[p][0] = bias[0];
    acc[p][1] = bias[1];
  }
  const auto bytes_of = [&](int p, size_t t) { return load32<Masked>(in[p * step + t] + (shift + p * a.input_stride) + c, mask); };
  size_t t = 0;
  for (; t + 2 <= T; t += 2, w += kPairWords) {
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) add_pair<Signed>(bytes_of(p, t), bytes_of(p, t + 1), w, acc[p]);
  }
  if (t < T) {
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) add_pair<Signed>(bytes_of(p, t), _mm256_setzero_si256(), w, acc[p]);
  }
  if constexpr (Kind != OutputKind::kInt32) {
    if (rq.rounded) {
      __m512i scales[2];
      load_unpack_order<Masked>(a.scale, c, mask, scales);
      const __m512 scale_low = _mm512_castsi512_ps(scales[0]), scale_high = _mm512_castsi512_ps(scales[1]);
#pragma GCC unroll 2
      for (int p = 0; p + 1 < P; p += 2)
        store_pixels_rounded<Masked, 2>(rq, acc[p], acc[p + 1], scale_low, scale_high, mask, out + p * out_stride + c,
                                        out + (p + 1) * out_stride + c);
      if constexpr (P % 2 == 1)
        store_pixels_rounded<Masked, 1>(rq, acc[P - 1], acc[P - 1], scale_low, scale_high, mask, out + (P - 1) * out_stride + c, nullptr);
      return;
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) store_tile<Kind, Masked>(a, rq, acc[p], mask, c, out + p * out_stride);
}

// An interleaved pair of input vectors (x_a[c], x_b[c]) widened to int16: the low unpack (channels
// 0-7, 16-23) and the high one (8-15, 24-31), as add_pair makes them.
struct Interleaved {
  __m512i low, high;
};

template <bool Signed>
inline Interleaved interleave(__m256i a, __m256i b) {
  return {widen<Signed>(_mm256_unpacklo_epi8(a, b)), widen<Signed>(_mm256_unpackhi_epi8(a, b))};
}

inline void madd(__m512i acc[2], const Interleaved& v, const int16_t* w) {
  acc[0] = _mm512_dpwssd_epi32(acc[0], v.low, _mm512_loadu_si512(w));
  acc[1] = _mm512_dpwssd_epi32(acc[1], v.high, _mm512_loadu_si512(w + 32));
}

// One tile of two output rows (QDwConvRowPairArgs): per output column, one new column of each input
// row is loaded and interleaved (the middle rows with each other, rows 0 and 3 with their previous
// column); the rest slides along from the columns before.
template <bool Signed, bool Masked>
void row_pair_tile(const QDwConvRowPairArgs& a, const Requant& rq, size_t c, __mmask32 mask) {
  const QDwConvArgs& b = *a.base;
  const int16_t* w = static_cast<const int16_t*>(a.weights) + c / kTile * tile_words(kRowPairTaps);
  __m512i bias[2], scales[2];
  load_unpack_order<Masked>(b.bias, c, mask, bias);
  load_unpack_order<Masked>(b.scale, c, mask, scales);
  const __m512 scale_low = _mm512_castsi512_ps(scales[0]), scale_high = _mm512_castsi512_ps(scales[1]);

  const size_t step = a.input_pixel_stride;
  const uint8_t* r0 = a.rows[0] + c;
  const uint8_t* r1 = a.rows[1] + c;
  const uint8_t* r2 = a.rows[2] + c;
  const uint8_t* r3 = a.rows[3] + c;
  uint8_t* out0 = a.output[0] + c;
  uint8_t* out1 = a.output[1] + c;
  const auto load = [&](const uint8_t* p) { return load32<Masked>(p, mask); };
  Interleaved middle0 = interleave<Signed>(load(r1), load(r2));
  Interleaved middle1 = interleave<Signed>(load(r1 + step), load(r2 + step));
  __m256i top = load(r0 + step), bottom = load(r3 + step);  // column 1 of rows 0 and 3
  Interleaved top_pair = interleave<Signed>(load(r0), top), bottom_pair = interleave<Signed>(load(r3), bottom);
  for (size_t p = 0; p < a.pixels; ++p) {
    const size_t at = (p + 2) * step;
    const Interleaved middle2 = interleave<Signed>(load(r1 + at), load(r2 + at));
    const __m256i top2 = load(r0 + at), bottom2 = load(r3 + at);
    const Interleaved top_next = interleave<Signed>(top, top2), bottom_next = interleave<Signed>(bottom, bottom2);
    __m512i acc0[2] = {bias[0], bias[1]}, acc1[2] = {bias[0], bias[1]};
    madd(acc0, middle0, w + 0 * kPairWords);
    madd(acc1, middle0, w + 3 * kPairWords);
    madd(acc0, middle1, w + 1 * kPairWords);
    madd(acc1, middle1, w + 4 * kPairWords);
    madd(acc0, middle2, w + 2 * kPairWords);
    madd(acc1, middle2, w + 5 * kPairWords);
    madd(acc0, top_pair, w + 6 * kPairWords);
    madd(acc1, bottom_pair, w + 8 * kPairWords);
    madd(acc0, top_next, w + 7 * kPairWords);
    madd(acc1, bottom_next, w + 9 * kPairWords);
    store_pixels_rounded<Masked, 2>(rq, acc0, acc1, scale_low, scale_high, mask, out0 + p * a.output_pixel_stride,
                                    out1 + p * a.output_pixel_stride);
    middle0 = middle1;
    middle1 = middle2;
    top_pair = top_next;
    bottom_pair = bottom_next;
    top = top2;
    bottom = bottom2;
  }
}

template <bool Signed>
void row_pair_signed(const QDwConvRowPairArgs& a) {
  const Requant rq(*a.base);
  const size_t C = a.base->channels;
  size_t c = 0;
  for (; c + kTile <= C; c += kTile) row_pair_tile<Signed, false>(a, rq, c, ~__mmask32{0});
  if (c < C) row_pair_tile<Signed, true>(a, rq, c, static_cast<__mmask32>((uint64_t{1} << (C - c)) - 1));
}

void run_row_pair(const QDwConvRowPairArgs& args) {
  const QDwConvRowPairArgs a = args;  // a private copy, as qdwconv::run's
  if (a.base->input_signed) row_pair_signed<true>(a);
  else row_pair_signed<false>(a);
}

// What the shared pixel loop (qdwconv_pixel_loop.h) runs: whole tiles of 32 channels, then one masked
// tile for the last 1-31.
struct Avx512 {
  using Requant = octet::Requant;
  static constexpr size_t kTile = octet::kTile;
  static constexpr size_t kHalfTile = 0;
  static constexpr bool kMaskedTail = true;
  template <bool Signed, OutputKind Kind, int P, qdwconv::Tile Part>
  static void tile(const QDwConvArgs& a, const Requant& rq, const uint8_t* const* in, size_t step, size_t shift, size_t c,
                   size_t n, uint8_t* out, size_t out_stride) {
    constexpr bool kMasked = Part == qdwconv::Tile::kMasked;
    const __mmask32 mask = kMasked ? static_cast<__mmask32>((uint64_t{1} << n) - 1) : ~__mmask32{0};
    tile_of_pixels<Signed, Kind, P, kMasked>(a, rq, in, step, shift, c, mask, out, out_stride);
  }
};

const QDwConvKernel kAvx512{Isa::kAvx512Vnni, "qdwconv_c32__avx512", packed_bytes, pack, qdwconv::run<Avx512>, run_row_pair};

}  // namespace

const QDwConvKernel* qdwconv_kernel_avx512() { return &kAvx512; }

}  // namespace octet
