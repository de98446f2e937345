// The distinct kernel tables of this CPU's paths, for tests that run every path against the scalar one.
#pragma once

#include <algorithm>
#include <vector>

#include "../dispatch/dispatch.h"

namespace octet::test {

// `scalar` first, then each supported path's table once (paths share tables: kAvxVnni the AVX2 one,
// kNeonDot the NEON one).
template <typename Table>
std::vector<const Table*> distinct_tables(const Table* scalar, const Table& (*for_isa)(Isa)) {
  std::vector<const Table*> out{scalar};
  for (Isa isa : supported_isas()) {
    const Table* t = &for_isa(isa);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

}  // namespace octet::test
