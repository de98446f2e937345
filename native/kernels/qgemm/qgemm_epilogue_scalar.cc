// The epilogue's definition, one element at a time. SIMD epilogues must produce the same bits; they
// call this for column tails narrower than a vector.
#include <cmath>
#include <cstdint>

#include "qgemm_kernel.h"

namespace octet {

namespace {

// Wrapping int32 arithmetic (the SIMD paths wrap; signed overflow in C++ would be undefined).
inline int32_t wrap_add(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
inline int32_t wrap_mul(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); }

}  // namespace

void qgemm_epilogue_scalar(const EpilogueTile& t) {
  for (int r = 0; r < t.rows; ++r) {
    const int32_t* acc = t.acc + static_cast<size_t>(r) * t.acc_stride;
    for (int c = 0; c < t.cols; ++c) {
      int32_t v = wrap_add(acc[c], t.col_add[c]);
      if (t.col_zb != nullptr) v = wrap_add(v, -wrap_mul(t.col_zb[c], t.row_sum[r]));
      if (t.col_z != nullptr) v = wrap_add(v, -wrap_mul(t.row_za[r], t.col_z[c]));
      const size_t at = static_cast<size_t>(r) * t.ldc + c;
      if (t.kind == OutputKind::kInt32) {
        static_cast<int32_t*>(t.out)[at] = v;
        continue;
      }
      const float scale = t.scale_per_col ? t.scale[c] : t.scale[0];
      float f = static_cast<float>(v) * scale;
      if (t.kind == OutputKind::kFloat32) {
        static_cast<float*>(t.out)[at] = f;
        continue;
      }
      f = f > t.clamp_lo ? f : t.clamp_lo;
      f = f < t.clamp_hi ? f : t.clamp_hi;
      const int32_t q = static_cast<int32_t>(std::nearbyint(f)) + t.zero_point;
      if (t.kind == OutputKind::kUint8) {
        static_cast<uint8_t*>(t.out)[at] = static_cast<uint8_t>(q);
      } else {
        static_cast<int8_t*>(t.out)[at] = static_cast<int8_t>(q);
      }
    }
  }
}

void qgemm_epilogue_scalar_tail(const EpilogueTile& t, int first_col) {
  if (first_col >= t.cols) return;
  EpilogueTile tail = t;
  tail.cols = t.cols - first_col;
  tail.acc += first_col;
  tail.col_add += first_col;
  if (tail.col_zb != nullptr) tail.col_zb += first_col;
  if (tail.col_z != nullptr) tail.col_z += first_col;
  if (tail.scale_per_col) tail.scale += first_col;
  const size_t elem = t.kind == OutputKind::kUint8 || t.kind == OutputKind::kInt8 ? 1 : 4;
  tail.out = static_cast<uint8_t*>(t.out) + static_cast<size_t>(first_col) * elem;
  qgemm_epilogue_scalar(tail);
}

}  // namespace octet
