// A persistent pool of worker threads for intra-op parallelism. A parallel region hands out task
// indices through one atomic counter; the calling thread works too, so `threads` = 1 runs inline with
// no synchronisation at all. Which thread runs which task never changes a result: every task writes
// its own outputs and accumulates in exact integers.
//
// Regions from different callers (several sessions, worker_threads) are serialised by a mutex: the
// pool is sized for the machine, and two regions sharing it at once would only contend for cores.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
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
  void ensure_workers(int count);
  void worker_loop(int index);

  std::mutex region_mutex_;  // one parallel region at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;

  // The current region.
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
  int participants_ = 0;   // workers asked to join this region
  int active_ = 0;         // workers still inside it
  unsigned long generation_ = 0;
};

// Default thread count for kernels: the machine's cores unless set.
int default_threads();
void set_default_threads(int threads);
int hardware_threads();

}  // namespace octet
