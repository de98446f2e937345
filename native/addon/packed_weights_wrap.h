// JavaScript handle for PackedWeights. Created only by packWeights() (JS cannot construct one). The
// packed bytes are reported to V8 with AdjustExternalMemory so the GC sees their weight, and are freed
// by release() (idempotent) or by the finalizer, whichever comes first.
#pragma once

#include <napi.h>

#include <memory>

#include "../ops/qgemm.h"
#include "args.h"

namespace octet::addon {

class PackedWeightsWrap : public Napi::ObjectWrap<PackedWeightsWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  static Napi::Object create(Napi::Env env, std::unique_ptr<PackedWeights> weights);
  // The weights behind a handle; throws a TypeError naming `what` if v is not a live handle.
  static const PackedWeights& unwrap(Napi::Env env, const Napi::Value& v, Name what);

  explicit PackedWeightsWrap(const Napi::CallbackInfo& info);
  ~PackedWeightsWrap() override;

 private:
  Napi::Value K(const Napi::CallbackInfo& info);
  Napi::Value N(const Napi::CallbackInfo& info);
  Napi::Value IsaName(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  void free_weights();

  std::unique_ptr<PackedWeights> weights_;
  int64_t reported_bytes_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace octet::addon
