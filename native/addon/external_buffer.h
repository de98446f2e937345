// An ArrayBuffer over native memory that `release` gets back when JavaScript collects the buffer
// (finalizers run on the JavaScript thread). Its bytes count as V8 external memory meanwhile, so
// the collector sees them. Used for model files (model_buffer.cc) and run results (result_buffers.cc).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace octet::addon {

using ReleaseMemory = void (*)(void* data, size_t bytes);

inline Napi::ArrayBuffer external_array_buffer(Napi::Env env, void* data, size_t bytes, ReleaseMemory release) {
  struct Owner {
    size_t bytes;
    ReleaseMemory release;
  };
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return Napi::ArrayBuffer::New(
      env, data, bytes,
      [](Napi::Env e, void* p, Owner* owner) {
        owner->release(p, owner->bytes);
        Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(owner->bytes));
        delete owner;
      },
      new Owner{bytes, release});
}

}  // namespace octet::addon
