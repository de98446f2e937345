// AVX2 quantized depthwise: 4 output pixels at a time (then 3, 2, 1) × one packed tile of 16
// channels, then half a tile (8 channels), then the last 1-7 channels one at a time as the scalar
// kernel does them. Several pixels per tile share each weight load and overlap their sums and
// requantizations (as in the float kernel).
//
// Taps go in pairs: the two taps' input bytes are interleaved (x_t[c], x_t+1[c]) and widened to
// int16, so one vpmaddwd against the packed (w_t[c], w_t+1[c]) gives x_t·w_t + x_t+1·w_t+1 per
// channel in an int32 lane — exact, as |x| <= 255 and |w| <= 255. An odd last tap is paired with a
// zero vector (and a zero weight). Integer sums are exact and wrap like the definition's, in any
// order; the requantization is the definition's IEEE steps lane by lane (cvtdq2ps, mulps, maxps,
// minps, cvtps2dq in the default round-half-even mode) and keeps the low byte of q, like the scalar
// kernel's cast — bit-identical.
//
// Packed weights: tiles of 16 channels (the last padded with zero weights); a tile holds ceil(taps/2)
// tap pairs, and a pair 16 × (w_t[c], w_t+1[c]) int16, channel by channel (w_taps = 0).
#include <immintrin.h>

#include <cstring>

#include "qdwconv_kernel.h"
#include "qdwconv_pixel_loop.h"

namespace octet {

namespace {

constexpr size_t kTile = 16;            // channels per packed tile
constexpr size_t kPairWords = 2 * kTile;  // int16 per tap pair of a tile

size_t tap_pairs(size_t taps) { return (taps + 1) / 2; }
size_t tile_words(size_t taps) { return tap_pairs(taps) * kPairWords; }
size_t tiles(size_t channels) { return (channels + kTile - 1) / kTile; }

// Where tap t of channel c lives in the packed weights.
size_t packed_index(size_t t, size_t c, size_t taps) {
  return c / kTile * tile_words(taps) + t / 2 * kPairWords + c % kTile * 2 + t % 2;
}

size_t packed_bytes(size_t taps, size_t channels) { return tiles(channels) * tile_words(taps) * sizeof(int16_t); }

void pack(const int16_t* w, size_t taps, size_t channels, void* packed) {
  int16_t* out = static_cast<int16_t*>(packed);
  std::memset(out, 0, packed_bytes(taps, channels));  // padding channels and the missing odd tap
  for (size_t t = 0; t < taps; ++t)
    for (size_t c = 0; c < channels; ++c) out[packed_index(t, c, taps)] = w[t * channels + c];
}

template <bool Signed>
inline __m256i widen(__m128i bytes) {
  return Signed ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes);
}

inline __m256i load_words(const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Adds one tap pair of 16 channels: x0/x1 hold the two taps' bytes (x1 zero for a lone last tap),
// w the tile's pair; acc[0] gets channels 0-7, acc[1] channels 8-15.
template <bool Signed>
inline void add_pair16(__m128i x0, __m128i x1, const int16_t* w, __m256i acc[2]) {
  acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(widen<Signed>(_mm_unpacklo_epi8(x0, x1)), load_words(w)));
  acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(widen<Signed>(_mm_unpackhi_epi8(x0, x1)), load_words(w + 16)));
}

inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline __m128i load8(const uint8_t* p) { return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)); }

// The requantization of 8 channels: float(acc) · scale, clamped to [lo, hi], rounded half to even
// (MXCSR default, as std::nearbyint), plus the zero point.
inline __m256i quantize(__m256i acc, const float* scale, __m256 lo, __m256 hi, __m256i zero_point) {
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale));
  f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);  // max(f, lo) = f > lo ? f : lo, as the definition
  return _mm256_add_epi32(_mm256_cvtps_epi32(f), zero_point);
}

// The low byte of every int32 lane, q0's 8 then q1's 8: the scalar kernel's cast to 8 bits (the
// masks keep the saturating packs from ever saturating).
inline __m128i low_bytes(__m256i q0, __m256i q1) {
  const __m256i byte = _mm256_set1_epi32(0xFF);
  // Per 128-bit lane: words [q0 0-3, q1 0-3 | q0 4-7, q1 4-7], then bytes of the same, twice.
  const __m256i words = _mm256_packus_epi32(_mm256_and_si256(q0, byte), _mm256_and_si256(q1, byte));
  const __m256i bytes = _mm256_packus_epi16(words, words);
  // Dwords 0, 4, 1, 5 hold q0 0-3, q0 4-7, q1 0-3, q1 4-7.
  return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5)));
}

// The requantization constants, broadcast once per call.
struct Requant {
  __m256 lo, hi;
  __m256i zero_point;
  explicit Requant(const QDwConvArgs& a)
      : lo(_mm256_set1_ps(a.lo)), hi(_mm256_set1_ps(a.hi)), zero_point(_mm256_set1_epi32(a.zero_point)) {}
};

// Writes `vectors` (1 or 2) groups of 8 channels' sums from channel c of one pixel.
template <OutputKind Kind>
inline void store(const QDwConvArgs& a, const Requant& rq, const __m256i acc[2], int vectors, size_t c, void* out) {
  if (Kind == OutputKind::kInt32) {
    int32_t* y = static_cast<int32_t*>(out) + c;
    for (int v = 0; v < vectors; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + 8 * v), acc[v]);
    return;
  }
  const __m256i q0 = quantize(acc[0], a.scale + c, rq.lo, rq.hi, rq.zero_point);
  uint8_t* y = static_cast<uint8_t*>(out) + c;
  if (vectors == 2) {
    const __m256i q1 = quantize(acc[1], a.scale + c + 8, rq.lo, rq.hi, rq.zero_point);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), low_bytes(q0, q1));
  } else {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y), low_bytes(q0, q0));
  }
}

// One tile (16 channels from c) of P pixels, or with Half its first 8 channels. Pixel p's tap t reads
// in[p * step + t] + shift + p * input_stride (see qdwconv_pixel_loop.h), and its output starts at
// out + p * out_stride (bytes). P pixels share every weight load and keep up to 2P sums in flight.
template <bool Signed, OutputKind Kind, int P, bool Half>
inline void tile_of_pixels(const QDwConvArgs& a, const Requant& rq, const uint8_t* const* in, size_t step, size_t shift,
                           size_t c, uint8_t* out, size_t out_stride) {
  const size_t T = a.taps;
  const int16_t* w = static_cast<const int16_t*>(a.weights) + c / kTile * tile_words(T);
  // The sums start at the bias.
  const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bias + c));
  const __m256i bias1 = Half ? bias0 : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bias + c + 8));
  __m256i acc[P][2];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) {
    acc[p][0] = bias0;
    acc[p][1] = bias1;
  }
  const auto bytes_of = [&](int p, size_t t) {
    const uint8_t* x = in[p * step + t] + (shift + p * a.input_stride) + c;
    return Half ? load8(x) : load16(x);
  };
  // Half a tile: its channels' pairs are each pair's first 16 words, and only the low unpack counts.
  const auto add = [&](__m128i x0, __m128i x1, const int16_t* pair, __m256i* sums) {
    if (Half) sums[0] = _mm256_add_epi32(sums[0], _mm256_madd_epi16(widen<Signed>(_mm_unpacklo_epi8(x0, x1)), load_words(pair)));
    else add_pair16<Signed>(x0, x1, pair, sums);
  };
  size_t t = 0;
  for (; t + 2 <= T; t += 2, w += kPairWords) {
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) add(bytes_of(p, t), bytes_of(p, t + 1), w, acc[p]);
  }
  if (t < T) {
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) add(bytes_of(p, t), _mm_setzero_si128(), w, acc[p]);
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) store<Kind>(a, rq, acc[p], Half ? 1 : 2, c, out + p * out_stride);
}

// What the shared pixel loop (qdwconv_pixel_loop.h) runs: whole tiles of 16 channels, half a tile,
// then the last 1-7 channels one at a time.
struct Avx2 {
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

const QDwConvKernel kAvx2{Isa::kAvx2, "qdwconv_c16__avx2", packed_bytes, pack, qdwconv::run<Avx2>};

}  // namespace

const QDwConvKernel* qdwconv_kernel_avx2() { return &kAvx2; }

}  // namespace octet
