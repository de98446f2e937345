// Gemm (opsets 7-21) and MatMul (opsets 1-21), float32, on the float GEMM of ops/sgemm.h.
//
// What each output element is, exactly (so every ISA and thread count gives the same bits):
//   acc = the sgemm definition of A'·B' (one fma chain, k in order from +0.0f);
//   Gemm: y = acc; y = alpha·y (when alpha != 1); y = y + beta·c (when C is given and beta != 0);
//   then the fused activation: a clamp (Relu, Clip) is sgemm's clamp, any other runs over Y after.
// When nothing comes between the GEMM and the clamp — alpha = 1 and C either absent or a constant
// that only varies along N ([], [1], [N], [1,N]) — beta·C is the epilogue bias and the clamp is the
// epilogue clamp: the same operations in the same order, without a second pass over Y.
// beta = 0 drops C altogether (as onnxruntime does), so an inf or NaN in C does not leak through 0·C.
//
// Constant B is packed once through the session's WeightCache; a runtime B is packed per run into
// scratch (sgemm_unpacked). MatMul follows numpy: 1-D operands are promoted (and the added dim
// dropped from Y), batch dims broadcast; a B without batch dims lets all of A's batches run as one
// GEMM with batch·M rows.
#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../kernels/sgemm/sgemm_kernel.h"
#include "activation.h"
#include "sgemm.h"

namespace octet {

namespace {

// Elementwise passes (alpha, C, activation) hand out this many floats per task.
constexpr size_t kElementwiseChunk = 16 * 1024;
// A batch of MatMul smaller than this (multiply-adds) gets one thread; the batches run in parallel.
constexpr size_t kSmallBatchFma = size_t{1} << 20;

// Runs body(task) for task < tasks on the pool. The std::function the pool takes holds only a
// reference to the lambda: a lambda capturing many references may not fit std::function's small
// buffer, and run() must not allocate.
template <typename Body>
void parallel(size_t tasks, int threads, const Body& body) {
  ThreadPool::global().parallel_for(tasks, threads, std::function<void(size_t)>(std::cref(body)));
}

size_t align64(size_t v) { return (v + 63) & ~size_t{63}; }

template <typename T>
T* scratch_at(void* base, size_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(base) + offset);
}

void require_float32(const NodeSpec& node, const ValueInfo& v, const char* what) {
  if (v.dtype != DType::kFloat32)
    throw_node_type(node, std::string(what) + " has dtype " + dtype_name(v.dtype) + "; " + node.op_type +
                              " supports float32 only");
}

void require_output(const NodeSpec& node, const OpInit& init, const Shape& expected) {
  const ValueInfo& y = init.output(0);
  require_float32(node, y, "output Y");
  if (y.shape != expected)
    throw_node_range(node, "the plan gives output Y the shape " + shape_string(y.shape) + ", expected " + shape_string(expected));
}

Activation read_activation(const NodeSpec& node) {
  try {
    return Activation::from_attributes(node.attrs);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kRange) throw_node_range(node, e.what());
    throw_node_type(node, e.what());
  }
}

int64_t read_flag(const NodeSpec& node, const char* name) {
  int64_t v = 0;
  try {
    v = node.attrs.get_int(name, 0);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
  if (v != 0 && v != 1) throw_node_range(node, std::string("attribute '") + name + "' is " + std::to_string(v) + ", expected 0 or 1");
  return v;
}

float read_float(const NodeSpec& node, const char* name, float fallback) {
  try {
    return node.attrs.get_float(name, fallback);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
}

bool has_clamp(const SGemmEpilogue& ep) {
  return !(ep.min == -std::numeric_limits<float>::infinity() && ep.max == std::numeric_limits<float>::infinity());
}

// The packing key: which constant, which layout, and the path whose panels they are.
std::string packing_key(const char* kind, bool transposed) {
  return std::string(kind) + (transposed ? "/t1/" : "/t0/") + isa_name(active_isa());
}

// Non-clamp activations over n floats, in chunks across the threads.
void apply_activation(const Activation& act, float* data, size_t n, int threads) {
  if (act.is_clamp() || n == 0) return;
  const size_t tasks = (n + kElementwiseChunk - 1) / kElementwiseChunk;
  parallel(tasks, threads, [&](size_t t) {
    const size_t begin = t * kElementwiseChunk;
    act.apply(data + begin, std::min(n, begin + kElementwiseChunk) - begin);
  });
}

// ---------------------------------------------------------------------------------------------
// Gemm

class GemmOp final : public Op {
 public:
  explicit GemmOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& a = init.input(0);
    const ValueInfo& b = init.input(1);
    require_float32(node, a, "input A");
    require_float32(node, b, "input B");
    if (a.shape.size() != 2) throw_node_range(node, "input A must be 2-D, got shape " + shape_string(a.shape));
    if (b.shape.size() != 2) throw_node_range(node, "input B must be 2-D, got shape " + shape_string(b.shape));
    trans_a_ = read_flag(node, "transA") != 0;
    trans_b_ = read_flag(node, "transB") != 0;
    alpha_ = read_float(node, "alpha", 1.0f);
    beta_ = read_float(node, "beta", 1.0f);
    M_ = static_cast<size_t>(trans_a_ ? a.shape[1] : a.shape[0]);
    K_ = static_cast<size_t>(trans_a_ ? a.shape[0] : a.shape[1]);
    const size_t kb = static_cast<size_t>(trans_b_ ? b.shape[1] : b.shape[0]);
    N_ = static_cast<size_t>(trans_b_ ? b.shape[0] : b.shape[1]);
    if (kb != K_)
      throw_node_range(node, "A " + shape_string(a.shape) + (trans_a_ ? " (transposed)" : "") + " gives K = " + std::to_string(K_) +
                                 " but B " + shape_string(b.shape) + (trans_b_ ? " (transposed)" : "") + " gives K = " + std::to_string(kb));
    require_output(node, init, Shape{static_cast<int64_t>(M_), static_cast<int64_t>(N_)});

    if (init.has_input(2)) {
      read_c(node, init.input(2));
    } else if (node.opset > 0 && node.opset < 11) {
      throw_node_type(node, "input C is required before opset 11 (this node has opset " + std::to_string(node.opset) + ")");
    }

    act_ = read_activation(node);
    SGemmEpilogue clamp;
    if (act_.is_clamp()) {
      clamp.min = act_.min;
      clamp.max = act_.max;
    }
    post_pass_ = alpha_ != 1.0f || c_mode_ == CMode::kAdd;
    if (post_pass_) {
      post_clamp_ = clamp;  // after alpha and C
    } else {
      epilogue_.min = clamp.min;
      epilogue_.max = clamp.max;
    }
    if (c_mode_ == CMode::kBias) epilogue_.bias = bias_.data();

    if (b.constant != nullptr) {
      const float* data = static_cast<const float*>(b.constant);
      packed_b_ = init.weights.get<SGemmPackedB>(b, packing_key("sgemm_b", trans_b_),
                                                 [&] { return sgemm_pack_b(data, K_, N_, trans_b_); });
    }
    if (trans_a_) a_t_bytes_ = align64(sizeof(float) * M_ * K_);
    if (!packed_b_) b_pack_bytes_ = align64(sgemm_pack_scratch_bytes(K_, N_));
  }

  size_t scratch_bytes(int threads) const override { return a_t_bytes_ + b_pack_bytes_; }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const int threads = std::max(ctx.threads, 1);
    float* y = outputs[0]->as<float>();
    if (M_ == 0 || N_ == 0) return;
    const float* a = inputs[0]->as<const float>();
    if (trans_a_) {
      float* at = scratch_at<float>(ctx.scratch, 0);
      transpose(a, at, K_, M_, threads);
      a = at;
    }
    if (packed_b_) {
      sgemm(M_, N_, K_, a, K_, *packed_b_, y, N_, epilogue_, threads);
    } else {
      sgemm_unpacked(M_, N_, K_, a, K_, inputs[1]->as<const float>(), trans_b_ ? K_ : N_, trans_b_, y, N_, epilogue_, threads,
                     scratch_at<void>(ctx.scratch, a_t_bytes_));
    }
    if (post_pass_) {
      const float* c = nullptr;
      if (c_mode_ == CMode::kAdd) c = c_const_.empty() ? inputs[2]->as<const float>() : c_const_.data();
      finish(y, c, threads);
    }
    apply_activation(act_, y, M_ * N_, threads);
  }

 private:
  enum class CMode { kNone, kBias, kAdd };

  // C must broadcast to [M, N] one way (numpy rules, right-aligned, rank ≤ 2).
  void read_c(const NodeSpec& node, const ValueInfo& c) {
    require_float32(node, c, "input C");
    const Shape& s = c.shape;
    const size_t mn[2] = {M_, N_};
    bool ok = s.size() <= 2;
    for (size_t i = 0; ok && i < s.size(); ++i) {
      const size_t want = mn[2 - s.size() + i];
      ok = s[i] == 1 || static_cast<size_t>(s[i]) == want;
    }
    if (!ok)
      throw_node_range(node, "input C has shape " + shape_string(s) + ", which does not broadcast to [M, N] = [" +
                                 std::to_string(M_) + "," + std::to_string(N_) + "] (expected [], [N], [1,N], [M,1] or [M,N] with 1s allowed)");
    c_rows_ = s.size() == 2 ? static_cast<size_t>(s[0]) : 1;
    c_cols_ = s.empty() ? 1 : static_cast<size_t>(s.back());
    if (beta_ == 0.0f) return;  // C does not take part (see the file comment)
    const float* data = static_cast<const float*>(c.constant);
    if (data != nullptr && alpha_ == 1.0f && c_rows_ == 1) {
      // beta·C as the epilogue bias: acc + beta·c, the same addition the second pass would do.
      c_mode_ = CMode::kBias;
      bias_.resize(N_);
      for (size_t n = 0; n < N_; ++n) bias_[n] = beta_ * data[c_cols_ == 1 ? 0 : n];
      return;
    }
    c_mode_ = CMode::kAdd;
    if (data != nullptr) c_const_.assign(data, data + c_rows_ * c_cols_);
  }

  // y = alpha·y (alpha != 1), + beta·c (C given), then the clamp: rows spread over the threads.
  void finish(float* y, const float* c, int threads) const {
    const size_t rows_per_task = std::max<size_t>(1, kElementwiseChunk / std::max<size_t>(N_, 1));
    const size_t tasks = (M_ + rows_per_task - 1) / rows_per_task;
    const bool scale = alpha_ != 1.0f, clamp = has_clamp(post_clamp_);
    parallel(tasks, threads, [&](size_t t) {
      const size_t m_end = std::min(M_, (t + 1) * rows_per_task);
      for (size_t m = t * rows_per_task; m < m_end; ++m) {
        float* row = y + m * N_;
        const float* c_row = c != nullptr ? c + (c_rows_ == 1 ? 0 : m) * c_cols_ : nullptr;
        for (size_t n = 0; n < N_; ++n) {
          float v = row[n];
          if (scale) v = alpha_ * v;
          if (c_row != nullptr) v = v + beta_ * c_row[c_cols_ == 1 ? 0 : n];
          if (clamp) v = sgemm_clamp(v, post_clamp_.min, post_clamp_.max);
          row[n] = v;
        }
      }
    });
  }

  // dst[c][r] = src[r][c] for a rows × cols source, in tiles that stay in L1.
  static void transpose(const float* src, float* dst, size_t rows, size_t cols, int threads) {
    constexpr size_t kTile = 32;
    const size_t col_tiles = (cols + kTile - 1) / kTile;
    parallel(col_tiles, rows * cols >= (size_t{1} << 16) ? threads : 1, [&](size_t t) {
      const size_t c0 = t * kTile, c1 = std::min(cols, c0 + kTile);
      for (size_t r0 = 0; r0 < rows; r0 += kTile) {
        const size_t r1 = std::min(rows, r0 + kTile);
        for (size_t c = c0; c < c1; ++c)
          for (size_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
      }
    });
  }

  size_t M_ = 0, N_ = 0, K_ = 0;
  bool trans_a_ = false, trans_b_ = false;
  float alpha_ = 1.0f, beta_ = 1.0f;
  CMode c_mode_ = CMode::kNone;
  size_t c_rows_ = 1, c_cols_ = 1;  // C's broadcast shape as [rows, cols], each 1 or M / N
  std::vector<float> bias_;         // kBias: beta·C per column
  std::vector<float> c_const_;      // kAdd with a constant C: its values (else C is read per run)
  Activation act_;
  SGemmEpilogue epilogue_;          // bias and clamp when no second pass is needed
  SGemmEpilogue post_clamp_;        // the clamp, applied by the second pass instead
  bool post_pass_ = false;
  std::shared_ptr<const SGemmPackedB> packed_b_;
  size_t a_t_bytes_ = 0, b_pack_bytes_ = 0;  // scratch: A transposed, then B packed
};

// ---------------------------------------------------------------------------------------------
// MatMul

// One packing per batch of a constant B with batch dims.
struct PackedBatches {
  std::vector<std::shared_ptr<const SGemmPackedB>> batches;
};

class MatMulOp final : public Op {
 public:
  explicit MatMulOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& a = init.input(0);
    const ValueInfo& b = init.input(1);
    require_float32(node, a, "input A");
    require_float32(node, b, "input B");
    const Shape& as = a.shape;
    const Shape& bs = b.shape;
    const auto shapes = [&] { return "A " + shape_string(as) + " and B " + shape_string(bs); };
    if (as.empty() || bs.empty()) throw_node_range(node, "inputs must have rank >= 1, got " + shapes());
    // numpy promotion: a 1-D A is a row [1,K], a 1-D B a column [K,1].
    const Shape a2 = as.size() == 1 ? Shape{1, as[0]} : as;
    const Shape b2 = bs.size() == 1 ? Shape{bs[0], 1} : bs;
    M_ = static_cast<size_t>(a2[a2.size() - 2]);
    K_ = static_cast<size_t>(a2.back());
    N_ = static_cast<size_t>(b2.back());
    const size_t kb = static_cast<size_t>(b2[b2.size() - 2]);
    if (kb != K_)
      throw_node_range(node, shapes() + " do not multiply: A's last dim (" + std::to_string(K_) + ") must equal B's " +
                                 (bs.size() == 1 ? "only" : "second-to-last") + " dim (" + std::to_string(kb) + ")");

    const Shape a_batch(a2.begin(), a2.end() - 2), b_batch(b2.begin(), b2.end() - 2);
    const size_t rank = std::max(a_batch.size(), b_batch.size());
    Shape out_batch(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t da = i + a_batch.size() >= rank ? a_batch[i + a_batch.size() - rank] : 1;
      const int64_t db = i + b_batch.size() >= rank ? b_batch[i + b_batch.size() - rank] : 1;
      if (da != db && da != 1 && db != 1)
        throw_node_range(node, "the batch dims of " + shapes() + " do not broadcast (" + std::to_string(da) + " vs " +
                                   std::to_string(db) + " at batch axis " + std::to_string(i) + ")");
      out_batch[i] = da == 1 ? db : da;
    }
    Shape out = out_batch;
    if (as.size() > 1) out.push_back(static_cast<int64_t>(M_));
    if (bs.size() > 1) out.push_back(static_cast<int64_t>(N_));
    require_output(node, init, out);

    out_batches_ = static_cast<size_t>(shape_numel(out_batch));
    // B without batch dims: A's batches (which are Y's) are consecutive rows of one GEMM.
    fold_ = b_batch.empty();
    if (!fold_) {
      a_batch_of_ = batch_map(a_batch, out_batch);
      b_batch_of_ = batch_map(b_batch, out_batch);
    }

    act_ = read_activation(node);
    if (act_.is_clamp()) {
      epilogue_.min = act_.min;
      epilogue_.max = act_.max;
    }

    if (b.constant != nullptr) {
      const float* data = static_cast<const float*>(b.constant);
      if (fold_) {
        // The same packing (and key) as a Gemm with this B and transB = 0.
        packed_ = init.weights.get<SGemmPackedB>(b, packing_key("sgemm_b", false),
                                                 [&] { return sgemm_pack_b(data, K_, N_, false); });
      } else {
        const size_t b_batches = static_cast<size_t>(shape_numel(b_batch));
        packed_batches_ = init.weights.get<PackedBatches>(b, packing_key("sgemm_b_batches", false), [&] {
          auto p = std::make_shared<PackedBatches>();
          for (size_t i = 0; i < b_batches; ++i) p->batches.push_back(sgemm_pack_b(data + i * K_ * N_, K_, N_, false));
          return std::shared_ptr<const PackedBatches>(p);
        });
      }
    } else {
      pack_bytes_ = align64(sgemm_pack_scratch_bytes(K_, N_));
    }
  }

  // One packing area per thread when batches run in parallel.
  size_t scratch_bytes(int threads) const override { return pack_bytes_ * static_cast<size_t>(std::max(threads, 1)); }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const int threads = std::max(ctx.threads, 1);
    const float* a = inputs[0]->as<const float>();
    const float* b = inputs[1]->as<const float>();
    float* y = outputs[0]->as<float>();
    if (out_batches_ == 0 || M_ == 0 || N_ == 0) return;
    if (fold_) {
      const size_t rows = out_batches_ * M_;
      if (packed_) sgemm(rows, N_, K_, a, K_, *packed_, y, N_, epilogue_, threads);
      else sgemm_unpacked(rows, N_, K_, a, K_, b, N_, false, y, N_, epilogue_, threads, ctx.scratch);
    } else {
      // Small batches (attention heads) run side by side, one thread each, each with its own
      // packing area; big ones one after another with all threads.
      const bool side_by_side = threads > 1 && out_batches_ > 1 && M_ * N_ * std::max<size_t>(K_, 1) < kSmallBatchFma;
      const size_t groups = side_by_side ? std::min(out_batches_, static_cast<size_t>(threads)) : 1;
      const int inner_threads = side_by_side ? 1 : threads;
      parallel(groups, static_cast<int>(groups), [&](size_t g) {
        void* scratch = pack_bytes_ > 0 ? scratch_at<void>(ctx.scratch, g * pack_bytes_) : nullptr;
        const size_t begin = out_batches_ * g / groups, end = out_batches_ * (g + 1) / groups;
        for (size_t i = begin; i < end; ++i) {
          const float* ai = a + a_batch_of_[i] * M_ * K_;
          float* yi = y + i * M_ * N_;
          if (packed_batches_) sgemm(M_, N_, K_, ai, K_, *packed_batches_->batches[b_batch_of_[i]], yi, N_, epilogue_, inner_threads);
          else sgemm_unpacked(M_, N_, K_, ai, K_, b + b_batch_of_[i] * K_ * N_, N_, false, yi, N_, epilogue_, inner_threads, scratch);
        }
      });
    }
    apply_activation(act_, y, out_batches_ * M_ * N_, threads);
  }

 private:
  // For each output batch (row-major over out_batch), the batch of an operand whose batch dims
  // (right-aligned, size-1 dims broadcast) are `dims`.
  static std::vector<size_t> batch_map(const Shape& dims, const Shape& out_batch) {
    const size_t count = static_cast<size_t>(shape_numel(out_batch));
    std::vector<size_t> map(count);
    const size_t offset = out_batch.size() - dims.size();
    for (size_t i = 0; i < count; ++i) {
      size_t rest = i, index = 0, stride = 1;
      for (size_t d = out_batch.size(); d-- > 0;) {
        const size_t coordinate = rest % static_cast<size_t>(out_batch[d]);
        rest /= static_cast<size_t>(out_batch[d]);
        if (d >= offset) {
          const size_t size = static_cast<size_t>(dims[d - offset]);
          if (size != 1) index += coordinate * stride;
          stride *= size;
        }
      }
      map[i] = index;
    }
    return map;
  }

  size_t M_ = 0, N_ = 0, K_ = 0;
  size_t out_batches_ = 0;
  bool fold_ = false;
  std::vector<size_t> a_batch_of_, b_batch_of_;
  Activation act_;
  SGemmEpilogue epilogue_;
  std::shared_ptr<const SGemmPackedB> packed_;             // constant B without batch dims
  std::shared_ptr<const PackedBatches> packed_batches_;    // constant B with batch dims
  size_t pack_bytes_ = 0;  // per packing area (runtime B)
};

std::unique_ptr<Op> make_gemm(const OpInit& init) { return std::make_unique<GemmOp>(init); }
std::unique_ptr<Op> make_matmul(const OpInit& init) { return std::make_unique<MatMulOp>(init); }

}  // namespace

void register_gemm_ops(OpRegistry& r) {
  r.add("Gemm", make_gemm);
  r.add("MatMul", make_matmul);
}

}  // namespace octet
