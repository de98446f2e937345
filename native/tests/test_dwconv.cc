// Every depthwise kernel this CPU runs against the scalar oracle, bit for bit: channel counts around
// each ISA's vector and unroll widths (1, 3..5, 7..9, 15..17, 31..33, 63..65, primes), tap counts
// 1..25, pixel counts around the kernels' 4-pixel steps, both input forms (a pointer per pixel and
// tap, or per tap with a pixel stride), clamped and not, output strides wider than the channels (the
// gap must stay untouched), and inputs seasoned with NaN, ±inf, -0 and subnormals so the clamp's NaN
// and signed-zero rules are exercised too. Any NaN matches any NaN: which NaN operand an add or fma
// passes on depends on the instruction form the compiler picks (GCC swaps the operands of an add
// freely), as in the sgemm tests.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/dwconv/dwconv_kernel.h"
#include "float_test_util.h"
#include "test_main.h"

namespace octet::test {

namespace {

float seasoned_value(Rng& rng, bool specials) {
  if (specials && rng.uniform(0, 31) == 0) {
    switch (rng.uniform(0, 5)) {
      case 0: return std::numeric_limits<float>::quiet_NaN();
      case 1: return std::numeric_limits<float>::infinity();
      case 2: return -std::numeric_limits<float>::infinity();
      case 3: return -0.0f;
      case 4: return 1e-40f;  // subnormal
      default: return 0.0f;
    }
  }
  return rng.uniform_float(-2.0f, 2.0f);
}

struct KernelCase {
  size_t channels, taps, pixels, extra_stride;
  bool clamp, specials;
  bool strided = false;  // one pointer per tap and DwConvF32Args::input_stride
};

// Runs `k` on a freshly built problem (the same for every ISA, from `seed`); returns the output
// buffer including the gaps between pixels.
std::vector<float> run_kernel(const DwConvKernel& k, const KernelCase& c, uint64_t seed) {
  Rng rng(seed);
  const size_t C = c.channels;
  // Input vectors, each its own exact-size allocation so a sanitizer sees any over-read.
  std::vector<std::unique_ptr<float[]>> vectors;
  const size_t distinct = c.pixels * c.taps / 2 + 1;
  for (size_t i = 0; i < distinct; ++i) {
    vectors.emplace_back(new float[C]);
    for (size_t j = 0; j < C; ++j) vectors.back()[j] = seasoned_value(rng, c.specials);
  }
  std::unique_ptr<float[]> zeros(new float[C]());
  std::vector<const float*> ptrs(c.pixels * c.taps);
  for (auto& p : ptrs) {
    const int pick = rng.uniform(0, static_cast<int>(distinct));
    p = pick == static_cast<int>(distinct) ? zeros.get() : vectors[pick].get();
  }
  // Strided: every tap's pixels `input_stride` floats apart in one exact-size buffer (taps overlap,
  // as neighbouring pixels' taps do in a convolution).
  const size_t input_stride = c.strided ? C + rng.uniform(0, 3) * 4 + rng.uniform(0, 1) : 0;
  std::unique_ptr<float[]> plane;
  if (c.strided) {
    const size_t tap_span = C * 2 + 3;  // the taps start at offsets in [0, tap_span)
    const size_t length = tap_span + (c.pixels - 1) * input_stride + C;
    plane.reset(new float[length]);
    for (size_t i = 0; i < length; ++i) plane[i] = seasoned_value(rng, c.specials);
    ptrs.resize(c.taps);
    for (auto& p : ptrs) p = plane.get() + rng.uniform(0, static_cast<int>(tap_span) - 1);
  }
  std::vector<float> weights(c.taps * C), bias(C);
  for (auto& v : weights) v = seasoned_value(rng, c.specials);
  for (auto& v : bias) v = seasoned_value(rng, c.specials);
  const size_t stride = C + c.extra_stride;
  std::vector<float> out(c.pixels * stride + 1, 12345.0f);  // gaps and the guard at the end must survive
  DwConvF32Args a;
  a.channels = C;
  a.pixels = c.pixels;
  a.taps = c.taps;
  a.input = ptrs.data();
  a.input_stride = input_stride;
  a.weights = weights.data();
  a.bias = bias.data();
  a.output = out.data();
  a.output_stride = stride;
  a.clamp = c.clamp;
  a.min = c.clamp ? rng.uniform_float(-1.0f, 0.0f) : 0.0f;
  a.max = c.clamp ? rng.uniform_float(0.5f, 3.0f) : 0.0f;
  k.f32(a);
  return out;
}

std::string describe(const KernelCase& c, const DwConvKernel& k) {
  std::ostringstream s;
  s << k.name << " channels=" << c.channels << " taps=" << c.taps << " pixels=" << c.pixels << " stride=+"
    << c.extra_stride << " clamp=" << c.clamp << " specials=" << c.specials << " strided=" << c.strided;
  return s.str();
}

}  // namespace

TEST(dwconv_scalar_computes_the_definition) {
  // The oracle itself against the formula, written out once more.
  Rng rng(7);
  const size_t C = 5, T = 3;
  std::vector<float> in0(C), in1(C), w(T * C), b(C), out(C);
  for (auto* v : {&in0, &in1, &w, &b})
    for (auto& x : *v) x = rng.uniform_float(-1, 1);
  std::vector<float> zeros(C, 0.0f);
  const float* ptrs[T] = {in0.data(), zeros.data(), in1.data()};
  DwConvF32Args a;
  a.channels = C; a.pixels = 1; a.taps = T; a.input = ptrs; a.weights = w.data(); a.bias = b.data();
  a.output = out.data(); a.output_stride = C; a.clamp = true; a.min = -0.25f; a.max = 0.5f;
  dwconv_kernel_scalar()->f32(a);
  for (size_t c = 0; c < C; ++c) {
    float acc = 0.0f;
    for (size_t t = 0; t < T; ++t) acc = std::fma(ptrs[t][c], w[t * C + c], acc);
    float y = acc + b[c];
    y = y > a.min ? y : a.min;
    y = y < a.max ? y : a.max;
    CHECK(bits(out[c]) == bits(y)) << "channel " << c << ": " << out[c] << " vs " << y;
  }
}

TEST(dwconv_scalar_strided_input_is_the_indirection_it_stands_for) {
  // input_stride = s with pointers q[t] means pixel p's tap t at q[t] + p * s: the same as an
  // indirection buffer holding those pointers.
  Rng rng(11);
  const size_t C = 6, T = 4, P = 5, S = 9;
  std::vector<float> plane(3 * C + (P - 1) * S + C), w(T * C), b(C);
  for (auto* v : {&plane, &w, &b})
    for (auto& x : *v) x = rng.uniform_float(-1, 1);
  const float* taps[T] = {plane.data(), plane.data() + 2, plane.data() + C, plane.data() + 3 * C};
  std::vector<const float*> indirection;
  for (size_t p = 0; p < P; ++p)
    for (size_t t = 0; t < T; ++t) indirection.push_back(taps[t] + p * S);
  std::vector<float> strided_out(P * C), indirect_out(P * C);
  DwConvF32Args a;
  a.channels = C; a.pixels = P; a.taps = T; a.weights = w.data(); a.bias = b.data(); a.output_stride = C;
  a.input = taps; a.input_stride = S; a.output = strided_out.data();
  dwconv_kernel_scalar()->f32(a);
  a.input = indirection.data(); a.input_stride = 0; a.output = indirect_out.data();
  dwconv_kernel_scalar()->f32(a);
  for (size_t i = 0; i < P * C; ++i) CHECK(bits(strided_out[i]) == bits(indirect_out[i])) << "element " << i;
}

TEST(dwconv_every_isa_matches_scalar) {
  const DwConvKernel& scalar = *dwconv_kernel_scalar();
  const size_t channel_counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 96, 127, 144, 161};
  const size_t tap_counts[] = {1, 2, 3, 9, 25};
  uint64_t seed = 1;
  for (Isa isa : supported_isas()) {
    const DwConvKernel& k = dwconv_kernel(isa);
    int failures = 0;
    for (size_t channels : channel_counts)
      for (size_t taps : tap_counts)
        for (int variant = 0; variant < 16 && failures < 3; ++variant) {
          // Pixels 1, 3, 4, 5, 7, 8, 9, 13: below, at and past the kernels' 4-pixel steps; each with
          // both input forms.
          const size_t pixel_counts[] = {1, 3, 4, 5, 7, 8, 9, 13};
          const int v = variant / 2;
          KernelCase c{channels, taps, pixel_counts[v], static_cast<size_t>(v % 3 == 2 ? 5 : 0), (v & 1) != 0, (v & 2) != 0,
                       (variant & 1) != 0};
          ++seed;
          const std::vector<float> want = run_kernel(scalar, c, seed);
          const std::vector<float> got = run_kernel(k, c, seed);
          for (size_t i = 0; i < want.size(); ++i) {
            if (same_float(got[i], want[i])) continue;
            const size_t stride = c.channels + c.extra_stride;
            CHECK(false) << describe(c, k) << ": first difference at pixel " << i / stride << " channel " << i % stride
                         << (i % stride >= c.channels ? " (outside the channels: must not be written)" : "") << ": got "
                         << got[i] << " want " << want[i];
            ++failures;
            break;
          }
        }
  }
}

TEST(dwconv_dispatch_maps_isas) {
  for (Isa isa : supported_isas()) {
    const DwConvKernel& k = dwconv_kernel(isa);
    CHECK(k.f32 != nullptr) << isa_name(isa);
    const bool x86_avx2 = isa == Isa::kAvx2 || isa == Isa::kAvxVnni;
    if (x86_avx2) {
      CHECK(k.isa == Isa::kAvx2) << isa_name(isa) << " -> " << k.name;
    }
    if (isa == Isa::kAvx512Vnni) {
      CHECK(k.isa == Isa::kAvx512Vnni) << k.name;
    }
    if (isa == Isa::kNeon || isa == Isa::kNeonDot) {
      CHECK(k.isa == Isa::kNeon) << k.name;
    }
  }
}

}  // namespace octet::test
