// allocResultBuffer(bytes): memory for a run's result tensor, recycled. A fresh allocation is fresh
// pages, and on a VM the first touch of each 4 KiB page costs microseconds: on a 144-channel 56x56
// QLinearConv those faults were a quarter of the run, and two threads writing a fresh output fault
// in turn. onnxruntime hands results out of its arena; here a result's memory goes back to a small
// pool when JavaScript collects the tensor, and the next run of the same shape writes warm pages.
// The run writes every byte of a result before the caller sees it, so recycled bytes are never
// exposed and are not cleared. detachResultBuffer(buffer) is Tensor.dispose(): the ArrayBuffer is
// detached, V8 lets go of the memory and it is back in the pool on the next turn of the event loop,
// without waiting for a collection (lib/result-memory.ts decides when that is safe).
#include <cstdlib>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../core/lru_byte_pool.h"
#include "args.h"
#include "bindings.h"
#include "errors.h"
#include "external_buffer.h"

namespace octet::addon {

namespace {

// Beyond this, the oldest freed buffers go back to the system (core/lru_byte_pool.h).
constexpr size_t kMaxPooledBytes = size_t{64} << 20;

// New memory for a result (the pool is empty until V8 collects earlier results). On Linux, populated
// in one call: the kernel maps and clears every page up front instead of taking a fault per page on
// first touch. A fresh 200 KB buffer written once: 530-690 µs with malloc on this VM, 260-380 with
// MAP_POPULATE (a page fault costs ~11 µs here).
void* fresh(size_t bytes) {
#if defined(__linux__)
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
#else
  return std::malloc(bytes);
#endif
}

void release(void* p, size_t bytes) {
#if defined(__linux__)
  munmap(p, bytes);
#else
  (void)bytes;
  std::free(p);
#endif
}

LruBytePool& pool() {
  static auto* p = new LruBytePool(kMaxPooledBytes);  // never destroyed: finalizers of other environments may run late
  return *p;
}

void* take(size_t bytes) {
  void* p = pool().take(bytes);
  return p != nullptr ? p : fresh(bytes);
}

void give(void* p, size_t bytes) {
  for (const LruBytePool::Block& b : pool().give(p, bytes)) release(b.data, b.bytes);
}

// V8 frees young ArrayBuffers in its cheap young-generation collection, and starts one when the young
// buffers' bytes pass 32 MB, but it checks that only when it allocates a backing store itself. Result
// memory is ours, so without this a run loop that allocates little else never triggers that check:
// the results pile up until the external-memory limit forces a full mark-compact. A 3x3 64->64 layer
// (200 KB results) in a process holding a 12 MB heap: 8 mark-compacts per 3,000 runs and 529 us a
// run; with a one-byte V8 ArrayBuffer per result, 17 young collections and 431 us.
void prompt_young_collection(Napi::Env env) { Napi::ArrayBuffer::New(env, 1); }

}  // namespace

Napi::Value AllocResultBuffer(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto bytes = static_cast<size_t>(integer(info[0], Name{"allocResultBuffer", "bytes"}, 1, int64_t{1} << 40));
    void* data = take(bytes);
    if (data == nullptr) throw_range("allocResultBuffer: cannot allocate " + std::to_string(bytes) + " bytes");
    prompt_young_collection(info.Env());
    return external_array_buffer(info.Env(), data, bytes, give);
  });
}

Napi::Value DetachResultBuffer(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw_type("detachResultBuffer: expected an ArrayBuffer");
    auto buffer = info[0].As<Napi::ArrayBuffer>();
    if (!buffer.IsDetached()) buffer.Detach();
    return info.Env().Undefined();
  });
}

}  // namespace octet::addon
