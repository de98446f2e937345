// Converting the JavaScript description of a plan (lib/schedule/native-plan.ts) and of a session's
// initializers into their C++ structs, checking every field's type on the way: the plan is read once,
// on the main thread, before any work goes to a worker thread.
#pragma once

#include <napi.h>

#include "../graph/plan.h"

namespace octet::addon {

PlanSpec plan_from_js(const Napi::Object& plan);
// [{ dtype, shape, data: TypedArray }] → the session's initializers. A TypedArray whose ArrayBuffer
// has kOverReadPadding spare bytes after it (lib/onnx decodes tensors so) is used in place and kept
// alive through state.owner; any other is copied into an aligned, padded buffer.
void initializers_from_js(const Napi::Array& list, SessionState& state);
// Lets go of the JavaScript array initializer `index` was read from in place (after release_packed).
// JavaScript thread only.
void drop_initializer_reference(SessionState& state, size_t index);

}  // namespace octet::addon
