// Helpers shared by the data-movement operators: reading parameter inputs that the plan folded into
// constants, normalising axes, checking the plan's output against the operator's own shape arithmetic,
// element access by size (data may be unaligned, so every typed access goes through memcpy), and
// splitting a copy over the thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../../core/thread_pool.h"
#include "../../graph/op.h"

namespace octet::tensor {

// Copies split into tasks of about this many bytes: large enough that a task costs far more than
// handing it out, small enough that two cores share a copy of a few hundred KiB.
constexpr int64_t kTaskBytes = 64 * 1024;

// Highest rank the copy engines walk (their index counters live on the stack, so run() never
// allocates). Tile doubles a rank before collapsing, so this is twice any real model's rank.
constexpr size_t kMaxCopyRank = 32;

// Row-major strides (elements) of a contiguous tensor.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Normalises `axis` in [-rank, rank-1] (`rank` may be the output rank, e.g. Unsqueeze) or throws a
// RangeError naming `what`.
int64_t normalize_axis(const NodeSpec& node, int64_t axis, int64_t rank, const std::string& what);

// Throws a TypeError unless `dtype` is a type the runtime holds (strings, sub-byte types are not).
void require_known_dtype(const NodeSpec& node, DType dtype, const std::string& what);

// Throws a TypeError unless b's dtype equals a's.
void require_same_dtype(const NodeSpec& node, DType expected, DType received, const std::string& what);

// Checks output `index`: it must be present, have `dtype` and exactly `shape` (the error names both).
void check_output(const OpInit& init, size_t index, DType dtype, const Shape& shape);

// Parameter inputs. The plan folds them into constants; one that is not constant is a TypeError
// "<name> must be a constant". Integer parameters may be int32 or int64; float ones float32, float64
// or float16.
bool has_param(const OpInit& init, size_t index);
std::vector<int64_t> read_int_param(const OpInit& init, size_t index, const std::string& name);
std::vector<float> read_float_param(const OpInit& init, size_t index, const std::string& name);
// The constant's bytes (one element of the input's own type): Pad's constant_value.
std::vector<uint8_t> read_scalar_bytes(const OpInit& init, size_t index, const std::string& name);

// IEEE half <-> single (round to nearest even), for float16 parameters and fill values.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

// The bytes of `value` (a double that holds every parameter exactly enough) as one element of `dtype`:
// integers truncate toward zero like a C cast, bool is value != 0.
std::vector<uint8_t> scalar_bytes_of(DType dtype, double value);

// Writes `count` copies of the element `value` (esize bytes) at dst.
void fill_elements(void* dst, const uint8_t* value, size_t esize, int64_t count);

// Whole-tensor copy (Identity, Reshape and friends when the planner could not alias them).
void copy_bytes(const void* src, void* dst, size_t bytes, int threads);

// Runs fn(begin, end) over [0, items) split into ranges of about `items_per_task` items, on up to
// `threads` threads. The split never changes a result: every item is written by exactly one task.
template <typename Fn>
void parallel_ranges(int64_t items, int64_t items_per_task, int threads, const Fn& fn) {
  if (items <= 0) return;
  if (items_per_task < 1) items_per_task = 1;
  const int64_t tasks = (items + items_per_task - 1) / items_per_task;
  if (threads <= 1 || tasks <= 1) {
    fn(int64_t{0}, items);
    return;
  }
  // One pointer captured, so std::function keeps the closure inline (run() must not allocate).
  struct Job {
    const Fn* fn;
    int64_t items, per_task;
  } job{&fn, items, items_per_task};
  ThreadPool::global().parallel_for(static_cast<size_t>(tasks), threads, [&job](size_t task) {
    const int64_t begin = static_cast<int64_t>(task) * job.per_task;
    const int64_t end = begin + job.per_task < job.items ? begin + job.per_task : job.items;
    (*job.fn)(begin, end);
  });
}

// Items per task for items of `item_bytes` bytes each.
inline int64_t items_per_task(int64_t item_bytes) {
  return item_bytes <= 0 ? kTaskBytes : (kTaskBytes + item_bytes - 1) / item_bytes;
}

}  // namespace octet::tensor
