// The pool runs every task exactly once, for any thread count, also with regions started from several
// threads at once (sessions in different worker_threads share it).
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "../core/thread_pool.h"
#include "test_main.h"

namespace octet::test {

TEST(thread_pool_runs_each_task_once) {
  ThreadPool& pool = ThreadPool::global();
  for (int threads : {1, 2, 3, 8})
    for (size_t tasks : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> hits(tasks);
      pool.parallel_for(tasks, threads, [&](size_t t) { hits[t].fetch_add(1); });
      for (size_t t = 0; t < tasks; ++t) CHECK(hits[t].load() == 1) << "threads=" << threads << " task " << t;
    }
}

TEST(thread_pool_slots_are_in_range_and_never_shared_at_once) {
  ThreadPool& pool = ThreadPool::global();
  for (int threads : {1, 2, 3, 8})
    for (size_t tasks : {size_t{1}, size_t{2}, size_t{5}, size_t{300}}) {
      const size_t width = std::min<size_t>(tasks, static_cast<size_t>(threads));
      std::vector<std::atomic<int>> inside(width);
      std::atomic<int> bad_slot{0}, shared{0}, runs{0};
      pool.parallel_for_slots(tasks, threads, [&](size_t, size_t slot) {
        if (slot >= width) {
          bad_slot.fetch_add(1);
          return;
        }
        if (inside[slot].fetch_add(1) != 0) shared.fetch_add(1);
        for (volatile int spin = 0; spin < 2000; ++spin) {
        }
        inside[slot].fetch_sub(1);
        runs.fetch_add(1);
      });
      CHECK(bad_slot.load() == 0 && shared.load() == 0 && runs.load() == static_cast<int>(tasks))
          << "threads=" << threads << " tasks=" << tasks << ": " << bad_slot.load() << " slots out of range, " << shared.load()
          << " shared, " << runs.load() << " runs";
    }
}

TEST(thread_pool_serves_concurrent_callers) {
  std::atomic<long> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        ThreadPool::global().parallel_for(64, 3, [&](size_t t) { total.fetch_add(static_cast<long>(t)); });
      }
    });
  }
  for (auto& t : callers) t.join();
  CHECK(total.load() == 4L * 50 * (63 * 64 / 2)) << "total " << total.load();
}

}  // namespace octet::test

namespace octet::test {

// Many short regions back to back with changing thread counts: the pattern that exposes a worker
// joining a region it did not see published, or leaving one twice (both hang or lose tasks).
TEST(thread_pool_survives_rapid_regions_with_changing_widths) {
  ThreadPool pool;
  long expected = 0;
  std::atomic<long> total{0};
  for (int round = 0; round < 20000; ++round) {
    const int threads = 1 + round % 4;
    const size_t tasks = 1 + static_cast<size_t>(round % 7);
    pool.parallel_for(tasks, threads, [&](size_t t) { total.fetch_add(static_cast<long>(t) + 1); });
    expected += static_cast<long>(tasks * (tasks + 1) / 2);
  }
  CHECK(total.load() == expected) << "total " << total.load() << " expected " << expected;
}

}  // namespace octet::test
