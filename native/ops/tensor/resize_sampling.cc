#include "resize_sampling.h"

#include <cmath>

namespace octet::tensor {

float resize_source_coordinate(const ResizeOptions& options, const ResizeAxis& axis, int64_t o) {
  const float x = static_cast<float>(o);
  const float scale = axis.scale;
  const float in = static_cast<float>(axis.in), out = static_cast<float>(axis.out);
  // The spec's length_resized (in * scale, fractional for scales), not the integer output size:
  // downscaling 4 by 0.6 gives 2 outputs, and align_corners maps output 1 to 1 * 3 / (2.4 - 1).
  const float len = axis.length_resized;
  switch (options.coordinate) {
    case ResizeCoordinate::kHalfPixel: return (x + 0.5f) / scale - 0.5f;
    case ResizeCoordinate::kHalfPixelSymmetric: {
      const float adjustment = out / len;
      const float offset = in / 2.0f * (1.0f - adjustment);
      return offset + (x + 0.5f) / scale - 0.5f;
    }
    case ResizeCoordinate::kPytorchHalfPixel: return len > 1.0f ? (x + 0.5f) / scale - 0.5f : 0.0f;
    // len == 1 (so one output, o = 0) maps to 0; len in (1, 2) has one output, o = 0, which maps to 0 too.
    case ResizeCoordinate::kAlignCorners: return len == 1.0f ? 0.0f : x * (in - 1.0f) / (len - 1.0f);
    case ResizeCoordinate::kAsymmetric: return x / scale;
    case ResizeCoordinate::kTfHalfPixelForNn: return (x + 0.5f) / scale;
    case ResizeCoordinate::kTfCropAndResize: {
      const float s = axis.roi_start, e = axis.roi_end;
      if (len > 1.0f) return s * (in - 1.0f) + x * (e - s) * (in - 1.0f) / (len - 1.0f);
      return 0.5f * (s + e) * (in - 1.0f);
    }
  }
  return 0.0f;
}

bool resize_outside(const ResizeOptions& options, const ResizeAxis& axis, float x) {
  // NaN (a degenerate roi) counts as outside too.
  return options.coordinate == ResizeCoordinate::kTfCropAndResize && !(x >= 0.0f && x <= static_cast<float>(axis.in - 1));
}

namespace {

int64_t clamp_index(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// floor() of a float as an index, saturated so that huge or non-finite coordinates stay defined.
int64_t floor_index(float x) {
  if (!(x > -1e18f)) return -(int64_t{1} << 60);
  if (!(x < 1e18f)) return int64_t{1} << 60;
  return static_cast<int64_t>(std::floor(x));
}

int64_t nearest_index(const ResizeOptions& options, const ResizeAxis& axis, float x) {
  const int64_t f = floor_index(x);
  const float t = x - std::floor(x);
  switch (options.nearest) {
    case ResizeNearest::kRoundPreferFloor: return f + (t > 0.5f ? 1 : 0);
    case ResizeNearest::kRoundPreferCeil: return f + (t >= 0.5f ? 1 : 0);
    case ResizeNearest::kFloor: return f;
    case ResizeNearest::kCeil: return f + (t > 0.0f ? 1 : 0);
    case ResizeNearest::kSimple:
      // Truncation toward zero equals floor for x >= 0; negative x is clamped to 0 either way.
      return axis.scale < 1.0f ? f + (t > 0.0f ? 1 : 0) : f;
  }
  return f;
}

void cubic_coefficients(float a, float t, float c[4]) {
  const float t1 = t + 1.0f, s = 1.0f - t, s1 = s + 1.0f;
  c[0] = ((a * t1 - 5.0f * a) * t1 + 8.0f * a) * t1 - 4.0f * a;
  c[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
  c[2] = ((a + 2.0f) * s - (a + 3.0f)) * s * s + 1.0f;
  c[3] = ((a * s1 - 5.0f * a) * s1 + 8.0f * a) * s1 - 4.0f * a;
}

}  // namespace

bool AxisSampling::identity() const {
  if (any_outside) return false;
  const int64_t n = static_cast<int64_t>(outside.size());
  for (int64_t o = 0; o < n; ++o) {
    int own = 0;  // taps of weight 1 reading o; every other tap must weigh exactly 0
    for (int t = 0; t < taps; ++t) {
      const size_t at = static_cast<size_t>(o * taps + t);
      if (weight[at] == 1.0f && index[at] == o) ++own;
      else if (weight[at] != 0.0f) return false;
    }
    if (own != 1) return false;
  }
  return true;
}

AxisSampling resize_axis_sampling(const ResizeOptions& options, const ResizeAxis& axis) {
  AxisSampling s;
  s.taps = options.interpolation == ResizeInterpolation::kNearest ? 1 : (options.interpolation == ResizeInterpolation::kLinear ? 2 : 4);
  const size_t n = static_cast<size_t>(axis.out);
  s.index.resize(n * static_cast<size_t>(s.taps));
  s.weight.resize(n * static_cast<size_t>(s.taps));
  s.outside.resize(n);
  if (axis.in == 0) return s;  // then out is 0 too (checked by the operator)
  if (options.interpolation == ResizeInterpolation::kNearest && axis.scale == 1.0f && axis.in == axis.out) {
    for (int64_t o = 0; o < axis.out; ++o) {
      s.index[static_cast<size_t>(o)] = o;
      s.weight[static_cast<size_t>(o)] = 1.0f;
    }
    return s;
  }
  for (int64_t o = 0; o < axis.out; ++o) {
    float x = resize_source_coordinate(options, axis, o);
    const bool outside = resize_outside(options, axis, x);
    s.outside[static_cast<size_t>(o)] = outside;
    s.any_outside = s.any_outside || outside;
    int64_t* index = &s.index[static_cast<size_t>(o * s.taps)];
    float* weight = &s.weight[static_cast<size_t>(o * s.taps)];
    switch (options.interpolation) {
      case ResizeInterpolation::kNearest:
        index[0] = clamp_index(nearest_index(options, axis, x), axis.in);
        weight[0] = 1.0f;
        break;
      case ResizeInterpolation::kLinear: {
        const float hi = static_cast<float>(axis.in - 1);
        x = x > 0.0f ? (x < hi ? x : hi) : 0.0f;  // NaN lands on 0
        const int64_t x0 = static_cast<int64_t>(std::floor(x));
        const float t = x - static_cast<float>(x0);
        index[0] = x0;
        index[1] = clamp_index(x0 + 1, axis.in);
        weight[0] = 1.0f - t;
        weight[1] = t;
        break;
      }
      case ResizeInterpolation::kCubic: {
        const int64_t x0 = floor_index(x);
        const float t = x - std::floor(x);
        float c[4];
        cubic_coefficients(options.cubic_coeff_a, std::isnan(t) ? 0.0f : t, c);  // x was infinite or NaN
        if (options.exclude_outside) {
          float sum = 0.0f;
          for (int k = 0; k < 4; ++k) {
            const int64_t i = x0 - 1 + k;
            if (i < 0 || i >= axis.in) c[k] = 0.0f;
            sum += c[k];
          }
          for (int k = 0; k < 4; ++k) c[k] = c[k] / sum;
        }
        for (int k = 0; k < 4; ++k) {
          index[k] = clamp_index(x0 - 1 + k, axis.in);
          weight[k] = c[k];
        }
        break;
      }
    }
  }
  return s;
}

}  // namespace octet::tensor
