// JavaScript handle of a native session: the initializers, the plans built for each input-shape
// signature, and the run entry points. run() is one native job (env_jobs.h: the whole graph on a run
// thread, no N-API calls there); runSync() runs the same work on the calling thread.
// Plans are shared_ptrs so a run in flight keeps its plan (and the session's weights) alive even if
// the session is released meanwhile; release() only drops the handle's references.
#pragma once

#include <napi.h>

#include <atomic>
#include <map>
#include <memory>

#include "../graph/plan.h"
#include "env_jobs.h"

namespace octet::addon {

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit SessionWrap(const Napi::CallbackInfo& info);
  ~SessionWrap() override;

 private:
  Napi::Value AddPlan(const Napi::CallbackInfo& info);
  Napi::Value RemovePlan(const Napi::CallbackInfo& info);
  Napi::Value BuildPlan(const Napi::CallbackInfo& info);
  Napi::Value ReleasePacked(const Napi::CallbackInfo& info);
  Napi::Value PlanInfo(const Napi::CallbackInfo& info);
  Napi::Value SetProfiling(const Napi::CallbackInfo& info);
  Napi::Value Profile(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);

  struct PlanEntry {
    std::shared_ptr<Plan> plan;
    std::shared_ptr<std::atomic<int64_t>> recent_ns;  // how long its runs took lately (NativeJob)
  };

  const PlanEntry& plan_at(const Napi::Value& id);
  void adjust_memory(Napi::Env env);

  std::shared_ptr<EnvJobs> jobs_;
  std::shared_ptr<SessionState> state_;
  std::map<int, PlanEntry> plans_;
  int next_plan_ = 1;
  int threads_ = 1;
  int64_t reported_bytes_ = 0;
  bool profiling_ = false;
};

}  // namespace octet::addon
