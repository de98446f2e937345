// A run of task indices [front, back) that one thread takes from the front while others may take
// from the back: the owner walks its tasks in order, and a thread with nothing left of its own steals
// the owner's last ones. Both ends live in one word, so the two never take the same task. Its own
// cache line: the owner's takes stay in its core.
#pragma once

#include <atomic>
#include <cstdint>

namespace octet {

struct alignas(64) TaskCursor {
  std::atomic<uint64_t> range{0};

  void reset(uint32_t begin, uint32_t end) { range.store(uint64_t{end} << 32 | begin, std::memory_order_relaxed); }
  bool take_front(uint32_t& task) {
    uint64_t r = range.load(std::memory_order_relaxed);
    while (static_cast<uint32_t>(r) < static_cast<uint32_t>(r >> 32)) {
      if (range.compare_exchange_weak(r, r + 1, std::memory_order_relaxed)) {
        task = static_cast<uint32_t>(r);
        return true;
      }
    }
    return false;
  }
  bool take_back(uint32_t& task) {
    uint64_t r = range.load(std::memory_order_relaxed);
    while (static_cast<uint32_t>(r) < static_cast<uint32_t>(r >> 32)) {
      if (range.compare_exchange_weak(r, r - (uint64_t{1} << 32), std::memory_order_relaxed)) {
        task = static_cast<uint32_t>(r >> 32) - 1;
        return true;
      }
    }
    return false;
  }
};

}  // namespace octet
