#include "run_threads.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#include "cpu_relax.h"
#include "thread_pool.h"

namespace octet {

namespace {

// Locks like lock(), but spins a little first: the holder keeps the lock for a few dozen nanoseconds,
// and blocking on it (plus the futex wake that ends the wait) costs microseconds on both threads.
void lock_spinning(std::unique_lock<std::mutex>& lock) {
  for (int i = 0; i < 1000; ++i) {
    if (lock.try_lock()) return;
    cpu_relax();
  }
  lock.lock();
}

}  // namespace

RunThreads& RunThreads::global() {
  // Never destroyed: its threads must not be joined during static destruction at process exit.
  static RunThreads* threads = new RunThreads();
  return *threads;
}

RunThreads::RunThreads()
    : cores_(hardware_threads()), max_threads_(std::max(kMinThreads, cores_)), max_spinners_(std::max(1, cores_ - 1)) {
  // exit() runs atexit handlers and static destructors in reverse order of registration: statics that
  // jobs use must be constructed before the first global() (the addon does so at load).
  std::atexit(&RunThreads::wait_at_exit);
}

void RunThreads::wait_at_exit() {
  RunThreads& self = global();
  std::unique_lock<std::mutex> lock(self.mutex_);
  self.exiting_ = true;
  self.none_running_.wait(lock, [&] { return self.running_ == 0; });
}

int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

void RunThreads::submit(RunJob* job) {
  std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
  lock_spinning(lock);
  queue_.push_back(Queued{job, current_cpu()});
  queued_.store(queue_.size(), std::memory_order_release);
  const size_t waiting = queue_.size();
  if (static_cast<size_t>(spinning_) >= waiting) return;  // a spinning thread takes it within a microsecond
  const bool wake = sleeping_ > 0;
  if (static_cast<size_t>(spinning_ + sleeping_ + starting_) < waiting && threads_ < max_threads_) {
    try {
      std::thread([this] { thread_loop(); }).detach();
      ++threads_;
      ++starting_;
    } catch (const std::system_error&) {
      if (threads_ == 0) {
        queue_.pop_back();
        queued_.store(queue_.size(), std::memory_order_release);
        throw;
      }
      // an existing thread will take it when free
    }
  }
  // Notified after unlocking: a woken thread that finds the lock still held would block once more.
  lock.unlock();
  if (wake) wake_.notify_all();  // the ones that find nothing left go back to sleep
}

bool RunThreads::cancel(RunJob* job) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Queued& q) { return q.job == job; });
  if (it == queue_.end()) return false;
  queue_.erase(it);
  queued_.store(queue_.size(), std::memory_order_release);
  return true;
}

int RunThreads::thread_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

void RunThreads::spin(std::unique_lock<std::mutex>& lock, int avoid_cpu, bool yielding) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::microseconds(kSpinMicros);
  for (int i = 0; queued_.load(std::memory_order_acquire) == 0; ++i) {
    cpu_relax();
    // When the machine is busy the scheduler may put this thread on the submitter's core, where
    // spinning only takes turns with it: sleep instead.
    if ((i & 63) == 63) {
      if (clock::now() > deadline || (avoid_cpu >= 0 && current_cpu() == avoid_cpu)) break;
      if (yielding) std::this_thread::yield();
    }
  }
  lock_spinning(lock);  // the submitting thread may still hold it
  --spinning_;
}

void RunThreads::thread_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  --starting_;
  while (true) {
    if (queue_.empty() || exiting_) {
      ++sleeping_;
      wake_.wait(lock, [&] { return !queue_.empty() && !exiting_; });
      --sleeping_;
    }
    const Queued next = queue_.front();
    queue_.pop_front();
    queued_.store(queue_.size(), std::memory_order_release);
    ++running_;
    lock.unlock();
    next.job->run();
    // Spin after a job: runs come back to back. At most cores - 1 threads spin, leaving a core to the
    // submitter; when the work's own threads (which spin after it too) leave no core free, the spinner
    // yields as it goes, so that the submitter gets a core when it needs one. The thread counts as
    // spinning before the job announces its end, so that a job submitted in reaction waits the
    // microsecond for this thread rather than waking a sleeping one.
    const int job_cores = next.job->cores();
    lock_spinning(lock);
    const bool spins = spinning_ < max_spinners_ && !exiting_;
    const bool yielding = job_cores >= cores_;
    if (spins) ++spinning_;
    if (--running_ == 0 && exiting_) none_running_.notify_all();
    lock.unlock();
    next.job->finish();
    if (spins) spin(lock, next.submitter_cpu, yielding);
    else lock_spinning(lock);
  }
}

}  // namespace octet
