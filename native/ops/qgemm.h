// The int8 GEMM operator: weights packed once, then C = (A - za)(B - zb) [+ bias] finished by a fused
// epilogue (raw int32 for MatMulInteger, requantized u8/s8 for QLinearMatMul/QLinearConv, or
// dequantized float32 for dynamic quantization). Any uint8/int8 mix of A and B is mapped onto the
// kernels' uint8 × int8 form by shifting values and zero points by 128, which leaves every
// difference (a - za), (b - zb) unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/isa.h"
#include "../kernels/qgemm/qgemm_kernel.h"

namespace octet {

struct PackedWeights {
  Isa isa = Isa::kScalar;
  const QGemmKernel* kernel = nullptr;
  int K = 0, N = 0, Kp = 0;
  AlignedBuffer data;                // the kernel's panels
  std::vector<int32_t> colsum;       // Σk b over the int8 (shifted) values
  std::vector<int32_t> zero_point;   // per column, int8 (shifted) domain
  std::vector<int32_t> col_z;        // colsum - K·zero_point
  bool symmetric = true;             // every zero point is 0: the row-sum term vanishes
  size_t byte_size() const { return data.size() + 3 * sizeof(int32_t) * static_cast<size_t>(N); }
};

// b: K×N row-major (int8, or uint8 when b_unsigned). zero_point: 1 or N values in b's own range.
std::unique_ptr<PackedWeights> pack_weights(Isa isa, const void* b, bool b_unsigned, int K, int N,
                                            const int32_t* zero_point, bool zero_point_per_col);

struct QGemmArgs {
  int M = 0;
  const void* a = nullptr;  // M×K row-major, K = b->K, rows lda bytes apart
  size_t lda = 0;           // bytes between A rows; 0 means K (a convolution's NHWC rows are C apart)
  // The rows are already padded: lda >= K rounded up to 4, and bytes [K, that) of every row are zero
  // (an im2col tile written so). Lets a kernel with K-groups read them in place instead of a copy.
  bool a_rows_padded = false;
  bool a_signed = false;
  const int32_t* a_zero_point = nullptr;  // [1] or [M], in a's own range
  bool a_zero_point_per_row = false;
  const PackedWeights* b = nullptr;
  const int32_t* bias = nullptr;  // [N] or nullptr
  OutputKind kind = OutputKind::kInt32;
  const float* scale = nullptr;  // [1] or [N]: requantization multiplier, or dequantization scale
  bool scale_per_col = false;
  int32_t zero_point = 0, qmin = 0, qmax = 0;  // u8/s8 output
  void* out = nullptr;  // M×N row-major, rows ldc elements apart
  size_t ldc = 0;       // elements between output rows; 0 means N (a group's columns within all M)
  int threads = 1;
};

// Runs with the kernel the weights were packed for. Arguments are trusted: the addon validates.
void qgemm(const QGemmArgs& args);

// The GEMM with A's rows gathered through pointers: a k×k convolution read in place instead of an
// im2col copy. Row m is `segments` runs of K / segments bytes; run s of the rows of tile i (mr rows,
// mr = qgemm_tile_rows) starts at rows[(i·segments + s)·mr + m % mr] (rows past M are not read). p.a and p.lda are unused; p.threads must be 1 (a
// convolution gives each thread its own pixels). Only where qgemm_indirect_supported.
bool qgemm_indirect_supported(const QGemmArgs& p, int segments);
int qgemm_tile_rows(const PackedWeights& w);
void qgemm_indirect(const QGemmArgs& p, int segments, const uint8_t* const* rows);

// Requantization multiplier (a_scale·b_scale[n]) / y_scale, in float32 as onnxruntime computes it.
void requant_multipliers(float a_scale, const float* b_scale, int count, float y_scale, float* out);
// Dequantization scale a_scale·b_scale[n] for float32 output.
void dequant_scales(float a_scale, const float* b_scale, int count, float* out);

}  // namespace octet
