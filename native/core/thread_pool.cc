#include "thread_pool.h"

#include <algorithm>

namespace octet {

namespace {
std::atomic<int> g_default_threads{0};
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
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

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::ensure_workers(int count) {
  while (static_cast<int>(workers_.size()) < count) {
    const int index = static_cast<int>(workers_.size());
    workers_.emplace_back([this, index] { worker_loop(index); });
  }
}

void ThreadPool::worker_loop(int index) {
  unsigned long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || (generation_ != seen && index < participants_); });
    if (stopping_) return;
    seen = generation_;
    const auto* fn = fn_;
    const size_t tasks = tasks_;
    lock.unlock();
    for (size_t t = next_.fetch_add(1); t < tasks; t = next_.fetch_add(1)) (*fn)(t);
    lock.lock();
    if (--active_ == 0) done_.notify_all();
  }
}

void ThreadPool::parallel_for(size_t tasks, int threads, const std::function<void(size_t)>& fn) {
  if (tasks == 0) return;
  const int helpers = static_cast<int>(std::min<size_t>(tasks, static_cast<size_t>(std::max(threads, 1)))) - 1;
  if (helpers <= 0) {
    for (size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  std::lock_guard<std::mutex> region(region_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_workers(helpers);
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0);
    participants_ = helpers;
    active_ = helpers;
    ++generation_;
  }
  wake_.notify_all();
  for (size_t t = next_.fetch_add(1); t < tasks; t = next_.fetch_add(1)) fn(t);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return active_ == 0; });
  fn_ = nullptr;
}

}  // namespace octet
