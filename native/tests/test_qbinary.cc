// Every QLinearAdd / QLinearMul kernel this CPU runs against the scalar kernel bit for bit, and the
// scalar one against the definitions written here with std::nearbyint (qbinary_kernel.h): lengths
// around each path's step and unroll (0-19, 31-33, 63-65, 127-129, 1000), uint8 and int8, b a tensor
// or one broadcast value, outputs written over an input, and multipliers that reach the corners —
// exact .5 ties, saturation at both ends, zero points at the type's limits, and a narrowed output
// range (a fused Relu). The bytes past n must stay untouched.
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/qbinary/qbinary_kernel.h"
#include "isa_tables.h"
#include "test_main.h"

namespace octet::test {

namespace {

constexpr size_t kGuard = 19;
constexpr uint8_t kUntouched = 0xA5;

// The definitions, one element at a time.
std::vector<uint8_t> reference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t b_step, size_t n, bool is_signed, bool mul,
                               const QBinaryParams& p) {
  std::vector<uint8_t> y(n + kGuard, kUntouched);
  for (size_t i = 0; i < n; ++i) {
    const int32_t av = is_signed ? static_cast<int8_t>(a[i]) : a[i];
    const int32_t bv = is_signed ? static_cast<int8_t>(b[i * b_step]) : b[i * b_step];
    float f;
    if (mul) {
      f = static_cast<float>((av - p.za) * (bv - p.zb)) * p.ra;
    } else {
      const float fa = static_cast<float>(av - p.za) * p.ra;
      const float fb = static_cast<float>(bv - p.zb) * p.rb;
      f = fa + fb;
    }
    f = f > p.lo ? f : p.lo;
    f = f < p.hi ? f : p.hi;
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(f)) + p.zc);
  }
  return y;
}

// Runs a kernel; in_place: y is a copy of a (the kernel reads a from y itself).
std::vector<uint8_t> run(const QBinaryKernels& k, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t b_step, size_t n,
                         bool is_signed, bool mul, const QBinaryParams& p, bool in_place) {
  std::vector<uint8_t> y(n + kGuard, kUntouched);
  if (in_place) std::memcpy(y.data(), a.data(), n);
  const QBinaryFn fn = mul ? (is_signed ? k.mul_s8 : k.mul_u8) : (is_signed ? k.add_s8 : k.add_u8);
  fn(in_place ? y.data() : a.data(), b.data(), b_step, y.data(), n, p);
  return y;
}


QBinaryParams make_params(Rng& rng, bool is_signed, bool mul, int flavour) {
  const int tmin = is_signed ? -128 : 0, tmax = is_signed ? 127 : 255;
  QBinaryParams p;
  p.za = rng.uniform(0, 3) == 0 ? tmax : rng.uniform(tmin, tmax);
  p.zb = rng.uniform(0, 3) == 0 ? tmin : rng.uniform(tmin, tmax);
  p.zc = rng.uniform(tmin, tmax);
  switch (flavour) {
    case 0:  // halves: odd sums (add) and odd products (mul) give exact .5 ties
      p.ra = 0.5f;
      p.rb = 0.5f;
      break;
    case 1:  // large: most outputs saturate, at both ends
      p.ra = mul ? rng.uniform_float(0.05f, 1.0f) : rng.uniform_float(4.0f, 50.0f);
      p.rb = rng.uniform_float(4.0f, 50.0f);
      break;
    case 2:  // tiny: everything rounds to the zero point or next to it
      p.ra = mul ? rng.uniform_float(0.000001f, 0.0001f) : rng.uniform_float(0.0001f, 0.01f);
      p.rb = rng.uniform_float(0.0001f, 0.01f);
      break;
    default:  // the usual range: a residual addition, an attention product
      p.ra = mul ? rng.uniform_float(0.0005f, 0.02f) : rng.uniform_float(0.05f, 2.0f);
      p.rb = rng.uniform_float(0.05f, 2.0f);
  }
  // Sometimes a fused Relu: qmin at the zero point.
  const int32_t qmin = rng.uniform(0, 3) == 0 ? p.zc : tmin;
  p.lo = static_cast<float>(qmin - p.zc);
  p.hi = static_cast<float>(tmax - p.zc);
  return p;
}

std::string describe(const char* name, bool mul, size_t n, size_t b_step, bool is_signed, int flavour, bool in_place) {
  std::ostringstream s;
  s << name << (mul ? " mul" : " add") << " n=" << n << " b_step=" << b_step << " signed=" << is_signed << " flavour=" << flavour
    << " in_place=" << in_place;
  return s.str();
}

std::string first_difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, size_t n) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] == want[i]) continue;
    std::ostringstream s;
    s << "first difference at " << i << (i >= n ? " (past the end: must not be written)" : "") << ": got " << int(got[i]) << " want " << int(want[i]);
    return s.str();
  }
  return "";
}

}  // namespace

TEST(qbinary_every_isa_matches_scalar_and_the_definition) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 20; ++n) lengths.push_back(n);
  for (size_t n : {31, 32, 33, 63, 64, 65, 127, 128, 129, 1000}) lengths.push_back(n);
  const std::vector<const QBinaryKernels*> kernels = distinct_tables(qbinary_kernels_scalar(), &qbinary_kernels);
  uint64_t seed = 7;
  int failures = 0;
  for (int mul = 0; mul < 2; ++mul)
    for (size_t n : lengths)
      for (size_t b_step : {size_t{1}, size_t{0}})
        for (int is_signed = 0; is_signed < 2; ++is_signed)
          for (int flavour = 0; flavour < 4; ++flavour)
            for (int in_place = 0; in_place < 2; ++in_place) {
              Rng rng(++seed);
              const QBinaryParams p = make_params(rng, is_signed != 0, mul != 0, flavour);
              std::vector<uint8_t> a(n + kGuard), b(n + kGuard);
              for (size_t i = 0; i < n; ++i) {
                a[i] = static_cast<uint8_t>(rng.uniform(0, 255));
                b[i] = static_cast<uint8_t>(rng.uniform(0, 255));
              }
              const std::vector<uint8_t> want = reference(a, b, b_step, n, is_signed != 0, mul != 0, p);
              for (const QBinaryKernels* k : kernels) {
                if (failures >= 5) return;
                const std::vector<uint8_t> got = run(*k, a, b, b_step, n, is_signed != 0, mul != 0, p, in_place != 0);
                const std::string diff = first_difference(got, want, n);
                CHECK(diff.empty()) << describe(isa_name(k->isa), mul != 0, n, b_step, is_signed != 0, flavour, in_place != 0) << ": " << diff;
                failures += !diff.empty();
              }
            }
}

TEST(qbinary_dispatch_maps_isas) {
  CHECK(qbinary_kernels(Isa::kScalar).isa == Isa::kScalar);
  for (Isa isa : supported_isas()) {
    const Isa got = qbinary_kernels(isa).isa;
    const bool ok = got == isa || got == Isa::kScalar || (isa == Isa::kAvxVnni && got == Isa::kAvx2);
    CHECK(ok) << "isa " << static_cast<int>(isa) << " got the table of " << static_cast<int>(got);
  }
}

}  // namespace octet::test
