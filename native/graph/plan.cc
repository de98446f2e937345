#include "plan.h"

#include "../core/model_memory.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>

namespace octet {

namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 40;  // no single value or arena beyond 1 TiB: a wrong plan, not a model

bool is_view_op(const NodeSpec& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return false;
  static const char* const kViews[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"};
  for (const char* v : kViews)
    if (node.op_type == v) return true;
  return false;
}

bool same_storage(const PlanValueSpec& a, const PlanValueSpec& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case PlanValueSpec::Kind::kArena: return a.offset == b.offset;
    case PlanValueSpec::Kind::kConstant: return a.constant == b.constant;
    default: return a.index == b.index;
  }
}

std::string value_label(const PlanValueSpec& v, size_t id) {
  return "plan value " + std::to_string(id) + (v.name.empty() ? "" : " '" + v.name + "'");
}

size_t value_bytes(const PlanValueSpec& v) { return static_cast<size_t>(shape_numel(v.shape)) * dtype_size(v.dtype); }

size_t round_up64(size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

Plan::Plan(std::shared_ptr<SessionState> session, PlanSpec spec, int threads)
    : session_(std::move(session)), spec_(std::move(spec)), threads_(std::max(1, threads)) {
  const size_t count = spec_.values.size();
  if (spec_.arena_bytes < 0 || spec_.arena_bytes > kMaxBytes) throw_range("plan: arenaBytes " + std::to_string(spec_.arena_bytes) + " is out of range");
  for (size_t id = 0; id < count; ++id) {
    const PlanValueSpec& v = spec_.values[id];
    const std::string label = value_label(v, id);
    if (dtype_size(v.dtype) == 0) throw_type(label + ": unsupported dtype code " + std::to_string(static_cast<int>(v.dtype)));
    int64_t numel = 1;
    for (int64_t d : v.shape) {
      if (d < 0) throw_range(label + ": negative dimension in " + shape_string(v.shape));
      if (d > 0 && numel > kMaxBytes / d) throw_range(label + ": shape " + shape_string(v.shape) + " is too large");
      numel *= d;
    }
    if (numel > kMaxBytes / static_cast<int64_t>(dtype_size(v.dtype))) throw_range(label + ": shape " + shape_string(v.shape) + " is too large");
    const int64_t bytes = numel * static_cast<int64_t>(dtype_size(v.dtype));
    switch (v.kind) {
      case PlanValueSpec::Kind::kArena:
        if (v.offset < 0 || v.offset % 64 != 0 || v.offset + bytes > spec_.arena_bytes)
          throw_range(label + ": arena offset " + std::to_string(v.offset) + " + " + std::to_string(bytes) + " bytes does not fit an arena of " +
                      std::to_string(spec_.arena_bytes) + " bytes (offsets are 64-byte aligned)");
        break;
      case PlanValueSpec::Kind::kInitializer: {
        if (v.index < 0 || static_cast<size_t>(v.index) >= session_->initializers.size())
          throw_range(label + ": initializer index " + std::to_string(v.index) + " is out of range");
        const auto& init = session_->initializers[static_cast<size_t>(v.index)];
        if (init.dtype != v.dtype || init.bytes != static_cast<size_t>(bytes))
          throw_type(label + ": initializer " + std::to_string(v.index) + " holds " + dtype_name(init.dtype) + " " + shape_string(init.shape) +
                     ", the plan says " + dtype_name(v.dtype) + " " + shape_string(v.shape));
        break;
      }
      case PlanValueSpec::Kind::kConstant:
        if (!v.constant || v.constant->size() != static_cast<size_t>(bytes))
          throw_range(label + ": constant data has " + std::to_string(v.constant ? v.constant->size() : 0) + " bytes, expected " + std::to_string(bytes));
        break;
      case PlanValueSpec::Kind::kInput:
        if (v.index < 0 || static_cast<size_t>(v.index) >= spec_.inputs.size() || spec_.values[static_cast<size_t>(spec_.inputs[v.index])].kind != PlanValueSpec::Kind::kInput)
          throw_range(label + ": input index " + std::to_string(v.index) + " is out of range");
        break;
      case PlanValueSpec::Kind::kOutput:
        if (v.index < 0 || static_cast<size_t>(v.index) >= spec_.outputs.size() || spec_.outputs[static_cast<size_t>(v.index)] != static_cast<int>(id))
          throw_range(label + ": output index " + std::to_string(v.index) + " does not name this value");
        break;
    }
  }
  auto check_id = [&](int id, const std::string& where) {
    if (id < -1 || id >= static_cast<int>(count)) throw_range(where + ": value id " + std::to_string(id) + " is out of range");
  };
  for (size_t i = 0; i < spec_.inputs.size(); ++i) {
    check_id(spec_.inputs[i], "plan input " + std::to_string(i));
    const int id = spec_.inputs[i];
    if (id < 0 || spec_.values[static_cast<size_t>(id)].kind != PlanValueSpec::Kind::kInput || spec_.values[static_cast<size_t>(id)].index != static_cast<int64_t>(i))
      throw_range("plan input " + std::to_string(i) + " does not refer to an input value");
  }
  for (size_t i = 0; i < spec_.outputs.size(); ++i) {
    check_id(spec_.outputs[i], "plan output " + std::to_string(i));
    if (spec_.outputs[i] < 0) throw_range("plan output " + std::to_string(i) + " has no value");
  }
  std::vector<int> writer(count, -1);
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    const NodeSpec& node = spec_.nodes[n];
    for (int id : node.inputs) check_id(id, "node '" + node.name + "' input");
    for (int id : node.outputs) {
      check_id(id, "node '" + node.name + "' output");
      if (id < 0) continue;
      const PlanValueSpec& out = spec_.values[static_cast<size_t>(id)];
      if (writer[static_cast<size_t>(id)] >= 0) throw_range(value_label(out, static_cast<size_t>(id)) + " is written by two nodes");
      writer[static_cast<size_t>(id)] = static_cast<int>(n);
      const bool writable = out.kind == PlanValueSpec::Kind::kArena || out.kind == PlanValueSpec::Kind::kOutput;
      if (!writable) {
        // Only a view may "produce" a read-only value, and only by sharing its input's bytes.
        const bool shared_view = is_view_op(node) && !node.inputs.empty() && node.inputs[0] >= 0 &&
                                 same_storage(out, spec_.values[static_cast<size_t>(node.inputs[0])]) &&
                                 value_bytes(out) == value_bytes(spec_.values[static_cast<size_t>(node.inputs[0])]);
        if (!shared_view) throw_range("node '" + node.name + "' writes " + value_label(out, static_cast<size_t>(id)) + ", which is read-only");
      }
    }
  }
  node_ns_ = std::make_unique<std::atomic<int64_t>[]>(spec_.nodes.size());
  for (size_t n = 0; n < spec_.nodes.size(); ++n) node_ns_[n].store(0);
  infos_.resize(count);
  for (size_t id = 0; id < count; ++id) {
    const PlanValueSpec& v = spec_.values[id];
    infos_[id].dtype = v.dtype;
    infos_[id].shape = v.shape;
    if (v.kind == PlanValueSpec::Kind::kInitializer) {
      infos_[id].constant = session_->initializers[static_cast<size_t>(v.index)].data;
      infos_[id].constant_key = static_cast<uint64_t>(v.index) + 1;
    }
    if (v.kind == PlanValueSpec::Kind::kConstant) {
      infos_[id].constant = v.constant->data();
      infos_[id].constant_key = session_->next_constant_key.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

Plan::~Plan() {
  // This plan's own constants die with it: drop what was packed from them.
  for (size_t id = 0; id < infos_.size(); ++id)
    if (spec_.values[id].kind == PlanValueSpec::Kind::kConstant) session_->weights.forget(infos_[id].constant_key);
}

namespace {
// Where a released initializer's data points: not null, so operators still treat the value as a
// constant and look its packing up; never read (WeightCache::get refuses to pack a released key).
alignas(64) const uint8_t kReleasedBytes[64] = {};
}  // namespace

bool SessionState::release_packed(size_t i) {
  std::lock_guard<std::mutex> lock(release_mutex_);
  if (i >= initializers.size()) return false;
  Initializer& init = initializers[i];
  if (init.released) return true;
  if (!weights.release(static_cast<uint64_t>(i) + 1)) return false;
  init.released = true;
  release_model_pages(init.data, init.bytes);
  return true;
}

void SessionState::drop_released_copy(size_t i) {
  std::lock_guard<std::mutex> lock(release_mutex_);
  if (i >= initializers.size() || !initializers[i].released) return;
  initializers[i].copy = AlignedBuffer();
  initializers[i].data = kReleasedBytes;
}

void Plan::build() {
  std::lock_guard<std::mutex> lock(build_mutex_);
  if (built_) return;
  if (!build_error_.empty()) throw Error(build_error_kind_, build_error_);
  try {
    const OpRegistry& registry = OpRegistry::global();
    std::vector<std::unique_ptr<Op>> ops;
    size_t scratch = 0;
    // Uses left in this plan of each pack-only initializer: at the last, its raw bytes can go.
    std::vector<int> uses_left(session_->initializers.size(), 0);
    auto initializer_of = [&](int id) -> int64_t {
      if (id < 0) return -1;
      const PlanValueSpec& v = spec_.values[static_cast<size_t>(id)];
      return v.kind == PlanValueSpec::Kind::kInitializer ? v.index : -1;
    };
    for (const NodeSpec& node : spec_.nodes)
      for (int id : node.inputs)
        if (initializer_of(id) >= 0) ++uses_left[static_cast<size_t>(initializer_of(id))];
    for (const NodeSpec& node : spec_.nodes) {
      OpFactory factory = registry.find(node.op_type, node.domain);
      if (!factory) throw_node_type(node, "unsupported operator" + (node.domain.empty() ? std::string() : " in domain '" + node.domain + "'"));
      OpInit init{node, {}, {}, session_->weights};
      for (int id : node.inputs) init.inputs.push_back(id < 0 ? nullptr : &infos_[static_cast<size_t>(id)]);
      for (int id : node.outputs) init.outputs.push_back(id < 0 ? nullptr : &infos_[static_cast<size_t>(id)]);
      std::unique_ptr<Op> op;
      try {
        op = factory(init);
      } catch (const Error& e) {
        const std::string what = e.what();
        if (what.rfind("node ", 0) == 0) throw;
        throw_node_type(node, what);  // keep messages naming the node even if an op forgot to
      }
      scratch = std::max(scratch, op->scratch_bytes(threads_));
      ops.push_back(std::move(op));
      for (int id : node.inputs) {
        const int64_t i = initializer_of(id);
        if (i >= 0 && --uses_left[static_cast<size_t>(i)] == 0 && session_->initializers[static_cast<size_t>(i)].pack_only)
          session_->release_packed(static_cast<size_t>(i));
      }
    }
    ops_ = std::move(ops);
    scratch_bytes_ = scratch;
    built_ = true;
  } catch (const Error& e) {
    build_error_ = e.what();
    build_error_kind_ = e.kind();
    throw;
  } catch (const std::bad_alloc&) {
    build_error_ = "out of memory while preparing the plan";
    throw Error(ErrorKind::kGeneric, build_error_);
  }
}

std::vector<int64_t> Plan::node_nanoseconds() const {
  std::vector<int64_t> out(spec_.nodes.size());
  for (size_t n = 0; n < out.size(); ++n) out[n] = node_ns_[n].load(std::memory_order_relaxed);
  return out;
}

size_t Plan::input_bytes(size_t i) const { return value_bytes(input_value(i)); }
size_t Plan::output_bytes(size_t i) const { return value_bytes(output_value(i)); }

size_t Plan::pooled_bytes() const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  size_t total = 0;
  for (const auto& s : pool_) total += s->arena.size();
  return total;
}

std::unique_ptr<Plan::RunState> Plan::acquire_state() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      auto s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  auto s = std::make_unique<RunState>();
  s->arena.resize(round_up64(static_cast<size_t>(spec_.arena_bytes)) + scratch_bytes_);
  s->views.resize(spec_.values.size());
  for (size_t id = 0; id < spec_.values.size(); ++id) {
    s->views[id].dtype = spec_.values[id].dtype;
    s->views[id].shape = spec_.values[id].shape;
  }
  static const TensorView kAbsent{};
  constexpr size_t kMinInputViews = 16;  // more than any operator's inputs
  s->node_inputs.resize(spec_.nodes.size());
  s->node_outputs.resize(spec_.nodes.size());
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    for (int id : spec_.nodes[n].inputs) s->node_inputs[n].push_back(id < 0 ? &kAbsent : &s->views[static_cast<size_t>(id)]);
    // Trailing optional inputs a node leaves out read as absent too (an op may look at in[2] of a
    // two-input QuantizeLinear), never past the end.
    while (s->node_inputs[n].size() < kMinInputViews) s->node_inputs[n].push_back(&kAbsent);
    for (int id : spec_.nodes[n].outputs) s->node_outputs[n].push_back(id < 0 ? nullptr : &s->views[static_cast<size_t>(id)]);
  }
  return s;
}

void Plan::release_state(std::unique_ptr<RunState> state) {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  // Keep as many arenas as there were concurrent runs, up to a few: enough for steady load.
  if (pool_.size() < 4) pool_.push_back(std::move(state));
}

void Plan::run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs, int threads) {
  if (!built_) throw_error("plan: run before build");
  if (inputs.size() != spec_.inputs.size() || outputs.size() != spec_.outputs.size()) throw_range("plan: wrong number of inputs or outputs");
  std::unique_ptr<RunState> state = acquire_state();
  uint8_t* arena = state->arena.data();
  for (size_t id = 0; id < spec_.values.size(); ++id) {
    const PlanValueSpec& v = spec_.values[id];
    void* data = nullptr;
    switch (v.kind) {
      case PlanValueSpec::Kind::kArena: data = arena + v.offset; break;
      case PlanValueSpec::Kind::kInitializer: data = const_cast<uint8_t*>(session_->initializers[static_cast<size_t>(v.index)].data); break;
      case PlanValueSpec::Kind::kConstant: data = v.constant->data(); break;
      case PlanValueSpec::Kind::kInput: data = const_cast<void*>(inputs[static_cast<size_t>(v.index)]); break;
      case PlanValueSpec::Kind::kOutput: data = outputs[static_cast<size_t>(v.index)]; break;
    }
    state->views[id].data = data;
  }
  RunContext ctx;
  ctx.threads = std::max(1, std::min(threads, threads_));
  ctx.scratch = arena + round_up64(static_cast<size_t>(spec_.arena_bytes));
  if (profiling_.load(std::memory_order_relaxed)) {
    using Clock = std::chrono::steady_clock;
    for (size_t n = 0; n < ops_.size(); ++n) {
      const auto start = Clock::now();
      ops_[n]->run(ctx, state->node_inputs[n].data(), state->node_outputs[n].data());
      node_ns_[n].fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count(), std::memory_order_relaxed);
    }
    profiled_runs_.fetch_add(1, std::memory_order_relaxed);
  } else {
    for (size_t n = 0; n < ops_.size(); ++n) ops_[n]->run(ctx, state->node_inputs[n].data(), state->node_outputs[n].data());
  }
  release_state(std::move(state));
}

}  // namespace octet
