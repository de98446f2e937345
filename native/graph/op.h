// The contract between the plan and an operator. A plan is built once per session and input-shape
// signature, so every shape an operator sees is concrete and known when it is created:
//   create — check dtypes, ranks and the plan's output shapes against its own arithmetic (throwing
//            octet::Error naming the problem), read attributes, pack constant weights (through the
//            session's WeightCache, so plans for other batch sizes share them);
//   run    — compute, given views whose data pointers change from run to run (shapes do not).
// run() is const: several runs of one plan execute at once on different threads, each with its own
// arena and scratch. It must not throw and must not allocate on the hot path (scratch is provided).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../core/status.h"
#include "../core/tensor_view.h"
#include "attributes.h"

namespace octet {

// What the plan knows of a value before any run: dtype, shape, and its bytes if it is a constant.
struct ValueInfo {
  DType dtype = DType::kUndefined;
  Shape shape;
  const void* constant = nullptr;  // the data of an initializer / folded constant, else null
  // Which constant this is, for the WeightCache: unique for the session's life (an address is not:
  // memory freed with a plan or released after packing is handed out again). 0: not set (operator
  // tests), then the address stands in.
  uint64_t constant_key = 0;

  bool present() const { return dtype != DType::kUndefined; }
  int64_t numel() const { return shape_numel(shape); }
  uint64_t weight_key() const { return constant_key != 0 ? constant_key : (uint64_t{1} << 63) | reinterpret_cast<uintptr_t>(constant); }
};

struct NodeSpec {
  std::string op_type;
  std::string domain;  // "" for ai.onnx
  std::string name;    // for error messages
  int opset = 0;       // of the node's domain
  Attributes attrs;
  std::vector<int> inputs;   // value ids; -1 for an omitted optional input
  std::vector<int> outputs;  // value ids; -1 for an omitted optional output
};

// Packed weights shared by all plans of a session, keyed by the constant (ValueInfo::weight_key) and a
// packing name ("sgemm_b/t0/avx512", "conv_nhwc_3x3", ...). Thread-safe.
//
// A constant whose raw bytes the session gave up after packing (release()) must never be packed
// again: the bytes are gone. Packing names depend only on the weights, the node and the ISA, so every
// plan finds what the first one packed; a miss on a released constant (the ISA was switched) is an
// error, not a read of freed memory.
class WeightCache {
 public:
  template <typename T>
  std::shared_ptr<const T> get(const ValueInfo& constant, const std::string& kind, const std::function<std::shared_ptr<const T>()>& make) {
    const uint64_t id = constant.weight_key();
    // make() runs under the lock: a release() waits for a packing in progress to finish reading.
    std::lock_guard<std::mutex> lock(mutex_);
    auto key = std::make_pair(id, kind);
    auto it = entries_.find(key);
    if (it != entries_.end()) return std::static_pointer_cast<const T>(it->second);
    if (released_.count(id) != 0)
      throw Error(ErrorKind::kGeneric, "weights released after packing are needed packed as '" + kind + "' (the instruction set was changed after the session was created)");
    std::shared_ptr<const T> made = make();
    entries_[key] = made;
    return made;
  }

  // Marks a constant's raw bytes as gone if it has been packed at least once; returns whether it was.
  bool release(uint64_t id);
  // Drops the packings of a constant that no plan will use again (a plan's own folded constants).
  void forget(uint64_t id);

 private:
  std::mutex mutex_;
  std::map<std::pair<uint64_t, std::string>, std::shared_ptr<const void>> entries_;
  std::set<uint64_t> released_;
};

// What an operator's factory receives. inputs[i] / outputs[i] are null for omitted optional ones.
struct OpInit {
  const NodeSpec& node;
  std::vector<const ValueInfo*> inputs;
  std::vector<const ValueInfo*> outputs;
  WeightCache& weights;

  size_t input_count() const { return inputs.size(); }
  const ValueInfo& input(size_t i) const;    // throws if absent or out of range, naming the node
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr && inputs[i]->present(); }
  const ValueInfo& output(size_t i) const;   // throws if absent or out of range
  bool has_output(size_t i) const { return i < outputs.size() && outputs[i] != nullptr && outputs[i]->present(); }
};

struct RunContext {
  int threads = 1;          // intra-op threads for this run (ThreadPool::global().parallel_for)
  void* scratch = nullptr;  // 64-byte aligned, at least Op::scratch_bytes() for the running op
};

class Op {
 public:
  virtual ~Op() = default;
  // Per-run temporary bytes this operator needs (for all the threads it may use).
  virtual size_t scratch_bytes(int threads) const { return 0; }
  // inputs[i] / outputs[i] point at views (an omitted optional input has present() == false).
  // In-place: when the plan lets an elementwise operator write over its first input, outputs[0]->data
  // equals inputs[0]->data; operators registered as in-place capable must handle that.
  virtual void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const = 0;
};

using OpFactory = std::unique_ptr<Op> (*)(const OpInit& init);

class OpRegistry {
 public:
  // domain "" is ai.onnx; "com.microsoft" etc. for contrib operators; "octet" for the runtime's own.
  void add(const std::string& op_type, OpFactory factory, const std::string& domain = "") { table_[{domain, op_type}] = factory; }
  OpFactory find(const std::string& op_type, const std::string& domain) const {
    auto it = table_.find({domain == "ai.onnx" ? "" : domain, op_type});
    return it == table_.end() ? nullptr : it->second;
  }
  std::vector<std::string> names() const;
  static const OpRegistry& global();

 private:
  std::map<std::pair<std::string, std::string>, OpFactory> table_;
};

// Each operator family registers its operators here (native/graph/op_registry.cc calls them all).
void register_gemm_ops(OpRegistry& r);           // Gemm, MatMul                    (ops/gemm_ops.cc)
void register_conv_ops(OpRegistry& r);           // Conv, ConvTranspose             (ops/conv_ops.cc)
void register_pool_ops(OpRegistry& r);           // MaxPool, AveragePool, Global*   (ops/pool_ops.cc)
void register_elementwise_ops(OpRegistry& r);    // unary/binary math, compare, Where, Cast (ops/elementwise_ops.cc)
void register_softmax_ops(OpRegistry& r);        // Softmax, LogSoftmax             (ops/softmax_ops.cc)
void register_normalization_ops(OpRegistry& r);  // Batch/Instance/LayerNormalization (ops/normalization_ops.cc)
void register_reduce_ops(OpRegistry& r);         // Reduce*, ArgMax, ArgMin         (ops/reduce_ops.cc)
void register_tensor_ops(OpRegistry& r);         // Concat, Split, Slice, Gather, Transpose, Pad, Resize, ... (ops/tensor_ops.cc)
void register_quantize_graph_ops(OpRegistry& r); // QuantizeLinear, DequantizeLinear, ... (ops/quantize_graph_ops.cc)
void register_qconv_ops(OpRegistry& r);          // QLinearConv, ConvInteger        (ops/qconv_ops.cc)
void register_qlinear_elementwise_ops(OpRegistry& r);  // QLinearAdd, QLinearMul, octet QLinearLookup (ops/qlinear_elementwise_ops.cc)
void register_qlinear_pool_ops(OpRegistry& r);   // QLinearGlobalAveragePool, QLinearAveragePool (ops/qlinear_pool_ops.cc)
void register_matmul_nbits_ops(OpRegistry& r);   // com.microsoft MatMulNBits (weight-only 4/8-bit) (ops/matmul_nbits_ops.cc)

// Helpers for operator factories: errors that name the node.
[[noreturn]] void throw_node_type(const NodeSpec& node, const std::string& message);
[[noreturn]] void throw_node_range(const NodeSpec& node, const std::string& message);

}  // namespace octet
