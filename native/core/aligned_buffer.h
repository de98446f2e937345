// Owning, 64-byte aligned byte buffer. Every allocation carries kOverReadPadding spare bytes after
// its end, zero-filled, because SIMD kernels load whole vectors: a kernel may read (never write) up to
// one 64-byte vector past the last element it uses. Packed weights and scratch all come from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace octet {

constexpr size_t kBufferAlignment = 64;
constexpr size_t kOverReadPadding = 64;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) { resize(bytes); }
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }

  // Discards the contents; the new bytes (and the padding) are zero.
  void resize(size_t bytes) {
    std::free(data_);
    data_ = nullptr;
    size_ = bytes;
    const size_t total = (bytes + kOverReadPadding + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kBufferAlignment, total));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(data_, 0, total);
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  template <typename T> T* as() { return reinterpret_cast<T*>(data_); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(data_); }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace octet
