#include "session_wrap.h"

#include <algorithm>
#include <cstring>

#include "../core/run_threads.h"
#include "../core/thread_pool.h"
#include "args.h"
#include "env_jobs.h"
#include "errors.h"
#include "plan_from_js.h"

namespace octet::addon {

namespace {

// The TypedArray class that holds each dtype (what TypeScript allocates and feeds).
napi_typedarray_type array_type_of(DType t) {
  switch (t) {
    case DType::kFloat32: return napi_float32_array;
    case DType::kUint8: case DType::kBool: return napi_uint8_array;
    case DType::kInt8: return napi_int8_array;
    case DType::kUint16: case DType::kFloat16: return napi_uint16_array;
    case DType::kInt16: return napi_int16_array;
    case DType::kInt32: return napi_int32_array;
    case DType::kInt64: return napi_bigint64_array;
    case DType::kFloat64: return napi_float64_array;
    case DType::kUint32: return napi_uint32_array;
    case DType::kUint64: return napi_biguint64_array;
    default: return napi_uint8_array;
  }
}

// Bound inputs and outputs of one run, checked against the plan, with references that keep the
// caller's TypedArrays alive until the job ends.
struct RunBinding {
  std::vector<const void*> inputs;
  std::vector<void*> outputs;
  std::vector<Napi::ObjectReference> keep;
};

RunBinding bind(const Plan& plan, const Napi::Value& inputs_value, const Napi::Value& outputs_value, bool keep) {
  if (!inputs_value.IsArray()) throw_type("run: inputs must be an array of TypedArrays");
  if (!outputs_value.IsArray()) throw_type("run: outputs must be an array of TypedArrays");
  Napi::Array inputs = inputs_value.As<Napi::Array>();
  Napi::Array outputs = outputs_value.As<Napi::Array>();
  if (inputs.Length() != plan.input_count()) throw_range("run: expected " + std::to_string(plan.input_count()) + " inputs, got " + std::to_string(inputs.Length()));
  if (outputs.Length() != plan.output_count()) throw_range("run: expected " + std::to_string(plan.output_count()) + " outputs, got " + std::to_string(outputs.Length()));
  RunBinding b;
  std::vector<std::pair<const uint8_t*, size_t>> written;
  for (uint32_t i = 0; i < inputs.Length(); ++i) {
    const PlanValueSpec& v = plan.input_value(i);
    const std::string what = "run: input '" + v.name + "'";
    ArrayView a = typed_array_of(inputs.Get(i), Name{what.c_str(), "data"}, array_type_of(v.dtype));
    if (a.byte_length() != plan.input_bytes(i))
      throw_range(what + " has " + std::to_string(a.byte_length()) + " bytes, " + dtype_name(v.dtype) + " " + shape_string(v.shape) + " needs " + std::to_string(plan.input_bytes(i)));
    b.inputs.push_back(a.data);
    if (keep) b.keep.push_back(Napi::Persistent(inputs.Get(i).As<Napi::Object>()));
  }
  for (uint32_t i = 0; i < outputs.Length(); ++i) {
    const PlanValueSpec& v = plan.output_value(i);
    const std::string what = "run: output '" + v.name + "'";
    ArrayView a = typed_array_of(outputs.Get(i), Name{what.c_str(), "data"}, array_type_of(v.dtype));
    if (a.byte_length() != plan.output_bytes(i))
      throw_range(what + " has " + std::to_string(a.byte_length()) + " bytes, needs " + std::to_string(plan.output_bytes(i)));
    // Results are written while inputs are read: they must not share memory.
    const auto* lo = static_cast<const uint8_t*>(a.data);
    for (size_t k = 0; k < b.inputs.size(); ++k) {
      const auto* in = static_cast<const uint8_t*>(b.inputs[k]);
      if (a.byte_length() > 0 && plan.input_bytes(k) > 0 && lo < in + plan.input_bytes(k) && in < lo + a.byte_length())
        throw_range(what + " shares memory with input " + std::to_string(k));
    }
    for (auto& [p, n] : written)
      if (a.byte_length() > 0 && n > 0 && lo < p + n && p < lo + a.byte_length()) throw_range(what + " shares memory with another output");
    written.emplace_back(lo, a.byte_length());
    b.outputs.push_back(a.data);
    if (keep) b.keep.push_back(Napi::Persistent(outputs.Get(i).As<Napi::Object>()));
  }
  return b;
}

}  // namespace

Napi::Function SessionWrap::define(Napi::Env env) {
  // Process-wide statics that jobs use are constructed before the run threads, whose wait for running
  // jobs at exit() must come before their destructors (atexit runs both in reverse order).
  OpRegistry::global();
  RunThreads::global();
  // The environment's jobs reach every session through the constructor's data, which lives as long
  // as the class.
  auto* jobs = new std::shared_ptr<EnvJobs>(EnvJobs::create(env));
  Napi::Function ctor = DefineClass(env, "NativeSession",
                     {
                         InstanceMethod<&SessionWrap::AddPlan>("addPlan"),
                         InstanceMethod<&SessionWrap::RemovePlan>("removePlan"),
                         InstanceMethod<&SessionWrap::BuildPlan>("buildPlan"),
                         InstanceMethod<&SessionWrap::ReleasePacked>("releasePacked"),
                         InstanceMethod<&SessionWrap::PlanInfo>("planInfo"),
                         InstanceMethod<&SessionWrap::SetProfiling>("setProfiling"),
                         InstanceMethod<&SessionWrap::Profile>("profile"),
                         InstanceMethod<&SessionWrap::Run>("run"),
                         InstanceMethod<&SessionWrap::RunSync>("runSync"),
                         InstanceMethod<&SessionWrap::Release>("release"),
                     },
                     jobs);
  ctor.AddFinalizer([](Napi::Env, std::shared_ptr<EnvJobs>* p) { delete p; }, jobs);
  return ctor;
}

// new NativeSession(initializers, threads)
SessionWrap::SessionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SessionWrap>(info) {
  Napi::Env env = info.Env();
  jobs_ = *static_cast<std::shared_ptr<EnvJobs>*>(info.Data());
  guarded(env, [&] {
    if (!info[0].IsArray()) throw_type("NativeSession: initializers must be an array");
    threads_ = static_cast<int>(integer(info[1], Name{"NativeSession", "threads"}, 1, 1024));
    state_ = std::make_shared<SessionState>();
    initializers_from_js(info[0].As<Napi::Array>(), *state_);
    adjust_memory(env);
    return env.Undefined();
  });
}

SessionWrap::~SessionWrap() = default;

void SessionWrap::adjust_memory(Napi::Env env) {
  int64_t bytes = 0;
  if (state_)
    for (const auto& init : state_->initializers) bytes += static_cast<int64_t>(init.copy.size());
  for (const auto& [id, entry] : plans_) bytes += static_cast<int64_t>(entry.plan->pooled_bytes());
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes - reported_bytes_);
  reported_bytes_ = bytes;
}

const SessionWrap::PlanEntry& SessionWrap::plan_at(const Napi::Value& id) {
  if (!state_) throw_error("session was released");
  const int64_t i = integer(id, Name{"session", "plan id"}, 0, 1 << 30);
  auto it = plans_.find(static_cast<int>(i));
  if (it == plans_.end()) throw_range("session: no plan " + std::to_string(i));
  return it->second;
}

Napi::Value SessionWrap::AddPlan(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!state_) throw_error("session was released");
    if (!info[0].IsObject()) throw_type("addPlan: plan must be an object");
    auto plan = std::make_shared<Plan>(state_, plan_from_js(info[0].As<Napi::Object>()), threads_);
    plan->set_profiling(profiling_);
    const int id = next_plan_++;
    plans_[id] = PlanEntry{std::move(plan), std::make_shared<std::atomic<int64_t>>(0)};
    return Napi::Number::New(info.Env(), id);
  });
}

Napi::Value SessionWrap::RemovePlan(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    plans_.erase(static_cast<int>(integer(info[0], Name{"removePlan", "id"}, 0, 1 << 30)));
    adjust_memory(info.Env());
    return info.Env().Undefined();
  });
}

// Builds the plan's operators (packs weights) on a run thread; resolves when done.
Napi::Value SessionWrap::BuildPlan(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    NativeJob job;
    job.work = [plan = plan_at(info[0]).plan] { plan->build(); };
    job.threads = threads_;
    return jobs_->start(info.Env(), std::move(job));
  });
}

// releasePacked([initializer indices]) → the indices whose raw bytes were given up (those packed so
// far; see SessionState::release_packed). The caller lists only weights its operators read through
// the WeightCache alone.
Napi::Value SessionWrap::ReleasePacked(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!state_) throw_error("session was released");
    if (!info[0].IsArray()) throw_type("releasePacked: indices must be an array");
    const Napi::Array list = info[0].As<Napi::Array>();
    Napi::Array released = Napi::Array::New(info.Env());
    const auto count = static_cast<int64_t>(state_->initializers.size());
    for (uint32_t k = 0; k < list.Length(); ++k) {
      const auto i = static_cast<size_t>(integer(list.Get(k), Name{"releasePacked", "index"}, 0, std::max<int64_t>(count - 1, 0)));
      if (count == 0 || !state_->release_packed(i)) continue;
      state_->drop_released_copy(i);
      drop_initializer_reference(*state_, i);
      released.Set(released.Length(), Napi::Number::New(info.Env(), static_cast<double>(i)));
    }
    adjust_memory(info.Env());
    return released;
  });
}

Napi::Value SessionWrap::PlanInfo(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::shared_ptr<Plan> plan = plan_at(info[0]).plan;
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("arenaBytes", Napi::Number::New(info.Env(), static_cast<double>(plan->arena_bytes())));
    o.Set("scratchBytes", Napi::Number::New(info.Env(), static_cast<double>(plan->scratch_bytes())));
    o.Set("pooledBytes", Napi::Number::New(info.Env(), static_cast<double>(plan->pooled_bytes())));
    return o;
  });
}

// setProfiling(on): time every node of every plan from now on (and of plans added later).
Napi::Value SessionWrap::SetProfiling(const Napi::CallbackInfo& info) {
  profiling_ = info[0].ToBoolean().Value();
  for (auto& [id, entry] : plans_) entry.plan->set_profiling(profiling_);
  return info.Env().Undefined();
}

// profile(planId) → { runs, nodes: [{ name, opType, nanoseconds }] } in execution order.
Napi::Value SessionWrap::Profile(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::shared_ptr<Plan> plan = plan_at(info[0]).plan;
    Napi::Env env = info.Env();
    const std::vector<int64_t> ns = plan->node_nanoseconds();
    Napi::Array nodes = Napi::Array::New(env, ns.size());
    for (size_t n = 0; n < ns.size(); ++n) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", plan->nodes()[n].name);
      o.Set("opType", plan->nodes()[n].op_type);
      o.Set("nanoseconds", Napi::Number::New(env, static_cast<double>(ns[n])));
      nodes.Set(static_cast<uint32_t>(n), o);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("runs", Napi::Number::New(env, static_cast<double>(plan->profiled_runs())));
    out.Set("nodes", nodes);
    return out;
  });
}

// run(planId, inputs, outputs) → Promise<void>: the whole graph in one job off the main thread.
Napi::Value SessionWrap::Run(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const PlanEntry& entry = plan_at(info[0]);
    RunBinding binding = bind(*entry.plan, info[1], info[2], true);
    NativeJob job;
    job.work = [plan = entry.plan, inputs = std::move(binding.inputs), outputs = std::move(binding.outputs), threads = threads_] {
      plan->build();
      plan->run(inputs, outputs, threads);
    };
    job.threads = threads_;
    job.keep = std::move(binding.keep);
    job.recent_ns = entry.recent_ns;
    return jobs_->start(info.Env(), std::move(job));
  });
}

Napi::Value SessionWrap::RunSync(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::shared_ptr<Plan> plan = plan_at(info[0]).plan;
    RunBinding binding = bind(*plan, info[1], info[2], false);
    plan->build();
    plan->run(binding.inputs, binding.outputs, threads_);
    adjust_memory(info.Env());
    return info.Env().Undefined();
  });
}

Napi::Value SessionWrap::Release(const Napi::CallbackInfo& info) {
  plans_.clear();
  state_.reset();
  adjust_memory(info.Env());
  return info.Env().Undefined();
}

}  // namespace octet::addon
