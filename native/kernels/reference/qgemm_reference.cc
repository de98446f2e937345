#include "qgemm_reference.h"

#include <cmath>

namespace octet {

void qgemm_reference(const QGemmReferenceArgs& p) {
  const auto a_at = [&](int m, int k) -> int32_t {
    const size_t i = static_cast<size_t>(m) * p.K + k;
    return p.a_signed ? static_cast<const int8_t*>(p.a)[i] : static_cast<const uint8_t*>(p.a)[i];
  };
  const auto b_at = [&](int k, int n) -> int32_t {
    const size_t i = static_cast<size_t>(k) * p.N + n;
    return p.b_unsigned ? static_cast<const uint8_t*>(p.b)[i] : static_cast<const int8_t*>(p.b)[i];
  };
  const float lo = static_cast<float>(p.qmin - p.zero_point);
  const float hi = static_cast<float>(p.qmax - p.zero_point);
  for (int m = 0; m < p.M; ++m) {
    const int32_t za = p.a_zero_point[p.a_zero_point_per_row ? m : 0];
    for (int n = 0; n < p.N; ++n) {
      const int32_t zb = p.b_zero_point[p.b_zero_point_per_col ? n : 0];
      uint32_t sum = 0;  // wraps modulo 2^32 like int32 hardware arithmetic
      for (int k = 0; k < p.K; ++k) {
        sum += static_cast<uint32_t>(a_at(m, k) - za) * static_cast<uint32_t>(b_at(k, n) - zb);
      }
      if (p.bias != nullptr) sum += static_cast<uint32_t>(p.bias[n]);
      const int32_t v = static_cast<int32_t>(sum);
      const size_t at = static_cast<size_t>(m) * p.N + n;
      if (p.kind == OutputKind::kInt32) {
        static_cast<int32_t*>(p.out)[at] = v;
        continue;
      }
      float f = static_cast<float>(v) * p.scale[p.scale_per_col ? n : 0];
      if (p.kind == OutputKind::kFloat32) {
        static_cast<float*>(p.out)[at] = f;
        continue;
      }
      f = f > lo ? f : lo;
      f = f < hi ? f : hi;
      const int32_t q = static_cast<int32_t>(std::nearbyint(f)) + p.zero_point;
      if (p.kind == OutputKind::kUint8) static_cast<uint8_t*>(p.out)[at] = static_cast<uint8_t>(q);
      else static_cast<int8_t*>(p.out)[at] = static_cast<int8_t>(q);
    }
  }
}

}  // namespace octet
