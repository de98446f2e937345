// The native jobs one JavaScript environment (the main thread or a worker_thread) started, and their
// way back to it. A job runs on a RunThreads thread (native/core/run_threads.h); its promise settles on
// the environment's thread.
//
// Why not Napi::AsyncWorker: on a virtual machine most of a short run's cost was the handoffs, not
// the work. libuv's threadpool thread sleeps between jobs (waking it costs ~10-40 µs), and when the
// job ends the event loop is blocked in epoll on an idle vCPU (waking it costs as much again). Run
// threads spin briefly between jobs, so the first handoff is ~1 µs. For the second, while a short
// job is in flight and a core is free for it, the event loop polls: a uv_idle handle keeps it from
// blocking (timers, I/O and callbacks are served as usual, between 50 µs slices of spinning; the
// thread just does not sleep) and the result is picked up as soon as it is published. A job that
// took longer lately (up to kPollLateMaxMicros) has the loop block until shortly before its
// expected end (a uv_timer), then poll for the rest: on a 2-core VM this took 5-6% off a 1.6 ms
// MobileNetV2 run at one thread, without keeping a core busy for the whole run. It is delivered
// through a uv_async wakeup instead when the job took longer still, when the jobs in flight leave
// no core free, or when polling would compete with the work: the job runs on this thread's core, or
// has not started after kStartMicros (busy machine). Both handles are ref'd only while jobs are in
// flight, so they never keep the process alive on their own.
//
// A worker exiting with jobs in flight: queued jobs are cancelled, running ones are waited for (they
// write into the environment's TypedArrays), and their results are dropped.
#pragma once

#include <napi.h>
#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/status.h"

namespace octet::addon {

// What a caller hands over.
struct NativeJob {
  // Runs on a run thread: no N-API here. May throw octet::Error (the promise rejects with the matching
  // JavaScript error class), std::bad_alloc or another std::exception (Error).
  std::function<void()> work;
  // Cores the work keeps busy (its intra-op threads), to know whether one is left for polling.
  int threads = 1;
  // JavaScript objects the work reads or writes: kept alive until the job ends.
  std::vector<Napi::ObjectReference> keep;
  // The work's recent duration in nanoseconds (0: not known yet), shared by the jobs of one plan and
  // updated when each ends; decides whether the event loop polls for the result. Null: never polls.
  std::shared_ptr<std::atomic<int64_t>> recent_ns;
};

class EnvJobs : public std::enable_shared_from_this<EnvJobs> {
 public:
  // The jobs of `env`; made once per environment (addon init). Closed by an environment cleanup hook.
  static std::shared_ptr<EnvJobs> create(Napi::Env env);
  ~EnvJobs();

  // Starts `job`; returns the promise that settles with its outcome (resolves to undefined).
  Napi::Promise start(Napi::Env env, NativeJob job);

 private:
  struct Pending;
  friend struct Pending;

  static constexpr int64_t kPollMaxMicros = 1000;  // poll only for jobs recently shorter than this
  static constexpr int64_t kPollMarginMicros = 100;
  static constexpr int64_t kPollLateMaxMicros = 50000;  // longer jobs: the wakeup is a small part
  static constexpr int64_t kPollLeadMicros = 500;  // a late poll starts this much (or an eighth) early
  static constexpr int64_t kStartYieldMicros = 5;  // a job not started by then may wait for this core
  static constexpr int64_t kStartMicros = 30;  // a job not started by then waits for a core: stop polling
  static constexpr int64_t kIdleSliceMicros = 50;  // the longest one poll keeps the loop
  static constexpr int kNotStarted = -2;

  explicit EnvJobs(napi_env env) : env_(env) {}
  void execute(Pending* job) noexcept;   // on a run thread: the work
  void finished(Pending* job) noexcept;  // on a run thread: hands the job back
  void deliver();  // settles the finished jobs (JS thread, in a libuv callback)
  void settle(Pending* job);
  void start_polling(int64_t budget_ns);
  void poll_later(int64_t recent_ns);
  void stop_polling();
  void close(napi_async_cleanup_hook_handle hook);

  static void on_async(uv_async_t* handle);
  static void on_idle(uv_idle_t* handle);
  static void on_poll_timer(uv_timer_t* handle);
  static void on_closed(uv_handle_t* handle);
  static void on_cleanup(napi_async_cleanup_hook_handle hook, void* arg);

  napi_env env_;
  uv_async_t async_{};
  uv_idle_t idle_{};
  uv_timer_t poll_timer_{};  // starts a late poll (poll_later)
  napi_ref resource_ = nullptr;  // the async resource the settling callbacks run in
  napi_async_context context_ = nullptr;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  std::shared_ptr<EnvJobs> self_;  // alive until the handles are closed
  int open_handles_ = 0;

  // JS thread only.
  std::vector<Pending*> pending_;  // started, not settled
  bool polling_started_ = false;
  int64_t poll_deadline_ns_ = 0;
  int64_t late_poll_deadline_ns_ = 0;  // the budget of the poll poll_timer_ starts
  bool closed_js_ = false;

  // Shared with run threads.
  std::atomic<Pending*> done_{nullptr};  // finished jobs, newest first (linked through Pending)
  std::atomic<int> executing_{0};        // queued or running
  std::atomic<bool> closed_{false};      // the environment is going away
  std::atomic<bool> polling_{false};     // the loop polls: a finishing job need not wake it
  std::mutex mutex_;                     // for drained_ only
  std::condition_variable drained_;      // executing_ reached 0 after closing
};

}  // namespace octet::addon
