// The depthwise oracle: the definition in dwconv_kernel.h, one channel at a time.
#include <cmath>

#include "dwconv_kernel.h"

namespace octet {

namespace {

void dwconv_f32_scalar(const DwConvF32Args& a) {
  const size_t pointers_per_pixel = a.input_stride == 0 ? a.taps : 0;
  for (size_t p = 0; p < a.pixels; ++p) {
    const float* const* in = a.input + p * pointers_per_pixel;
    const size_t shift = p * a.input_stride;  // floats past each pointer
    float* out = a.output + p * a.output_stride;
    for (size_t c = 0; c < a.channels; ++c) {
      float acc = 0.0f;
      for (size_t t = 0; t < a.taps; ++t) acc = std::fma(in[t][shift + c], a.weights[t * a.channels + c], acc);
      float y = acc + a.bias[c];
      if (a.clamp) {
        y = y > a.min ? y : a.min;
        y = y < a.max ? y : a.max;
      }
      out[c] = y;
    }
  }
}

const DwConvKernel kScalar{Isa::kScalar, "dwconv_f32_c1__scalar", dwconv_f32_scalar};

}  // namespace

const DwConvKernel* dwconv_kernel_scalar() { return &kScalar; }

}  // namespace octet
