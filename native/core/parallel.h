// Parallel regions for the operators.
//
// parallel_tasks: ThreadPool::parallel_for takes a std::function; built from a lambda with several
// captures it would allocate (the lambda outgrows the small buffer), and run() must not. A
// reference_wrapper always fits (the standard guarantees it), so the function holds only a
// reference to the caller's lambda. The pool gives each thread a contiguous part of the tasks, the
// same part in every region (core/thread_pool.h).
//
// parallel_parts: the same work cut into one contiguous part per thread, each part owned by the
// same thread in every region (the calling thread owns part 0, a pool worker always the same other
// part), taken in chunks from the front by its owner; a thread that is done steals chunks from the
// back of the others'. Unlike parallel_tasks, the body also learns a slot unique among the bodies
// running at once (per-thread scratch). Consecutive layers of a network split their pixels alike,
// so a thread reads mostly what it wrote itself in the layer before, from its own L2. Stealing keeps
// the balance when one core is slowed by another process, at the price of locality for the stolen
// chunks only.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>

#include "task_cursor.h"
#include "thread_pool.h"

namespace octet {

template <typename Body>
void parallel_tasks(size_t tasks, int threads, const Body& body) {
  ThreadPool::global().parallel_for(tasks, threads, std::function<void(size_t)>(std::cref(body)));
}

namespace parallel_detail {

// Parts, and so threads, of one region at most (cursors live on the caller's stack).
constexpr size_t kMaxParts = 64;

// The calling thread's index among the threads that ever worked in a region as a helper: fixed for
// the thread's life, so a pool worker owns the same part in every region.
inline size_t helper_index() {
  static std::atomic<size_t> next{0};
  thread_local size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

}  // namespace parallel_detail

// Runs body(chunk, slot) for chunk in [0, parts * chunks_per_part) on up to `threads` threads, part
// p being chunks [p * chunks_per_part, (p + 1) * chunks_per_part) (empty chunks are the caller's
// to skip). `slot` in [0, min(parts, threads)) is unique among the bodies running at one time
// (per-thread scratch). Every chunk runs exactly once, in no particular order.
template <typename Body>
void parallel_parts(size_t parts, size_t chunks_per_part, int threads, const Body& body) {
  const size_t chunks = parts * chunks_per_part;
  if (chunks == 0) return;
  // More parts than threads (or than cursors) are merged into fewer, longer ones.
  parts = std::min({parts, static_cast<size_t>(std::max(threads, 1)), parallel_detail::kMaxParts});
  const size_t per_part = (chunks + parts - 1) / parts;
  if (parts == 1) {
    for (size_t c = 0; c < chunks; ++c) body(c, 0);
    return;
  }
  if (chunks > UINT32_MAX) {
    // More chunks than the cursors count: one fixed part per thread.
    parallel_tasks(parts, threads, [&](size_t p) {
      for (size_t c = p * per_part; c < std::min(chunks, (p + 1) * per_part); ++c) body(c, p);
    });
    return;
  }
  TaskCursor cursor[parallel_detail::kMaxParts];
  for (size_t p = 0; p < parts; ++p)
    cursor[p].reset(static_cast<uint32_t>(std::min(chunks, p * per_part)), static_cast<uint32_t>(std::min(chunks, (p + 1) * per_part)));
  const std::thread::id caller = std::this_thread::get_id();
  parallel_tasks(parts, threads, [&](size_t slot) {
    const size_t home = std::this_thread::get_id() == caller ? 0 : 1 + parallel_detail::helper_index() % (parts - 1);
    uint32_t c = 0;
    while (cursor[home].take_front(c)) body(c, slot);
    for (size_t i = 1; i < parts; ++i) {
      TaskCursor& victim = cursor[(home + i) % parts];
      while (victim.take_back(c)) body(c, slot);
    }
  });
}

// Runs body(begin, end, slot) over [0, items) cut into one equal band per thread (parallel_parts),
// each band in chunks of an eighth of it, but no fewer than min_chunk items and no more than
// max_chunk. The bands depend only on `items` and `threads`, so two operators over the same pixels
// give each thread the same ones.
template <typename Body>
void parallel_ranges(size_t items, int threads, size_t min_chunk, size_t max_chunk, const Body& body) {
  if (items == 0) return;
  const size_t parts = std::min(items, static_cast<size_t>(std::max(threads, 1)));
  const size_t band = (items + parts - 1) / parts;
  const size_t chunk = std::max<size_t>(1, std::min(max_chunk, std::max(min_chunk, band / 8)));
  const size_t chunks_per_part = (band + chunk - 1) / chunk;
  parallel_parts(parts, chunks_per_part, threads, [&](size_t c, size_t slot) {
    const size_t part = c / chunks_per_part;
    const size_t part_end = (part + 1) * items / parts;
    const size_t begin = part * items / parts + c % chunks_per_part * chunk;
    if (begin < part_end) body(begin, std::min(part_end, begin + chunk), slot);
  });
}

}  // namespace octet
