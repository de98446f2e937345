// Scalar quantize/dequantize: the definitions (see quantize_kernel.h) and the portable path.
#include <cmath>

#include "quantize_kernel.h"

namespace octet {

namespace {

template <typename T, int Qmin, int Qmax>
void quantize(const float* x, size_t n, float scale, int32_t zero_point, T* y) {
  const float lo = static_cast<float>(Qmin - zero_point);
  const float hi = static_cast<float>(Qmax - zero_point);
  for (size_t i = 0; i < n; ++i) {
    const float f = quantize_clamp(x[i] / scale, lo, hi);
    y[i] = static_cast<T>(static_cast<int32_t>(std::nearbyint(f)) + zero_point);
  }
}

template <typename T>
void dequantize(const T* x, size_t n, float scale, int32_t zero_point, float* y) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t d = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(x[i])) - static_cast<uint32_t>(zero_point));
    y[i] = static_cast<float>(d) * scale;
  }
}

bool minmax(const float* x, size_t n, float* min_out, float* max_out) {
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v != v) return false;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *min_out = lo;
  *max_out = hi;
  return true;
}

const QuantizeKernels kKernels = {
    Isa::kScalar,
    quantize<uint8_t, 0, 255>,
    quantize<int8_t, -128, 127>,
    dequantize<uint8_t>,
    dequantize<int8_t>,
    dequantize<int32_t>,
    minmax,
};

}  // namespace

const QuantizeKernels* quantize_kernels_scalar() { return &kKernels; }

}  // namespace octet
