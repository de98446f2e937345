#include "packed_weights_wrap.h"

#include "addon_state.h"
#include "errors.h"

namespace octet::addon {

Napi::Function PackedWeightsWrap::define(Napi::Env env) {
  return DefineClass(env, "NativePackedWeights",
                     {
                         InstanceAccessor("K", &PackedWeightsWrap::K, nullptr),
                         InstanceAccessor("N", &PackedWeightsWrap::N, nullptr),
                         InstanceAccessor("isa", &PackedWeightsWrap::IsaName, nullptr),
                         InstanceAccessor("byteLength", &PackedWeightsWrap::ByteLength, nullptr),
                         InstanceMethod("release", &PackedWeightsWrap::Release),
                     });
}

Napi::Object PackedWeightsWrap::create(Napi::Env env, std::unique_ptr<PackedWeights> weights) {
  auto* raw = weights.release();
  Napi::Object obj = state(env).packed_weights_ctor.New({Napi::External<PackedWeights>::New(env, raw)});
  return obj;
}

PackedWeightsWrap::PackedWeightsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PackedWeightsWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativePackedWeights cannot be constructed directly; use packWeights()");
  }
  weights_.reset(info[0].As<Napi::External<PackedWeights>>().Data());
  env_ = info.Env();
  reported_bytes_ = static_cast<int64_t>(weights_->byte_size());
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reported_bytes_);
}

PackedWeightsWrap::~PackedWeightsWrap() {
  // Finalizers run during GC, where adjusting external memory is still allowed.
  if (weights_ != nullptr && env_ != nullptr) napi_adjust_external_memory(env_, -reported_bytes_, nullptr);
}

void PackedWeightsWrap::free_weights() {
  if (weights_ == nullptr) return;
  weights_.reset();
  Napi::MemoryManagement::AdjustExternalMemory(Env(), -reported_bytes_);
}

const PackedWeights& PackedWeightsWrap::unwrap(Napi::Env env, const Napi::Value& v, Name what) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(state(env).packed_weights_ctor.Value())) {
    throw_type(what.str() + " must be packed weights from packWeights()");
  }
  PackedWeightsWrap* wrap = Unwrap(v.As<Napi::Object>());
  if (wrap->weights_ == nullptr) throw_error(what.str() + " was released");
  return *wrap->weights_;
}

Napi::Value PackedWeightsWrap::K(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), weights_ ? weights_->K : 0);
}
Napi::Value PackedWeightsWrap::N(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), weights_ ? weights_->N : 0);
}
Napi::Value PackedWeightsWrap::IsaName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), weights_ ? isa_name(weights_->isa) : "released");
}
Napi::Value PackedWeightsWrap::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), weights_ ? static_cast<double>(weights_->byte_size()) : 0);
}
Napi::Value PackedWeightsWrap::Release(const Napi::CallbackInfo& info) {
  free_weights();
  return info.Env().Undefined();
}

}  // namespace octet::addon
