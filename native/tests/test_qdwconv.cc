// Every quantized depthwise kernel this CPU runs against the scalar kernel bit for bit, and both
// against a plain reference written here from the definition in qdwconv_kernel.h: channel counts
// around each ISA's vector and tile widths (1, 3, 7, 15..17, 31..33, 64, 65, 144), tap counts 1, 2, 3,
// 9, 25, 27 (pairs and an odd last tap), 0 to 7 pixels, both input forms (a pointer per pixel and
// tap, some aimed at the zero-point vector that padding reads, or per tap with a pixel stride),
// uint8 and int8 inputs, and every output kind. Per channel the weights, biases and scales are drawn
// from flavours that reach the corners: full-range weights (±255 against 255 or -128), weights all
// zero so acc is the bias itself (odd biases times 0.5 are exact .5 ties), tiny weights near the
// ties, and scales large enough to saturate. Output strides are wider than the channels: the gap
// bytes and a guard past the end must stay untouched.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/qdwconv/qdwconv_kernel.h"
#include "isa_tables.h"
#include "test_main.h"

namespace octet::test {

namespace {

constexpr uint8_t kUntouched = 0xA5;  // what the output buffer holds before a kernel runs
constexpr size_t kGuardElements = 9;  // past the last pixel

struct Case {
  size_t channels, taps, pixels;
  bool strided;       // one pointer per tap and QDwConvArgs::input_stride
  bool input_signed;
  OutputKind kind;
};

size_t element_bytes(OutputKind kind) { return kind == OutputKind::kInt32 ? sizeof(int32_t) : 1; }

// One problem, built from a seed; every kernel runs on the same one.
struct Problem {
  Case c;
  size_t output_stride = 0;
  // Input vectors, each its own exact-size allocation so a sanitizer sees any over-read.
  std::vector<std::unique_ptr<uint8_t[]>> vectors;
  std::unique_ptr<uint8_t[]> zero_point_vector;  // what padding taps read
  std::unique_ptr<uint8_t[]> plane;              // strided: every pixel's input in one buffer
  std::vector<const uint8_t*> pointers;
  size_t input_stride = 0;
  std::vector<int16_t> weights;  // [taps][channels]
  std::vector<int32_t> bias;
  std::vector<float> scale;
  int32_t zero_point = 0;
  float lo = 0, hi = 0;

  size_t output_bytes() const { return (c.pixels * output_stride + kGuardElements) * element_bytes(c.kind); }
};

uint8_t random_byte(Rng& rng, bool is_signed) {
  switch (rng.uniform(0, 7)) {  // the extremes often: 255 or -128 against ±255 weights
    case 0: return is_signed ? 0x80 : 0xFF;
    case 1: return is_signed ? 0x7F : 0x00;
    default: return static_cast<uint8_t>(rng.next());
  }
}

std::unique_ptr<uint8_t[]> random_bytes(Rng& rng, size_t n, bool is_signed) {
  std::unique_ptr<uint8_t[]> v(new uint8_t[n]);
  for (size_t i = 0; i < n; ++i) v[i] = random_byte(rng, is_signed);
  return v;
}

Problem make_problem(const Case& c, uint64_t seed) {
  Rng rng(seed);
  Problem pr;
  pr.c = c;
  const size_t C = c.channels, T = c.taps;
  pr.output_stride = C + static_cast<size_t>(rng.uniform(0, 1) * rng.uniform(1, 19));
  if (c.strided) {
    // Every tap's pixels input_stride bytes apart in one exact-size buffer; the taps start anywhere
    // in the first tap_span bytes (overlapping, as neighbouring pixels' taps do).
    pr.input_stride = C + static_cast<size_t>(rng.uniform(0, 9));
    const size_t tap_span = 2 * C + 3;
    const size_t length = tap_span + (c.pixels > 0 ? (c.pixels - 1) * pr.input_stride : 0) + C;
    pr.plane = random_bytes(rng, length, c.input_signed);
    for (size_t t = 0; t < T; ++t) pr.pointers.push_back(pr.plane.get() + rng.uniform(0, static_cast<int>(tap_span) - 1));
  } else {
    pr.zero_point_vector.reset(new uint8_t[C]);
    std::memset(pr.zero_point_vector.get(), static_cast<uint8_t>(rng.next()), C);
    const size_t distinct = c.pixels * T / 2 + 1;
    for (size_t i = 0; i < distinct; ++i) pr.vectors.push_back(random_bytes(rng, C, c.input_signed));
    for (size_t i = 0; i < c.pixels * T; ++i) {
      // Two picks in distinct + 2 are the padding taps' zero-point vector.
      const int pick = rng.uniform(0, static_cast<int>(distinct) + 1);
      pr.pointers.push_back(pick >= static_cast<int>(distinct) ? pr.zero_point_vector.get() : pr.vectors[pick].get());
    }
  }
  pr.weights.assign(T * C, 0);
  pr.bias.resize(C);
  pr.scale.resize(C);
  // Half the problems keep every scale at most 0.5, so kernels that round before they clamp
  // (QDwConvArgs::scale_at_most_half) take that path, saturation included.
  const bool small_scales = rng.uniform(0, 1) == 0;
  for (size_t ch = 0; ch < C; ++ch) {
    const int flavour = rng.uniform(0, 7);
    int weight_limit = 255;
    if (flavour == 3) weight_limit = 0;  // acc = bias
    if (flavour == 4) weight_limit = 2;  // small sums: ties and values near them
    for (size_t t = 0; t < T; ++t) {
      int16_t w = static_cast<int16_t>(rng.uniform(-weight_limit, weight_limit));
      if (flavour == 5) w = rng.uniform(0, 1) ? 255 : -255;
      pr.weights[t * C + ch] = w;
    }
    switch (flavour) {
      case 3:  // exact .5 ties (odd biases), a quarter, and saturation
        pr.bias[ch] = rng.uniform(-600, 600);
        pr.scale[ch] = rng.uniform(0, 2) == 0 ? 0.25f : 0.5f;
        break;
      case 4:
        pr.bias[ch] = rng.uniform(-100, 100);
        pr.scale[ch] = 0.5f;
        break;
      case 6:  // saturates nearly always; with the large scales v·scale passes ±2^31 (a kernel that
               // rounded first there would see the conversion overflow)
        pr.bias[ch] = small_scales ? rng.uniform(-1000000, 1000000) : rng.uniform(-1000000000, 1000000000);
        pr.scale[ch] = small_scales ? rng.uniform_float(0.25f, 0.5f) : rng.uniform_float(0.5f, 100.0f);
        break;
      default:  // mostly inside the range: |acc| grows with the taps
        pr.bias[ch] = rng.uniform(-200000, 200000);
        pr.scale[ch] = rng.uniform_float(0.05f, 4.0f) / static_cast<float>(T * 2000 + 1000);
        break;
    }
  }
  const bool u8 = c.kind == OutputKind::kUint8;
  const int32_t type_min = u8 ? 0 : -128, type_max = u8 ? 255 : 127;
  pr.zero_point = rng.uniform(type_min, type_max);
  // The full type's range, or a narrower one like a fused ReLU6.
  const int32_t qmin = rng.uniform(0, 2) == 0 ? rng.uniform(type_min, pr.zero_point) : type_min;
  const int32_t qmax = rng.uniform(0, 2) == 0 ? rng.uniform(pr.zero_point, type_max) : type_max;
  pr.lo = static_cast<float>(qmin - pr.zero_point);
  pr.hi = static_cast<float>(qmax - pr.zero_point);
  return pr;
}

// Runs `k` on the problem; returns the whole output buffer, gaps and guard included.
std::vector<uint8_t> run_kernel(const QDwConvKernel& k, const Problem& pr) {
  std::unique_ptr<uint8_t[]> packed(new uint8_t[k.packed_bytes(pr.c.taps, pr.c.channels)]);  // exact size
  k.pack(pr.weights.data(), pr.c.taps, pr.c.channels, packed.get());
  std::vector<uint8_t> out(pr.output_bytes(), kUntouched);
  QDwConvArgs a;
  a.channels = pr.c.channels;
  a.pixels = pr.c.pixels;
  a.taps = pr.c.taps;
  a.input = pr.pointers.data();
  a.input_stride = pr.input_stride;
  a.input_signed = pr.c.input_signed;
  a.weights = packed.get();
  a.bias = pr.bias.data();
  a.kind = pr.c.kind;
  a.scale = pr.scale.data();
  a.zero_point = pr.zero_point;
  a.lo = pr.lo;
  a.hi = pr.hi;
  a.scale_at_most_half = pr.c.kind != OutputKind::kInt32 && std::all_of(pr.scale.begin(), pr.scale.end(), [](float s) { return s <= 0.5f; });
  a.output = out.data();
  a.output_stride = pr.output_stride;
  k.run(a);
  return out;
}

// Round half to even, spelled out: the integer below, then up if past the half or at an odd half.
int32_t round_half_even(float f) {
  const float below = std::floor(f);
  const float fraction = f - below;  // exact for every float
  int32_t r = static_cast<int32_t>(below);
  if (fraction > 0.5f || (fraction == 0.5f && (r & 1) != 0)) ++r;
  return r;
}

// The definition, independently: an int64 sum (it never leaves int32 here), then the requantization.
std::vector<uint8_t> reference(const Problem& pr) {
  const Case& c = pr.c;
  std::vector<uint8_t> out(pr.output_bytes(), kUntouched);
  for (size_t p = 0; p < c.pixels; ++p)
    for (size_t ch = 0; ch < c.channels; ++ch) {
      int64_t acc = pr.bias[ch];
      for (size_t t = 0; t < c.taps; ++t) {
        const uint8_t* x = c.strided ? pr.pointers[t] + p * pr.input_stride : pr.pointers[p * c.taps + t];
        const int64_t value = c.input_signed ? static_cast<int8_t>(x[ch]) : x[ch];
        acc += value * pr.weights[t * c.channels + ch];
      }
      const size_t at = p * pr.output_stride + ch;
      if (c.kind == OutputKind::kInt32) {
        const int32_t v = static_cast<int32_t>(acc);
        std::memcpy(out.data() + at * sizeof(int32_t), &v, sizeof v);
        continue;
      }
      float f = static_cast<float>(static_cast<int32_t>(acc)) * pr.scale[ch];
      if (f < pr.lo) f = pr.lo;
      if (f > pr.hi) f = pr.hi;
      out[at] = static_cast<uint8_t>(round_half_even(f) + pr.zero_point);
    }
  return out;
}

std::string describe(const Case& c, const char* kernel) {
  std::ostringstream s;
  s << kernel << " channels=" << c.channels << " taps=" << c.taps << " pixels=" << c.pixels << " strided=" << c.strided
    << " signed=" << c.input_signed << " kind=" << static_cast<int>(c.kind);
  return s.str();
}

// Where two output buffers first differ, in words; empty if they are equal.
std::string first_difference(const Problem& pr, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  const size_t bytes = element_bytes(pr.c.kind);
  for (size_t i = 0; i < want.size(); i += bytes) {
    if (std::memcmp(got.data() + i, want.data() + i, bytes) == 0) continue;
    const size_t element = i / bytes, pixel = element / pr.output_stride, channel = element % pr.output_stride;
    std::ostringstream s;
    s << "first difference at pixel " << pixel << " channel " << channel;
    if (pixel >= pr.c.pixels) s << " (the guard past the end: must not be written)";
    else if (channel >= pr.c.channels) s << " (the gap between pixels: must not be written)";
    int64_t g = got[i], w = want[i];
    if (bytes == sizeof(int32_t)) {
      int32_t g32, w32;
      std::memcpy(&g32, got.data() + i, 4);
      std::memcpy(&w32, want.data() + i, 4);
      g = g32;
      w = w32;
    } else if (pr.c.kind == OutputKind::kInt8) {
      g = static_cast<int8_t>(got[i]);
      w = static_cast<int8_t>(want[i]);
    }
    s << ": got " << g << " want " << w;
    return s.str();
  }
  return "";
}


}  // namespace

TEST(qdwconv_every_isa_matches_scalar_and_the_definition) {
  const size_t channel_counts[] = {1, 3, 7, 15, 16, 17, 31, 32, 33, 64, 65, 144};
  const size_t tap_counts[] = {1, 2, 3, 9, 25, 27};
  const OutputKind kinds[] = {OutputKind::kInt32, OutputKind::kUint8, OutputKind::kInt8};
  const std::vector<const QDwConvKernel*> kernels = distinct_tables(qdwconv_kernel_scalar(), &qdwconv_kernel);
  std::vector<int> failures(kernels.size() + 1, 0);  // per kernel, then the scalar-vs-definition check
  uint64_t seed = 1;
  for (size_t channels : channel_counts)
    for (size_t taps : tap_counts)
      for (size_t pixels = 0; pixels < 8; ++pixels)
        for (int form = 0; form < 4; ++form)
          for (OutputKind kind : kinds) {
            const Case c{channels, taps, pixels, (form & 1) != 0, (form & 2) != 0, kind};
            const Problem pr = make_problem(c, ++seed);
            const std::vector<uint8_t> want = reference(pr);
            const std::vector<uint8_t> scalar = run_kernel(*kernels[0], pr);
            if (failures.back() < 3) {
              const std::string diff = first_difference(pr, scalar, want);
              CHECK(diff.empty()) << describe(c, kernels[0]->name) << " against the definition: " << diff;
              failures.back() += !diff.empty();
            }
            for (size_t i = 1; i < kernels.size(); ++i) {
              if (failures[i] >= 3) continue;
              const std::vector<uint8_t> got = run_kernel(*kernels[i], pr);
              std::string diff = first_difference(pr, got, scalar);
              CHECK(diff.empty()) << describe(c, kernels[i]->name) << " against scalar: " << diff;
              if (diff.empty()) {
                diff = first_difference(pr, got, want);
                CHECK(diff.empty()) << describe(c, kernels[i]->name) << " against the definition: " << diff;
              }
              failures[i] += !diff.empty();
            }
          }
}

TEST(qdwconv_rounds_half_to_even_and_saturates) {
  // Weights all zero, so acc is the bias; scale 0.5 turns odd biases into exact .5 ties. 40 channels
  // reach every ISA's full vectors and its tail; zero point 10, output range [0, 255] (lo -10, hi 245).
  const size_t C = 40;
  const int32_t biases[8] = {1, 3, 5, -1, -3, 7, 1000, -1000};
  const int32_t rounded[8] = {0, 2, 2, 0, -2, 4, 245, -10};  // before the zero point
  std::vector<int16_t> weights(C, 0);
  std::vector<int32_t> bias(C);
  std::vector<float> scale(C, 0.5f);
  for (size_t c = 0; c < C; ++c) bias[c] = biases[c % 8];
  std::vector<uint8_t> input(C, 77);
  const uint8_t* pointers[1] = {input.data()};
  for (const QDwConvKernel* k : distinct_tables(qdwconv_kernel_scalar(), &qdwconv_kernel)) {
    std::vector<uint8_t> packed(k->packed_bytes(1, C));
    k->pack(weights.data(), 1, C, packed.data());
    std::vector<uint8_t> out(C);
    QDwConvArgs a;
    a.channels = C;
    a.pixels = 1;
    a.taps = 1;
    a.input = pointers;
    a.weights = packed.data();
    a.bias = bias.data();
    a.kind = OutputKind::kUint8;
    a.scale = scale.data();
    a.zero_point = 10;
    a.lo = -10.0f;
    a.hi = 245.0f;
    a.scale_at_most_half = true;
    a.output = out.data();
    a.output_stride = C;
    k->run(a);
    for (size_t c = 0; c < C; ++c) {
      CHECK(out[c] == rounded[c % 8] + 10) << k->name << " channel " << c << ": bias " << bias[c] << " · 0.5 gave "
                                           << int(out[c]) << ", want " << rounded[c % 8] + 10;
    }
  }
}

TEST(qdwconv_dispatch_maps_isas) {
  for (Isa isa : supported_isas()) {
    const QDwConvKernel& k = qdwconv_kernel(isa);
    CHECK(k.run != nullptr && k.pack != nullptr && k.packed_bytes != nullptr) << isa_name(isa);
    if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) {
      CHECK(k.isa == Isa::kAvx2) << isa_name(isa) << " -> " << k.name;
    }
    if (isa == Isa::kAvx512Vnni) {
      CHECK(k.isa == Isa::kAvx512Vnni) << k.name;
    }
    if (isa == Isa::kNeon || isa == Isa::kNeonDot) {
      CHECK(k.isa == Isa::kNeon) << isa_name(isa) << " -> " << k.name;
    }
    if (isa == Isa::kScalar) {
      CHECK(k.isa == Isa::kScalar) << k.name;
    }
  }
}

}  // namespace octet::test

namespace octet::test {

// The row-pair form of a 3x3 stride-1 depthwise convolution (QDwConvRowPairArgs) against the scalar
// kernel run on the same taps through pointers: every channel count around the tiles, short and long
// rows, uint8 and int8 input and output, narrowed ranges, ties (scale 0.5 on small sums) and
// saturation; strides wider than the channels, whose gaps must stay untouched.
TEST(qdwconv_row_pair_matches_scalar) {
  const QDwConvKernel& scalar = *qdwconv_kernel_scalar();
  Rng rng(99);
  for (const QDwConvKernel* k : distinct_tables(qdwconv_kernel_scalar(), &qdwconv_kernel)) {
    if (k->run_row_pair == nullptr) continue;
    int failures = 0;
    for (size_t C : {1, 5, 16, 31, 32, 33, 64, 96, 144, 160})
      for (size_t pixels : {1, 2, 3, 7, 16})
        for (int form = 0; form < 4 && failures < 3; ++form) {
          const bool in_signed = (form & 1) != 0, out_signed = (form & 2) != 0;
          const size_t in_stride = C + static_cast<size_t>(rng.uniform(0, 3)), out_stride = C + static_cast<size_t>(rng.uniform(0, 3));
          const size_t cols = pixels + 2;
          std::vector<uint8_t> image(4 * cols * in_stride);
          for (auto& v : image) v = static_cast<uint8_t>(rng.next());
          const int flavour = rng.uniform(0, 2);  // 0: random, 1: small weights and ties, 2: saturating
          std::vector<int16_t> w9(9 * C);
          for (auto& v : w9) v = static_cast<int16_t>(flavour == 1 ? rng.uniform(-1, 1) : rng.uniform(-255, 255));
          std::vector<int32_t> bias(C);
          std::vector<float> scale(C);
          for (size_t c = 0; c < C; ++c) {
            bias[c] = flavour == 2 ? rng.uniform(-1000000, 1000000) : rng.uniform(-3000, 3000);
            scale[c] = flavour == 1 ? (rng.uniform(0, 1) ? 0.5f : 0.25f) : flavour == 2 ? rng.uniform_float(0.1f, 0.5f) : rng.uniform_float(0.0001f, 0.01f);
          }
          QDwConvArgs base;
          base.channels = C;
          base.taps = 9;
          base.input_signed = in_signed;
          base.bias = bias.data();
          base.kind = out_signed ? OutputKind::kInt8 : OutputKind::kUint8;
          base.scale = scale.data();
          const int type_min = out_signed ? -128 : 0, type_max = out_signed ? 127 : 255;
          base.zero_point = rng.uniform(type_min, type_max);
          const int qmin = rng.uniform(0, 2) == 0 ? rng.uniform(type_min, base.zero_point) : type_min;
          const int qmax = rng.uniform(0, 2) == 0 ? rng.uniform(base.zero_point, type_max) : type_max;
          base.lo = static_cast<float>(qmin - base.zero_point);
          base.hi = static_cast<float>(qmax - base.zero_point);
          base.scale_at_most_half = true;

          // Expected: the scalar kernel, output row r reading input rows r..r+2.
          std::vector<uint8_t> want(2 * pixels * out_stride + 16, 0xEE), got(want.size(), 0xEE);
          std::vector<uint8_t> scalar_packed(scalar.packed_bytes(9, C));
          scalar.pack(w9.data(), 9, C, scalar_packed.data());
          std::vector<const uint8_t*> ptrs(pixels * 9);
          for (size_t r = 0; r < 2; ++r) {
            for (size_t p = 0; p < pixels; ++p)
              for (size_t t = 0; t < 9; ++t) ptrs[p * 9 + t] = image.data() + ((r + t / 3) * cols + p + t % 3) * in_stride;
            QDwConvArgs a = base;
            a.pixels = pixels;
            a.input = ptrs.data();
            a.weights = scalar_packed.data();
            a.output = want.data() + r * pixels * out_stride;
            a.output_stride = out_stride;
            scalar.run(a);
          }
          std::vector<int16_t> w20(kRowPairTaps * C);
          row_pair_taps(w9.data(), C, w20.data());
          std::vector<uint8_t> packed(k->packed_bytes(kRowPairTaps, C));
          k->pack(w20.data(), kRowPairTaps, C, packed.data());
          QDwConvRowPairArgs rp;
          rp.base = &base;
          for (size_t i = 0; i < 4; ++i) rp.rows[i] = image.data() + i * cols * in_stride;
          rp.input_pixel_stride = in_stride;
          rp.pixels = pixels;
          rp.output[0] = got.data();
          rp.output[1] = got.data() + pixels * out_stride;
          rp.output_pixel_stride = out_stride;
          rp.weights = packed.data();
          k->run_row_pair(rp);
          if (got != want) {
            size_t i = 0;
            while (got[i] == want[i]) ++i;
            CHECK(false) << k->name << " row pair C=" << C << " pixels=" << pixels << " in_signed=" << in_signed << " out_signed=" << out_signed
                         << " flavour=" << flavour << ": first difference at byte " << i << " (row " << i / (pixels * out_stride) << ", pixel "
                         << i % (pixels * out_stride) / out_stride << ", channel " << i % out_stride << "): got " << int(got[i]) << ", want " << int(want[i]);
            ++failures;
          }
        }
  }
}

}  // namespace octet::test
