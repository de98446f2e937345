// The contract between the GEMM driver (native/ops/qgemm.cc) and one ISA's kernels.
//
// Every path computes the same exact integers. For C = (A - za)(B - zb) with A uint8 (M×K) and
// B int8 (K×N):
//   Σk (a - za)(b - zb) = Σk a·b  - zb[n]·rowsum(A)[m]  - za·(colsum(B)[n] - K·zb[n])
// Only Σ a·b is O(MNK) and it is what a micro-kernel computes, exactly, in int32 (wrapping on
// overflow like every other path). The other terms are rank-1 and applied by the epilogue:
//   v[m][n] = acc[m][n] + col_add[n] - col_zb[n]·row_sum[m] - row_za[m]·col_z[n]
// col_add folds bias, the per-tensor za term, and the ISA's own activation offset (a kernel that
// multiplies (a ^ 0x80) as int8 adds a_offset·colsum back). Then the output is one of:
//   int32 v | float(v)·scale[n] | clamp(round_half_even(float(v)·scale[n])) + zero_point as u8/s8.
// Every ISA must be bit-identical to kernels/reference/qgemm_reference.cc; the float steps are
// single IEEE operations (int→float, multiply, max/min, round-to-nearest-even), so they are.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

// How the driver must present A's rows to a micro-kernel.
enum class AFormat : int {
  kU8,       // uint8, row stride ≥ K rounded up to kr, padding bytes zero
  kS16,      // int16 (zero-extended uint8), row stride ≥ K rounded up to kr, padding zero
  kS8Xor80,  // int8 = uint8 ^ 0x80 (i.e. a - 128), padding bytes 0x80 ^ 0x80 = 0 after the xor
};

enum class OutputKind : int { kInt32 = 0, kUint8 = 1, kInt8 = 2, kFloat32 = 3 };

// One tile of accumulators plus everything needed to finish it.
struct EpilogueTile {
  int rows = 0, cols = 0;
  const int32_t* acc = nullptr;  // rows × acc_stride int32
  int acc_stride = 0;
  const int32_t* col_add = nullptr;  // [cols]
  const int32_t* col_zb = nullptr;   // [cols] or nullptr (symmetric weights)
  const int32_t* row_sum = nullptr;  // [rows], used with col_zb
  const int32_t* col_z = nullptr;    // [cols] colsum - K·zb, only with per-row za; else nullptr
  const int32_t* row_za = nullptr;   // [rows], used with col_z
  OutputKind kind = OutputKind::kInt32;
  const float* scale = nullptr;  // [cols] when scale_per_col, else [1]; unused for kInt32
  bool scale_per_col = false;
  int32_t zero_point = 0;        // u8/s8 output
  float clamp_lo = 0, clamp_hi = 0;  // (qmin - zero_point, qmax - zero_point) as floats
  // Every scale is at most 0.5, so |float(v)·scale| ≤ 2^30 rounds to an int32 without overflow. A
  // kernel may then round before it clamps: with integer bounds, clamp(round(f)) = round(clamp(f)),
  // and saturating packs clamp for free (the driver sets this; kernels may ignore it).
  bool scale_at_most_half = false;
  void* out = nullptr;           // element (0,0) of this tile in the output
  size_t ldc = 0;                // output row stride in elements
};

struct QGemmKernel {
  const char* name;  // op_types_MRxNRcKR__isa, e.g. "qgemm_u8s8_8x32c4__avx512vnni"
  Isa isa;
  int mr;  // rows per micro-tile
  int nr;  // columns per packed panel (= micro-tile width)
  int kr;  // K elements packed together per column; K is padded to a multiple of kr with zeros
  AFormat a_format;
  int32_t a_offset;  // added back as a_offset·colsum[n] (128 for kS8Xor80, else 0)
  // Bytes needed to pack a K×N int8 matrix (without the over-read padding AlignedBuffer adds).
  size_t (*packed_b_bytes)(int K, int N);
  // b: K×N int8 row-major with row stride ldb. Writes ceil(N/nr) panels; padding is zero.
  void (*pack_b)(const int8_t* b, size_t ldb, int K, int N, void* packed);
  // acc[r*nr + c] = Σ_{k<Kp} A[r][k]·B[k][c] for r < mr_used, c < nr, over one packed panel.
  // a: first row, a_stride in bytes between rows; Kp = K rounded up to kr.
  void (*ukernel)(int mr_used, int Kp, const void* a, size_t a_stride, const void* b_panel, int32_t* acc);
  // Bytes of one packed panel for this Kp.
  size_t (*panel_bytes)(int Kp);
  void (*epilogue)(const EpilogueTile& tile);
  // Optional (null: absent): ukernel and epilogue in one for a full tile (mr rows) with uint8/int8
  // output and neither zero-point term (col_zb and col_z null; tile.acc unused), the sums requantized
  // straight from registers. Must write exactly what ukernel followed by epilogue writes.
  void (*ukernel_requant)(int Kp, const void* a, size_t a_stride, const void* b_panel, const EpilogueTile& tile) = nullptr;
  // Optional: ukernel_requant with A's rows gathered through pointers (a k×k convolution read in
  // place, without an im2col copy). Row r is `segments` runs of seg_bytes (a multiple of kr, > 0)
  // at rows[s·mr + r]; the panel is packed for K = segments·seg_bytes. Same conditions and bytes.
  void (*ukernel_requant_indirect)(int segments, int seg_bytes, const uint8_t* const* rows, const void* b_panel,
                                   const EpilogueTile& tile) = nullptr;
};

// Scalar epilogue: the definition the SIMD epilogues reproduce.
void qgemm_epilogue_scalar(const EpilogueTile& tile);
// The scalar definition on columns [first_col, cols) only: the tail a SIMD epilogue leaves.
void qgemm_epilogue_scalar_tail(const EpilogueTile& tile, int first_col);
// AVX2 epilogue, shared by the AVX2 and AVX-VNNI kernels (defined in qgemm_u8s8_4x16c2__avx2.cc).
void qgemm_epilogue_avx2(const EpilogueTile& tile);
// NEON epilogue, shared by both AArch64 kernels (defined in qgemm_u8s8_4x16c1__neon.cc).
void qgemm_epilogue_neon(const EpilogueTile& tile);

// Kernels of each path; a path not compiled into this binary returns nullptr.
const QGemmKernel* qgemm_kernel_scalar();
const QGemmKernel* qgemm_kernel_avx2();
const QGemmKernel* qgemm_kernel_avx512vnni();
const QGemmKernel* qgemm_kernel_avxvnni();
const QGemmKernel* qgemm_kernel_neon();
const QGemmKernel* qgemm_kernel_neondot();

}  // namespace octet
