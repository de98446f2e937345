// A persistent pool of worker threads for intra-op parallelism. The calling thread works too, so
// `threads` = 1 runs inline with no synchronisation at all. Which thread runs which task never changes
// a result: every task writes its own outputs and accumulates in exact integers.
//
// A region's tasks are cut into one contiguous part per thread, and each thread owns the same part
// in every region (the caller part 0, pool worker i part 1 + i mod helpers): it takes its tasks from
// the front, in order, and only when it has none left steals from the back of the others'. Operators
// number their tasks along their output, so consecutive layers give a thread the same stretch of
// pixels, which it finds in its own L2, and threads meet at one boundary instead of at every task.
// Handed out round-robin from one counter, neighbouring tasks went to different cores: writes to
// shared cache lines and reads of what the other core just wrote made a 2-thread byte transpose
// 10-20x slower than one thread on this project's 2-core VM, and small 1x1 convolutions slower on two
// threads than on one.
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

#include "task_cursor.h"

namespace octet {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn(task) for task in [0, tasks) on up to `threads` threads (caller included).
  void parallel_for(size_t tasks, int threads, const std::function<void(size_t)>& fn);

  // The same, fn(task, slot): slot in [0, min(tasks, threads)) is unique among the calls running at
  // one time (0 for the caller, a worker's seat for a worker), for per-thread scratch.
  void parallel_for_slots(size_t tasks, int threads, const std::function<void(size_t, size_t)>& fn);

  // The process-wide pool.
  static ThreadPool& global();

 private:
  static constexpr int kSpinMicros = 200;

  static constexpr size_t kMaxParts = 64;
  static constexpr size_t kMaxTasks = UINT32_MAX;  // what a TaskCursor counts

  void ensure_workers(int count);
  void worker_loop(uint32_t seen, size_t index);
  // The seat taken in `region` (1 ... helpers), or 0 if there was none.
  size_t try_join(uint32_t region);
  void run_tasks(size_t home, size_t slot);

  std::mutex region_mutex_;  // one parallel region at a time
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  int sleepers_ = 0;  // guarded by sleep_mutex_
  bool stopping_ = false;  // guarded by sleep_mutex_

  // The current region. fn_, helpers_, parts_ and the cursors are written before state_ publishes the
  // region (release) and read by a worker only after it joined through state_ (acquire).
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t helpers_ = 0;
  size_t parts_ = 0;
  TaskCursor cursors_[kMaxParts];
  // One word so that joining, leaving and closing a region are single atomic steps:
  // bits 32-63 region number, 16-31 seats still open, 0-15 workers inside.
  std::atomic<uint64_t> state_{0};
};

// Default thread count for kernels: the machine's cores unless set.
int default_threads();
void set_default_threads(int threads);
int hardware_threads();

}  // namespace octet
