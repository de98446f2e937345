// Operators that keep every byte in place and only change the shape (Reshape, Flatten, Squeeze,
// Unsqueeze) or the name (Identity, inference-mode Dropout, octet.Copy). The planner lets their
// output share the input's bytes when it can; run() then sees the same pointer on both sides and
// does nothing. Otherwise it copies.
#include <algorithm>
#include <memory>
#include <set>

#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

class ViewOrCopyOp : public Op {
 public:
  // `mask_true`: Dropout's optional mask output, filled with this element (true, or 1 in opsets < 10).
  ViewOrCopyOp(size_t bytes, int64_t mask_count = 0, std::vector<uint8_t> mask_true = {})
      : bytes_(bytes), mask_count_(mask_count), mask_true_(std::move(mask_true)) {}

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (outputs[0]->data != inputs[0]->data) copy_bytes(inputs[0]->data, outputs[0]->data, bytes_, ctx.threads);
    if (mask_count_ > 0) fill_elements(outputs[1]->data, mask_true_.data(), mask_true_.size(), mask_count_);
  }

 private:
  size_t bytes_;
  int64_t mask_count_;
  std::vector<uint8_t> mask_true_;
};

const ValueInfo& data_input(const OpInit& init) {
  const ValueInfo& in = init.input(0);
  require_known_dtype(init.node, in.dtype, "input 0");
  return in;
}

std::unique_ptr<Op> finish(const OpInit& init, const ValueInfo& in, const Shape& out_shape) {
  check_output(init, 0, in.dtype, out_shape);
  return std::make_unique<ViewOrCopyOp>(static_cast<size_t>(in.numel()) * dtype_size(in.dtype));
}

std::unique_ptr<Op> create_reshape(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = data_input(init);
  // Opsets 1-4 carry the shape as an attribute, 5+ as input 1.
  std::vector<int64_t> shape;
  if (node.opset >= 5 || init.input_count() > 1) shape = read_int_param(init, 1, "shape");
  else if (node.attrs.has("shape")) shape = node.attrs.get_ints("shape");
  else throw_node_type(node, "attribute 'shape' is required");
  const bool allow_zero = node.attrs.get_int("allowzero", 0) != 0;

  Shape out(shape.size());
  int infer = -1;
  int64_t known = 1;
  bool has_zero = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t v = shape[i];
    if (v == -1) {
      if (infer >= 0) throw_node_range(node, "shape " + shape_string(shape) + " has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (v < -1) throw_node_range(node, "shape " + shape_string(shape) + " has the invalid dimension " + std::to_string(v));
    if (v == 0 && !allow_zero) {
      if (i >= in.shape.size()) {
        throw_node_range(node, "shape " + shape_string(shape) + " copies dimension " + std::to_string(i) +
                                   " (0) but the input " + shape_string(in.shape) + " has rank " + std::to_string(in.shape.size()));
      }
      out[i] = in.shape[i];
    } else {
      out[i] = v;
      has_zero = has_zero || v == 0;
    }
    known *= out[i];
  }
  if (allow_zero && has_zero && infer >= 0) {
    throw_node_range(node, "shape " + shape_string(shape) + " has both 0 and -1, which allowzero=1 forbids");
  }
  if (infer >= 0) {
    if (known == 0 || in.numel() % known != 0) {
      throw_node_range(node, "cannot infer the -1 of shape " + shape_string(shape) + " for an input of shape " +
                                 shape_string(in.shape) + " (" + std::to_string(in.numel()) + " elements)");
    }
    out[static_cast<size_t>(infer)] = in.numel() / known;
  }
  if (shape_numel(out) != in.numel()) {
    throw_node_range(node, "cannot reshape " + shape_string(in.shape) + " (" + std::to_string(in.numel()) +
                               " elements) to " + shape_string(out) + " (" + std::to_string(shape_numel(out)) + " elements)");
  }
  return finish(init, in, out);
}

std::unique_ptr<Op> create_flatten(const OpInit& init) {
  const ValueInfo& in = data_input(init);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  int64_t axis = init.node.attrs.get_int("axis", 1);
  // axis may equal rank (everything in the first dim); negative from opset 11.
  if (axis < -rank || axis > rank) {
    throw_node_range(init.node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank) +
                                    " (expected [" + std::to_string(-rank) + ", " + std::to_string(rank) + "])");
  }
  if (axis < 0) axis += rank;
  int64_t rows = 1, cols = 1;
  for (int64_t k = 0; k < rank; ++k) (k < axis ? rows : cols) *= in.shape[static_cast<size_t>(k)];
  return finish(init, in, {rows, cols});
}

std::vector<int64_t> axes_param(const OpInit& init, int attr_until_opset, bool* given) {
  // Opsets before `attr_until_opset` take the axes as an attribute, later ones as input 1.
  *given = false;
  if (init.node.opset >= attr_until_opset) {
    if (!has_param(init, 1)) return {};
    *given = true;
    return read_int_param(init, 1, "axes");
  }
  if (!init.node.attrs.has("axes")) return {};
  *given = true;
  return init.node.attrs.get_ints("axes");
}

std::unique_ptr<Op> create_squeeze(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = data_input(init);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  bool given = false;
  const std::vector<int64_t> axes = axes_param(init, 13, &given);
  std::vector<bool> drop(in.shape.size(), false);
  // No axes, or an empty list (as onnxruntime reads it): every dim of size 1. A repeated axis is
  // tolerated (onnxruntime de-duplicates).
  if (axes.empty()) {
    for (size_t k = 0; k < in.shape.size(); ++k) drop[k] = in.shape[k] == 1;
  }
  for (int64_t a : axes) {
    const int64_t k = normalize_axis(node, a, rank, "axis");
    if (in.shape[static_cast<size_t>(k)] != 1) {
      throw_node_range(node, "cannot squeeze axis " + std::to_string(a) + " of size " +
                                 std::to_string(in.shape[static_cast<size_t>(k)]) + " (input " + shape_string(in.shape) + ")");
    }
    drop[static_cast<size_t>(k)] = true;
  }
  Shape out;
  for (size_t k = 0; k < in.shape.size(); ++k) {
    if (!drop[k]) out.push_back(in.shape[k]);
  }
  return finish(init, in, out);
}

std::unique_ptr<Op> create_unsqueeze(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = data_input(init);
  bool given = false;
  const std::vector<int64_t> axes = axes_param(init, 13, &given);
  if (!given) throw_node_type(node, node.opset >= 13 ? "input 1 (axes) is required" : "attribute 'axes' is required");
  const int64_t out_rank = static_cast<int64_t>(in.shape.size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes) {
    const int64_t k = normalize_axis(node, a, out_rank, "axis");
    if (inserted[static_cast<size_t>(k)]) throw_node_range(node, "axis " + std::to_string(a) + " is listed twice");
    inserted[static_cast<size_t>(k)] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t k = 0; k < out_rank; ++k) out.push_back(inserted[static_cast<size_t>(k)] ? 1 : in.shape[next++]);
  return finish(init, in, out);
}

std::unique_ptr<Op> create_identity(const OpInit& init) {
  const ValueInfo& in = data_input(init);
  return finish(init, in, in.shape);
}

std::unique_ptr<Op> create_dropout(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = data_input(init);
  // Inference only. From opset 12 training_mode is input 2; true with a non-zero ratio would drop.
  if (node.opset >= 12 && init.has_input(2)) {
    const ValueInfo& mode = init.input(2);
    if (mode.constant == nullptr) throw_node_type(node, "training_mode must be a constant");
    if (mode.dtype != DType::kBool || mode.numel() != 1) {
      throw_node_type(node, "training_mode must be one bool, got " + std::string(dtype_name(mode.dtype)) + " " +
                                shape_string(mode.shape));
    }
    const bool training = *static_cast<const uint8_t*>(mode.constant) != 0;
    float ratio = 0.5f;
    if (init.has_input(1)) {
      const std::vector<float> r = read_float_param(init, 1, "ratio");
      if (r.size() != 1) throw_node_range(node, "ratio must hold one value, it has shape " + shape_string(init.input(1).shape));
      ratio = r[0];
    }
    if (training && ratio != 0.0f) throw_node_type(node, "training mode (random dropout) is not supported");
  }
  check_output(init, 0, in.dtype, in.shape);
  int64_t mask_count = 0;
  std::vector<uint8_t> mask_true;
  if (init.has_output(1)) {
    const ValueInfo& mask = init.output(1);
    // bool from opset 10; the data's own type before.
    const DType mask_type = node.opset >= 10 ? DType::kBool : in.dtype;
    check_output(init, 1, mask_type, in.shape);
    mask_count = in.numel();
    mask_true = scalar_bytes_of(mask.dtype, 1.0);
  }
  return std::make_unique<ViewOrCopyOp>(static_cast<size_t>(in.numel()) * dtype_size(in.dtype), mask_count, mask_true);
}

}  // namespace

void register_reshape_like_ops(OpRegistry& r) {
  r.add("Reshape", &create_reshape);
  r.add("Flatten", &create_flatten);
  r.add("Squeeze", &create_squeeze);
  r.add("Unsqueeze", &create_unsqueeze);
  r.add("Identity", &create_identity);
  r.add("Dropout", &create_dropout);
  r.add("Copy", &create_identity, "octet");
}

}  // namespace octet::tensor
