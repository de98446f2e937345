#include "model_memory.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define OCTET_HAVE_MMAP 1
#endif

namespace octet {

namespace {
// Live model buffers by start address, so that a release can check its range is one of them.
std::mutex g_mutex;
std::map<uintptr_t, size_t>& buffers() {
  static auto* live = new std::map<uintptr_t, size_t>();  // never destroyed: finalizers may run at exit
  return *live;
}
}  // namespace

void* allocate_model_memory(size_t bytes) {
  if (bytes == 0) bytes = 1;
#ifdef OCTET_HAVE_MMAP
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#else
  void* p = std::calloc(bytes, 1);
  if (p == nullptr) return nullptr;
#endif
  std::lock_guard<std::mutex> lock(g_mutex);
  buffers()[reinterpret_cast<uintptr_t>(p)] = bytes;
  return p;
}

void free_model_memory(void* data, size_t bytes) {
  if (data == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    buffers().erase(reinterpret_cast<uintptr_t>(data));
  }
#ifdef OCTET_HAVE_MMAP
  munmap(data, bytes == 0 ? 1 : bytes);
#else
  (void)bytes;
  std::free(data);
#endif
}

size_t release_model_pages(const void* data, size_t bytes) {
#ifdef OCTET_HAVE_MMAP
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t end = begin + bytes;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto& live = buffers();
  auto it = live.upper_bound(begin);
  if (it == live.begin()) return 0;
  --it;
  if (end > it->first + it->second) return 0;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = end / page * page;
  if (last <= first) return 0;
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) != 0) return 0;
  return last - first;
#else
  (void)data;
  (void)bytes;
  return 0;
#endif
}

}  // namespace octet
