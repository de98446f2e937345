// Runs one graph operator outside a plan, for the operator tests: declare inputs (shape, dtype,
// data, constant or not) and outputs (shape, dtype), create the op through its factory, run it with
// any thread count, read the outputs back.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../graph/op.h"

namespace octet::test {

struct OpTensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<uint8_t> bytes;  // numel * dtype_size
  bool constant = false;       // handed to the factory as a constant (weights get packed)

  template <typename T> static OpTensor of(DType dtype, Shape shape, const std::vector<T>& values, bool constant = false) {
    OpTensor t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    t.constant = constant;
    return t;
  }
  static OpTensor absent() { OpTensor t; t.dtype = DType::kUndefined; return t; }
  template <typename T> std::vector<T> values() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

class OpHarness {
 public:
  // Creates the op; throws whatever the factory throws (tests of bad input catch octet::Error).
  OpHarness(OpFactory factory, NodeSpec node, std::vector<OpTensor> inputs, std::vector<OpTensor> outputs)
      : node_(std::move(node)), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
    for (auto& t : inputs_) infos_.push_back(ValueInfo{t.dtype, t.shape, t.constant ? t.bytes.data() : nullptr});
    for (auto& t : outputs_) {
      out_infos_.push_back(ValueInfo{t.dtype, t.shape, nullptr});
      t.bytes.assign(static_cast<size_t>(shape_numel(t.shape)) * dtype_size(t.dtype), 0xCD);  // garbage, as an arena would hold
    }
    OpInit init{node_, {}, {}, cache_};
    for (auto& i : infos_) init.inputs.push_back(i.present() ? &i : nullptr);
    for (auto& o : out_infos_) init.outputs.push_back(&o);
    op_ = factory(init);
  }

  // Runs with `threads` threads; outputs() holds the results afterwards.
  void run(int threads = 1) {
    AlignedBuffer scratch(op_->scratch_bytes(threads));
    std::vector<TensorView> in(inputs_.size()), out(outputs_.size());
    std::vector<const TensorView*> in_ptrs;
    std::vector<TensorView*> out_ptrs;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      in[i] = TensorView{inputs_[i].bytes.empty() ? nullptr : inputs_[i].bytes.data(), inputs_[i].dtype, inputs_[i].shape};
      in_ptrs.push_back(&in[i]);
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      out[i] = TensorView{outputs_[i].bytes.data(), outputs_[i].dtype, outputs_[i].shape};
      out_ptrs.push_back(&out[i]);
    }
    RunContext ctx{threads, scratch.data()};
    op_->run(ctx, in_ptrs.data(), out_ptrs.data());
  }

  const OpTensor& output(size_t i) const { return outputs_.at(i); }
  OpTensor& input(size_t i) { return inputs_.at(i); }

 private:
  NodeSpec node_;
  std::vector<OpTensor> inputs_, outputs_;
  std::vector<ValueInfo> infos_, out_infos_;
  WeightCache cache_;
  std::unique_ptr<Op> op_;
};

inline NodeSpec make_node(const std::string& op_type, Attributes attrs = {}, int opset = 17) {
  NodeSpec n;
  n.op_type = op_type;
  n.name = op_type + "_test";
  n.opset = opset;
  n.attrs = std::move(attrs);
  return n;
}

}  // namespace octet::test
