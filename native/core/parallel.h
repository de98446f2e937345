// Parallel regions for the operators, on the process-wide ThreadPool (core/thread_pool.h), which
// gives each thread a contiguous part of a region's tasks, the same part in every region, and lets a
// thread that is done steal from the others' ends. Consecutive layers of a network split their pixels
// alike, so a thread reads mostly what it wrote itself in the layer before, from its own L2.
//
// The pool takes a std::function; built from a lambda with several captures it would allocate (the
// lambda outgrows the small buffer), and run() must not. A reference_wrapper always fits (the
// standard guarantees it), so the function holds only a reference to the caller's lambda.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "thread_pool.h"

namespace octet {

template <typename Body>
void parallel_tasks(size_t tasks, int threads, const Body& body) {
  ThreadPool::global().parallel_for(tasks, threads, std::function<void(size_t)>(std::cref(body)));
}

// Runs body(chunk, slot) for chunk in [0, parts * chunks_per_part) on up to `threads` threads, part
// p being chunks [p * chunks_per_part, (p + 1) * chunks_per_part) (empty chunks are the caller's
// to skip). `slot` in [0, min(parts, threads)) is unique among the bodies running at one time
// (per-thread scratch). Every chunk runs exactly once, in no particular order. The pool cuts the
// chunks into one contiguous part per thread, each owned by the same thread every time; more parts
// than threads merge into fewer, longer ones.
template <typename Body>
void parallel_parts(size_t parts, size_t chunks_per_part, int threads, const Body& body) {
  const int width = static_cast<int>(std::min(parts, static_cast<size_t>(std::max(threads, 1))));
  ThreadPool::global().parallel_for_slots(parts * chunks_per_part, width, std::function<void(size_t, size_t)>(std::cref(body)));
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
