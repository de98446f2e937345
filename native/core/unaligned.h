// A 4-byte load from any address (A rows are byte arrays; kernels broadcast 4 of their bytes at once).
#pragma once

#include <cstdint>
#include <cstring>

namespace octet {

inline int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace octet
