// Converting the JavaScript description of a plan (lib/schedule/native-plan.ts) and of a session's
// initializers into their C++ structs, checking every field's type on the way: the plan is read once,
// on the main thread, before any work goes to a worker thread.
#pragma once

#include <napi.h>

#include "../graph/plan.h"

namespace octet::addon {

PlanSpec plan_from_js(const Napi::Object& plan);
// [{ dtype, shape, data: TypedArray }] → copies of the bytes (aligned, padded for kernel over-reads).
std::vector<SessionState::Initializer> initializers_from_js(const Napi::Array& list);

}  // namespace octet::addon
