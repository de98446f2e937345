// AVX-512 VNNI path: vpdpbusd multiplies 4 uint8 × int8 pairs and adds them into an int32 lane in one
// instruction, exactly (no intermediate saturation), so this kernel needs no range tricks.
//
// Packed B panel (32 columns): for each group g of 4 K values, 128 bytes: columns 0-15 then 16-31,
// each column's 4 K bytes contiguous — one zmm load per 16 columns per group, matching vpdpbusd's
// "4 bytes per int32 lane". A is read in place (uint8 rows, K a multiple of 4): one 32-bit broadcast
// per row per group. An 8×32 tile keeps 16 accumulators in registers; short tiles (1-3 rows, e.g. GEMV)
// unroll K over 2-4 accumulator sets so that vpdpbusd's latency is hidden.
#include <immintrin.h>

#include "../pack/pack_int8_panels.h"
#include "../requant/rounded_avx512.h"
#include "../../core/unaligned.h"
#include "qgemm_kernel.h"

namespace octet {

namespace {

constexpr int kMr = 8;
constexpr int kNr = 32;
constexpr int kKr = 4;

using Panels = Int8Panels<kNr, kKr>;

// One K group (4 values) for MR rows into one accumulator set.
template <int MR>
inline void step(const uint8_t* a, size_t lda, int offset, const int8_t* bg, __m512i (&c0)[MR], __m512i (&c1)[MR]) {
  const __m512i b0 = _mm512_load_si512(bg);
  const __m512i b1 = _mm512_load_si512(bg + 64);
  for (int r = 0; r < MR; ++r) {
    const __m512i av = _mm512_set1_epi32(load_u32(a + r * lda + offset));
    c0[r] = _mm512_dpbusd_epi32(c0[r], av, b0);
    c1[r] = _mm512_dpbusd_epi32(c1[r], av, b1);
  }
}

// U > 1 keeps U independent accumulator sets (summed at the end) so that short tiles still have
// enough independent vpdpbusd chains in flight.
template <int MR, int U>
void ukernel_t(int Kp, const uint8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  const int groups = Kp / kKr;
  __m512i c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_si512();
  int g = 0;
  if constexpr (U == 1) {
    for (; g < groups; ++g) step<MR>(a, lda, g * kKr, b + static_cast<size_t>(g) * (kKr * kNr), c0, c1);
  } else {
    __m512i d0[MR], d1[MR];
    for (int r = 0; r < MR; ++r) d0[r] = d1[r] = _mm512_setzero_si512();
    for (; g + 2 <= groups; g += 2) {
      step<MR>(a, lda, g * kKr, b + static_cast<size_t>(g) * (kKr * kNr), c0, c1);
      step<MR>(a, lda, (g + 1) * kKr, b + static_cast<size_t>(g + 1) * (kKr * kNr), d0, d1);
    }
    if (g < groups) step<MR>(a, lda, g * kKr, b + static_cast<size_t>(g) * (kKr * kNr), c0, c1);
    for (int r = 0; r < MR; ++r) {
      c0[r] = _mm512_add_epi32(c0[r], d0[r]);
      c1[r] = _mm512_add_epi32(c1[r], d1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm512_storeu_si512(acc + r * kNr, c0[r]);
    _mm512_storeu_si512(acc + r * kNr + 16, c1[r]);
  }
}

// One row (GEMV, e.g. batch-1 inference): the panel streams from cache once, so the loop is about
// load throughput; four accumulator pairs keep eight vpdpbusd chains in flight.
void ukernel_1x32(int Kp, const uint8_t* a, const int8_t* b, int32_t* acc) {
  const int groups = Kp / kKr;
  __m512i c0 = _mm512_setzero_si512(), c1 = c0, d0 = c0, d1 = c0, e0 = c0, e1 = c0, f0 = c0, f1 = c0;
  int g = 0;
  for (; g + 4 <= groups; g += 4) {
    const int8_t* bg = b + static_cast<size_t>(g) * (kKr * kNr);
    const __m512i a0 = _mm512_set1_epi32(load_u32(a + g * kKr));
    const __m512i a1 = _mm512_set1_epi32(load_u32(a + g * kKr + 4));
    const __m512i a2 = _mm512_set1_epi32(load_u32(a + g * kKr + 8));
    const __m512i a3 = _mm512_set1_epi32(load_u32(a + g * kKr + 12));
    c0 = _mm512_dpbusd_epi32(c0, a0, _mm512_load_si512(bg));
    c1 = _mm512_dpbusd_epi32(c1, a0, _mm512_load_si512(bg + 64));
    d0 = _mm512_dpbusd_epi32(d0, a1, _mm512_load_si512(bg + 128));
    d1 = _mm512_dpbusd_epi32(d1, a1, _mm512_load_si512(bg + 192));
    e0 = _mm512_dpbusd_epi32(e0, a2, _mm512_load_si512(bg + 256));
    e1 = _mm512_dpbusd_epi32(e1, a2, _mm512_load_si512(bg + 320));
    f0 = _mm512_dpbusd_epi32(f0, a3, _mm512_load_si512(bg + 384));
    f1 = _mm512_dpbusd_epi32(f1, a3, _mm512_load_si512(bg + 448));
  }
  for (; g < groups; ++g) {
    const int8_t* bg = b + static_cast<size_t>(g) * (kKr * kNr);
    const __m512i a0 = _mm512_set1_epi32(load_u32(a + g * kKr));
    c0 = _mm512_dpbusd_epi32(c0, a0, _mm512_load_si512(bg));
    c1 = _mm512_dpbusd_epi32(c1, a0, _mm512_load_si512(bg + 64));
  }
  c0 = _mm512_add_epi32(_mm512_add_epi32(c0, d0), _mm512_add_epi32(e0, f0));
  c1 = _mm512_add_epi32(_mm512_add_epi32(c1, d1), _mm512_add_epi32(e1, f1));
  _mm512_storeu_si512(acc, c0);
  _mm512_storeu_si512(acc + 16, c1);
}

// The assembly both 8×32 tiles share: the sixteen sums as operands, their start from (init0, init1),
// and one row's step of a K group (broadcast its 4 bytes from `addr`, multiply-add into its two sums
// with the panel's two vectors in zmm29 and zmm30).
#define OCTET_TILE_SUMS(c)                                                                                                    \
  [c0] "=&v"(c[0]), [c1] "=&v"(c[1]), [c2] "=&v"(c[2]), [c3] "=&v"(c[3]), [c4] "=&v"(c[4]), [c5] "=&v"(c[5]), [c6] "=&v"(c[6]), \
      [c7] "=&v"(c[7]), [c8] "=&v"(c[8]), [c9] "=&v"(c[9]), [c10] "=&v"(c[10]), [c11] "=&v"(c[11]), [c12] "=&v"(c[12]),         \
      [c13] "=&v"(c[13]), [c14] "=&v"(c[14]), [c15] "=&v"(c[15])
#define OCTET_TILE_INIT                                                                                     \
  "vmovdqa64 %[i0], %g[c0]\n\tvmovdqa64 %[i1], %g[c1]\n\tvmovdqa64 %[i0], %g[c2]\n\tvmovdqa64 %[i1], %g[c3]\n\t"     \
  "vmovdqa64 %[i0], %g[c4]\n\tvmovdqa64 %[i1], %g[c5]\n\tvmovdqa64 %[i0], %g[c6]\n\tvmovdqa64 %[i1], %g[c7]\n\t"     \
  "vmovdqa64 %[i0], %g[c8]\n\tvmovdqa64 %[i1], %g[c9]\n\tvmovdqa64 %[i0], %g[c10]\n\tvmovdqa64 %[i1], %g[c11]\n\t"   \
  "vmovdqa64 %[i0], %g[c12]\n\tvmovdqa64 %[i1], %g[c13]\n\tvmovdqa64 %[i0], %g[c14]\n\tvmovdqa64 %[i1], %g[c15]\n\t"
#define OCTET_TILE_ROW(addr, lo, hi)             \
  "vpbroadcastd " addr ", %%zmm31\n\t"          \
  "vpdpbusd %%zmm29, %%zmm31, %g[" lo "]\n\t" \
  "vpdpbusd %%zmm30, %%zmm31, %g[" hi "]\n\t"

// The full 8×32 tile, the hot loop of large GEMMs: the sixteen sums in c. In assembly because GCC's
// register allocator copies each vpdpbusd accumulator once per iteration when this is written with
// intrinsics (32 extra moves per 16 multiply-adds); here the accumulators are register operands. Per
// K group: two B loads, eight A broadcasts (rows 0-3 from a0, 4-7 from a4 = a0 + 4·lda), sixteen
// vpdpbusd. Every row's sums start from (init0, init1): zeros, or the epilogue's column terms (the
// wrapping int32 sum is the same in any order).
inline void accumulate_8x32(int Kp, const uint8_t* a, size_t lda, const int8_t* b, __m512i init0, __m512i init1, __m512i (&c)[16]) {
  long groups = Kp / kKr;
  const uint8_t* a0 = a;
  const uint8_t* a4 = a0 + 4 * lda;
  const size_t lda3 = 3 * lda;
  const int8_t* bp = b;
  __asm__ volatile(
        OCTET_TILE_INIT
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        "1:\n\t"
        "vmovdqa64 (%[b]), %%zmm29\n\t"
        "vmovdqa64 64(%[b]), %%zmm30\n\t"
        OCTET_TILE_ROW("(%[a0])", "c0", "c1")
        OCTET_TILE_ROW("(%[a0],%[lda],1)", "c2", "c3")
        OCTET_TILE_ROW("(%[a0],%[lda],2)", "c4", "c5")
        OCTET_TILE_ROW("(%[a0],%[lda3],1)", "c6", "c7")
        OCTET_TILE_ROW("(%[a4])", "c8", "c9")
        OCTET_TILE_ROW("(%[a4],%[lda],1)", "c10", "c11")
        OCTET_TILE_ROW("(%[a4],%[lda],2)", "c12", "c13")
        OCTET_TILE_ROW("(%[a4],%[lda3],1)", "c14", "c15")
        "sub $-128, %[b]\n\t"
        "add $4, %[a0]\n\t"
        "add $4, %[a4]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        : OCTET_TILE_SUMS(c),
          [a0] "+r"(a0), [a4] "+r"(a4), [b] "+r"(bp), [n] "+r"(groups)
        : [lda] "r"(lda), [lda3] "r"(lda3), [i0] "v"(init0), [i1] "v"(init1)
        : "xmm29", "xmm30", "xmm31", "cc", "memory");
}

// accumulate_8x32 with each row gathered: for each of `segments` runs, row r reads seg_bytes at
// rows[8·s + r] (in a convolution, a kernel row or one tap of an input pixel's channels, or the
// zero-point vector in the padding). The eight pointers of a run go to r8-r15 and one offset register walks them all, so the
// inner loop is accumulate_8x32's: two B loads, eight broadcasts, sixteen vpdpbusd per K group.
inline void accumulate_8x32_indirect(int segments, int seg_bytes, const uint8_t* const* rows, const int8_t* b, __m512i init0, __m512i init1,
                                     __m512i (&c)[16]) {
  long runs = segments;
  const long run_bytes = seg_bytes;
  long offset;
  const uint8_t* const* pp = rows;
  const int8_t* bp = b;
  __asm__ volatile(
        OCTET_TILE_INIT
        "1:\n\t"
        "mov (%[pp]), %%r8\n\t"
        "mov 8(%[pp]), %%r9\n\t"
        "mov 16(%[pp]), %%r10\n\t"
        "mov 24(%[pp]), %%r11\n\t"
        "mov 32(%[pp]), %%r12\n\t"
        "mov 40(%[pp]), %%r13\n\t"
        "mov 48(%[pp]), %%r14\n\t"
        "mov 56(%[pp]), %%r15\n\t"
        "add $64, %[pp]\n\t"
        "xor %[o], %[o]\n\t"
        "2:\n\t"
        "vmovdqa64 (%[b]), %%zmm29\n\t"
        "vmovdqa64 64(%[b]), %%zmm30\n\t"
        OCTET_TILE_ROW("(%%r8,%[o])", "c0", "c1")
        OCTET_TILE_ROW("(%%r9,%[o])", "c2", "c3")
        OCTET_TILE_ROW("(%%r10,%[o])", "c4", "c5")
        OCTET_TILE_ROW("(%%r11,%[o])", "c6", "c7")
        OCTET_TILE_ROW("(%%r12,%[o])", "c8", "c9")
        OCTET_TILE_ROW("(%%r13,%[o])", "c10", "c11")
        OCTET_TILE_ROW("(%%r14,%[o])", "c12", "c13")
        OCTET_TILE_ROW("(%%r15,%[o])", "c14", "c15")
        "sub $-128, %[b]\n\t"
        "add $4, %[o]\n\t"
        "cmp %[kc], %[o]\n\t"
        "jne 2b\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : OCTET_TILE_SUMS(c),
          [pp] "+r"(pp), [b] "+r"(bp), [n] "+r"(runs), [o] "=&r"(offset)
        : [kc] "r"(run_bytes), [i0] "v"(init0), [i1] "v"(init1)
        : "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm29", "xmm30", "xmm31", "cc", "memory");
}

void ukernel_8x32(int Kp, const uint8_t* a, size_t lda, const int8_t* b, int32_t* acc) {
  __m512i c[16];
  accumulate_8x32(Kp, a, lda, b, _mm512_setzero_si512(), _mm512_setzero_si512(), c);
  for (int i = 0; i < 16; ++i) _mm512_storeu_si512(acc + 16 * i, c[i]);
}

// Two rows of a tile whose sums already hold the column terms (row r: a0 = columns 0-15, a1 = 16-31;
// row r + 1: b0, b1) to 64 bytes, round-first (kernels/requant/rounded_avx512.h). The dwords come out
// as (lane i) row r cols 4i.., row r cols 16+4i.., row r+1 cols 4i.., row r+1 cols 16+4i..; one
// permute puts row r in the low 32 bytes and row r + 1 in the high 32.
template <bool Signed>
__attribute__((always_inline)) inline __m512i two_rows_rounded(__m512i a0, __m512i a1, __m512i b0, __m512i b1, __m512 s0, __m512 s1,
                                                               const requant_avx512::Constants& k) {
  const __m512i bytes = requant_avx512::bytes<Signed>(requant_avx512::words(a0, s0, a1, s1, k), requant_avx512::words(b0, s0, b1, s1, k), k);
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(order, bytes);
}

// Inlined with its loop unrolled, so that the sums stay in registers (GCC spilled all sixteen to the
// stack and read them back when they were passed by reference to a call or indexed in a loop).
template <bool Signed>
__attribute__((always_inline)) inline void requant_rounded(const EpilogueTile& t, const __m512i (&c)[16], __m512 scale0, __m512 scale1) {
  const requant_avx512::Constants k(t.zero_point, t.clamp_lo, t.clamp_hi);
  const __mmask32 cols = t.cols >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << t.cols) - 1);
  uint8_t* out = static_cast<uint8_t*>(t.out);
#pragma GCC unroll 4
  for (int r = 0; r < kMr; r += 2, out += 2 * t.ldc) {
    const __m512i bytes = two_rows_rounded<Signed>(c[2 * r], c[2 * r + 1], c[2 * r + 2], c[2 * r + 3], scale0, scale1, k);
    const __m256i row0 = _mm512_castsi512_si256(bytes), row1 = _mm512_extracti64x4_epi64(bytes, 1);
    if (t.cols >= 32) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), row0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + t.ldc), row1);
    } else {
      _mm256_mask_storeu_epi8(out, cols, row0);
      _mm256_mask_storeu_epi8(out + t.ldc, cols, row1);
    }
  }
}

// Columns 0-15 and 16-31 of a tile: their masks.
struct TileColumns {
  __mmask16 m0, m1;
  explicit TileColumns(int cols)
      : m0(cols >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1)),
        m1(cols >= 32 ? static_cast<__mmask16>(0xFFFF) : cols > 16 ? static_cast<__mmask16>((1u << (cols - 16)) - 1) : 0) {}
};

// The tile's sums (started from the column terms) to its 8-bit output.
__attribute__((always_inline)) inline void requant_tile(const EpilogueTile& t, const TileColumns& m, const __m512i (&c)[16]) {
  const __mmask16 m0 = m.m0, m1 = m.m1;
  const __m512 scale0 = t.scale_per_col ? _mm512_maskz_loadu_ps(m0, t.scale) : _mm512_set1_ps(t.scale[0]);
  const __m512 scale1 = t.scale_per_col ? _mm512_maskz_loadu_ps(m1, t.scale + 16) : _mm512_set1_ps(t.scale[0]);
  if (t.scale_at_most_half) {
    if (t.kind == OutputKind::kInt8) requant_rounded<true>(t, c, scale0, scale1);
    else requant_rounded<false>(t, c, scale0, scale1);
    return;
  }
  const __m512 lo = _mm512_set1_ps(t.clamp_lo), hi = _mm512_set1_ps(t.clamp_hi);
  const __m512i zp = _mm512_set1_epi32(t.zero_point);
  const auto bytes = [&](__m512i acc, __m512 scale) {
    __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
    // q is already inside the output type's range, so truncating to 8 bits is exact.
    return _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp));
  };
  uint8_t* out = static_cast<uint8_t*>(t.out);
#pragma GCC unroll 8
  for (int r = 0; r < kMr; ++r, out += t.ldc) {
    const __m128i low = bytes(c[2 * r], scale0), high = bytes(c[2 * r + 1], scale1);
    if (m0 == 0xFFFF) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), low);
    else _mm_mask_storeu_epi8(out, m0, low);
    if (m1 == 0xFFFF) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), high);
    else if (m1 != 0) _mm_mask_storeu_epi8(out + 16, m1, high);
  }
}

// The 8×32 tile with its requantization (8-bit output, symmetric weights, per-tensor input zero point:
// the int8 convolutions of QDQ models). The sums start from the column terms, and the epilogue's steps
// (epilogue_column with neither zero-point term) run on them straight from the registers: the same
// bytes, without writing 1 KiB of sums and reading it back per tile (a fifth of a small-K 1x1
// convolution's time).
void ukernel_8x32_requant(int Kp, const void* a_ptr, size_t lda, const void* b_panel, const EpilogueTile& tile) {
  const EpilogueTile t = tile;  // a private copy: see epilogue_t
  // Columns 0-15 and 16-31: their terms once, then each row's two halves.
  const TileColumns m(t.cols);
  const __m512i add0 = _mm512_maskz_loadu_epi32(m.m0, t.col_add), add1 = _mm512_maskz_loadu_epi32(m.m1, t.col_add + 16);
  __m512i c[16];
  accumulate_8x32(Kp, static_cast<const uint8_t*>(a_ptr), lda, static_cast<const int8_t*>(b_panel), add0, add1, c);
  requant_tile(t, m, c);
}

void ukernel_8x32_requant_indirect(int segments, int seg_bytes, const uint8_t* const* rows, const void* b_panel, const EpilogueTile& tile) {
  const EpilogueTile t = tile;
  const TileColumns m(t.cols);
  const __m512i add0 = _mm512_maskz_loadu_epi32(m.m0, t.col_add), add1 = _mm512_maskz_loadu_epi32(m.m1, t.col_add + 16);
  __m512i c[16];
  accumulate_8x32_indirect(segments, seg_bytes, rows, static_cast<const int8_t*>(b_panel), add0, add1, c);
  requant_tile(t, m, c);
}

void ukernel(int mr_used, int Kp, const void* a_ptr, size_t a_stride, const void* b_panel, int32_t* acc) {
  const uint8_t* a = static_cast<const uint8_t*>(a_ptr);
  const int8_t* b = static_cast<const int8_t*>(b_panel);
  switch (mr_used) {
    case 1: return ukernel_1x32(Kp, a, b, acc);
    case 2: return ukernel_t<2, 2>(Kp, a, a_stride, b, acc);
    case 3: return ukernel_t<3, 2>(Kp, a, a_stride, b, acc);
    case 4: return ukernel_t<4, 1>(Kp, a, a_stride, b, acc);
    case 5: return ukernel_t<5, 1>(Kp, a, a_stride, b, acc);
    case 6: return ukernel_t<6, 1>(Kp, a, a_stride, b, acc);
    case 7: return ukernel_t<7, 1>(Kp, a, a_stride, b, acc);
    default: return ukernel_8x32(Kp, a, a_stride, b, acc);
  }
}

// One epilogue per combination of output kind and correction terms, chosen once per tile, so the
// loops are straight-line code. Columns outside, rows inside: a column block's terms (col_add, scale,
// zero points) are loaded once for all the tile's rows. Full vectors use plain loads and stores; the
// last partial vector uses masked ones (masked loads never touch memory past the mask). 8-bit results
// are narrowed in a register (vpmovdb to memory is slow on AMD cores) and stored as 16 bytes.
template <OutputKind Kind, bool HasZb, bool HasRowZa, bool PerColScale>
inline void epilogue_column(const EpilogueTile& t, int c, __mmask16 m, bool full) {
  const auto load = [&](const int32_t* p) { return full ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi32(m, p); };
  const __m512i col_add = load(t.col_add + c);
  __m512i zb = _mm512_setzero_si512(), cz = _mm512_setzero_si512();
  if constexpr (HasZb) zb = load(t.col_zb + c);
  if constexpr (HasRowZa) cz = load(t.col_z + c);
  __m512 scale = _mm512_setzero_ps();
  if constexpr (Kind != OutputKind::kInt32) {
    if constexpr (PerColScale) scale = full ? _mm512_loadu_ps(t.scale + c) : _mm512_maskz_loadu_ps(m, t.scale + c);
    else scale = _mm512_set1_ps(t.scale[0]);
  }
  const __m512 lo = _mm512_set1_ps(t.clamp_lo), hi = _mm512_set1_ps(t.clamp_hi);
  const __m512i zp = _mm512_set1_epi32(t.zero_point);
  for (int r = 0; r < t.rows; ++r) {
    const int32_t* acc = t.acc + static_cast<size_t>(r) * t.acc_stride + c;
    __m512i v = _mm512_add_epi32(full ? _mm512_loadu_si512(acc) : _mm512_maskz_loadu_epi32(m, acc), col_add);
    if constexpr (HasZb) v = _mm512_sub_epi32(v, _mm512_mullo_epi32(zb, _mm512_set1_epi32(t.row_sum[r])));
    if constexpr (HasRowZa) v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(t.row_za[r]), cz));
    const size_t at = static_cast<size_t>(r) * t.ldc + c;
    if constexpr (Kind == OutputKind::kInt32) {
      int32_t* out = static_cast<int32_t*>(t.out) + at;
      if (full) _mm512_storeu_si512(out, v);
      else _mm512_mask_storeu_epi32(out, m, v);
    } else {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), scale);
      if constexpr (Kind == OutputKind::kFloat32) {
        float* out = static_cast<float*>(t.out) + at;
        if (full) _mm512_storeu_ps(out, f);
        else _mm512_mask_storeu_ps(out, m, f);
      } else {
        f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
        const __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
        // q is already inside the output type's range, so truncating to 8 bits is exact.
        const __m128i bytes = _mm512_cvtepi32_epi8(q);
        uint8_t* out = static_cast<uint8_t*>(t.out) + at;
        if (full) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
        else _mm_mask_storeu_epi8(out, m, bytes);
      }
    }
  }
}

template <OutputKind Kind, bool HasZb, bool HasRowZa, bool PerColScale>
void epilogue_t(const EpilogueTile& tile) {
  // A private copy: vector stores may alias anything, so stores through the caller's tile fields
  // (out, acc, scale, ...) made the compiler reload every field after every store; a local whose
  // address never escapes stays in registers.
  const EpilogueTile t = tile;
  const int full_cols = t.cols / 16 * 16;
  const int left = t.cols - full_cols;
  for (int c = 0; c < full_cols; c += 16) epilogue_column<Kind, HasZb, HasRowZa, PerColScale>(t, c, 0xFFFF, true);
  if (left > 0) epilogue_column<Kind, HasZb, HasRowZa, PerColScale>(t, full_cols, static_cast<__mmask16>((1u << left) - 1), false);
}

template <OutputKind Kind>
void epilogue_for_kind(const EpilogueTile& t) {
  const bool zb = t.col_zb != nullptr, row_za = t.col_z != nullptr;
  if (t.scale_per_col) {
    if (zb) return row_za ? epilogue_t<Kind, true, true, true>(t) : epilogue_t<Kind, true, false, true>(t);
    return row_za ? epilogue_t<Kind, false, true, true>(t) : epilogue_t<Kind, false, false, true>(t);
  }
  if (zb) return row_za ? epilogue_t<Kind, true, true, false>(t) : epilogue_t<Kind, true, false, false>(t);
  return row_za ? epilogue_t<Kind, false, true, false>(t) : epilogue_t<Kind, false, false, false>(t);
}

void epilogue(const EpilogueTile& t) {
  switch (t.kind) {
    case OutputKind::kInt32: return epilogue_for_kind<OutputKind::kInt32>(t);
    case OutputKind::kFloat32: return epilogue_for_kind<OutputKind::kFloat32>(t);
    case OutputKind::kUint8:
    case OutputKind::kInt8: return epilogue_for_kind<OutputKind::kUint8>(t);  // same bytes: q is in range
  }
}

const QGemmKernel kKernel = {
    "qgemm_u8s8_8x32c4__avx512vnni", Isa::kAvx512Vnni, kMr, kNr, kKr, AFormat::kU8, 0,
    Panels::packed_b_bytes, Panels::pack_b, ukernel, Panels::panel_bytes, epilogue, ukernel_8x32_requant, ukernel_8x32_requant_indirect,
};

}  // namespace

const QGemmKernel* qgemm_kernel_avx512vnni() { return &kKernel; }

// Throughput probe: 16 independent vpdpbusd chains held in registers, written in assembly so the
// compiler cannot reorder the loop nest or spill the chains to memory (it does both to the intrinsic
// version). Returns the number of int8 operations (2 per multiply-add) performed; the caller times it.
double qgemm_peak_loop_avx512vnni(long iterations, int32_t* sink) {
  long n = iterations;
  __asm__ volatile(
      "vpternlogd $0xff, %%zmm30, %%zmm30, %%zmm30\n\t"
      "vpabsb %%zmm30, %%zmm31\n\t"
      "1:\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm0\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm1\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm2\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm3\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm4\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm5\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm6\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm7\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm8\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm9\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm10\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm11\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm12\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm13\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm14\n\t"
      "vpdpbusd %%zmm30, %%zmm31, %%zmm15\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "xmm30", "xmm31", "cc");
  *sink = static_cast<int32_t>(n);
  return static_cast<double>(iterations) * 16 * 64 * 2;
}

}  // namespace octet
