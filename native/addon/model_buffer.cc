// allocModelBuffer(bytes): an ArrayBuffer for a model file's bytes, in memory whose pages a session
// can give back as it packs the weights (core/model_memory.h). JavaScript reads the file into it.
#include "../core/model_memory.h"
#include "args.h"
#include "bindings.h"
#include "errors.h"
#include "external_buffer.h"

namespace octet::addon {

Napi::Value AllocModelBuffer(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto bytes = static_cast<size_t>(integer(info[0], Name{"allocModelBuffer", "bytes"}, 0, int64_t{1} << 40));
    void* data = allocate_model_memory(bytes);
    if (data == nullptr) throw_range("allocModelBuffer: cannot map " + std::to_string(bytes) + " bytes");
    return external_array_buffer(info.Env(), data, bytes, free_model_memory);
  });
}

}  // namespace octet::addon
