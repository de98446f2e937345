// The table lookup on every path against the scalar loop: random tables and bytes, every length
// from 0 to 200 (the VBMI tail is a masked step) plus long runs, in place and not, and guard bytes
// around the output that no path may touch.
#include <cstring>
#include <vector>

#include "../core/cpu_features.h"
#include "../dispatch/dispatch.h"
#include "../kernels/lookup/lookup_kernel.h"
#include "test_main.h"

namespace octet::test {

TEST(lookup_every_path_matches_the_scalar_loop) {
  std::vector<std::pair<const char*, LookupFn>> paths = {{"scalar", lookup_bytes_scalar}};
  for (Isa isa : supported_isas()) paths.push_back({isa_name(isa), lookup_kernel(isa)});
  if (cpu_features().avx512_vbmi) {
    CHECK(lookup_bytes_avx512vbmi() != nullptr) << "VBMI CPU, but no VBMI lookup in this build";
  }
  Rng rng(41);
  for (int trial = 0; trial < 230; ++trial) {
    const size_t n = trial <= 200 ? static_cast<size_t>(trial) : static_cast<size_t>(rng.uniform(1000, 70000));
    uint8_t table[256];
    for (auto& t : table) t = static_cast<uint8_t>(rng.uniform(0, 255));
    std::vector<uint8_t> x(n);
    for (auto& v : x) v = static_cast<uint8_t>(rng.uniform(0, 255));
    std::vector<uint8_t> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = table[x[i]];
    for (const auto& [name, fn] : paths) {
      std::vector<uint8_t> out(n + 128, 0xA5);
      fn(x.data(), out.data() + 64, n, table);
      bool ok = std::memcmp(out.data() + 64, want.data(), n) == 0;
      for (size_t g = 0; g < 64; ++g) ok = ok && out[g] == 0xA5 && out[64 + n + g] == 0xA5;
      CHECK(ok) << name << " n=" << n << ": wrong bytes or a write outside the output";
      std::vector<uint8_t> in_place = x;
      fn(in_place.data(), in_place.data(), n, table);
      CHECK(in_place == want) << name << " n=" << n << " in place";
    }
  }
}

}  // namespace octet::test
