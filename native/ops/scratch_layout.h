// Regions of one operator's per-run scratch buffer, each 64-byte aligned: an operator adds up its
// regions once (scratch_bytes) and finds them again by offset in run().
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet {

inline size_t align64(size_t v) { return (v + 63) & ~size_t{63}; }

struct ScratchLayout {
  size_t total = 0;
  // Reserves `bytes` and returns their offset.
  size_t take(size_t bytes) {
    const size_t at = total;
    total = align64(total + bytes);
    return at;
  }
};

template <typename T>
T* scratch_at(void* base, size_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(base) + offset);
}

}  // namespace octet
