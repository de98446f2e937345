// Per-environment state (the main thread and each worker_thread get their own), so the addon is
// context-aware: constructors live here, not in process-wide statics.
#pragma once

#include <napi.h>

namespace octet::addon {

struct AddonState {
  Napi::FunctionReference packed_weights_ctor;
};

inline AddonState& state(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

}  // namespace octet::addon
