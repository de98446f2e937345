// runtimeInfo(), setIsa(), setNumThreads(), measurePeakGops().
#include <napi.h>

#include "../core/aligned_buffer.h"
#include "../core/cpu_features.h"
#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "args.h"
#include "bindings.h"
#include "../graph/op.h"
#include "errors.h"

namespace octet::addon {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    const Isa isa = active_isa();
    out.Set("isa", isa_name(isa));
    Napi::Array available = Napi::Array::New(env);
    uint32_t i = 0;
    for (Isa s : supported_isas()) available.Set(i++, isa_name(s));
    out.Set("availableIsas", available);
    out.Set("threads", default_threads());
    out.Set("gemmKernel", qgemm_kernel(isa).name);
    Napi::Array features = Napi::Array::New(env);
    i = 0;
    for (const auto& f : cpu_features().names()) features.Set(i++, f);
    out.Set("cpuFeatures", features);
    out.Set("nativeBytes", Napi::Number::New(env, static_cast<double>(aligned_bytes_in_use().load())));
    return out;
  });
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw_type("setIsa: isa must be a string");
    set_active_isa(parse_isa(info[0].As<Napi::String>().Utf8Value()));
    return info.Env().Undefined();
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1) throw_type("setNumThreads: threads is required");
    set_default_threads(static_cast<int>(integer(info[0], Name{"setNumThreads", "threads"}, 1, 1024)));
    return info.Env().Undefined();
  });
}

Napi::Value MeasurePeakGops(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsString()) throw_type("measurePeakGops: expected (isa, milliseconds)");
    const Isa isa = parse_isa(info[0].As<Napi::String>().Utf8Value());
    const double ms = static_cast<double>(integer(info[1], Name{"measurePeakGops", "milliseconds"}, 1, 60000));
    return Napi::Number::New(info.Env(), measure_peak_gops(isa, ms));
  });
}

Napi::Value NativeOperators(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const std::vector<std::string> names = OpRegistry::global().names();
    Napi::Array out = Napi::Array::New(info.Env(), names.size());
    for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), names[i]));
    return out;
  });
}

}  // namespace octet::addon
