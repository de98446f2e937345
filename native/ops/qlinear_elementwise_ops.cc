// Elementwise operators on quantized (uint8 / int8) tensors: QLinearAdd and QLinearMul (domain
// com.microsoft, numpy broadcasting of A and B) and QLinearLookup (domain octet, a 256-entry table
// indexed by the input byte — what a quantized activation becomes once its float function is folded
// into a table).
//
// Definitions (round = nearbyint, half to even; requant(f, zp) = clamp((int32)round(f) + zp, qmin, qmax)
// with [qmin, qmax] the output type's range; every float step float32, exactly as written):
//   QLinearAdd     C = requant(float(a - za)·rA + float(b - zb)·rB, zc)   rA = A_scale / C_scale, rB = B_scale / C_scale
//   QLinearMul     C = requant(float((a - za)·(b - zb))·m, zc)            m = (A_scale·B_scale) / C_scale
//   QLinearLookup  y = table[x's byte, unsigned]                           (int8 -1 reads table[255])
// Zero points are optional (absent = 0) and per tensor, like the scales. Constant scales are checked at
// create (positive and finite) and their ratios computed once; scales fed at run time are read on every
// run (a run cannot throw: a zero or non-finite one gives saturated outputs, NaN gives qmin).
//
// A thread takes a range of output elements and walks it in broadcast segments (elementwise/broadcast.h):
// vector-vector, vector-scalar or scalar-vector, each one call of the active ISA's kernel
// (kernels/qbinary). Each output element is computed by the same expression whatever its segment or
// thread, so results never depend on either.
// The output may lie over an input of the same shape (each element is read before it is written).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../core/parallel.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../kernels/lookup/lookup_kernel.h"
#include "../kernels/qbinary/qbinary_kernel.h"
#include "conv/layout_checks.h"
#include "elementwise/broadcast.h"
#include "quantized_params.h"

namespace octet {

namespace {

// Output elements per thread below which more threads do not pay for their hand-off.
constexpr int64_t kGrain = 16 * 1024;
constexpr size_t kMaxChunk = 64 * 1024;

// Threads worth using for n elements of work.
int threads_for(int64_t n, int threads) {
  const int64_t useful = (n + kGrain - 1) / kGrain;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(std::max(threads, 1), useful)));
}


// ---- QLinearAdd, QLinearMul ----

enum class BinaryKind { kAdd, kMul };

// Inputs: A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point (zero points optional).
class QLinearBinaryOp final : public Op {
 public:
  QLinearBinaryOp(const OpInit& init, BinaryKind kind) : kind_(kind) {
    const NodeSpec& node = init.node;
    input_count_ = init.input_count();
    if (input_count_ < 7 || input_count_ > 8)
      throw_node_range(node, "has " + std::to_string(input_count_) +
                                 " inputs, expected 7 or 8 (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point)");
    const ValueInfo& a = required_input(init, 0, "A");
    const ValueInfo& b = required_input(init, 3, "B");
    if (!is_byte_type(a.dtype)) throw_node_type(node, std::string("A must be uint8 or int8, got ") + dtype_name(a.dtype));
    if (b.dtype != a.dtype) throw_node_type(node, std::string("B must have A's type ") + dtype_name(a.dtype) + ", got " + dtype_name(b.dtype));
    dtype_ = a.dtype;
    const ValueInfo& as = check_scale(init, 1, "A_scale");
    const ValueInfo& bs = check_scale(init, 4, "B_scale");
    const ValueInfo& cs = check_scale(init, 6, "C_scale");
    check_zero_point(init, 2, "A_zero_point", a.dtype, "A");
    check_zero_point(init, 5, "B_zero_point", b.dtype, "B");
    check_zero_point(init, 7, "C_zero_point", a.dtype, "A");

    Shape out_shape;
    if (!elementwise::broadcast_shapes({a.shape, b.shape}, &out_shape))
      throw_node_range(node, "A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " do not broadcast");
    require_output(node, init.output(0), dtype_, out_shape, "C");
    try {
      plan_ = elementwise::make_broadcast_plan(out_shape, {a.shape, b.shape});
    } catch (const Error& e) {
      throw_node_range(node, e.what());
    }
    const bool is_signed = dtype_ == DType::kInt8;
    qmin_ = is_signed ? -128 : 0;
    qmax_ = is_signed ? 127 : 255;
    const QBinaryKernels& k = qbinary_kernels(active_isa());
    if (kind == BinaryKind::kAdd) kernel_ = is_signed ? k.add_s8 : k.add_u8;
    else kernel_ = is_signed ? k.mul_s8 : k.mul_u8;

    // Constant scales (the usual case): the multipliers once, not per run.
    if (as.constant && bs.constant && cs.constant) {
      multipliers_ = multipliers(*static_cast<const float*>(as.constant), *static_cast<const float*>(bs.constant),
                                 *static_cast<const float*>(cs.constant));
      constant_scales_ = true;
    }
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    const int64_t total = plan_.total;
    if (total <= 0) return;
    QBinaryParams p = constant_scales_ ? multipliers_ : multipliers(*in[1]->as<const float>(), *in[4]->as<const float>(), *in[6]->as<const float>());
    const TensorView* za = optional_input(in, 2);
    const TensorView* zb = optional_input(in, 5);
    const TensorView* zc = optional_input(in, 7);
    p.za = za ? byte_value(za->data, za->dtype) : 0;
    p.zb = zb ? byte_value(zb->data, zb->dtype) : 0;
    p.zc = zc ? byte_value(zc->data, zc->dtype) : 0;
    p.lo = static_cast<float>(qmin_ - p.zc);
    p.hi = static_cast<float>(qmax_ - p.zc);
    // One-byte elements: offsets are byte offsets.
    const uint8_t* a = static_cast<const uint8_t*>(in[0]->data);
    const uint8_t* b = static_cast<const uint8_t*>(in[3]->data);
    uint8_t* y = static_cast<uint8_t*>(out[0]->data);
    const bool aa = plan_.inner_advances(0), ba = plan_.inner_advances(1);
    const QBinaryFn kernel = kernel_;
    // A segment with A fixed reads it as the kernel's broadcast second operand: Add is symmetric in
    // (a, za, ra) and (b, zb, rb) (the float sum is commutative), Mul in (a, za) and (b, zb).
    QBinaryParams swapped = p;
    std::swap(swapped.za, swapped.zb);
    if (kind_ == BinaryKind::kAdd) std::swap(swapped.ra, swapped.rb);
    const auto body = [&](size_t begin, size_t end, size_t) {
      elementwise::for_each_segment(plan_, static_cast<int64_t>(begin), static_cast<int64_t>(end),
                                    [&](const std::array<int64_t, elementwise::kMaxInputs>& off, int64_t pos, int64_t len) {
                                      const size_t n = static_cast<size_t>(len);
                                      if (aa) {
                                        kernel(a + off[0], b + off[1], ba ? 1 : 0, y + pos, n, p);
                                      } else if (ba) {
                                        kernel(b + off[1], a + off[0], 0, y + pos, n, swapped);
                                      } else {  // both fixed: one value, repeated
                                        kernel(a + off[0], b + off[1], 0, y + pos, 1, p);
                                        std::fill(y + pos + 1, y + pos + len, y[pos]);
                                      }
                                    });
    };
    const int threads = threads_for(total, ctx.threads);
    if (threads <= 1) body(0, static_cast<size_t>(total), 0);
    else parallel_ranges(static_cast<size_t>(total), threads, static_cast<size_t>(kGrain) / 4, kMaxChunk, body);
  }

 private:
  QBinaryParams multipliers(float a_scale, float b_scale, float c_scale) const {
    QBinaryParams p;
    if (kind_ == BinaryKind::kAdd) {
      p.ra = a_scale / c_scale;
      p.rb = b_scale / c_scale;
    } else {
      p.ra = (a_scale * b_scale) / c_scale;
    }
    return p;
  }

  // An optional input: null when omitted (absent, or past the inputs the node lists).
  const TensorView* optional_input(const TensorView* const* in, size_t index) const {
    return index < input_count_ && in[index]->present() ? in[index] : nullptr;
  }

  BinaryKind kind_;
  DType dtype_ = DType::kUint8;
  size_t input_count_ = 0;
  int32_t qmin_ = 0, qmax_ = 255;
  elementwise::BroadcastPlan plan_;
  QBinaryFn kernel_ = nullptr;
  bool constant_scales_ = false;
  QBinaryParams multipliers_;  // Add: ra, rb; Mul: m in ra (when constant_scales_)
};

// ---- QLinearLookup ----

// Inputs: X (uint8 or int8, any shape), table (a constant [256] uint8 or int8). Y: X's shape, table's type.
class QLinearLookupOp final : public Op {
 public:
  explicit QLinearLookupOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    if (init.input_count() != 2) throw_node_range(node, "has " + std::to_string(init.input_count()) + " inputs, expected 2 (X, table)");
    const ValueInfo& x = required_input(init, 0, "X");
    const ValueInfo& table = required_input(init, 1, "table");
    if (!is_byte_type(x.dtype)) throw_node_type(node, std::string("X must be uint8 or int8, got ") + dtype_name(x.dtype));
    if (!is_byte_type(table.dtype)) throw_node_type(node, std::string("table must be uint8 or int8, got ") + dtype_name(table.dtype));
    if (table.shape != Shape{256}) throw_node_range(node, "table must have shape [256] (one entry per byte value), got " + shape_string(table.shape));
    if (!table.constant) throw_node_type(node, "table must be a constant (an initializer); it is computed at run time here");
    require_output(node, init.output(0), table.dtype, x.shape, "Y");
    std::memcpy(table_.data(), table.constant, table_.size());
    total_ = x.numel();
    lookup_ = lookup_kernel(active_isa());
  }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (total_ <= 0) return;
    const uint8_t* x = static_cast<const uint8_t*>(in[0]->data);  // the byte, read unsigned
    uint8_t* y = static_cast<uint8_t*>(out[0]->data);               // may equal x: read, then write
    const uint8_t* table = table_.data();
    const LookupFn lookup = lookup_;
    const auto body = [&](size_t begin, size_t end, size_t) { lookup(x + begin, y + begin, end - begin, table); };
    const int threads = threads_for(total_, ctx.threads);
    if (threads <= 1) body(0, static_cast<size_t>(total_), 0);
    else parallel_ranges(static_cast<size_t>(total_), threads, static_cast<size_t>(kGrain) / 4, kMaxChunk, body);
  }

 private:
  std::array<uint8_t, 256> table_{};
  int64_t total_ = 0;
  LookupFn lookup_ = nullptr;
};

std::unique_ptr<Op> make_qlinear_add(const OpInit& init) { return std::make_unique<QLinearBinaryOp>(init, BinaryKind::kAdd); }
std::unique_ptr<Op> make_qlinear_mul(const OpInit& init) { return std::make_unique<QLinearBinaryOp>(init, BinaryKind::kMul); }
std::unique_ptr<Op> make_qlinear_lookup(const OpInit& init) { return std::make_unique<QLinearLookupOp>(init); }

}  // namespace

void register_qlinear_elementwise_ops(OpRegistry& r) {
  r.add("QLinearAdd", make_qlinear_add, "com.microsoft");
  r.add("QLinearMul", make_qlinear_mul, "com.microsoft");
  r.add("QLinearLookup", make_qlinear_lookup, "octet");
}

}  // namespace octet
