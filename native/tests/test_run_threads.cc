// Run threads (native/core/run_threads.h): every job runs once and finishes after it ran, back to back,
// in bursts and from several submitting threads; four jobs in flight run at the same time; a job still
// queued can be taken back and then never runs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "../core/run_threads.h"
#include "../core/thread_pool.h"
#include "test_main.h"

namespace octet::test {

namespace {

struct CountingJob final : RunJob {
  std::atomic<int>* runs = nullptr;
  std::atomic<int>* finishes = nullptr;
  bool ran = false;
  void run() noexcept override {
    ran = true;
    runs->fetch_add(1);
  }
  void finish() noexcept override {
    if (ran) finishes->fetch_add(1);
  }
};

// Jobs that wait inside run() until the gate opens: they prove that jobs in flight run concurrently.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  bool open = false;
};

struct GatedJob final : RunJob {
  Gate* gate = nullptr;
  std::atomic<int>* finishes = nullptr;
  void run() noexcept override {
    std::unique_lock<std::mutex> lock(gate->mutex);
    ++gate->inside;
    gate->changed.notify_all();
    gate->changed.wait(lock, [&] { return gate->open; });
  }
  void finish() noexcept override { finishes->fetch_add(1); }
};

bool eventually(const std::function<bool()>& done, int milliseconds = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

}  // namespace

TEST(run_threads_run_each_job_once) {
  std::atomic<int> runs{0}, finishes{0};
  std::vector<CountingJob> jobs(3000);
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].runs = &runs;
    jobs[i].finishes = &finishes;
    RunThreads::global().submit(&jobs[i]);
    // Alternate bursts with back-to-back jobs (which a spinning thread takes).
    if (i % 100 == 99 || i < 50) {
      CHECK(eventually([&] { return finishes.load() == static_cast<int>(i + 1); })) << "job " << i;
    }
  }
  CHECK(eventually([&] { return finishes.load() == 3000; })) << finishes.load();
  CHECK(runs.load() == 3000) << runs.load();
}

TEST(run_threads_serve_concurrent_submitters) {
  std::atomic<int> runs{0}, finishes{0};
  std::vector<CountingJob> jobs(4000);
  std::vector<std::thread> submitters;
  for (int s = 0; s < 4; ++s)
    submitters.emplace_back([&, s] {
      for (size_t i = static_cast<size_t>(s); i < jobs.size(); i += 4) {
        jobs[i].runs = &runs;
        jobs[i].finishes = &finishes;
        RunThreads::global().submit(&jobs[i]);
      }
    });
  for (auto& t : submitters) t.join();
  CHECK(eventually([&] { return finishes.load() == 4000; })) << finishes.load();
  CHECK(runs.load() == 4000) << runs.load();
}

TEST(run_threads_run_four_jobs_at_once_and_cancel_queued_ones) {
  RunThreads& pool = RunThreads::global();
  Gate gate;
  std::atomic<int> gated_finishes{0};
  std::vector<GatedJob> gated(4);
  for (auto& job : gated) {
    job.gate = &gate;
    job.finishes = &gated_finishes;
    pool.submit(&job);
  }
  CHECK(eventually([&] {
    std::lock_guard<std::mutex> lock(gate.mutex);
    return gate.inside == 4;
  })) << "jobs in flight did not all start";
  // With every thread busy a further job waits in the queue: taken back, it never runs.
  std::atomic<int> runs{0}, finishes{0};
  CountingJob extra;
  extra.runs = &runs;
  extra.finishes = &finishes;
  const bool all_busy = pool.thread_count() == std::max(4, hardware_threads());
  pool.submit(&extra);
  const bool cancelled = all_busy && pool.cancel(&extra);
  if (all_busy) {
    CHECK(cancelled) << "a queued job could not be cancelled";
  }
  {
    std::lock_guard<std::mutex> lock(gate.mutex);
    gate.open = true;
  }
  gate.changed.notify_all();
  CHECK(eventually([&] { return gated_finishes.load() == 4; })) << gated_finishes.load();
  if (cancelled) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(runs.load() == 0) << "a cancelled job ran";
    CHECK(!pool.cancel(&extra)) << "cancelled twice";
  } else {
    CHECK(eventually([&] { return finishes.load() == 1; })) << "the extra job did not run";
  }
  CHECK(pool.thread_count() <= std::max(4, hardware_threads())) << pool.thread_count();
}

}  // namespace octet::test
