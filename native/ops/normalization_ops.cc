// The ONNX normalizations, float32, inference: BatchNormalization (opsets 7-15), InstanceNormalization,
// LayerNormalization (17), GroupNormalization (18, 21), MeanVarianceNormalization (9, 13) and LRN.
//
// Statistics are two-pass (mean, then the mean of squared deviations: no cancellation, never a
// negative variance) in the fixed lane order of reduce/lanes.h, and every statistic is computed by one
// task, so results never depend on the thread count. The elementwise parts are plain loops the compiler
// vectorises. All but LRN read each input element before writing the output element at the same place,
// so they may run in place (output over input).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "../graph/op.h"
#include "reduce/lanes.h"
#include "reduce/parallel_tasks.h"
#include "reduce/reduce_layout.h"

namespace octet {

namespace {

constexpr int64_t kColumnBlock = 256;  // outputs of one column task, accumulated on the stack

size_t round_up64(size_t n) { return (n + 63) / 64 * 64; }

const ValueInfo& float_input(const OpInit& init, size_t index, const char* name) {
  const ValueInfo& v = init.input(index);
  if (v.dtype != DType::kFloat32) throw_node_type(init.node, std::string(name) + " must be float32, got " + dtype_name(v.dtype));
  return v;
}

// A per-channel parameter: float32 of exactly `shape`.
const ValueInfo& param_input(const OpInit& init, size_t index, const char* name, const Shape& shape) {
  const ValueInfo& v = float_input(init, index, name);
  if (v.shape != shape)
    throw_node_range(init.node, std::string(name) + " has shape " + shape_string(v.shape) + ", expected " + shape_string(shape));
  return v;
}

float epsilon_attribute(const OpInit& init, float fallback) {
  const float eps = init.node.attrs.get_float("epsilon", fallback);
  if (!(eps >= 0)) throw_node_range(init.node, "epsilon must be >= 0, got " + std::to_string(eps));
  return eps;
}

// stash_type is the precision of the statistics; float32 input keeps them in float32.
void check_stash_type(const OpInit& init) {
  const int64_t stash = init.node.attrs.get_int("stash_type", 1);
  if (stash != 1) throw_node_type(init.node, "stash_type " + std::to_string(stash) + " is not supported (only 1, float32)");
}

int64_t product(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t d = from; d < to; ++d) p *= s[d];
  return p;
}

// ---- BatchNormalization: y = x * a[c] + b[c] with a = scale / sqrt(var + eps), b = B - mean * a,
// precomputed at create when the four parameters are constants (the usual case), else per run.
class BatchNormOp final : public Op {
 public:
  explicit BatchNormOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = float_input(init, 0, "X");
    if (node.attrs.get_int("training_mode", 0) != 0)
      throw_node_type(node, "training_mode=1 is not supported: the runtime does inference only (running statistics are not updated)");
    if (x.shape.size() < 2) throw_node_range(node, "X must have rank >= 2 ([N,C,...]), got " + shape_string(x.shape));
    epsilon_ = epsilon_attribute(init, 1e-5f);
    const int64_t channels_last = node.attrs.get_int("channels_last", 0);
    if (channels_last != 0 && channels_last != 1) throw_node_range(node, "channels_last must be 0 or 1, got " + std::to_string(channels_last));
    // spatial=0 (opset 7 only): statistics per element of [C,D1,...], i.e. X as [N, C*D1*..., 1].
    const bool spatial = node.opset >= 9 || node.attrs.get_int("spatial", 1) != 0;
    if (!spatial && channels_last) throw_node_type(node, "spatial=0 cannot be combined with channels_last=1");
    Shape param_shape;
    if (channels_last) {
      channels_ = x.shape.back();
      param_shape = {channels_};
      inner_ = 1;  // rows of C channels
    } else if (spatial) {
      channels_ = x.shape[1];
      param_shape = {channels_};
      inner_ = product(x.shape, 2, x.shape.size());
    } else {
      param_shape.assign(x.shape.begin() + 1, x.shape.end());
      channels_ = shape_numel(param_shape);
      inner_ = 1;
    }
    numel_ = x.numel();
    static const char* const names[] = {"scale", "B", "input_mean", "input_var"};
    bool constant = true;
    for (size_t i = 1; i <= 4; ++i) constant = param_input(init, i, names[i - 1], param_shape).constant != nullptr && constant;
    check_output(init, 0, DType::kFloat32, x.shape);
    // Inference leaves the running statistics as they were: echo them if the graph asks for them.
    for (size_t i = 1; i <= 2; ++i) {
      echo_statistic_[i - 1] = init.has_output(i);
      if (echo_statistic_[i - 1]) check_output(init, i, DType::kFloat32, param_shape);
    }
    for (size_t i = 3; i <= 4; ++i)
      if (init.has_output(i)) throw_node_type(node, "output " + std::to_string(i) + " (saved mean/variance) exists only in training mode");
    if (constant) {
      coefficients_.resize(static_cast<size_t>(2 * channels_));
      compute_coefficients(static_cast<const float*>(init.input(1).constant), static_cast<const float*>(init.input(2).constant),
                           static_cast<const float*>(init.input(3).constant), static_cast<const float*>(init.input(4).constant),
                           coefficients_.data());
    }
  }

  size_t scratch_bytes(int) const override {
    return coefficients_.empty() ? round_up64(static_cast<size_t>(2 * channels_) * sizeof(float)) : 0;
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    for (size_t i = 1; i <= 2; ++i)  // running_mean <- input_mean, running_var <- input_var
      if (echo_statistic_[i - 1] && out[i]->data != in[i + 2]->data)
        std::memcpy(out[i]->data, in[i + 2]->data, static_cast<size_t>(channels_) * sizeof(float));
    const float* coefficients = coefficients_.data();
    if (coefficients_.empty()) {
      float* c = static_cast<float*>(ctx.scratch);
      compute_coefficients(in[1]->as<float>(), in[2]->as<float>(), in[3]->as<float>(), in[4]->as<float>(), c);
      coefficients = c;
    }
    if (numel_ == 0) return;
    const float* a = coefficients;
    const float* b = coefficients + channels_;
    const float* x = in[0]->as<float>();
    float* y = out[0]->as<float>();
    if (inner_ == 1) {  // rows of C: y[k] = x[k] * a[k] + b[k]
      const int64_t rows = numel_ / channels_, per = items_per_task(channels_);
      parallel_tasks(ceil_div(rows, per), ctx.threads, [&](int64_t t) {
        const int64_t r1 = std::min(rows, (t + 1) * per);
        for (int64_t r = t * per; r < r1; ++r) {
          const float* xr = x + r * channels_;
          float* yr = y + r * channels_;
          for (int64_t k = 0; k < channels_; ++k) yr[k] = xr[k] * a[k] + b[k];
        }
      });
    } else {  // planes of S: one channel's a, b for the whole plane
      const int64_t planes = numel_ / inner_, per = items_per_task(inner_);
      parallel_tasks(ceil_div(planes, per), ctx.threads, [&](int64_t t) {
        const int64_t p1 = std::min(planes, (t + 1) * per);
        for (int64_t p = t * per; p < p1; ++p) {
          const float ac = a[p % channels_], bc = b[p % channels_];
          const float* xp = x + p * inner_;
          float* yp = y + p * inner_;
          for (int64_t k = 0; k < inner_; ++k) yp[k] = xp[k] * ac + bc;
        }
      });
    }
  }

 private:
  void compute_coefficients(const float* scale, const float* bias, const float* mean, const float* var, float* out) const {
    for (int64_t c = 0; c < channels_; ++c) {
      const float a = scale[c] / std::sqrt(var[c] + epsilon_);
      out[c] = a;
      out[channels_ + c] = bias[c] - mean[c] * a;
    }
  }

  float epsilon_ = 1e-5f;
  int64_t channels_ = 0, inner_ = 1, numel_ = 0;
  bool echo_statistic_[2] = {false, false};  // outputs running_mean, running_var present
  std::vector<float> coefficients_;  // a[C] then b[C], when the parameters are constants
};

// ---- InstanceNormalization: per (n, c) over the spatial dims, y = (x - mean) * a + B[c] with
// a = scale[c] / sqrt(var + eps).
class InstanceNormOp final : public Op {
 public:
  explicit InstanceNormOp(const OpInit& init) {
    const ValueInfo& x = float_input(init, 0, "input");
    if (x.shape.size() < 2) throw_node_range(init.node, "input must have rank >= 2 ([N,C,...]), got " + shape_string(x.shape));
    epsilon_ = epsilon_attribute(init, 1e-5f);
    channels_ = x.shape[1];
    spatial_ = product(x.shape, 2, x.shape.size());
    planes_ = x.shape[0] * channels_;
    param_input(init, 1, "scale", {channels_});
    param_input(init, 2, "B", {channels_});
    check_output(init, 0, DType::kFloat32, x.shape);
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (spatial_ == 0) return;
    const float* x = in[0]->as<float>();
    const float* scale = in[1]->as<float>();
    const float* bias = in[2]->as<float>();
    float* y = out[0]->as<float>();
    const int64_t per = items_per_task(3 * spatial_);
    parallel_tasks(ceil_div(planes_, per), ctx.threads, [&](int64_t t) {
      const int64_t p1 = std::min(planes_, (t + 1) * per);
      for (int64_t p = t * per; p < p1; ++p) {
        const float* xp = x + p * spatial_;
        float* yp = y + p * spatial_;
        const MeanVariance mv = mean_variance(xp, spatial_);
        const int64_t c = p % channels_;
        const float a = scale[c] / std::sqrt(mv.variance + epsilon_), b = bias[c], mean = mv.mean;
        for (int64_t k = 0; k < spatial_; ++k) yp[k] = (xp[k] - mean) * a + b;
      }
    });
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t channels_ = 0, spatial_ = 0, planes_ = 0;
};

// A LayerNormalization parameter (Scale, B) numpy-broadcast to the normalized shape X.shape[axis:].
// Direct when its shape already matches (after leading 1s); else an index map expands it, once at
// create for a constant, per run into scratch otherwise.
struct BroadcastParam {
  bool present = false;
  bool direct = true;
  std::vector<int64_t> map;   // normalized index -> parameter index, when not direct
  std::vector<float> expanded;  // the expansion of a constant

  void init(const OpInit& init, size_t index, const char* name, const Shape& normalized) {
    if (!init.has_input(index)) return;
    present = true;
    const ValueInfo& v = float_input(init, index, name);
    const size_t rank = normalized.size();
    const auto fail = [&] {
      throw_node_range(init.node, std::string(name) + " of shape " + shape_string(v.shape) + " does not broadcast to the normalized shape " +
                                      shape_string(normalized));
    };
    for (size_t d = 0; d + rank < v.shape.size(); ++d)
      if (v.shape[d] != 1) fail();
    // Right-aligned: param dim (1 for missing) per normalized dim.
    Shape aligned(rank, 1);
    for (size_t d = 0; d < std::min(rank, v.shape.size()); ++d) aligned[rank - 1 - d] = v.shape[v.shape.size() - 1 - d];
    for (size_t d = 0; d < rank; ++d) {
      if (aligned[d] != normalized[d] && aligned[d] != 1) fail();
      if (aligned[d] != normalized[d]) direct = false;
    }
    if (direct) return;
    const int64_t n = shape_numel(normalized);
    map.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      int64_t rem = i, src = 0, stride = 1;
      for (size_t d = rank; d-- > 0;) {
        const int64_t idx = rem % normalized[d];
        rem /= normalized[d];
        if (aligned[d] != 1) src += idx * stride;
        stride *= aligned[d];
      }
      map[static_cast<size_t>(i)] = src;
    }
    if (v.constant != nullptr) {
      expanded.resize(map.size());
      expand(static_cast<const float*>(v.constant), expanded.data());
    }
  }

  size_t scratch_floats() const { return present && !direct && expanded.empty() ? map.size() : 0; }
  void expand(const float* src, float* dst) const {
    for (size_t i = 0; i < map.size(); ++i) dst[i] = src[map[i]];
  }
  // The parameter as normalized-shape floats for this run (null when absent).
  const float* resolve(const TensorView* const* inputs, size_t index, float* scratch) const {
    if (!present) return nullptr;  // inputs[index] may not exist
    if (direct) return inputs[index]->as<float>();
    if (!expanded.empty()) return expanded.data();
    expand(inputs[index]->as<float>(), scratch);
    return scratch;
  }
};

// ---- LayerNormalization: rows of D = prod(X.shape[axis:]);
// y = ((x - mean) * inv_std_dev) * scale + B, inv_std_dev = 1 / sqrt(var + eps).
class LayerNormOp final : public Op {
 public:
  explicit LayerNormOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = float_input(init, 0, "X");
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    if (rank == 0) throw_node_range(node, "X must have rank >= 1, got a scalar");
    int64_t axis = node.attrs.get_int("axis", -1);
    if (axis < -rank || axis >= rank)
      throw_node_range(node, "axis " + std::to_string(axis) + " is out of range for X of rank " + std::to_string(rank) + " (expected " +
                                 std::to_string(-rank) + " to " + std::to_string(rank - 1) + ")");
    if (axis < 0) axis += rank;
    epsilon_ = epsilon_attribute(init, 1e-5f);
    check_stash_type(init);
    const Shape normalized(x.shape.begin() + axis, x.shape.end());
    size_ = shape_numel(normalized);
    rows_ = product(x.shape, 0, static_cast<size_t>(axis));
    scale_.init(init, 1, "Scale", normalized);
    if (!scale_.present) throw_node_type(node, "input 1 (Scale) is required");
    bias_.init(init, 2, "B", normalized);
    check_output(init, 0, DType::kFloat32, x.shape);
    Shape stats_shape = x.shape;
    for (int64_t d = axis; d < rank; ++d) stats_shape[static_cast<size_t>(d)] = 1;
    has_mean_ = init.has_output(1);
    has_inv_std_dev_ = init.has_output(2);
    if (has_mean_) check_output(init, 1, DType::kFloat32, stats_shape);
    if (has_inv_std_dev_) check_output(init, 2, DType::kFloat32, stats_shape);
  }

  size_t scratch_bytes(int) const override {
    return round_up64(scale_.scratch_floats() * sizeof(float)) + round_up64(bias_.scratch_floats() * sizeof(float));
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    float* scratch = static_cast<float*>(ctx.scratch);
    const float* scale = scale_.resolve(in, 1, scratch);
    const float* bias = bias_.resolve(in, 2, scratch + round_up64(scale_.scratch_floats() * sizeof(float)) / sizeof(float));
    const float* x = in[0]->as<float>();
    float* y = out[0]->as<float>();
    float* mean_out = has_mean_ ? out[1]->as<float>() : nullptr;
    float* inv_out = has_inv_std_dev_ ? out[2]->as<float>() : nullptr;
    const int64_t d = size_;
    const int64_t per = items_per_task(3 * d);
    parallel_tasks(ceil_div(rows_, per), ctx.threads, [&](int64_t t) {
      const int64_t r1 = std::min(rows_, (t + 1) * per);
      for (int64_t r = t * per; r < r1; ++r) {
        const float* xr = x + r * d;
        float* yr = y + r * d;
        const MeanVariance mv = mean_variance(xr, d);
        const float mean = mv.mean, inv = 1.0f / std::sqrt(mv.variance + epsilon_);
        if (mean_out) mean_out[r] = mean;
        if (inv_out) inv_out[r] = inv;
        if (bias) {
          for (int64_t k = 0; k < d; ++k) yr[k] = ((xr[k] - mean) * inv) * scale[k] + bias[k];
        } else {
          for (int64_t k = 0; k < d; ++k) yr[k] = ((xr[k] - mean) * inv) * scale[k];
        }
      }
    });
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t rows_ = 0, size_ = 0;
  bool has_mean_ = false, has_inv_std_dev_ = false;
  BroadcastParam scale_, bias_;
};

// ---- GroupNormalization: per (n, group) over C/G channels and the spatial dims (contiguous in NCHW);
// y = (x - mean) * (inv_std_dev * scale) + bias, with scale and bias per group (opset 18) or per
// channel (opset 21).
class GroupNormOp final : public Op {
 public:
  explicit GroupNormOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = float_input(init, 0, "X");
    if (x.shape.size() < 2) throw_node_range(node, "X must have rank >= 2 ([N,C,...]), got " + shape_string(x.shape));
    epsilon_ = epsilon_attribute(init, 1e-5f);
    check_stash_type(init);
    groups_ = node.attrs.require_int("num_groups");
    channels_ = x.shape[1];
    if (groups_ <= 0) throw_node_range(node, "num_groups must be > 0, got " + std::to_string(groups_));
    if (channels_ % groups_ != 0)
      throw_node_range(node, "the " + std::to_string(channels_) + " channels of X do not split into num_groups = " + std::to_string(groups_) +
                                 " groups");
    per_channel_ = node.opset >= 21;
    const Shape param_shape{per_channel_ ? channels_ : groups_};
    param_input(init, 1, "scale", param_shape);
    param_input(init, 2, "bias", param_shape);
    check_output(init, 0, DType::kFloat32, x.shape);
    spatial_ = product(x.shape, 2, x.shape.size());
    blocks_ = x.shape[0] * groups_;
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    const int64_t group_channels = channels_ / groups_, size = group_channels * spatial_;
    if (size == 0) return;
    const float* x = in[0]->as<float>();
    const float* scale = in[1]->as<float>();
    const float* bias = in[2]->as<float>();
    float* y = out[0]->as<float>();
    const int64_t per = items_per_task(3 * size);
    parallel_tasks(ceil_div(blocks_, per), ctx.threads, [&](int64_t t) {
      const int64_t b1 = std::min(blocks_, (t + 1) * per);
      for (int64_t b = t * per; b < b1; ++b) {
        const float* xb = x + b * size;
        float* yb = y + b * size;
        const MeanVariance mv = mean_variance(xb, size);
        const float mean = mv.mean, inv = 1.0f / std::sqrt(mv.variance + epsilon_);
        const int64_t g = b % groups_;
        for (int64_t i = 0; i < group_channels; ++i) {
          const int64_t p = per_channel_ ? g * group_channels + i : g;
          const float a = inv * scale[p], c = bias[p];
          const float* xc = xb + i * spatial_;
          float* yc = yb + i * spatial_;
          for (int64_t k = 0; k < spatial_; ++k) yc[k] = (xc[k] - mean) * a + c;
        }
      }
    });
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t groups_ = 1, channels_ = 0, spatial_ = 0, blocks_ = 0;
  bool per_channel_ = true;
};

// ---- MeanVarianceNormalization: y = (x - mean) / (sqrt(var) + 1e-9) over `axes` (default [0,2,3]), as
// the ONNX function body (which adds its epsilon to the standard deviation). Any axes: the loops of
// reduce/reduce_layout.h, three passes (mean, variance, write) per output group.
class MeanVarianceNormOp final : public Op {
 public:
  explicit MeanVarianceNormOp(const OpInit& init) {
    const ValueInfo& x = float_input(init, 0, "X");
    const std::vector<int64_t> axes = init.node.attrs.get_ints("axes", {0, 2, 3});
    layout_ = make_reduce_layout(init.node, x.shape, axes_mask(init.node, axes, x.shape.size()));
    check_output(init, 0, DType::kFloat32, x.shape);
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    const ReduceLayout& l = layout_;
    if (l.outputs == 0 || l.count == 0) return;
    const float* x = in[0]->as<float>();
    float* y = out[0]->as<float>();
    const float count = static_cast<float>(l.count);
    constexpr float kEpsilon = 1e-9f;
    const auto add = [](float a, float b) { return a + b; };
    if (l.rows) {
      const int64_t per = items_per_task(3 * l.count);
      parallel_tasks(ceil_div(l.outputs, per), ctx.threads, [&](int64_t t) {
        const int64_t o1 = std::min(l.outputs, (t + 1) * per);
        Odometer group(l.kept_dims, l.kept_strides, t * per);
        for (int64_t o = t * per; o < o1; ++o, group.next()) {
          const int64_t base = group.offset();
          float lane[kLanes];
          lanes_fill(lane, -0.0f);
          for_each_segment(l, [&](int64_t s) { lanes_accumulate(lane, x + base + s, l.inner, [](float v) { return v; }, add); });
          const float mean = lanes_fold(lane, add) / count;
          lanes_fill(lane, -0.0f);
          const auto deviation2 = [mean](float v) { const float d = v - mean; return d * d; };
          for_each_segment(l, [&](int64_t s) { lanes_accumulate(lane, x + base + s, l.inner, deviation2, add); });
          const float divisor = std::sqrt(lanes_fold(lane, add) / count) + kEpsilon;
          for_each_segment(l, [&](int64_t s) {
            const float* xs = x + base + s;
            float* ys = y + base + s;
            for (int64_t k = 0; k < l.inner; ++k) ys[k] = (xs[k] - mean) / divisor;
          });
        }
      });
      return;
    }
    const int64_t blocks = ceil_div(l.inner, kColumnBlock), units = l.groups() * blocks;
    const int64_t per = items_per_task(3 * l.count * std::min(l.inner, kColumnBlock));
    parallel_tasks(ceil_div(units, per), ctx.threads, [&](int64_t t) {
      const int64_t u1 = std::min(units, (t + 1) * per);
      for (int64_t u = t * per; u < u1; ++u) {
        const int64_t c0 = (u % blocks) * kColumnBlock, n = std::min(l.inner - c0, kColumnBlock);
        const int64_t base = Odometer(l.kept_dims, l.kept_strides, u / blocks).offset() + c0;
        float mean[kColumnBlock], acc[kColumnBlock];
        for (int64_t k = 0; k < n; ++k) acc[k] = -0.0f;
        for_each_segment(l, [&](int64_t s) {
          for (int64_t k = 0; k < n; ++k) acc[k] += x[base + s + k];
        });
        for (int64_t k = 0; k < n; ++k) {
          mean[k] = acc[k] / count;
          acc[k] = -0.0f;
        }
        for_each_segment(l, [&](int64_t s) {
          for (int64_t k = 0; k < n; ++k) {
            const float d = x[base + s + k] - mean[k];
            acc[k] += d * d;
          }
        });
        for (int64_t k = 0; k < n; ++k) acc[k] = std::sqrt(acc[k] / count) + kEpsilon;
        for_each_segment(l, [&](int64_t s) {
          for (int64_t k = 0; k < n; ++k) y[base + s + k] = (x[base + s + k] - mean[k]) / acc[k];
        });
      }
    });
  }

 private:
  ReduceLayout layout_;
};

// ---- LRN: y = x / (bias + alpha / size * square_sum) ^ beta, square_sum over the channels
// [c - floor((size-1)/2), c + ceil((size-1)/2)] of the same position, summed in channel order.
// Reads neighbouring channels: not in place.
class LrnOp final : public Op {
 public:
  explicit LrnOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = float_input(init, 0, "X");
    if (x.shape.size() < 2) throw_node_range(node, "X must have rank >= 2 ([N,C,...]), got " + shape_string(x.shape));
    const int64_t size = node.attrs.require_int("size");
    if (size <= 0) throw_node_range(node, "size must be > 0, got " + std::to_string(size));
    before_ = (size - 1) / 2;
    after_ = size - 1 - before_;
    alpha_over_size_ = node.attrs.get_float("alpha", 1e-4f) / static_cast<float>(size);
    beta_ = node.attrs.get_float("beta", 0.75f);
    bias_ = node.attrs.get_float("bias", 1.0f);
    batch_ = x.shape[0];
    channels_ = x.shape[1];
    spatial_ = product(x.shape, 2, x.shape.size());
    check_output(init, 0, DType::kFloat32, x.shape);
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (batch_ * channels_ * spatial_ == 0) return;
    const float* x = in[0]->as<float>();
    float* y = out[0]->as<float>();
    const int64_t blocks = ceil_div(spatial_, kColumnBlock), units = batch_ * channels_ * blocks;
    const int64_t per = items_per_task((before_ + after_ + 2) * std::min(spatial_, kColumnBlock));
    parallel_tasks(ceil_div(units, per), ctx.threads, [&](int64_t t) {
      const int64_t u1 = std::min(units, (t + 1) * per);
      for (int64_t u = t * per; u < u1; ++u) {
        const int64_t plane = u / blocks, n = plane / channels_, c = plane % channels_;
        const int64_t s0 = (u % blocks) * kColumnBlock, width = std::min(spatial_ - s0, kColumnBlock);
        float sum[kColumnBlock];
        for (int64_t k = 0; k < width; ++k) sum[k] = -0.0f;
        const int64_t lo = std::max<int64_t>(0, c - before_), hi = std::min(channels_ - 1, c + after_);
        for (int64_t i = lo; i <= hi; ++i) {
          const float* xi = x + (n * channels_ + i) * spatial_ + s0;
          for (int64_t k = 0; k < width; ++k) sum[k] += xi[k] * xi[k];
        }
        const float* xc = x + plane * spatial_ + s0;
        float* yc = y + plane * spatial_ + s0;
        for (int64_t k = 0; k < width; ++k) yc[k] = xc[k] / std::pow(bias_ + alpha_over_size_ * sum[k], beta_);
      }
    });
  }

 private:
  int64_t before_ = 0, after_ = 0, batch_ = 0, channels_ = 0, spatial_ = 0;
  float alpha_over_size_ = 0, beta_ = 0.75f, bias_ = 1.0f;
};

template <typename T>
std::unique_ptr<Op> make(const OpInit& init) {
  return std::make_unique<T>(init);
}

}  // namespace

void register_normalization_ops(OpRegistry& r) {
  r.add("BatchNormalization", &make<BatchNormOp>);
  r.add("InstanceNormalization", &make<InstanceNormOp>);
  r.add("LayerNormalization", &make<LayerNormOp>);
  r.add("GroupNormalization", &make<GroupNormOp>);
  r.add("MeanVarianceNormalization", &make<MeanVarianceNormOp>);
  r.add("LRN", &make<LrnOp>);
}

}  // namespace octet
