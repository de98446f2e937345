// Persistent threads that each run one whole job at a time (a session run, a plan build) off the
// JavaScript thread. They replace libuv's threadpool for this: handing a job to a sleeping thread
// costs tens of microseconds on a virtual machine (the idle vCPU must be woken), as much as a small
// model's whole run. So a thread that finished a job spins for a short while (kSpinMicros, as the
// intra-op ThreadPool does) before it blocks, and back-to-back runs start at once. At most cores - 1
// threads spin; one that finds itself on the submitter's core stops (it would only delay it), and when
// the job's own intra-op threads (spinning after it too) leave no core free, it yields as it spins.
//
// Jobs run concurrently: a job queued while no thread is free gets a new thread, up to
// max(kMinThreads, cores); beyond that it waits for the next free one. The set is process-wide
// (shared by worker_threads) and never destroyed: threads are not joined at process exit, but exit()
// waits for the jobs running (as libuv does for its threadpool), so that none reads statics that are
// being destroyed; jobs still queued are dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace octet {

// One job: run() does the work, then finish() announces its end (the pool never touches the job after
// calling finish(), so finish() may hand it to a thread that frees it). Both are called once, on the
// same run thread, and must not throw.
class RunJob {
 public:
  virtual ~RunJob() = default;
  virtual void run() noexcept = 0;
  virtual void finish() noexcept = 0;
  // Cores run() keeps busy (its intra-op threads, which spin for a while after it, too).
  virtual int cores() const noexcept { return 1; }
};

class RunThreads {
 public:
  static RunThreads& global();

  // Queues `job` for the next free thread (starting a thread if none is free). Throws
  // std::system_error only when no thread exists and none can be started.
  void submit(RunJob* job);

  // Takes `job` back if no thread has started it yet; then it will never run.
  bool cancel(RunJob* job);

  // Threads started so far (for tests).
  int thread_count();

 private:
  static constexpr int kSpinMicros = 200;
  static constexpr int kMinThreads = 4;  // libuv's default threadpool size: as many concurrent jobs as before

  struct Queued {
    RunJob* job;
    int submitter_cpu;  // where the thread that queued it ran (current_cpu())
  };

  RunThreads();
  void thread_loop();
  static void wait_at_exit();
  // Spins (counted in spinning_ already) until a job is queued or the spin time is over; returns with
  // the lock held and the thread no longer counted. Stops early when it finds itself on `avoid_cpu`,
  // the core of the thread that submits the jobs: there it only delays that thread. `yielding`: gives
  // its core away every microsecond or so (to whoever needs it) instead of holding it.
  void spin(std::unique_lock<std::mutex>& lock, int avoid_cpu, bool yielding);

  const int cores_;
  const int max_threads_;
  const int max_spinners_;  // spinning threads beyond this would compete with the work for the cores

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;     // guarded by mutex_
  std::atomic<size_t> queued_{0};  // queue_.size(), read by spinners without the lock
  int threads_ = 0;   // guarded by mutex_
  int spinning_ = 0;  // guarded by mutex_
  int sleeping_ = 0;  // guarded by mutex_
  int starting_ = 0;  // started but not yet waiting; guarded by mutex_
  int running_ = 0;   // guarded by mutex_
  bool exiting_ = false;  // guarded by mutex_: exit() was called, no job starts any more
  std::condition_variable none_running_;
};

// The core the calling thread runs on (a few nanoseconds on Linux); -1 where unknown.
int current_cpu();

}  // namespace octet
