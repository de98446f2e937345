// What the float kernel tests share: switching the active ISA for a scope, and comparing floats bit
// for bit (any NaN matching any NaN: payloads depend on instruction forms).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../dispatch/dispatch.h"

namespace octet::test {

// Switches the active path for a scope and restores the previous one.
class IsaScope {
 public:
  explicit IsaScope(Isa isa) : saved_(active_isa()) { set_active_isa(isa); }
  ~IsaScope() { set_active_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  Isa saved_;
};

inline uint32_t bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

// The same value: equal bits, or both NaN.
inline bool same_float(float got, float want) { return bits(got) == bits(want) || (std::isnan(got) && std::isnan(want)); }

// Every element the same value; else `where` names the first that differs.
inline bool same_floats(const std::vector<float>& got, const std::vector<float>& want, std::string& where) {
  if (got.size() != want.size()) {
    where = "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
    return false;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (same_float(got[i], want[i])) continue;
    std::ostringstream s;
    s << "element " << i << ": got " << got[i] << " (0x" << std::hex << bits(got[i]) << "), expected " << want[i] << " (0x"
      << bits(want[i]) << ")";
    where = s.str();
    return false;
  }
  return true;
}

}  // namespace octet::test
