// An ArrayBuffer over native memory that `release` gets back when JavaScript collects the buffer
// (finalizers run on the JavaScript thread). V8 counts an external backing store's length as external
// memory itself, so the collector sees the bytes; adding them again through AdjustExternalMemory
// counted them twice and doubled the full collections (a 451 KB result per run: one every 75 runs,
// ~3 ms of the main thread each). Used for model files (model_buffer.cc) and run results
// (result_buffers.cc).
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
  return Napi::ArrayBuffer::New(
      env, data, bytes,
      [](Napi::Env, void* p, Owner* owner) {
        owner->release(p, owner->bytes);
        delete owner;
      },
      new Owner{bytes, release});
}

}  // namespace octet::addon
