// The quantized depthwise oracle: the definition in qdwconv_kernel.h, one pixel, one channel and one
// tap at a time. Its packed weights are the caller's [taps][channels] int16, unchanged.
#include <cmath>
#include <cstring>

#include "qdwconv_kernel.h"

namespace octet {

namespace {

size_t packed_bytes(size_t taps, size_t channels) { return taps * channels * sizeof(int16_t); }

void pack(const int16_t* w, size_t taps, size_t channels, void* packed) {
  std::memcpy(packed, w, packed_bytes(taps, channels));
}

// The input byte as the number it stands for.
int32_t input_value(const uint8_t* byte, bool is_signed) {
  return is_signed ? static_cast<int32_t>(static_cast<int8_t>(*byte)) : static_cast<int32_t>(*byte);
}

void run(const QDwConvArgs& a) {
  const int16_t* weights = static_cast<const int16_t*>(a.weights);
  const size_t pointers_per_pixel = a.input_stride == 0 ? a.taps : 0;
  for (size_t p = 0; p < a.pixels; ++p) {
    const uint8_t* const* in = a.input + p * pointers_per_pixel;
    const size_t shift = p * a.input_stride;  // bytes past each pointer
    for (size_t c = 0; c < a.channels; ++c) {
      // Sum in uint32: the wrapping int32 sum of the definition, without signed overflow.
      uint32_t sum = static_cast<uint32_t>(a.bias[c]);
      for (size_t t = 0; t < a.taps; ++t) {
        const int32_t product = input_value(in[t] + shift + c, a.input_signed) * weights[t * a.channels + c];
        sum += static_cast<uint32_t>(product);
      }
      const int32_t acc = static_cast<int32_t>(sum);
      const size_t at = p * a.output_stride + c;
      if (a.kind == OutputKind::kInt32) {
        static_cast<int32_t*>(a.output)[at] = acc;
        continue;
      }
      float f = static_cast<float>(acc) * a.scale[c];
      f = f > a.lo ? f : a.lo;
      f = f < a.hi ? f : a.hi;
      const int32_t q = static_cast<int32_t>(std::nearbyint(f)) + a.zero_point;
      if (a.kind == OutputKind::kUint8) {
        static_cast<uint8_t*>(a.output)[at] = static_cast<uint8_t>(q);
      } else {
        static_cast<int8_t*>(a.output)[at] = static_cast<int8_t>(q);
      }
    }
  }
}

const QDwConvKernel kScalar{Isa::kScalar, "qdwconv_c1__scalar", packed_bytes, pack, run};

}  // namespace

const QDwConvKernel* qdwconv_kernel_scalar() { return &kScalar; }

}  // namespace octet
