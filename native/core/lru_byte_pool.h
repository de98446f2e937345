// Freed memory blocks kept for reuse by exact size, within a byte budget, oldest evicted first.
// take() gives back the newest block of that size if one is held; give() holds a block and returns
// the ones the budget no longer allows (the oldest, whatever their size) for the caller to release.
// Evicting the oldest rather than refusing the newest keeps the pool to the sizes in use now: the
// results of one model could otherwise fill it for good, and every result of the next model
// (another size) would be fresh memory. Thread-safe.
#pragma once

#include <cstddef>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <vector>

namespace octet {

class LruBytePool {
 public:
  struct Block {
    void* data;
    size_t bytes;
  };

  explicit LruBytePool(size_t budget) : budget_(budget) {}

  // A held block of exactly `bytes`, or nullptr: the one given last, the most likely still in cache
  // (a result handed back by Tensor.dispose() is taken again by the next run).
  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [first, last] = by_size_.equal_range(bytes);
    if (first == last) return nullptr;
    auto it = std::prev(last);  // equal keys keep their insertion order
    void* p = it->second->data;
    by_age_.erase(it->second);
    by_size_.erase(it);
    held_ -= bytes;
    return p;
  }

  // Holds `data`; returns the blocks to release (it too, when it alone exceeds the budget).
  std::vector<Block> give(void* data, size_t bytes) {
    std::vector<Block> evicted;
    std::lock_guard<std::mutex> lock(mutex_);
    if (bytes > budget_) {
      evicted.push_back({data, bytes});
      return evicted;
    }
    by_size_.emplace(bytes, by_age_.insert(by_age_.end(), Block{data, bytes}));
    held_ += bytes;
    while (held_ > budget_) {
      const Block oldest = by_age_.front();
      auto [first, last] = by_size_.equal_range(oldest.bytes);
      for (auto it = first; it != last; ++it)
        if (it->second == by_age_.begin()) {
          by_size_.erase(it);
          break;
        }
      by_age_.pop_front();
      held_ -= oldest.bytes;
      evicted.push_back(oldest);
    }
    return evicted;
  }

  size_t held_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }

 private:
  const size_t budget_;
  mutable std::mutex mutex_;
  std::list<Block> by_age_;                                     // oldest first
  std::multimap<size_t, std::list<Block>::iterator> by_size_;  // into by_age_
  size_t held_ = 0;
};

}  // namespace octet
