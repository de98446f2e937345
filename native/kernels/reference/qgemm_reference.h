// The oracle for every GEMM path: ONNX's definition computed the plain way, on unpacked inputs,
// Σk (a - za)(b - zb) with no row/column-sum algebra, no shifts and no packing. Slow on purpose.
#pragma once

#include <cstdint>

#include "../qgemm/qgemm_kernel.h"

namespace octet {

struct QGemmReferenceArgs {
  int M = 0, N = 0, K = 0;
  const void* a = nullptr;  // M×K, uint8 or (a_signed) int8
  bool a_signed = false;
  const int32_t* a_zero_point = nullptr;  // [1] or [M]
  bool a_zero_point_per_row = false;
  const void* b = nullptr;  // K×N, int8 or (b_unsigned) uint8
  bool b_unsigned = false;
  const int32_t* b_zero_point = nullptr;  // [1] or [N]
  bool b_zero_point_per_col = false;
  const int32_t* bias = nullptr;  // [N] or nullptr
  OutputKind kind = OutputKind::kInt32;
  const float* scale = nullptr;  // [1] or [N]
  bool scale_per_col = false;
  int32_t zero_point = 0, qmin = 0, qmax = 0;
  void* out = nullptr;  // M×N
};

void qgemm_reference(const QGemmReferenceArgs& args);

}  // namespace octet
