// ThreadPool::parallel_for takes a std::function; built from a lambda with several captures it would
// allocate (the lambda outgrows the small buffer), and run() must not. A reference_wrapper always fits
// (the standard guarantees it), so the function holds only a reference to the caller's lambda.
#pragma once

#include <cstddef>
#include <functional>

#include "../../core/thread_pool.h"

namespace octet {

template <typename Body>
void parallel_tasks(size_t tasks, int threads, const Body& body) {
  ThreadPool::global().parallel_for(tasks, threads, std::function<void(size_t)>(std::cref(body)));
}

}  // namespace octet
