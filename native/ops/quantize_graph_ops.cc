// The ONNX quantization operators as graph operators, on the int8 kernels of ops/quantize_ops and
// ops/qgemm: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, QLinearMatMul.
// Scales and zero points may be fed at run time (the ONNX conformance tests do), so they are read
// from their tensors on every run; a constant weight matrix with constant zero points is packed once.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "qgemm.h"
#include "quantize_ops.h"
#include "quantized_params.h"

namespace octet {

namespace {

size_t round_up64(size_t n) { return (n + 63) / 64 * 64; }

// Reads element i of a 1-byte or int32 zero-point tensor as int32.
int32_t zero_point_at(const TensorView& zp, size_t i) {
  switch (zp.dtype) {
    case DType::kUint8: return static_cast<const uint8_t*>(zp.data)[i];
    case DType::kInt8: return static_cast<const int8_t*>(zp.data)[i];
    case DType::kInt32: return static_cast<const int32_t*>(zp.data)[i];
    default: return 0;
  }
}

// Axis handling shared by QuantizeLinear and DequantizeLinear: [outer, channels, inner].
struct AxisLayout {
  size_t outer = 1, channels = 1, inner = 1;
};

AxisLayout axis_layout(const NodeSpec& node, const Shape& x, const ValueInfo& scale, int64_t axis) {
  AxisLayout l;
  const int64_t n = shape_numel(scale.shape);
  if (scale.shape.size() > 1) throw_node_type(node, "scale must be a scalar or 1-D (blocked quantization is not supported), got " + shape_string(scale.shape));
  if (scale.shape.empty() || (n == 1 && x.empty())) {
    l.inner = static_cast<size_t>(shape_numel(x));
    return l;
  }
  const int64_t rank = static_cast<int64_t>(x.size());
  if (axis < -rank || axis >= rank) throw_node_range(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  if (x[static_cast<size_t>(axis)] != n && n != 1)
    throw_node_range(node, "scale has " + std::to_string(n) + " values, x has " + std::to_string(x[static_cast<size_t>(axis)]) + " along axis " + std::to_string(axis));
  if (n == 1) {
    l.inner = static_cast<size_t>(shape_numel(x));
    return l;
  }
  for (int64_t d = 0; d < axis; ++d) l.outer *= static_cast<size_t>(x[static_cast<size_t>(d)]);
  l.channels = static_cast<size_t>(n);
  for (int64_t d = axis + 1; d < rank; ++d) l.inner *= static_cast<size_t>(x[static_cast<size_t>(d)]);
  return l;
}

void check_zero_point(const OpInit& init, size_t index, const ValueInfo& scale) {
  if (!init.has_input(index)) return;
  const ValueInfo& zp = init.input(index);
  if (shape_numel(zp.shape) != shape_numel(scale.shape))
    throw_node_range(init.node, "zero point " + shape_string(zp.shape) + " does not match scale " + shape_string(scale.shape));
}

class QuantizeLinearOp final : public Op {
 public:
  explicit QuantizeLinearOp(const OpInit& init) {
    const ValueInfo& x = init.input(0);
    const ValueInfo& scale = init.input(1);
    if (x.dtype != DType::kFloat32) throw_node_type(init.node, std::string("x must be float32, got ") + dtype_name(x.dtype));
    if (scale.dtype != DType::kFloat32) throw_node_type(init.node, std::string("y_scale must be float32, got ") + dtype_name(scale.dtype));
    check_scale_values(init.node, scale, "y_scale");
    if (init.node.attrs.get_int("block_size", 0) != 0) throw_node_type(init.node, "block quantization (block_size) is not supported");
    layout_ = axis_layout(init.node, x.shape, scale, init.node.attrs.get_int("axis", 1));
    check_zero_point(init, 2, scale);
    const ValueInfo& y = init.output(0);
    DType expected = init.has_input(2) ? init.input(2).dtype : DType::kUint8;
    const int64_t output_dtype = init.node.attrs.get_int("output_dtype", 0);
    if (!init.has_input(2) && output_dtype != 0) expected = static_cast<DType>(output_dtype);
    if (expected != DType::kUint8 && expected != DType::kInt8) throw_node_type(init.node, std::string("output type ") + dtype_name(expected) + " is not supported (uint8, int8)");
    if (y.dtype != expected || y.shape != x.shape) throw_node_type(init.node, "output must be " + std::string(dtype_name(expected)) + " " + shape_string(x.shape));
    type_ = expected == DType::kUint8 ? QuantType::kUint8 : QuantType::kInt8;
  }
  size_t scratch_bytes(int) const override { return round_up64(layout_.channels * sizeof(int32_t)); }
  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    auto* zps = static_cast<int32_t*>(ctx.scratch);
    for (size_t c = 0; c < layout_.channels; ++c) zps[c] = in[2]->present() ? zero_point_at(*in[2], c) : 0;
    quantize_linear(active_isa(), in[0]->as<float>(), in[1]->as<float>(), zps, layout_.outer, layout_.channels, layout_.inner, type_, out[0]->data, ctx.threads);
  }

 private:
  AxisLayout layout_;
  QuantType type_ = QuantType::kUint8;
};

class DequantizeLinearOp final : public Op {
 public:
  explicit DequantizeLinearOp(const OpInit& init) {
    const ValueInfo& x = init.input(0);
    const ValueInfo& scale = init.input(1);
    switch (x.dtype) {
      case DType::kUint8: type_ = DequantInput::kUint8; break;
      case DType::kInt8: type_ = DequantInput::kInt8; break;
      case DType::kInt32: type_ = DequantInput::kInt32; break;
      default: throw_node_type(init.node, std::string("x must be uint8, int8 or int32, got ") + dtype_name(x.dtype));
    }
    if (scale.dtype != DType::kFloat32) throw_node_type(init.node, std::string("x_scale must be float32, got ") + dtype_name(scale.dtype));
    check_scale_values(init.node, scale, "x_scale");
    if (init.node.attrs.get_int("block_size", 0) != 0) throw_node_type(init.node, "block quantization (block_size) is not supported");
    layout_ = axis_layout(init.node, x.shape, scale, init.node.attrs.get_int("axis", 1));
    check_zero_point(init, 2, scale);
    if (init.has_input(2) && init.input(2).dtype != x.dtype) throw_node_type(init.node, "x_zero_point must have x's type");
    const ValueInfo& y = init.output(0);
    if (y.dtype != DType::kFloat32 || y.shape != x.shape) throw_node_type(init.node, "output must be float32 " + shape_string(x.shape));
  }
  size_t scratch_bytes(int) const override { return round_up64(layout_.channels * sizeof(int32_t)); }
  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    auto* zps = static_cast<int32_t*>(ctx.scratch);
    for (size_t c = 0; c < layout_.channels; ++c) zps[c] = in[2]->present() ? zero_point_at(*in[2], c) : 0;
    dequantize_linear(active_isa(), in[0]->data, type_, in[1]->as<float>(), zps, layout_.outer, layout_.channels, layout_.inner, out[0]->as<float>(), ctx.threads);
  }

 private:
  AxisLayout layout_;
  DequantInput type_ = DequantInput::kUint8;
};

class DynamicQuantizeLinearOp final : public Op {
 public:
  explicit DynamicQuantizeLinearOp(const OpInit& init) {
    const ValueInfo& x = init.input(0);
    if (x.dtype != DType::kFloat32) throw_node_type(init.node, std::string("x must be float32, got ") + dtype_name(x.dtype));
    if (init.output(0).dtype != DType::kUint8 || init.output(0).shape != x.shape) throw_node_type(init.node, "y must be uint8 " + shape_string(x.shape));
    if (init.output(1).dtype != DType::kFloat32 || init.output(1).numel() != 1) throw_node_type(init.node, "y_scale must be a float32 scalar");
    if (init.output(2).dtype != DType::kUint8 || init.output(2).numel() != 1) throw_node_type(init.node, "y_zero_point must be a uint8 scalar");
  }
  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    DynamicQuantParams p{};
    try {
      p = dynamic_quantize_linear(active_isa(), in[0]->as<float>(), static_cast<size_t>(in[0]->numel()), out[0]->as<uint8_t>(), ctx.threads);
    } catch (const Error&) {
      // NaN or infinity in x: no scale exists. A graph run cannot throw, so the result says so: scale NaN.
      p.scale = std::nanf("");
      p.zero_point = 0;
      std::memset(out[0]->data, 0, out[0]->bytes());
    }
    *out[1]->as<float>() = p.scale;
    *out[2]->as<uint8_t>() = static_cast<uint8_t>(p.zero_point);
  }
};

// MatMulInteger and QLinearMatMul: A [..., M, K] × B [..., K, N] with numpy batch broadcasting.
class QMatMulOp final : public Op {
 public:
  QMatMulOp(const OpInit& init, bool qlinear) : qlinear_(qlinear) {
    const NodeSpec& node = init.node;
    input_count_ = init.input_count();
    a_index_ = 0;
    b_index_ = qlinear ? 3 : 1;
    const ValueInfo& a = init.input(a_index_);
    const ValueInfo& b = init.input(b_index_);
    for (const ValueInfo* v : {&a, &b})
      if (v->dtype != DType::kUint8 && v->dtype != DType::kInt8) throw_node_type(node, std::string("A and B must be uint8 or int8, got ") + dtype_name(v->dtype));
    a_signed_ = a.dtype == DType::kInt8;
    b_unsigned_ = b.dtype == DType::kUint8;
    if (a.shape.empty() || b.shape.empty()) throw_node_range(node, "A and B must have rank >= 1");
    Shape as = a.shape, bs = b.shape;
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    M_ = as[as.size() - 2];
    K_ = as.back();
    N_ = bs.back();
    if (bs[bs.size() - 2] != K_) throw_node_range(node, "A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " disagree on K");
    // Batch dims, broadcast.
    Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
    const size_t rank = std::max(a_batch.size(), b_batch.size());
    a_batch.insert(a_batch.begin(), rank - a_batch.size(), 1);
    b_batch.insert(b_batch.begin(), rank - b_batch.size(), 1);
    Shape batch(rank);
    for (size_t d = 0; d < rank; ++d) {
      if (a_batch[d] != b_batch[d] && a_batch[d] != 1 && b_batch[d] != 1)
        throw_node_range(node, "batch dimensions of A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " do not broadcast");
      batch[d] = std::max(a_batch[d], b_batch[d]);
    }
    // Offsets of each output batch into A and B.
    const int64_t batches = shape_numel(batch);
    for (int64_t i = 0; i < batches; ++i) {
      int64_t rem = i, ao = 0, bo = 0, astride = 1, bstride = 1;
      for (size_t d = rank; d-- > 0;) {
        const int64_t idx = rem % batch[d];
        rem /= batch[d];
        if (a_batch[d] != 1) ao += idx * astride;
        if (b_batch[d] != 1) bo += idx * bstride;
        astride *= a_batch[d];
        bstride *= b_batch[d];
      }
      a_offsets_.push_back(ao * M_ * K_);
      b_offsets_.push_back(bo * K_ * N_);
    }
    b_batches_ = shape_numel(b_batch);
    Shape out_shape = batch;
    if (!a_vec) out_shape.push_back(M_);
    if (!b_vec) out_shape.push_back(N_);
    const DType out_dtype = qlinear ? init.input(7).dtype : DType::kInt32;
    const ValueInfo& y = init.output(0);
    if (y.dtype != out_dtype || y.shape != out_shape)
      throw_node_type(node, "output must be " + std::string(dtype_name(out_dtype)) + " " + shape_string(out_shape) + ", the plan has " + dtype_name(y.dtype) + " " + shape_string(y.shape));
    // Zero points: A per tensor or per row (MatMulInteger allows [M]); B per tensor or per column.
    a_zp_index_ = qlinear ? 2 : 2;
    b_zp_index_ = qlinear ? 5 : 3;
    if (init.has_input(a_zp_index_)) {
      const int64_t n = init.input(a_zp_index_).numel();
      if (n != 1 && (qlinear || n != M_)) throw_node_range(node, "a_zero_point must hold 1" + std::string(qlinear ? "" : " or M") + " values, got " + std::to_string(n));
      if (init.input(a_zp_index_).dtype != a.dtype) throw_node_type(node, "a_zero_point must have A's type");
      a_zp_per_row_ = n != 1;
    }
    if (init.has_input(b_zp_index_)) {
      const int64_t n = init.input(b_zp_index_).numel();
      if (n != 1 && n != N_) throw_node_range(node, "b_zero_point must hold 1 or N values, got " + std::to_string(n));
      if (init.input(b_zp_index_).dtype != b.dtype) throw_node_type(node, "b_zero_point must have B's type");
      b_zp_per_col_ = n != 1;
    }
    if (qlinear) {
      for (size_t i : {size_t{1}, size_t{4}, size_t{6}}) {
        if (init.input(i).dtype != DType::kFloat32) throw_node_type(node, "scales must be float32");
        check_scale_values(node, init.input(i), i == 1 ? "a_scale" : i == 4 ? "b_scale" : "y_scale");
      }
      if (init.input(1).numel() != 1 || init.input(6).numel() != 1) throw_node_range(node, "a_scale and y_scale must be scalars");
      const int64_t bn = init.input(4).numel();
      if (bn != 1 && bn != N_) throw_node_range(node, "b_scale must hold 1 or N values, got " + std::to_string(bn));
      b_scale_per_col_ = bn != 1;
      if (out_dtype != DType::kUint8 && out_dtype != DType::kInt8) throw_node_type(node, "y_zero_point must be uint8 or int8");
      range_ = read_output_range(node, out_dtype);
      // Constant scales (the usual case): the requantization multipliers once, not per run.
      if (init.input(1).constant && init.input(4).constant && init.input(6).constant) {
        multipliers_.resize(static_cast<size_t>(bn));
        requant_multipliers(*static_cast<const float*>(init.input(1).constant), static_cast<const float*>(init.input(4).constant), static_cast<int>(bn),
                            *static_cast<const float*>(init.input(6).constant), multipliers_.data());
      }
    }
    // Constant B (and constant zero point): pack once, shared by every plan.
    const bool zp_constant = !init.has_input(b_zp_index_) || init.input(b_zp_index_).constant != nullptr;
    if (b.constant && zp_constant && K_ <= INT32_MAX && N_ <= INT32_MAX) {
      std::vector<int32_t> zps = b_zero_points(init.has_input(b_zp_index_) ? init.input(b_zp_index_).constant : nullptr, init.has_input(b_zp_index_) ? init.input(b_zp_index_).dtype : b.dtype);
      for (int64_t bb = 0; bb < b_batches_; ++bb) {
        const uint8_t* src = static_cast<const uint8_t*>(b.constant) + bb * K_ * N_;
        packed_.push_back(init.weights.get<PackedWeights>(b, "batch" + std::to_string(bb) + ":qgemm_b:" + isa_name(active_isa()) + ":" + std::to_string(b_unsigned_) + ":" + std::to_string(K_) + "x" + std::to_string(N_) + ":" + zp_key(zps), [&] {
          return std::shared_ptr<const PackedWeights>(pack_weights(active_isa(), src, b_unsigned_, static_cast<int>(K_), static_cast<int>(N_), zps.data(), b_zp_per_col_));
        }));
      }
    }
  }

  size_t scratch_bytes(int) const override { return round_up64(static_cast<size_t>(N_) * sizeof(float)) + round_up64(static_cast<size_t>(M_) * sizeof(int32_t)); }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    float* scales = static_cast<float*>(ctx.scratch);
    auto* a_zps = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(ctx.scratch) + round_up64(static_cast<size_t>(N_) * sizeof(float)));
    const TensorView* azp = optional_input(in, a_zp_index_);
    const size_t a_zp_count = a_zp_per_row_ ? static_cast<size_t>(M_) : 1;
    for (size_t i = 0; i < a_zp_count; ++i) a_zps[i] = azp ? zero_point_at(*azp, i) : 0;
    QGemmArgs g;
    g.M = static_cast<int>(M_);
    g.a_signed = a_signed_;
    g.a_zero_point = a_zps;
    g.a_zero_point_per_row = a_zp_per_row_;
    g.threads = ctx.threads;
    const size_t out_size = dtype_size(out[0]->dtype);
    if (qlinear_) {
      if (multipliers_.empty()) {
        const int count = b_scale_per_col_ ? static_cast<int>(N_) : 1;
        requant_multipliers(*in[1]->as<float>(), in[4]->as<float>(), count, *in[6]->as<float>(), scales);
      }
      g.kind = out[0]->dtype == DType::kUint8 ? OutputKind::kUint8 : OutputKind::kInt8;
      g.scale = multipliers_.empty() ? scales : multipliers_.data();
      g.scale_per_col = b_scale_per_col_;
      g.zero_point = in[7]->present() ? zero_point_at(*in[7], 0) : 0;
      g.qmin = range_.qmin;
      g.qmax = range_.qmax;
    }
    std::unique_ptr<PackedWeights> runtime_packed;
    for (size_t batch = 0; batch < a_offsets_.size(); ++batch) {
      const PackedWeights* pw = nullptr;
      if (!packed_.empty()) {
        pw = packed_[static_cast<size_t>(b_offsets_[batch] / std::max<int64_t>(1, K_ * N_))].get();
      } else {
        // B fed at run time: pack it for this batch (allocates; constant weights never take this path).
        const TensorView* bzp = optional_input(in, b_zp_index_);
        std::vector<int32_t> zps = b_zero_points(bzp ? bzp->data : nullptr, bzp ? bzp->dtype : in[b_index_]->dtype);
        runtime_packed = pack_weights(active_isa(), static_cast<const uint8_t*>(in[b_index_]->data) + b_offsets_[batch], b_unsigned_, static_cast<int>(K_), static_cast<int>(N_), zps.data(), b_zp_per_col_);
        pw = runtime_packed.get();
      }
      g.a = static_cast<const uint8_t*>(in[a_index_]->data) + a_offsets_[batch];
      g.b = pw;
      g.out = static_cast<uint8_t*>(out[0]->data) + static_cast<size_t>(batch) * static_cast<size_t>(M_ * N_) * out_size;
      if (M_ > 0 && N_ > 0) qgemm(g);
    }
  }

 private:
  // An optional input: null when omitted (absent, or past the inputs the node lists).
  const TensorView* optional_input(const TensorView* const* in, size_t index) const {
    return index < input_count_ && in[index]->present() ? in[index] : nullptr;
  }

  std::vector<int32_t> b_zero_points(const void* zp, DType dtype) const {
    const size_t count = b_zp_per_col_ ? static_cast<size_t>(N_) : 1;
    std::vector<int32_t> out(count, 0);
    if (!zp) return out;
    TensorView view{const_cast<void*>(zp), dtype, {static_cast<int64_t>(count)}};
    for (size_t i = 0; i < count; ++i) out[i] = zero_point_at(view, i);
    return out;
  }
  static std::string zp_key(const std::vector<int32_t>& zps) {
    std::string key;
    for (int32_t z : zps) key += std::to_string(z) + ",";
    return key;
  }

  bool qlinear_;
  size_t input_count_ = 0;
  size_t a_index_ = 0, b_index_ = 1, a_zp_index_ = 2, b_zp_index_ = 3;
  bool a_signed_ = false, b_unsigned_ = false, a_zp_per_row_ = false, b_zp_per_col_ = false, b_scale_per_col_ = false;
  int64_t M_ = 0, K_ = 0, N_ = 0, b_batches_ = 1;
  std::vector<int64_t> a_offsets_, b_offsets_;
  std::vector<std::shared_ptr<const PackedWeights>> packed_;
  std::vector<float> multipliers_;  // precomputed when all three scales are constants
  OutputRange range_;
};

// com.microsoft QGemm: Y = alpha·(A - a_zp)·(op(B) - b_zp) + C with C an int32 bias at scale
// a_scale·b_scale, requantized to y_scale / y_zero_point (uint8/int8) or, without y_scale, output
// as float32 (the dequantized sum). A is [M, K] (transA is not supported: QDQ fusion never makes it),
// B a constant [K, N] ([N, K] with transB) packed once, per tensor or per column.
class QGemmOp final : public Op {
 public:
  explicit QGemmOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    input_count_ = init.input_count();
    const ValueInfo& a = init.input(0);
    const ValueInfo& b = init.input(3);
    for (const ValueInfo* v : {&a, &b})
      if (v->dtype != DType::kUint8 && v->dtype != DType::kInt8) throw_node_type(node, std::string("A and B must be uint8 or int8, got ") + dtype_name(v->dtype));
    if (node.attrs.get_int("transA", 0) != 0) throw_node_type(node, "transA = 1 is not supported");
    const bool trans_b = node.attrs.get_int("transB", 0) != 0;
    alpha_ = node.attrs.get_float("alpha", 1.0f);
    if (a.shape.size() != 2 || b.shape.size() != 2) throw_node_range(node, "A and B must be 2-D, got " + shape_string(a.shape) + " and " + shape_string(b.shape));
    M_ = a.shape[0];
    K_ = a.shape[1];
    N_ = trans_b ? b.shape[0] : b.shape[1];
    if ((trans_b ? b.shape[1] : b.shape[0]) != K_) throw_node_range(node, "A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " disagree on K");
    if (!b.constant) throw_node_type(node, "B must be a constant (its packing is prepared once)");
    a_signed_ = a.dtype == DType::kInt8;
    for (size_t i : {size_t{1}, size_t{4}}) {
      const ValueInfo& s = init.input(i);
      if (s.dtype != DType::kFloat32) throw_node_type(node, "a_scale and b_scale must be float32");
      check_scale_values(node, s, i == 1 ? "a_scale" : "b_scale");
    }
    if (init.input(1).numel() != 1) throw_node_range(node, "a_scale must be a scalar");
    const int64_t bn = init.input(4).numel();
    if (bn != 1 && bn != N_) throw_node_range(node, "b_scale must hold 1 or N = " + std::to_string(N_) + " values, got " + std::to_string(bn));
    b_scale_per_col_ = bn != 1;
    if (init.has_input(2) && (init.input(2).dtype != a.dtype || init.input(2).numel() != 1)) throw_node_type(node, "a_zero_point must be a scalar of A's type");
    std::vector<int32_t> zps(static_cast<size_t>(b_scale_per_col_ ? N_ : 1), 0);
    if (init.has_input(5)) {
      const ValueInfo& z = init.input(5);
      if (z.dtype != b.dtype || (z.numel() != 1 && z.numel() != N_)) throw_node_type(node, "b_zero_point must hold 1 or N values of B's type");
      if (!z.constant) throw_node_type(node, "b_zero_point must be a constant");
      zps.assign(static_cast<size_t>(z.numel()), 0);
      for (size_t i = 0; i < zps.size(); ++i) zps[i] = b.dtype == DType::kInt8 ? static_cast<const int8_t*>(z.constant)[i] : static_cast<const uint8_t*>(z.constant)[i];
    }
    if (init.has_input(6)) {
      const ValueInfo& c = init.input(6);
      if (c.dtype != DType::kInt32) throw_node_type(node, std::string("C must be int32, got ") + dtype_name(c.dtype));
      if (c.numel() != N_ && c.numel() != 1) throw_node_range(node, "C must hold 1 or N = " + std::to_string(N_) + " values (a per-row bias is not supported), got " + shape_string(c.shape));
      has_bias_ = true;
      // C is at scale a_scale·b_scale and the sum is scaled once by alpha·a_scale·b_scale: that
      // would scale C by alpha too.
      if (alpha_ != 1.0f) throw_node_type(node, "alpha != 1 together with a bias C is not supported");
    }
    quantized_output_ = init.has_input(7);
    const ValueInfo& y = init.output(0);
    DType out = DType::kFloat32;
    if (quantized_output_) {
      if (init.input(7).dtype != DType::kFloat32 || init.input(7).numel() != 1) throw_node_type(node, "y_scale must be a float32 scalar");
      check_scale_values(node, init.input(7), "y_scale");
      out = init.has_input(8) ? init.input(8).dtype : DType::kUint8;
      if (out != DType::kUint8 && out != DType::kInt8) throw_node_type(node, "y_zero_point must be uint8 or int8");
      range_ = read_output_range(node, out);
    }
    if (y.dtype != out || y.shape != Shape{M_, N_}) throw_node_type(node, "Y must be " + std::string(dtype_name(out)) + " " + shape_string(Shape{M_, N_}));
    // B as [K, N] for the packer; packed once per session (plans for other batch sizes share it).
    std::string key = std::string("qgemm_op_b:") + (trans_b ? "t:" : "n:") + dtype_name(b.dtype) + ":" + isa_name(active_isa()) + ":";
    for (int32_t z : zps) key += std::to_string(z) + ",";
    packed_ = init.weights.get<PackedWeights>(b, key, [&] {
      std::vector<uint8_t> kn(static_cast<size_t>(K_ * N_));
      const uint8_t* src = static_cast<const uint8_t*>(b.constant);
      for (int64_t k = 0; k < K_; ++k)
        for (int64_t n = 0; n < N_; ++n) kn[static_cast<size_t>(k * N_ + n)] = trans_b ? src[n * K_ + k] : src[k * N_ + n];
      return std::shared_ptr<const PackedWeights>(
          pack_weights(active_isa(), kn.data(), b.dtype == DType::kUint8, static_cast<int>(K_), static_cast<int>(N_), zps.data(), zps.size() != 1));
    });
  }

  size_t scratch_bytes(int) const override { return round_up64(static_cast<size_t>(N_) * sizeof(float)) + round_up64(static_cast<size_t>(N_) * sizeof(int32_t)); }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    float* scales = static_cast<float*>(ctx.scratch);
    int32_t* bias = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(ctx.scratch) + round_up64(static_cast<size_t>(N_) * sizeof(float)));
    const float a_scale = *in[1]->as<float>();
    const float* b_scale = in[4]->as<float>();
    const float y_scale = quantized_output_ ? *in[7]->as<float>() : 1.0f;
    for (int64_t n = 0; n < N_; ++n) {
      const float s = alpha_ * a_scale * b_scale[b_scale_per_col_ ? n : 0];
      scales[n] = quantized_output_ ? s / y_scale : s;
    }
    if (has_bias_) {
      const TensorView& c = *in[6];
      for (int64_t n = 0; n < N_; ++n) bias[n] = c.as<int32_t>()[c.numel() == 1 ? 0 : n];
    }
    const int32_t a_zp = optional(in, 2) ? zero_point_at(*in[2], 0) : 0;
    QGemmArgs g;
    g.M = static_cast<int>(M_);
    g.a = in[0]->data;
    g.a_signed = a_signed_;
    g.a_zero_point = &a_zp;
    g.b = packed_.get();
    g.bias = has_bias_ ? bias : nullptr;
    g.scale = scales;
    g.scale_per_col = true;
    g.threads = ctx.threads;
    g.out = out[0]->data;
    if (quantized_output_) {
      g.kind = out[0]->dtype == DType::kUint8 ? OutputKind::kUint8 : OutputKind::kInt8;
      g.zero_point = optional(in, 8) ? zero_point_at(*in[8], 0) : 0;
      g.qmin = range_.qmin;
      g.qmax = range_.qmax;
    } else {
      g.kind = OutputKind::kFloat32;
    }
    if (M_ > 0 && N_ > 0) qgemm(g);
  }

 private:
  const TensorView* optional(const TensorView* const* in, size_t index) const {
    return index < input_count_ && in[index]->present() ? in[index] : nullptr;
  }

  size_t input_count_ = 0;
  int64_t M_ = 0, K_ = 0, N_ = 0;
  float alpha_ = 1.0f;
  bool a_signed_ = false, b_scale_per_col_ = false, has_bias_ = false, quantized_output_ = false;
  std::shared_ptr<const PackedWeights> packed_;
  OutputRange range_;
};

template <typename T> std::unique_ptr<Op> make(const OpInit& init) { return std::make_unique<T>(init); }
std::unique_ptr<Op> make_matmul_integer(const OpInit& init) { return std::make_unique<QMatMulOp>(init, false); }
std::unique_ptr<Op> make_qlinear_matmul(const OpInit& init) { return std::make_unique<QMatMulOp>(init, true); }

}  // namespace

void register_quantize_graph_ops(OpRegistry& r) {
  r.add("QuantizeLinear", make<QuantizeLinearOp>);
  r.add("DequantizeLinear", make<DequantizeLinearOp>);
  r.add("DynamicQuantizeLinear", make<DynamicQuantizeLinearOp>);
  r.add("MatMulInteger", make_matmul_integer);
  r.add("QLinearMatMul", make_qlinear_matmul);
  r.add("QGemm", make<QGemmOp>, "com.microsoft");
}

}  // namespace octet
