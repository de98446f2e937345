// A plan: the operators of one graph for one input-shape signature, built once and run many times.
// TypeScript decides the order and where every value lives (PlanSpec, from lib/schedule); this file
// checks that description again (a server must survive a wrong one), creates one Op per node, and runs
// them. Several runs of one plan may execute at once: each takes its own RunState (arena + views) from
// a small pool, so the operators and the plan itself stay read-only while running.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "op.h"

namespace octet {

// What every plan of a session shares: the model's initializers and the weights packed from them.
struct SessionState {
  struct Initializer {
    DType dtype = DType::kUndefined;
    Shape shape;
    const uint8_t* data = nullptr;  // `bytes` bytes, readable for kOverReadPadding more
    size_t bytes = 0;
    AlignedBuffer copy;  // owns the data when it had to be copied
    // Read only as a packed weight (float Conv, ConvTranspose, Gemm, MatMul input 1: operators that
    // read it solely through the WeightCache), so its raw bytes may go once packed.
    bool pack_only = false;
    bool released = false;  // packed, and the raw bytes given up (release_packed); under release_mutex
  };
  std::vector<Initializer> initializers;
  WeightCache weights;
  // Keys of the plans' own folded constants (initializer i has key i + 1): never reused.
  std::atomic<uint64_t> next_constant_key{uint64_t{1} << 40};

  // Gives up initializer i's raw bytes if the WeightCache holds a packing of it (any thread; a plan's
  // build calls it as soon as its last use of a pack-only weight is packed). Every plan finds its
  // operator's packing by key and never reads the bytes again; a model buffer's pages go back to the
  // system now (core/model_memory.h). Returns whether the bytes are released.
  bool release_packed(size_t i);
  // JavaScript thread, after release_packed: frees a copy of released bytes and points `data` at a
  // marker (still not null: the value stays a constant to the operators).
  void drop_released_copy(size_t i);
  // Keeps memory the initializers point into alive (the caller's buffers, used in place); released
  // with the state. Type-erased so this file stays free of N-API.
  std::shared_ptr<void> owner;

 private:
  std::mutex release_mutex_;
};

struct PlanValueSpec {
  enum class Kind { kArena, kInitializer, kConstant, kInput, kOutput };
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  Kind kind = Kind::kArena;
  int64_t offset = 0;  // kArena: byte offset
  int64_t index = 0;   // kInitializer / kInput / kOutput: position
  std::shared_ptr<AlignedBuffer> constant;  // kConstant: the bytes
};

struct PlanSpec {
  std::vector<PlanValueSpec> values;
  std::vector<NodeSpec> nodes;
  int64_t arena_bytes = 0;
  std::vector<int> inputs;   // value ids, feed order
  std::vector<int> outputs;  // value ids, result order
};

class Plan {
 public:
  // Checks the spec's structure (ids, storage bounds, sizes); throws octet::Error naming the value.
  Plan(std::shared_ptr<SessionState> session, PlanSpec spec, int threads);
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Creates the operators (packing weights). Idempotent and thread-safe; a failure is remembered and
  // thrown again by later calls.
  void build();

  // Runs once. inputs/outputs: one pointer per feed / result, sized as input_bytes()/output_bytes()
  // (the caller checked). build() must have succeeded. Never throws from an operator.
  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs, int threads);

  size_t input_count() const { return spec_.inputs.size(); }
  size_t output_count() const { return spec_.outputs.size(); }
  size_t input_bytes(size_t i) const;
  size_t output_bytes(size_t i) const;
  const PlanValueSpec& input_value(size_t i) const { return spec_.values[static_cast<size_t>(spec_.inputs[i])]; }
  const PlanValueSpec& output_value(size_t i) const { return spec_.values[static_cast<size_t>(spec_.outputs[i])]; }
  int64_t arena_bytes() const { return spec_.arena_bytes; }
  size_t scratch_bytes() const { return scratch_bytes_; }
  int threads() const { return threads_; }
  // Bytes held by idle run states (arenas kept for the next run).
  size_t pooled_bytes() const;

  // Per-node time, when profiling is on (set_profiling(true) before runs): nanoseconds summed over
  // runs, and the number of runs. Off by default: timing every node costs ~50 ns per node.
  void set_profiling(bool on) { profiling_.store(on, std::memory_order_relaxed); }
  std::vector<int64_t> node_nanoseconds() const;
  int64_t profiled_runs() const { return profiled_runs_.load(std::memory_order_relaxed); }
  const std::vector<NodeSpec>& nodes() const { return spec_.nodes; }

 private:
  struct RunState {
    AlignedBuffer arena;  // arena_bytes, then scratch
    std::vector<TensorView> views;  // one per value
    std::vector<std::vector<const TensorView*>> node_inputs;
    std::vector<std::vector<TensorView*>> node_outputs;
  };

  std::unique_ptr<RunState> acquire_state();
  void release_state(std::unique_ptr<RunState> state);

  std::shared_ptr<SessionState> session_;
  PlanSpec spec_;
  int threads_;
  std::vector<ValueInfo> infos_;
  std::vector<std::unique_ptr<Op>> ops_;
  size_t scratch_bytes_ = 0;

  std::mutex build_mutex_;
  bool built_ = false;
  std::string build_error_;
  ErrorKind build_error_kind_ = ErrorKind::kGeneric;

  std::atomic<bool> profiling_{false};
  std::unique_ptr<std::atomic<int64_t>[]> node_ns_;
  std::atomic<int64_t> profiled_runs_{0};

  mutable std::mutex pool_mutex_;
  std::vector<std::unique_ptr<RunState>> pool_;
};

}  // namespace octet
