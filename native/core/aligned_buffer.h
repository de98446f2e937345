// Owning, 64-byte aligned byte buffer. Every allocation carries kOverReadPadding spare bytes after
// its end, zero-filled, because SIMD kernels load whole vectors: a kernel may read (never write) up to
// one 64-byte vector past the last element it uses. Packed weights and scratch all come from here.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace octet {

constexpr size_t kBufferAlignment = 64;
constexpr size_t kOverReadPadding = 64;

// Bytes held by all live AlignedBuffers (packed weights, scratch): reported by runtimeInfo() so that
// callers and tests can see native memory come and go exactly, whatever the C allocator keeps.
inline std::atomic<int64_t>& aligned_bytes_in_use() {
  static std::atomic<int64_t> bytes{0};
  return bytes;
}

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) { resize(bytes); }
  ~AlignedBuffer() { release(); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), allocated_(std::exchange(other.allocated_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(allocated_, other.allocated_);
    return *this;
  }

  // Discards the contents; the new bytes (and the padding) are zero.
  void resize(size_t bytes) {
    release();
    const size_t total = (bytes + kOverReadPadding + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kBufferAlignment, total));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(data_, 0, total);
    size_ = bytes;
    allocated_ = total;
    aligned_bytes_in_use().fetch_add(static_cast<int64_t>(total), std::memory_order_relaxed);
  }

  void release() {
    if (data_ == nullptr) return;
    std::free(data_);
    aligned_bytes_in_use().fetch_sub(static_cast<int64_t>(allocated_), std::memory_order_relaxed);
    data_ = nullptr;
    size_ = 0;
    allocated_ = 0;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  template <typename T> T* as() { return reinterpret_cast<T*>(data_); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(data_); }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t allocated_ = 0;  // including padding and rounding
};

}  // namespace octet
