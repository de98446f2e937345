// Every QLinearAdd kernel this CPU runs against the scalar kernel bit for bit, and the scalar one
// against the definition written here with std::nearbyint (qadd_kernel.h): lengths around each
// path's step and unroll (0-19, 31-33, 63-65, 127-129, 1000), uint8 and int8, outputs written over
// an input, and multipliers that reach the corners — exact .5 ties, saturation at both ends, zero
// points at the type's limits, and a narrowed output range (a fused Relu). The bytes past n must stay
// untouched.
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "../dispatch/dispatch.h"
#include "../kernels/qadd/qadd_kernel.h"
#include "test_main.h"

namespace octet::test {

namespace {

constexpr size_t kGuard = 19;
constexpr uint8_t kUntouched = 0xA5;

// The definition, one element at a time.
std::vector<uint8_t> reference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t n, bool is_signed, const QAddParams& p) {
  std::vector<uint8_t> y(n + kGuard, kUntouched);
  for (size_t i = 0; i < n; ++i) {
    const int32_t av = is_signed ? static_cast<int8_t>(a[i]) : a[i];
    const int32_t bv = is_signed ? static_cast<int8_t>(b[i]) : b[i];
    const float fa = static_cast<float>(av - p.za) * p.ra;
    const float fb = static_cast<float>(bv - p.zb) * p.rb;
    float f = fa + fb;
    f = f > p.lo ? f : p.lo;
    f = f < p.hi ? f : p.hi;
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(f)) + p.zc);
  }
  return y;
}

// Runs a kernel; in_place: y is a copy of a (the kernel reads a from y itself).
std::vector<uint8_t> run(const QAddKernels& k, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t n, bool is_signed,
                         const QAddParams& p, bool in_place) {
  std::vector<uint8_t> y(n + kGuard, kUntouched);
  if (in_place) std::memcpy(y.data(), a.data(), n);
  (is_signed ? k.add_s8 : k.add_u8)(in_place ? y.data() : a.data(), b.data(), y.data(), n, p);
  return y;
}

std::vector<const QAddKernels*> runnable() {
  std::vector<const QAddKernels*> out{qadd_kernels_scalar()};
  for (Isa isa : supported_isas()) {
    const QAddKernels* k = &qadd_kernels(isa);
    bool seen = false;
    for (const QAddKernels* o : out) seen = seen || o == k;
    if (!seen) out.push_back(k);
  }
  return out;
}

QAddParams make_params(Rng& rng, bool is_signed, int flavour) {
  const int tmin = is_signed ? -128 : 0, tmax = is_signed ? 127 : 255;
  QAddParams p;
  p.za = rng.uniform(0, 3) == 0 ? tmax : rng.uniform(tmin, tmax);
  p.zb = rng.uniform(0, 3) == 0 ? tmin : rng.uniform(tmin, tmax);
  p.zc = rng.uniform(tmin, tmax);
  switch (flavour) {
    case 0:  // halves: (a - za) + (b - zb) odd gives exact .5 ties
      p.ra = 0.5f;
      p.rb = 0.5f;
      break;
    case 1:  // large: most outputs saturate, at both ends
      p.ra = rng.uniform_float(4.0f, 50.0f);
      p.rb = rng.uniform_float(4.0f, 50.0f);
      break;
    case 2:  // tiny: everything rounds to the zero point or next to it
      p.ra = rng.uniform_float(0.0001f, 0.01f);
      p.rb = rng.uniform_float(0.0001f, 0.01f);
      break;
    default:  // a residual addition's usual range
      p.ra = rng.uniform_float(0.05f, 2.0f);
      p.rb = rng.uniform_float(0.05f, 2.0f);
  }
  // Sometimes a fused Relu: qmin at the zero point.
  const int32_t qmin = rng.uniform(0, 3) == 0 ? p.zc : tmin;
  p.lo = static_cast<float>(qmin - p.zc);
  p.hi = static_cast<float>(tmax - p.zc);
  return p;
}

std::string describe(const char* name, size_t n, bool is_signed, int flavour, bool in_place) {
  std::ostringstream s;
  s << name << " n=" << n << " signed=" << is_signed << " flavour=" << flavour << " in_place=" << in_place;
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

TEST(qadd_every_isa_matches_scalar_and_the_definition) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 20; ++n) lengths.push_back(n);
  for (size_t n : {31, 32, 33, 63, 64, 65, 127, 128, 129, 1000}) lengths.push_back(n);
  const std::vector<const QAddKernels*> kernels = runnable();
  uint64_t seed = 7;
  int failures = 0;
  for (size_t n : lengths)
    for (int is_signed = 0; is_signed < 2; ++is_signed)
      for (int flavour = 0; flavour < 4; ++flavour)
        for (int in_place = 0; in_place < 2; ++in_place) {
          Rng rng(++seed);
          const QAddParams p = make_params(rng, is_signed != 0, flavour);
          std::vector<uint8_t> a(n + kGuard), b(n + kGuard);
          for (size_t i = 0; i < n; ++i) {
            a[i] = static_cast<uint8_t>(rng.uniform(0, 255));
            b[i] = static_cast<uint8_t>(rng.uniform(0, 255));
          }
          const std::vector<uint8_t> want = reference(a, b, n, is_signed != 0, p);
          for (const QAddKernels* k : kernels) {
            if (failures >= 5) return;
            const std::vector<uint8_t> got = run(*k, a, b, n, is_signed != 0, p, in_place != 0);
            const std::string diff = first_difference(got, want, n);
            CHECK(diff.empty()) << describe(isa_name(k->isa), n, is_signed != 0, flavour, in_place != 0) << ": " << diff;
            failures += !diff.empty();
          }
        }
}

TEST(qadd_dispatch_maps_isas) {
  CHECK(qadd_kernels(Isa::kScalar).isa == Isa::kScalar);
  for (Isa isa : supported_isas()) {
    const Isa got = qadd_kernels(isa).isa;
    const bool ok = got == isa || got == Isa::kScalar || (isa == Isa::kAvxVnni && got == Isa::kAvx2);
    CHECK(ok) << "isa " << static_cast<int>(isa) << " got the table of " << static_cast<int>(got);
  }
}

}  // namespace octet::test
