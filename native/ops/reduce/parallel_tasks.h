// Runs fn(task) for task in [0, tasks) on the global pool, or inline when one thread or one task.
// The pool takes a std::function: capturing only a reference to fn keeps it in the function's
// small buffer, so run() does not allocate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../../core/thread_pool.h"

namespace octet {

// Elements of work per task: large enough that handing out a task (one atomic add) is noise.
constexpr int64_t kTaskElements = 1 << 15;

template <typename Fn>
void parallel_tasks(int64_t tasks, int threads, const Fn& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || threads <= 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  ThreadPool::global().parallel_for(static_cast<size_t>(tasks), threads, [&fn](size_t t) { fn(static_cast<int64_t>(t)); });
}

// Items per task so that a task holds about kTaskElements of work when an item costs `item_cost`.
inline int64_t items_per_task(int64_t item_cost) { return std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, item_cost)); }

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace octet
