// Per-environment state (the main thread and each worker_thread get their own), so the addon is
// context-aware: constructors live here, not in process-wide statics.
#pragma once

#include <napi.h>

namespace octet::addon {

// Property names of the argument objects. Looking a property up by a C string internalizes the
// string on every call, which costs more than a small GEMM; these are internalized once per
// environment.
enum class Key : int {
  kA,
  kM,
  kK,
  kN,
  kAZeroPoint,
  kB,
  kBZeroPoint,
  kBias,
  kOutput,
  kOut,
  kAScale,
  kBScale,
  kYScale,
  kYZeroPoint,
  kQmin,
  kQmax,
  kThreads,
  kCount
};

struct AddonState {
  Napi::FunctionReference packed_weights_ctor;
  // A JS array of the key strings, indexed by Key (Node-API 8 cannot reference a string directly).
  Napi::ObjectReference keys;
};

inline AddonState& state(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

// o[key]; undefined when absent.
inline Napi::Value get(const Napi::Object& o, Key key) {
  return o.Get(state(o.Env()).keys.Value().Get(static_cast<uint32_t>(key)));
}

// Present and neither undefined nor null.
inline bool present(const Napi::Value& v) { return !v.IsUndefined() && !v.IsNull(); }

}  // namespace octet::addon
