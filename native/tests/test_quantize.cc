// Every quantize/dequantize table this CPU runs against the scalar definitions, bit for bit, on lengths
// around every vector width and on the values where rounding and saturation are decided.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../ops/quantize_ops.h"
#include "test_main.h"

namespace octet::test {

namespace {

std::vector<float> test_values(size_t n, Rng& rng, float scale) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    switch (rng.uniform(0, 9)) {
      case 0: x[i] = (static_cast<float>(rng.uniform(-300, 300)) + 0.5f) * scale; break;  // exact ties
      case 1: x[i] = std::numeric_limits<float>::infinity() * (rng.uniform(0, 1) ? 1.f : -1.f); break;
      case 2: x[i] = std::numeric_limits<float>::quiet_NaN(); break;
      case 3: x[i] = rng.uniform_float(-3e38f, 3e38f); break;
      case 4: x[i] = -0.0f; break;
      default: x[i] = rng.uniform_float(-200.f, 200.f) * scale; break;
    }
  }
  return x;
}

}  // namespace

TEST(quantize_and_dequantize_match_scalar_on_every_isa) {
  const QuantizeKernels& ref = *quantize_kernels_scalar();
  const size_t lengths[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 4099};
  for (Isa isa : supported_isas()) {
    const QuantizeKernels& k = quantize_kernels(isa);
    Rng rng(11);
    for (size_t n : lengths) {
      const float scale = rng.uniform_float(0.001f, 0.5f);
      const int32_t zu = rng.uniform(0, 255), zs = rng.uniform(-128, 127);
      const std::vector<float> x = test_values(n, rng, scale);
      std::vector<uint8_t> qu(n + 1, 7), qu_ref(n + 1, 7);
      std::vector<int8_t> qs(n + 1, 7), qs_ref(n + 1, 7);
      k.quantize_u8(x.data(), n, scale, zu, qu.data());
      ref.quantize_u8(x.data(), n, scale, zu, qu_ref.data());
      k.quantize_s8(x.data(), n, scale, zs, qs.data());
      ref.quantize_s8(x.data(), n, scale, zs, qs_ref.data());
      for (size_t i = 0; i <= n; ++i) {
        CHECK(qu[i] == qu_ref[i]) << isa_name(isa) << " quantize_u8 n=" << n << " at " << i << " x=" << (i < n ? x[i] : 0)
                                  << " got " << int(qu[i]) << " expected " << int(qu_ref[i]);
        CHECK(qs[i] == qs_ref[i]) << isa_name(isa) << " quantize_s8 n=" << n << " at " << i << " got " << int(qs[i])
                                  << " expected " << int(qs_ref[i]);
      }
      std::vector<float> y(n + 1, 5.f), y_ref(n + 1, 5.f);
      k.dequantize_u8(qu.data(), n, scale, zu, y.data());
      ref.dequantize_u8(qu.data(), n, scale, zu, y_ref.data());
      CHECK(std::memcmp(y.data(), y_ref.data(), (n + 1) * 4) == 0) << isa_name(isa) << " dequantize_u8 n=" << n;
      k.dequantize_s8(qs.data(), n, scale, zs, y.data());
      ref.dequantize_s8(qs.data(), n, scale, zs, y_ref.data());
      CHECK(std::memcmp(y.data(), y_ref.data(), (n + 1) * 4) == 0) << isa_name(isa) << " dequantize_s8 n=" << n;
      std::vector<int32_t> wide(n);
      for (auto& v : wide) v = static_cast<int32_t>(rng.next());
      k.dequantize_s32(wide.data(), n, scale, 0, y.data());
      ref.dequantize_s32(wide.data(), n, scale, 0, y_ref.data());
      CHECK(std::memcmp(y.data(), y_ref.data(), (n + 1) * 4) == 0) << isa_name(isa) << " dequantize_s32 n=" << n;
    }
  }
}

TEST(quantize_rounds_half_to_even_and_saturates) {
  const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1000.f, -1000.f, std::numeric_limits<float>::quiet_NaN()};
  const uint8_t expected_u8[] = {10, 12, 12, 10, 8, 8, 255, 0, 0};  // zero point 10; NaN → qmin
  for (Isa isa : supported_isas()) {
    uint8_t y[9];
    quantize_kernels(isa).quantize_u8(x, 9, 1.0f, 10, y);
    for (int i = 0; i < 9; ++i) CHECK(y[i] == expected_u8[i]) << isa_name(isa) << " x=" << x[i] << " got " << int(y[i]);
  }
}

TEST(minmax_finds_extremes_and_rejects_nan) {
  for (Isa isa : supported_isas()) {
    const QuantizeKernels& k = quantize_kernels(isa);
    for (size_t n : {1, 5, 16, 17, 100}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i) - 3.0f;
      x[n / 2] = -77.f;
      float lo = 0, hi = 0;
      CHECK(k.minmax(x.data(), n, &lo, &hi)) << isa_name(isa);
      float want_hi = x[0];
      for (float v : x) want_hi = v > want_hi ? v : want_hi;
      CHECK(lo == -77.f && hi == want_hi) << isa_name(isa) << " n=" << n << " lo=" << lo << " hi=" << hi;
      x[n - 1] = std::numeric_limits<float>::quiet_NaN();
      CHECK(!k.minmax(x.data(), n, &lo, &hi)) << isa_name(isa) << " NaN not reported, n=" << n;
    }
  }
}

TEST(dynamic_quantize_matches_onnx_definition) {
  const float x[] = {-1.0f, 0.0f, 2.0f, 0.5f, 1.25f};
  for (Isa isa : supported_isas()) {
    uint8_t y[5];
    const DynamicQuantParams p = dynamic_quantize_linear(isa, x, 5, y, 1);
    const float scale = 3.0f / 255.0f;
    CHECK(p.scale == scale) << isa_name(isa) << " scale " << p.scale;
    CHECK(p.zero_point == 85) << isa_name(isa) << " zero point " << p.zero_point;
    CHECK(y[0] == 0 && y[1] == 85 && y[2] == 255) << isa_name(isa);
    float zeros[3] = {0, 0, 0};
    const DynamicQuantParams z = dynamic_quantize_linear(isa, zeros, 3, y, 1);
    CHECK(z.scale == 1.0f && z.zero_point == 0) << isa_name(isa) << " all-zero input";
  }
}

}  // namespace octet::test
