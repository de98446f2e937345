// Softmax, LogSoftmax and Hardmax on float32.
//
// Opsets 1–12 flatten the input to 2-D at `axis` (default 1) and normalise each row of
// prod(shape[axis:]) elements; opset 13 normalises along the single axis `axis` (default −1). Both
// reduce to a [outer, length, inner] view: inner = 1 (the last axis, and every opset < 13 case) is a
// row at a time with the vmath reductions; otherwise blocks of columns are normalised together
// with the vmath elementwise kernels. Numerically stable: the maximum is subtracted first.
//   Softmax     y = exp(x − max) / sum            (division, not a reciprocal: one rounding)
//   LogSoftmax  y = (x − max) − log(sum)
//   Hardmax     1 at the first maximum along the axis, 0 elsewhere
// Every path's operations and summation order are fixed (vmath's canonical order along a row;
// k = 0, 1, ... down a column), so results match on every ISA and for any thread count. In place is
// fine: a row (or column block) is read completely before any of it is written where that matters.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "../core/thread_pool.h"
#include "../graph/op.h"
#include "../kernels/vmath/vmath.h"
#include "elementwise/common.h"

namespace octet {

namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

constexpr int64_t kColumnBlock = 256;  // columns normalised together in the inner-axis case
constexpr int64_t kRowChunk = 1024;    // LogSoftmax's exp values go through a stack buffer this long

class SoftmaxOp final : public Op {
 public:
  SoftmaxKind kind = SoftmaxKind::kSoftmax;
  const VMathKernels* vm = nullptr;
  int64_t outer = 0, length = 0, inner = 0;

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const float* x = inputs[0]->as<float>();
    float* y = outputs[0]->as<float>();
    if (outer == 0 || length == 0 || inner == 0) return;
    if (inner == 1) {
      const int64_t grain = std::max<int64_t>(1, elementwise::kGrainCostly / length);
      elementwise::parallel_ranges(outer, ctx.threads, grain, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) row(x + r * length, y + r * length);
      });
    } else {
      const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
      const int64_t grain = std::max<int64_t>(1, elementwise::kGrainCostly / (length * std::min(inner, kColumnBlock)));
      elementwise::parallel_ranges(outer * blocks, ctx.threads, grain, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          const int64_t o = t / blocks, c0 = (t % blocks) * kColumnBlock;
          columns(x + o * length * inner + c0, y + o * length * inner + c0, std::min(kColumnBlock, inner - c0));
        }
      });
    }
  }

 private:
  void row(const float* x, float* y) const {
    const size_t n = static_cast<size_t>(length);
    if (kind == SoftmaxKind::kHardmax) {
      size_t best = 0;
      for (size_t i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
      std::memset(y, 0, n * sizeof(float));
      y[best] = 1.0f;
      return;
    }
    const float max = vm->reduce_max(x, n);
    if (kind == SoftmaxKind::kSoftmax) {
      const float sum = vm->exp_shifted_sum(x, y, n, max);
      vm->binary_fn(VBinaryOp::kDiv, VBroadcast::kVS)(y, &sum, y, n);
      return;
    }
    // LogSoftmax: the sum in chunks (each in vmath's canonical order, chunks in sequence), then
    // y = (x − max) − log(sum), which may overwrite x.
    float buffer[kRowChunk];
    float sum = 0.0f;
    for (size_t i = 0; i < n; i += kRowChunk) sum += vm->exp_shifted_sum(x + i, buffer, std::min<size_t>(kRowChunk, n - i), max);
    float log_sum;
    vm->log(&sum, &log_sum, 1);
    vm->binary_fn(VBinaryOp::kSub, VBroadcast::kVS)(x, &max, y, n);
    vm->binary_fn(VBinaryOp::kSub, VBroadcast::kVS)(y, &log_sum, y, n);
  }

  // cols (<= kColumnBlock) adjacent columns of one [length, inner] slice, row stride `inner`.
  void columns(const float* x, float* y, int64_t cols) const {
    const size_t w = static_cast<size_t>(cols);
    const int64_t s = inner;
    if (kind == SoftmaxKind::kHardmax) {
      int64_t best[kColumnBlock];
      for (size_t j = 0; j < w; ++j) {
        best[j] = 0;
        for (int64_t k = 1; k < length; ++k)
          if (x[k * s + j] > x[best[j] * s + j]) best[j] = k;
      }
      for (int64_t k = 0; k < length; ++k)
        for (size_t j = 0; j < w; ++j) y[k * s + j] = best[j] == k ? 1.0f : 0.0f;
      return;
    }
    const VBinaryFn max_vv = vm->binary_fn(VBinaryOp::kMax, VBroadcast::kVV);
    const VBinaryFn sub_vv = vm->binary_fn(VBinaryOp::kSub, VBroadcast::kVV);
    const VBinaryFn add_vv = vm->binary_fn(VBinaryOp::kAdd, VBroadcast::kVV);
    const VBinaryFn div_vv = vm->binary_fn(VBinaryOp::kDiv, VBroadcast::kVV);
    float max[kColumnBlock], sum[kColumnBlock], e[kColumnBlock];
    std::memcpy(max, x, w * sizeof(float));
    for (int64_t k = 1; k < length; ++k) max_vv(max, x + k * s, max, w);
    std::memset(sum, 0, sizeof sum);
    if (kind == SoftmaxKind::kSoftmax) {
      for (int64_t k = 0; k < length; ++k) {
        sub_vv(x + k * s, max, y + k * s, w);
        vm->exp(y + k * s, y + k * s, w);
        add_vv(sum, y + k * s, sum, w);
      }
      for (int64_t k = 0; k < length; ++k) div_vv(y + k * s, sum, y + k * s, w);
    } else {
      for (int64_t k = 0; k < length; ++k) {
        sub_vv(x + k * s, max, y + k * s, w);
        vm->exp(y + k * s, e, w);
        add_vv(sum, e, sum, w);
      }
      vm->log(sum, sum, w);
      for (int64_t k = 0; k < length; ++k) sub_vv(y + k * s, sum, y + k * s, w);
    }
  }
};

std::unique_ptr<Op> create_softmax(const OpInit& init) {
  const NodeSpec& node = init.node;
  elementwise::expect_input_count(init, 1, 1);
  const ValueInfo& x = init.input(0);
  if (x.dtype != DType::kFloat32) elementwise::throw_unsupported_dtype(node, "input 0", x.dtype, "float32");
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const bool legacy = node.opset < 13;
  int64_t axis = node.attrs.get_int("axis", legacy ? 1 : -1);
  if (rank == 0) throw_node_range(node, "input is a scalar (shape []), expected rank >= 1");
  if (axis < -rank || axis >= rank)
    throw_node_range(node, "axis " + std::to_string(axis) + " is out of range for input of shape " + shape_string(x.shape) +
                               " (expected " + std::to_string(-rank) + " to " + std::to_string(rank - 1) + ")");
  if (axis < 0) axis += rank;
  elementwise::expect_output(init, 0, DType::kFloat32, x.shape);
  auto op = std::make_unique<SoftmaxOp>();
  op->kind = node.op_type == "Softmax" ? SoftmaxKind::kSoftmax : node.op_type == "LogSoftmax" ? SoftmaxKind::kLogSoftmax : SoftmaxKind::kHardmax;
  op->vm = &vmath();
  op->outer = 1;
  for (int64_t d = 0; d < axis; ++d) op->outer *= x.shape[d];
  if (legacy) {  // the 2-D view [prod(shape[:axis]), prod(shape[axis:])]
    op->length = 1;
    for (int64_t d = axis; d < rank; ++d) op->length *= x.shape[d];
    op->inner = 1;
  } else {
    op->length = x.shape[axis];
    op->inner = 1;
    for (int64_t d = axis + 1; d < rank; ++d) op->inner *= x.shape[d];
  }
  return op;
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  r.add("Softmax", create_softmax);
  r.add("LogSoftmax", create_softmax);
  r.add("Hardmax", create_softmax);
}

}  // namespace octet
