// A persistent pool of worker threads for intra-op parallelism. A parallel region hands out task
// indices through one atomic counter; the calling thread works too, so `threads` = 1 runs inline with
// no synchronisation at all. Which thread runs which task never changes a result: every task writes
// its own outputs and accumulates in exact integers.
//
// Waking a sleeping thread costs tens of microseconds, as much as a whole GEMV. So workers spin for a
// short while (kSpinMicros) after a region before they block, and back-to-back calls — the common case
// in inference — start at once. Regions from different callers (several sessions, worker_threads)
// are serialised by a mutex: two regions sharing the cores at once would only contend for them.
// Task functions must not throw (callers validate before entering a region).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace octet {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn(task) for task in [0, tasks) on up to `threads` threads (caller included).
  void parallel_for(size_t tasks, int threads, const std::function<void(size_t)>& fn);

  // The process-wide pool.
  static ThreadPool& global();

 private:
  static constexpr int kSpinMicros = 200;

  void ensure_workers(int count);
  void worker_loop(uint32_t seen);
  bool try_join(uint32_t region);
  void run_tasks();

  std::mutex region_mutex_;  // one parallel region at a time
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  int sleepers_ = 0;  // guarded by sleep_mutex_
  bool stopping_ = false;  // guarded by sleep_mutex_

  // The current region. fn_ and tasks_ are written before state_ publishes the region (release) and
  // read by a worker only after it joined through state_ (acquire).
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
  // One word so that joining, leaving and closing a region are single atomic steps:
  // bits 32-63 region number, 16-31 seats still open, 0-15 workers inside.
  std::atomic<uint64_t> state_{0};
};

// Default thread count for kernels: the machine's cores unless set.
int default_threads();
void set_default_threads(int threads);
int hardware_threads();

}  // namespace octet
