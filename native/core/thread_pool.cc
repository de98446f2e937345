#include "thread_pool.h"

#include <algorithm>
#include <chrono>

#include "cpu_relax.h"

namespace octet {

namespace {
std::atomic<int> g_default_threads{0};
}

int hardware_threads() {
  // hardware_concurrency() reads /sys on every call (three syscalls): ask once per process.
  static const int n = [] {
    const unsigned c = std::thread::hardware_concurrency();
    return c == 0 ? 1 : static_cast<int>(c);
  }();
  return n;
}

int default_threads() {
  const int n = g_default_threads.load();
  return n > 0 ? n : hardware_threads();
}

void set_default_threads(int threads) { g_default_threads.store(threads); }

ThreadPool& ThreadPool::global() {
  // Never destroyed: worker threads must not be joined during static destruction at process exit.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

namespace {
constexpr uint64_t kInsideMask = 0xFFFF;
constexpr uint64_t kSeatsMask = 0xFFFF0000;
inline uint32_t region_of(uint64_t state) { return static_cast<uint32_t>(state >> 32); }
}  // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::ensure_workers(int count) {
  while (static_cast<int>(workers_.size()) < count) {
    // The worker treats regions up to the current one as seen, and joins the next one published.
    const uint32_t seen = region_of(state_.load(std::memory_order_relaxed));
    const size_t index = workers_.size();
    workers_.emplace_back([this, seen, index] { worker_loop(seen, index); });
  }
}

// Its own part from the front, then the others' from the back.
void ThreadPool::run_tasks(size_t home, size_t slot) {
  const size_t parts = parts_;
  uint32_t t = 0;
  while (cursors_[home].take_front(t)) (*fn_)(t, slot);
  for (size_t i = 1; i < parts; ++i) {
    TaskCursor& victim = cursors_[(home + i) % parts];
    while (victim.take_back(t)) (*fn_)(t, slot);
  }
}

size_t ThreadPool::try_join(uint32_t region) {
  uint64_t s = state_.load(std::memory_order_acquire);
  while (region_of(s) == region && (s & kSeatsMask) != 0) {
    const uint64_t joined = s - (uint64_t{1} << 16) + 1;  // one seat fewer, one worker more
    if (state_.compare_exchange_weak(s, joined, std::memory_order_acq_rel, std::memory_order_acquire))
      return helpers_ - ((s & kSeatsMask) >> 16) + 1;  // seats are taken from the last one down
  }
  return 0;
}

void ThreadPool::worker_loop(uint32_t seen, size_t index) {
  using clock = std::chrono::steady_clock;
  while (true) {
    uint32_t region = region_of(state_.load(std::memory_order_acquire));
    if (region == seen) {
      // Spin a little: the next region usually follows within microseconds.
      const auto deadline = clock::now() + std::chrono::microseconds(kSpinMicros);
      for (int i = 0; (region = region_of(state_.load(std::memory_order_acquire))) == seen; ++i) {
        cpu_relax();
        if ((i & 63) == 63 && clock::now() > deadline) break;
      }
    }
    if (region == seen) {
      std::unique_lock<std::mutex> lock(sleep_mutex_);
      ++sleepers_;
      wake_.wait(lock, [&] { return stopping_ || region_of(state_.load(std::memory_order_acquire)) != seen; });
      --sleepers_;
      if (stopping_) return;
      region = region_of(state_.load(std::memory_order_acquire));
    }
    seen = region;
    if (const size_t seat = try_join(region)) {
      run_tasks(parts_ > 1 ? 1 + index % (parts_ - 1) : 0, seat);
      state_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

void ThreadPool::parallel_for(size_t tasks, int threads, const std::function<void(size_t)>& fn) {
  parallel_for_slots(tasks, threads, [&fn](size_t task, size_t) { fn(task); });
}

void ThreadPool::parallel_for_slots(size_t tasks, int threads, const std::function<void(size_t, size_t)>& fn) {
  if (tasks == 0) return;
  const int helpers = static_cast<int>(std::min<size_t>(tasks, static_cast<size_t>(std::max(threads, 1)))) - 1;
  if (helpers <= 0) {
    for (size_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  if (tasks > kMaxTasks) {  // more than a cursor counts: regions of kMaxTasks tasks
    for (size_t base = 0; base < tasks; base += kMaxTasks)
      parallel_for_slots(std::min(kMaxTasks, tasks - base), threads, [&](size_t t, size_t slot) { fn(base + t, slot); });
    return;
  }
  std::lock_guard<std::mutex> region_lock(region_mutex_);
  ensure_workers(helpers);
  fn_ = &fn;
  helpers_ = static_cast<size_t>(helpers);
  parts_ = std::min(static_cast<size_t>(helpers) + 1, kMaxParts);
  const size_t per_part = (tasks + parts_ - 1) / parts_;
  for (size_t p = 0; p < parts_; ++p)
    cursors_[p].reset(static_cast<uint32_t>(std::min(tasks, p * per_part)), static_cast<uint32_t>(std::min(tasks, (p + 1) * per_part)));
  const uint32_t region = region_of(state_.load(std::memory_order_relaxed)) + 1;
  state_.store((uint64_t{region} << 32) | (static_cast<uint64_t>(helpers) << 16), std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    if (sleepers_ > 0) wake_.notify_all();
  }
  run_tasks(0, 0);
  // All tasks are taken: close the open seats so that late workers stay out, then wait for those inside.
  uint64_t s = state_.load(std::memory_order_acquire);
  while (!state_.compare_exchange_weak(s, s & ~kSeatsMask, std::memory_order_acq_rel, std::memory_order_acquire)) {
  }
  for (int i = 0; (state_.load(std::memory_order_acquire) & kInsideMask) != 0; ++i) {
    if (i < 4096) cpu_relax();
    else std::this_thread::yield();
  }
  fn_ = nullptr;
}

}  // namespace octet
