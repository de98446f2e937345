// Per-thread scratch with dynamically scheduled tasks. ThreadPool::parallel_for hands out task
// indices, not thread indices, yet runs a region on at most `threads` threads; ThreadSlots gives each
// thread that joins one region its own slot in [0, threads), so a task can use that slot's scratch
// while the pool still balances tasks across threads. One ThreadSlots per parallel region.
#pragma once

#include <atomic>
#include <cstdint>

namespace octet {

class ThreadSlots {
 public:
  ThreadSlots() : region_(next_region_id()) {}

  // The calling thread's slot; the first call of each thread in this region takes the next free one.
  int acquire() {
    thread_local uint64_t tls_region = 0;
    thread_local int tls_slot = 0;
    if (tls_region != region_) {
      tls_region = region_;
      tls_slot = next_slot_.fetch_add(1, std::memory_order_relaxed);
    }
    return tls_slot;
  }

 private:
  static uint64_t next_region_id() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  const uint64_t region_;
  std::atomic<int> next_slot_{0};
};

}  // namespace octet
