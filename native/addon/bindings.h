// Every function the addon exports, grouped by file.
#pragma once

#include <napi.h>

namespace octet::addon {

// runtime_bindings.cc
Napi::Value RuntimeInfo(const Napi::CallbackInfo& info);
Napi::Value SetIsa(const Napi::CallbackInfo& info);
Napi::Value SetNumThreads(const Napi::CallbackInfo& info);
Napi::Value MeasurePeakGops(const Napi::CallbackInfo& info);
// The graph operators the runtime implements, as "OpType" or "domain.OpType".
Napi::Value NativeOperators(const Napi::CallbackInfo& info);
// gemm_bindings.cc
Napi::Value PackWeights(const Napi::CallbackInfo& info);
Napi::Value QGemm(const Napi::CallbackInfo& info);
Napi::Value QGemmReference(const Napi::CallbackInfo& info);
// model_buffer.cc
Napi::Value AllocModelBuffer(const Napi::CallbackInfo& info);
// result_buffers.cc
Napi::Value AllocResultBuffer(const Napi::CallbackInfo& info);
Napi::Value DetachResultBuffer(const Napi::CallbackInfo& info);
// quantize_bindings.cc
Napi::Value QuantizeLinear(const Napi::CallbackInfo& info);
Napi::Value DequantizeLinear(const Napi::CallbackInfo& info);
Napi::Value DynamicQuantizeLinear(const Napi::CallbackInfo& info);

}  // namespace octet::addon
