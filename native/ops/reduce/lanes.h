// The one summation order of the float reductions and normalizations: element i of a contiguous run
// goes to lane i % kLanes (one sequential chain per lane, carried across the runs of one output), then
// the lanes fold pairwise, 16 → 8 → 4 → 2 → 1. The compiler never reorders float adds, so the order
// has to be written out for the loop to vectorise: kLanes independent chains are exactly what SSE2 /
// NEON (4 per register) and AVX (8) keep in registers. It depends on the data's shape only, never
// on the thread count or the CPU.
#pragma once

#include <cstdint>
#include <cstring>

namespace octet {

constexpr int kLanes = 16;

template <typename Acc>
inline void lanes_fill(Acc* lane, Acc value) {
  for (int j = 0; j < kLanes; ++j) lane[j] = value;
}

// lane[i % kLanes] = combine(lane[i % kLanes], load(x[i])) for i in [0, n), in order.
template <typename T, typename Acc, typename Load, typename Combine>
inline void lanes_accumulate(Acc* __restrict lane, const T* __restrict x, int64_t n, Load load, Combine combine) {
  Acc v[kLanes];  // a local copy the compiler can keep in registers
  for (int j = 0; j < kLanes; ++j) v[j] = lane[j];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) v[j] = combine(v[j], load(x[i + j]));
  for (int j = 0; i + j < n; ++j) v[j] = combine(v[j], load(x[i + j]));
  for (int j = 0; j < kLanes; ++j) lane[j] = v[j];
}

template <typename Acc, typename Combine>
inline Acc lanes_fold(Acc* lane, Combine combine) {
  for (int width = kLanes / 2; width >= 1; width /= 2)
    for (int j = 0; j < width; ++j) lane[j] = combine(lane[j], lane[j + width]);
  return lane[0];
}

// Four floats as one SSE2 / NEON register: a GCC and Clang vector extension, not intrinsics, so the
// same code builds for every target. Comparisons give all-ones / all-zeros int lanes.
typedef float Float4 __attribute__((vector_size(16)));
typedef int32_t Int4 __attribute__((vector_size(16)));

// Picks b where mask is set, else a (bit for bit; written with bitwise ops, which every compiler
// version accepts on vectors, unlike ?:).
inline Float4 select_floats(Int4 mask, Float4 b, Float4 a) { return (Float4)(((Int4)b & mask) | ((Int4)a & ~mask)); }

// NaN-propagating max and min, on scalars and on vectors alike (the same IEEE operation per lane):
// once a chain holds NaN it keeps it (b > NaN is false), and a NaN element replaces it.
struct MaxPropagatingNan {
  float operator()(float a, float b) const { return ((b > a) | (b != b)) ? b : a; }
  Float4 operator()(Float4 a, Float4 b) const { return select_floats((b > a) | (b != b), b, a); }
};
struct MinPropagatingNan {
  float operator()(float a, float b) const { return ((b < a) | (b != b)) ? b : a; }
  Float4 operator()(Float4 a, Float4 b) const { return select_floats((b < a) | (b != b), b, a); }
};

// lanes_accumulate for float with an identity load and a combine that also takes vectors. GCC's
// vectoriser leaves compare-and-select chains scalar, so the 16 lanes are written out as four
// Float4 vectors: same order, same result.
template <typename Combine>
inline void lanes_combine_floats(float* __restrict lane, const float* __restrict x, int64_t n, Combine combine) {
  Float4 v[kLanes / 4];
  std::memcpy(v, lane, sizeof(v));
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes / 4; ++j) {
      Float4 t;
      std::memcpy(&t, x + i + 4 * j, sizeof(t));
      v[j] = combine(v[j], t);
    }
  }
  std::memcpy(lane, v, sizeof(v));
  for (int j = 0; i + j < n; ++j) lane[j] = combine(lane[j], x[i + j]);
}

// acc[k] = combine(acc[k], x[k]) for k in [0, n): the column loops' step, vectorised the same way.
template <typename Combine>
inline void columns_combine_floats(float* __restrict acc, const float* __restrict x, int64_t n, Combine combine) {
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    Float4 a, b;
    std::memcpy(&a, acc + k, sizeof(a));
    std::memcpy(&b, x + k, sizeof(b));
    a = combine(a, b);
    std::memcpy(acc + k, &a, sizeof(a));
  }
  for (; k < n; ++k) acc[k] = combine(acc[k], x[k]);
}

// Sum of n floats in the lane order. The chains start at -0.0f, the exact identity of IEEE addition
// (+0.0f would turn a sum of -0.0f into +0.0f).
inline float lanes_sum(const float* x, int64_t n) {
  float lane[kLanes];
  lanes_fill(lane, -0.0f);
  lanes_accumulate(lane, x, n, [](float v) { return v; }, [](float a, float b) { return a + b; });
  return lanes_fold(lane, [](float a, float b) { return a + b; });
}

// Sum of (x[i] - mean)^2 in the lane order: the second pass of a two-pass variance.
inline float lanes_sum_squared_deviation(const float* x, int64_t n, float mean) {
  float lane[kLanes];
  lanes_fill(lane, -0.0f);
  lanes_accumulate(lane, x, n, [mean](float v) { const float d = v - mean; return d * d; }, [](float a, float b) { return a + b; });
  return lanes_fold(lane, [](float a, float b) { return a + b; });
}

struct MeanVariance {
  float mean, variance;
};

// Mean and (population) variance of a contiguous run, two-pass. n = 0 gives NaNs.
inline MeanVariance mean_variance(const float* x, int64_t n) {
  const float count = static_cast<float>(n);
  const float mean = lanes_sum(x, n) / count;
  return {mean, lanes_sum_squared_deviation(x, n, mean) / count};
}

}  // namespace octet
