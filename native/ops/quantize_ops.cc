#include "quantize_ops.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "../core/status.h"
#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"

namespace octet {

namespace {

constexpr size_t kChunk = 1 << 15;  // elements per parallel task

// Splits [outer × channels] rows of `inner` elements into tasks of about kChunk elements and calls
// fn(channel, begin, count) on contiguous runs that share one channel's parameters.
template <typename Fn>
void for_each_run(size_t outer, size_t channels, size_t inner, int threads, Fn&& fn) {
  const size_t total = outer * channels * inner;
  if (total == 0) return;
  if (channels == 1) {
    const size_t tasks = (total + kChunk - 1) / kChunk;
    ThreadPool::global().parallel_for(tasks, threads, [&](size_t t) {
      const size_t begin = t * kChunk;
      fn(0, begin, std::min(kChunk, total - begin));
    });
    return;
  }
  const size_t rows = outer * channels;
  const size_t rows_per_task = std::max<size_t>(1, kChunk / std::max<size_t>(inner, 1));
  const size_t tasks = (rows + rows_per_task - 1) / rows_per_task;
  ThreadPool::global().parallel_for(tasks, threads, [&](size_t t) {
    const size_t r1 = std::min(rows, (t + 1) * rows_per_task);
    for (size_t r = t * rows_per_task; r < r1; ++r) fn(r % channels, r * inner, inner);
  });
}

}  // namespace

void quantize_linear(Isa isa, const float* x, const float* scale, const int32_t* zero_point, size_t outer,
                     size_t channels, size_t inner, QuantType type, void* y, int threads) {
  const QuantizeKernels& k = quantize_kernels(isa);
  for_each_run(outer, channels, inner, threads, [&](size_t c, size_t begin, size_t count) {
    if (type == QuantType::kUint8) k.quantize_u8(x + begin, count, scale[c], zero_point[c], static_cast<uint8_t*>(y) + begin);
    else k.quantize_s8(x + begin, count, scale[c], zero_point[c], static_cast<int8_t*>(y) + begin);
  });
}

void dequantize_linear(Isa isa, const void* x, DequantInput type, const float* scale, const int32_t* zero_point,
                       size_t outer, size_t channels, size_t inner, float* y, int threads) {
  const QuantizeKernels& k = quantize_kernels(isa);
  for_each_run(outer, channels, inner, threads, [&](size_t c, size_t begin, size_t count) {
    switch (type) {
      case DequantInput::kUint8: k.dequantize_u8(static_cast<const uint8_t*>(x) + begin, count, scale[c], zero_point[c], y + begin); break;
      case DequantInput::kInt8: k.dequantize_s8(static_cast<const int8_t*>(x) + begin, count, scale[c], zero_point[c], y + begin); break;
      case DequantInput::kInt32: k.dequantize_s32(static_cast<const int32_t*>(x) + begin, count, scale[c], zero_point[c], y + begin); break;
    }
  });
}

DynamicQuantParams dynamic_quantize_linear(Isa isa, const float* x, size_t n, uint8_t* y, int threads) {
  const QuantizeKernels& k = quantize_kernels(isa);
  float lo = 0, hi = 0;
  if (n > 0 && !k.minmax(x, n, &lo, &hi)) throw_range("dynamicQuantizeLinear: x contains NaN");
  // The range always includes 0 so that 0 is exactly representable (ONNX).
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (!std::isfinite(lo) || !std::isfinite(hi)) throw_range("dynamicQuantizeLinear: x contains an infinite value");
  float scale = (hi - lo) / 255.0f;
  if (hi == lo) scale = 1.0f;  // all zeros: any scale represents them; onnxruntime uses 1
  if (!std::isfinite(scale) || scale == 0.0f) {
    throw_range("dynamicQuantizeLinear: the range of x [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "] gives a scale that is not a positive finite float32");
  }
  float initial_zero_point = 0.0f - lo / scale;
  initial_zero_point = std::min(std::max(initial_zero_point, 0.0f), 255.0f);
  const int32_t zero_point = static_cast<int32_t>(std::nearbyint(initial_zero_point));
  for_each_run(1, 1, n, threads, [&](size_t, size_t begin, size_t count) {
    k.quantize_u8(x + begin, count, scale, zero_point, y + begin);
  });
  return {scale, zero_point};
}

}  // namespace octet
