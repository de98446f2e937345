#include "env_jobs.h"

#include <algorithm>
#include <chrono>
#include <new>
#include <system_error>
#include <thread>

#include "../core/cpu_relax.h"
#include "../core/run_threads.h"
#include "../core/thread_pool.h"
#include "errors.h"

namespace octet::addon {

namespace {

// Cores claimed by jobs in flight (their threads) and by polling event loops, over all environments:
// an event loop polls only while this leaves a core for it.
std::atomic<int> g_claimed_cores{0};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

struct EnvJobs::Pending final : RunJob {
  std::shared_ptr<EnvJobs> owner;
  NativeJob job;  // `keep` is touched on the JS thread only
  napi_deferred deferred = nullptr;
  int cores_used = 1;
  bool failed = false;
  ErrorKind kind = ErrorKind::kGeneric;
  std::string message;
  int64_t elapsed_ns = 0;
  int64_t submitted_ns = 0;
  std::atomic<int> cpu{kNotStarted};  // where the work runs: current_cpu() when it started
  bool yielded = false;  // JS thread: on_idle yielded its core once while it waited to start
  Pending* next_done = nullptr;  // EnvJobs::done_ list

  void run() noexcept override { owner->execute(this); }
  void finish() noexcept override { owner->finished(this); }
  int cores() const noexcept override { return cores_used; }
};

std::shared_ptr<EnvJobs> EnvJobs::create(Napi::Env env) {
  std::shared_ptr<EnvJobs> jobs(new EnvJobs(env));
  Napi::Object resource = Napi::Object::New(env);
  NAPI_THROW_IF_FAILED(env, napi_create_reference(env, resource, 1, &jobs->resource_), nullptr);
  NAPI_THROW_IF_FAILED(env, napi_async_init(env, resource, Napi::String::New(env, "octet.run"), &jobs->context_), nullptr);
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_get_uv_event_loop(env, &loop), nullptr);
  if (uv_async_init(loop, &jobs->async_, on_async) != 0) throw Napi::Error::New(env, "octet: uv_async_init failed");
  jobs->async_.data = jobs.get();
  uv_unref(reinterpret_cast<uv_handle_t*>(&jobs->async_));
  uv_idle_init(loop, &jobs->idle_);
  jobs->idle_.data = jobs.get();
  uv_timer_init(loop, &jobs->poll_timer_);
  jobs->poll_timer_.data = jobs.get();
  jobs->open_handles_ = 3;
  jobs->self_ = jobs;
  // Asynchronous: closing the handles takes a loop iteration, which Node runs until the hook is removed.
  NAPI_THROW_IF_FAILED(env, napi_add_async_cleanup_hook(env, on_cleanup, jobs.get(), nullptr), nullptr);
  return jobs;
}

EnvJobs::~EnvJobs() = default;

Napi::Promise EnvJobs::start(Napi::Env env, NativeJob job) {
  if (closed_js_) throw_error("octet: the environment is shutting down");
  static const int cores_available = hardware_threads();  // reads sysfs: once
  auto pending = std::make_unique<Pending>();
  pending->owner = shared_from_this();
  pending->job = std::move(job);
  pending->cores_used = std::clamp(pending->job.threads, 1, cores_available);
  const int64_t recent_ns = pending->job.recent_ns ? pending->job.recent_ns->load(std::memory_order_relaxed) : -1;
  napi_value promise = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &pending->deferred, &promise), Napi::Promise());
  executing_.fetch_add(1, std::memory_order_relaxed);
  pending->submitted_ns = now_ns();
  try {
    RunThreads::global().submit(pending.get());
  } catch (const std::system_error& e) {
    executing_.fetch_sub(1, std::memory_order_relaxed);
    napi_reject_deferred(env, pending->deferred, Napi::Error::New(env, std::string("octet: cannot start a run thread: ") + e.what()).Value());
    return Napi::Promise(env, promise);
  } catch (...) {
    executing_.fetch_sub(1, std::memory_order_relaxed);
    throw;
  }
  Pending* p = pending.release();
  pending_.push_back(p);
  if (pending_.size() == 1) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));

  const int claimed = g_claimed_cores.fetch_add(p->cores_used) + p->cores_used;
  const bool short_job = recent_ns >= 0 && recent_ns < kPollMaxMicros * 1000;
  const int64_t budget_ns = recent_ns <= 0 ? kPollMaxMicros * 1000 : recent_ns + recent_ns / 2 + kPollMarginMicros * 1000;
  if (polling_started_) {
    if (claimed > cores_available) stop_polling();  // the work needs this core more
    else if (short_job) start_polling(budget_ns);
  } else if (short_job && claimed + 1 <= cores_available) {
    start_polling(budget_ns);
  } else if (!short_job && recent_ns < kPollLateMaxMicros * 1000 && claimed + 1 <= cores_available) {
    poll_later(recent_ns);
  }
  return Napi::Promise(env, promise);
}

// A job expected to take recent_ns: block until shortly before its end (libuv timers count whole
// milliseconds, rounded down here), then poll until 1.5 times its expected time.
void EnvJobs::poll_later(int64_t recent_ns) {
  const int64_t now = now_ns();
  late_poll_deadline_ns_ = now + recent_ns + recent_ns / 2 + kPollMarginMicros * 1000;
  const int64_t lead_ns = std::max(kPollLeadMicros * 1000, recent_ns / 8);
  const uint64_t wait_ms = static_cast<uint64_t>(std::max<int64_t>(0, recent_ns - lead_ns) / 1000000);
  if (wait_ms == 0) start_polling(late_poll_deadline_ns_ - now);
  else uv_timer_start(&poll_timer_, on_poll_timer, wait_ms, 0);
}

void EnvJobs::on_poll_timer(uv_timer_t* handle) {
  auto* self = static_cast<EnvJobs*>(handle->data);
  const int64_t budget_ns = self->late_poll_deadline_ns_ - now_ns();
  // Only while jobs are in flight and a core is still free for the loop.
  if (self->pending_.empty() || budget_ns <= 0 || self->closed_js_) return;
  if (self->polling_started_ || g_claimed_cores.load() + 1 <= hardware_threads()) self->start_polling(budget_ns);
}

void EnvJobs::start_polling(int64_t budget_ns) {
  const int64_t deadline = now_ns() + budget_ns;
  if (polling_started_) {
    poll_deadline_ns_ = std::max(poll_deadline_ns_, deadline);
    return;
  }
  polling_started_ = true;
  poll_deadline_ns_ = deadline;
  g_claimed_cores.fetch_add(1);
  polling_.store(true, std::memory_order_seq_cst);
  uv_idle_start(&idle_, on_idle);
}

void EnvJobs::stop_polling() {
  if (!polling_started_) return;
  polling_started_ = false;
  g_claimed_cores.fetch_sub(1);
  uv_idle_stop(&idle_);
  polling_.store(false, std::memory_order_seq_cst);
  // A job that ended while the flag was still set did not wake the loop: wake it now.
  if (done_.load(std::memory_order_seq_cst) != nullptr) uv_async_send(&async_);
}

void EnvJobs::execute(Pending* job) noexcept {
  job->cpu.store(current_cpu(), std::memory_order_relaxed);
  if (!closed_.load(std::memory_order_acquire)) {
    const int64_t started = now_ns();
    try {
      job->job.work();
    } catch (const Error& e) {
      job->failed = true;
      job->kind = e.kind();
      job->message = e.what();
    } catch (const std::bad_alloc&) {
      job->failed = true;
      job->message = "octet: out of memory";
    } catch (const std::exception& e) {
      job->failed = true;
      job->message = std::string("octet: ") + e.what();
    } catch (...) {
      job->failed = true;
      job->message = "octet: unknown failure";
    }
    job->elapsed_ns = now_ns() - started;
  }
}

// No lock on this path: the event loop may be polling done_ this very moment, and a thread that
// blocks on a mutex (and the futex wake that ends it) costs more than the whole handoff.
void EnvJobs::finished(Pending* job) noexcept {
  std::shared_ptr<EnvJobs> keep = job->owner;  // the JS thread may free the job once it is published
  job->next_done = done_.load(std::memory_order_relaxed);
  while (!done_.compare_exchange_weak(job->next_done, job, std::memory_order_seq_cst, std::memory_order_relaxed)) {
  }
  // The handles stay open while executing_ > 0 (close() waits for it). If the loop is polling it sees
  // the job; if it stopped polling meanwhile, stop_polling() saw the job (both sides are seq_cst).
  if (!polling_.load(std::memory_order_seq_cst) && !closed_.load(std::memory_order_seq_cst)) uv_async_send(&async_);
  if (executing_.fetch_sub(1, std::memory_order_seq_cst) == 1 && closed_.load(std::memory_order_seq_cst)) {
    std::lock_guard<std::mutex> lock(mutex_);
    drained_.notify_all();
  }
}

void EnvJobs::deliver() {
  // The finished jobs, oldest first.
  std::vector<Pending*> finished;
  for (Pending* p = done_.exchange(nullptr, std::memory_order_acquire); p != nullptr; p = p->next_done) finished.push_back(p);
  std::reverse(finished.begin(), finished.end());
  if (finished.empty()) return;
  for (Pending* p : finished) {
    pending_.erase(std::find(pending_.begin(), pending_.end(), p));
    g_claimed_cores.fetch_sub(p->cores_used);
    if (p->job.recent_ns && !p->failed) {
      const int64_t before = p->job.recent_ns->load(std::memory_order_relaxed);
      p->job.recent_ns->store(before == 0 ? p->elapsed_ns : (3 * before + p->elapsed_ns) / 4, std::memory_order_relaxed);
    }
  }
  if (pending_.empty()) {
    stop_polling();
    uv_timer_stop(&poll_timer_);
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  }
  // Settle inside a callback scope: the promise reactions (microtasks) run when it closes.
  napi_handle_scope handle_scope = nullptr;
  napi_callback_scope callback_scope = nullptr;
  if (napi_open_handle_scope(env_, &handle_scope) == napi_ok) {
    napi_value resource = nullptr;
    if (napi_get_reference_value(env_, resource_, &resource) == napi_ok && resource != nullptr)
      napi_open_callback_scope(env_, resource, context_, &callback_scope);
  }
  for (Pending* p : finished) {
    settle(p);
    delete p;
  }
  if (callback_scope != nullptr) napi_close_callback_scope(env_, callback_scope);
  if (handle_scope != nullptr) napi_close_handle_scope(env_, handle_scope);
}

void EnvJobs::settle(Pending* job) {
  try {
    Napi::Env env(env_);
    if (job->failed) napi_reject_deferred(env_, job->deferred, to_js_error(env, Error(job->kind, job->message)).Value());
    else napi_resolve_deferred(env_, job->deferred, env.Undefined());
  } catch (...) {
    // The environment cannot run JavaScript any more (a worker stopping): the result is dropped.
  }
  job->job.keep.clear();
}

void EnvJobs::on_async(uv_async_t* handle) { static_cast<EnvJobs*>(handle->data)->deliver(); }

// Spins for up to kIdleSliceMicros before handing the thread back to the loop. Returning at once
// made the loop go round every microsecond or so, and each round costs Node a JS object (its check
// phase opens a callback scope for native immediates): 11 KB of garbage in a 350 µs run
// (test/session/event-loop.test.ts). Timers and I/O wait at most one slice.
void EnvJobs::on_idle(uv_idle_t* handle) {
  auto* self = static_cast<EnvJobs*>(handle->data);
  const int64_t slice_end = now_ns() + kIdleSliceMicros * 1000;
  for (;;) {
    if (self->done_.load(std::memory_order_acquire) != nullptr) {
      self->deliver();
      return;
    }
    const int64_t now = now_ns();
    if (now > self->poll_deadline_ns_) {
      self->stop_polling();
      return;
    }
    // Polling pays only while the work has a core of its own. When the machine is busy, the scheduler
    // may put the work on this core (then polling takes turns with it) or leave it waiting to start:
    // block in the loop instead and let the uv_async wake it.
    const int here = current_cpu();
    for (Pending* p : self->pending_) {
      const int cpu = p->cpu.load(std::memory_order_relaxed);
      if (cpu == kNotStarted) {
        const int64_t waited = now - p->submitted_ns;
        if (waited > kStartMicros * 1000) {
          self->stop_polling();
          return;
        }
        // A run thread woken for it may be queued on this very core: let it run once (if it is not,
        // this returns at once).
        if (waited > kStartYieldMicros * 1000 && !p->yielded) {
          p->yielded = true;
          std::this_thread::yield();
          return;
        }
      } else if (cpu >= 0 && cpu == here) {
        self->stop_polling();
        return;
      }
    }
    if (now >= slice_end) return;
    cpu_relax();
  }
}

void EnvJobs::on_cleanup(napi_async_cleanup_hook_handle hook, void* arg) { static_cast<EnvJobs*>(arg)->close(hook); }

// The environment is going away: jobs not started never will; running ones are waited for, since they
// write into this environment's TypedArrays; no promise settles any more.
void EnvJobs::close(napi_async_cleanup_hook_handle hook) {
  hook_ = hook;
  closed_js_ = true;
  closed_.store(true, std::memory_order_seq_cst);
  for (Pending* p : pending_)
    if (RunThreads::global().cancel(p)) executing_.fetch_sub(1, std::memory_order_seq_cst);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    drained_.wait(lock, [&] { return executing_.load(std::memory_order_seq_cst) == 0; });
  }
  done_.store(nullptr, std::memory_order_relaxed);  // all of them are in pending_ too
  stop_polling();
  uv_timer_stop(&poll_timer_);
  for (Pending* p : pending_) {
    g_claimed_cores.fetch_sub(p->cores_used);
    delete p;  // releases the references; the deferred dies with the environment
  }
  pending_.clear();
  napi_async_destroy(env_, context_);
  napi_delete_reference(env_, resource_);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_timer_), on_closed);
}

void EnvJobs::on_closed(uv_handle_t* handle) {
  auto* self = static_cast<EnvJobs*>(handle->data);
  if (--self->open_handles_ > 0) return;
  std::shared_ptr<EnvJobs> last = std::move(self->self_);  // may be the last owner: freed on return
  napi_remove_async_cleanup_hook(self->hook_);
}

}  // namespace octet::addon
