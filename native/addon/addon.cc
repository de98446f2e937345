// Module entry: per-environment state, the exported functions, and the OCTET_ISA check at load time
// (a bad value fails the require() with a message naming OCTET_ISA, not a later kernel call).
#include <napi.h>

#include "../dispatch/dispatch.h"
#include "addon_state.h"
#include "bindings.h"
#include "errors.h"
#include "packed_weights_wrap.h"
#include "session_wrap.h"
#include "../graph/op.h"

namespace octet::addon {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  try {
    init_isa_from_environment();
  } catch (const Error& e) {
    throw to_js_error(env, e);
  }
  auto* st = new AddonState();
  st->packed_weights_ctor = Napi::Persistent(PackedWeightsWrap::define(env));
  const char* key_names[] = {"a", "M", "K", "N", "aZeroPoint", "b", "bZeroPoint", "bias", "output", "out", "aScale", "bScale", "yScale", "yZeroPoint", "qmin", "qmax", "threads"};
  static_assert(sizeof(key_names) / sizeof(key_names[0]) == static_cast<size_t>(Key::kCount), "one name per Key");
  Napi::Array keys = Napi::Array::New(env, static_cast<size_t>(Key::kCount));
  for (uint32_t i = 0; i < static_cast<uint32_t>(Key::kCount); ++i) keys.Set(i, Napi::String::New(env, key_names[i]));
  st->keys = Napi::Persistent(keys.As<Napi::Object>());
  env.SetInstanceData<AddonState>(st);  // deleted with the environment (main thread or worker)

  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo, "runtimeInfo"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("measurePeakGops", Napi::Function::New(env, MeasurePeakGops, "measurePeakGops"));
  exports.Set("packWeights", Napi::Function::New(env, PackWeights, "packWeights"));
  exports.Set("qgemm", Napi::Function::New(env, QGemm, "qgemm"));
  exports.Set("qgemmReference", Napi::Function::New(env, QGemmReference, "qgemmReference"));
  exports.Set("quantizeLinear", Napi::Function::New(env, QuantizeLinear, "quantizeLinear"));
  exports.Set("dequantizeLinear", Napi::Function::New(env, DequantizeLinear, "dequantizeLinear"));
  exports.Set("dynamicQuantizeLinear", Napi::Function::New(env, DynamicQuantizeLinear, "dynamicQuantizeLinear"));
  exports.Set("allocModelBuffer", Napi::Function::New(env, AllocModelBuffer, "allocModelBuffer"));
  exports.Set("allocResultBuffer", Napi::Function::New(env, AllocResultBuffer, "allocResultBuffer"));
  exports.Set("detachResultBuffer", Napi::Function::New(env, DetachResultBuffer, "detachResultBuffer"));
  exports.Set("NativeSession", SessionWrap::define(env));
  exports.Set("nativeOperators", Napi::Function::New(env, NativeOperators, "nativeOperators"));
  return exports;
}

}  // namespace octet::addon

static Napi::Object InitOctet(Napi::Env env, Napi::Object exports) { return octet::addon::Init(env, exports); }

NODE_API_MODULE(octet, InitOctet)
