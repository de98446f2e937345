// Pad in every mode as an IndexMapCopy: per axis, output index o reads input index map(o), or the
// constant where map(o) = -1. Forms: opset 1 attribute 'paddings', 2-10 attribute 'pads' and float
// 'value'; 11+ inputs pads, constant_value (the data's own type) and, from 18, axes.
//
// Negative pads crop. In constant mode out[o] = in[o - pad_begin] where that exists. The other modes
// crop first and then pad the cropped axis (what onnxruntime does), so a reflection never reaches
// into cropped-away elements:
//   edge    — clamp into the axis;
//   reflect — mirror without repeating the border, periodic with period 2*(n-1) so pads longer
//             than the axis keep reflecting (numpy's behaviour); an axis of 1 repeats its element;
//   wrap    — periodic with period n.
#include <memory>
#include <string>

#include "index_map_copy.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

class PadOp : public Op {
 public:
  explicit PadOp(IndexMapCopy copy) : copy_(std::move(copy)) {}
  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    copy_.run(inputs[0]->data, outputs[0]->data, ctx.threads);
  }

 private:
  IndexMapCopy copy_;
};

inline int64_t positive_mod(int64_t a, int64_t n) {
  const int64_t m = a % n;
  return m < 0 ? m + n : m;
}

std::vector<int64_t> axis_map(PadMode mode, int64_t dim, int64_t begin, int64_t end) {
  const int64_t out = dim + begin + end;
  std::vector<int64_t> map(static_cast<size_t>(out));
  if (mode == PadMode::kConstant) {
    for (int64_t o = 0; o < out; ++o) {
      const int64_t i = o - begin;
      map[static_cast<size_t>(o)] = i >= 0 && i < dim ? i : -1;
    }
    return map;
  }
  const int64_t lo = begin < 0 ? -begin : 0;        // cropped from the start
  const int64_t kept = dim - lo - (end < 0 ? -end : 0);  // > 0 (checked by the caller when out > 0)
  const int64_t pad_lo = begin > 0 ? begin : 0;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t j = o - pad_lo;  // position in the cropped axis, may lie outside it
    int64_t i = 0;
    switch (mode) {
      case PadMode::kEdge: i = j < 0 ? 0 : (j >= kept ? kept - 1 : j); break;
      case PadMode::kWrap: i = positive_mod(j, kept); break;
      case PadMode::kReflect:
        if (kept == 1) {
          i = 0;
        } else {
          const int64_t period = 2 * (kept - 1);
          i = positive_mod(j, period);
          if (i >= kept) i = period - i;
        }
        break;
      case PadMode::kConstant: break;
    }
    map[static_cast<size_t>(o)] = lo + i;
  }
  return map;
}

std::unique_ptr<Op> create_pad(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  const size_t esize = dtype_size(in.dtype);

  const std::string mode_name = node.attrs.get_string("mode", "constant");
  PadMode mode;
  if (mode_name == "constant") mode = PadMode::kConstant;
  else if (mode_name == "reflect") mode = PadMode::kReflect;
  else if (mode_name == "edge") mode = PadMode::kEdge;
  else if (mode_name == "wrap") mode = PadMode::kWrap;
  else throw_node_range(node, "mode must be constant, reflect, edge or wrap, got '" + mode_name + "'");

  std::vector<int64_t> pads, axes;
  std::vector<uint8_t> fill(esize, 0);
  bool have_axes = false;
  if (node.opset >= 11) {
    pads = read_int_param(init, 1, "pads");
    if (init.has_input(2)) {
      require_same_dtype(node, in.dtype, init.input(2).dtype, "constant_value");
      fill = read_scalar_bytes(init, 2, "constant_value");
    }
    if (node.opset >= 18 && has_param(init, 3)) {
      axes = read_int_param(init, 3, "axes");
      have_axes = true;
    }
  } else {
    const char* name = node.attrs.has("pads") ? "pads" : "paddings";  // 'paddings' in opset 1
    if (!node.attrs.has(name)) throw_node_type(node, "attribute 'pads' is required");
    pads = node.attrs.get_ints(name);
    fill = scalar_bytes_of(in.dtype, node.attrs.get_float("value", 0.0f));
  }
  if (!have_axes) {
    for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
  }
  if (pads.size() != 2 * axes.size()) {
    throw_node_range(node, "pads " + shape_string(pads) + " has " + std::to_string(pads.size()) + " values, expected " +
                               std::to_string(2 * axes.size()) + " (begin and end for " + std::to_string(axes.size()) + " axes)");
  }
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t k = static_cast<size_t>(normalize_axis(node, axes[i], rank, "axis"));
    if (seen[k]) throw_node_range(node, "axis " + std::to_string(axes[i]) + " is listed twice");
    seen[k] = true;
    begin[k] = pads[i];
    end[k] = pads[i + axes.size()];
  }

  Shape out(static_cast<size_t>(rank));
  std::vector<std::vector<int64_t>> maps(static_cast<size_t>(rank));
  for (size_t k = 0; k < out.size(); ++k) {
    out[k] = in.shape[k] + begin[k] + end[k];
    if (out[k] < 0) {
      throw_node_range(node, "pads " + shape_string(pads) + " remove more than the " + std::to_string(in.shape[k]) +
                                 " elements of axis " + std::to_string(k));
    }
    const int64_t kept = in.shape[k] - (begin[k] < 0 ? -begin[k] : 0) - (end[k] < 0 ? -end[k] : 0);
    if (mode != PadMode::kConstant && out[k] > 0 && kept <= 0) {
      throw_node_range(node, "mode '" + mode_name + "' cannot pad axis " + std::to_string(k) + ": no input element is left (input " +
                                 shape_string(in.shape) + ", pads " + shape_string(pads) + ")");
    }
    maps[k] = axis_map(mode, in.shape[k], begin[k], end[k]);
  }
  check_output(init, 0, in.dtype, out);
  return std::make_unique<PadOp>(IndexMapCopy(esize, in.shape, out, maps, fill));
}

}  // namespace

void register_pad_ops(OpRegistry& r) { r.add("Pad", &create_pad); }

}  // namespace octet::tensor
