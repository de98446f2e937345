// The contract between the float GEMM driver (native/ops/sgemm.cc) and one ISA's micro-kernels.
//
// B is packed once into panels of nr columns: panel p holds columns [p·nr, p·nr + nr) as K rows of
// nr floats (row k at panel + k·nr), columns past N zero; a row-major B may also be read in place
// (rows ldb floats apart). A comes row-major with any row stride (the caller's rows, or a tile the
// driver copied). A micro-kernel computes one tile of C — up to mr rows × up to nr columns — over a slice of
// K, keeping one fma chain per output element in k order (see native/ops/sgemm.h), so every path
// gives the same bits. The driver may cut K into blocks: the first block starts the chains at +0.0f,
// later blocks continue them from the partial sums stored in C (exact: a float store and reload
// changes nothing), and only the last block adds the bias and clamps.
//
// The kernel reads A only at rows < rows and k < kc, B only inside the panel slice (nr floats per
// row: a row-major B can be read in place for its full panels), and C (when it accumulates) and
// writes C only inside the tile, so edge tiles never touch memory outside C.
#pragma once

#include <cstddef>

#include "../../core/isa.h"

namespace octet {

// One micro-kernel call.
struct SGemmTile {
  const float* a = nullptr;  // element (row 0, k0) of A
  size_t lda = 0;            // floats between A rows
  const float* b = nullptr;  // the panel's row k0: kc rows of nr floats follow, ldb floats apart
  size_t ldb = 0;            // nr in a packed panel; a row-major B's own row stride when read in place
  size_t kc = 0;             // K values of this slice (0 is allowed: the chains stay +0.0f)
  float* c = nullptr;        // element (row 0, column 0) of the tile in C
  size_t ldc = 0;            // floats between C rows
  int rows = 0;              // 1..mr
  int cols = 0;              // 1..nr columns written (the panel's padding columns are computed, never stored)
  bool accumulate = false;   // continue the chains from the values in C (a K block after the first)
  bool finish = true;        // the last K block: apply the epilogue below, in this order
  const float* bias = nullptr;  // [cols] (already offset to the tile's first column), or null
  bool clamp = false;           // sgemm_clamp(c, min, max) below; off when both bounds are infinite
  float min = 0, max = 0;
};

struct SGemmKernel {
  const char* name;  // sgemm_MRxNR__isa, e.g. "sgemm_12x32__avx512"; also the file name
  Isa isa;
  int mr;  // rows per tile
  int nr;  // columns per packed panel (divides kSGemmMaxNr)
  void (*ukernel)(const SGemmTile& tile);
  // Optional (null: the driver calls ukernel per panel). One row across `panels` full panels side by
  // side — a single row gives ukernel only nr/lanes fma chains, too few to hide the fma latency
  // (GEMV, batch-1 layers). Panel j's row k is at tile.b + j·panel_stride + k·tile.ldb, its columns
  // at tile.c + j·nr and tile.bias + j·nr; tile.rows = 1, tile.cols = nr. Same results as ukernel.
  void (*row_ukernel)(const SGemmTile& tile, size_t panels, size_t panel_stride);
};

// Every kernel's nr divides this, so K·round_up(N, kSGemmMaxNr) floats hold B packed for any path.
constexpr int kSGemmMaxNr = 32;

// The clamp of the definition (the vmath clamp): NaN passes through, a tie of zeros keeps c. x86's
// maxps(lo, c) computes exactly lo > c ? lo : c, and NEON uses compare + select, never fmax/fmin
// (whose NaN and ±0 rules differ between ISAs).
inline float sgemm_clamp(float c, float lo, float hi) {
  c = lo > c ? lo : c;
  return hi < c ? hi : c;
}

// Each path's kernel; a path not compiled into this binary returns nullptr.
const SGemmKernel* sgemm_kernel_scalar();
const SGemmKernel* sgemm_kernel_avx2();
const SGemmKernel* sgemm_kernel_avx512();
const SGemmKernel* sgemm_kernel_neon();

// The kernel for a path (kAvx2/kAvxVnni → AVX2, kAvx512Vnni → AVX-512, kNeon/kNeonDot → NEON).
const SGemmKernel& sgemm_kernel(Isa isa);

}  // namespace octet
