// QLinearConv and ConvInteger: convolution on quantized data, 1-D to 3-D, computed channels-last
// inside like the float Conv (ops/conv_ops.cc), on the int8 GEMM (ops/qgemm) and the int8 depthwise
// kernels (kernels/qdwconv). Every output is the exact integer sum
//   acc[m] = B[m] + Σ_{taps, c} (x - x_zero_point) · (w[m] - w_zero_point[m])
// then, for QLinearConv, requantized as the GEMM's epilogue defines (float(acc) · x_scale·w_scale[m]
// / y_scale, clamped, rounded half to even, plus y_zero_point); ConvInteger outputs acc as int32.
// Padding taps read the input's zero point, so they add exactly nothing.
//
// Three forms, the same integers:
//   depthwise  group == C == M: the qdwconv kernel over an indirection buffer of tap pointers;
//   pointwise  1x1, stride 1, no padding: the NHWC input is the GEMM's A as it is (rows C apart);
//   im2col     everything else: tiles of output pixels unrolled into rows (kd, kh, kw, c), each
//              thread its own tiles, multiplied by the weights packed in that order;
//   indirect   the im2col form's rows read in place through tap pointers (conv/tap_rows.h), where
//              the GEMM has a gathered tile (ops/qgemm.h) and C/group is a multiple of 4.
// A constant W (with constant zero points) is packed once at create and shared through the
// WeightCache; W or zero points fed at run time are prepared on every run (the ONNX conformance tests
// feed everything as inputs). Constant scales must be positive and finite: checked at create.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/parallel.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../kernels/qdwconv/qdwconv_kernel.h"
#include "conv/conv_geometry.h"
#include "conv/depthwise_driver.h"
#include "conv/im2col.h"
#include "conv/layout_checks.h"
#include "conv/layout_transpose.h"
#include "conv/tap_rows.h"
#include "qgemm.h"
#include "quantized_params.h"
#include "scratch_layout.h"

namespace octet {

namespace {

// An im2col tile of K bytes per row should stay in L2 with the rows it produces.
constexpr size_t kColTileBytes = 96 * 1024;
// The indirect form's rows per task: as many as this much im2col would hold.
constexpr size_t kIndirectBlockBytes = 256 * 1024;
constexpr int64_t kMinTileRows = 48;
constexpr int64_t kTileRowMultiple = 24;
// Depthwise: output pixels per kernel call (one indirection buffer per thread), the fewest a thread
// takes at a time, and the shortest run of padding-free columns worth a strided call (as for float).
constexpr int64_t kDwPixels = 32;
constexpr size_t kDwMinPixels = 4;
constexpr int64_t kDwMinStridedRun = 8;
constexpr size_t kMaxSpatial = 3;
// Rows per GEMM tile of every kernel at most (the indirect form's pointer tables are sized for it).
constexpr int kMaxTileRowsPerCall = 16;

// The weights of one convolution, ready for its form. Built from W [M][C/g][taps] and its zero
// points: at create for a constant W, per run otherwise.
struct PreparedWeights {
  // GEMM forms: per group, B = [K = taps·C/g, N = M/g] in im2col order.
  std::vector<std::shared_ptr<const PackedWeights>> groups;
  // Depthwise: the kernel's packing of w - w_zero_point, and Σ_taps of it per channel (to fold the
  // input zero point into the bias).
  AlignedBuffer dw_packed;
  std::vector<int32_t> dw_sum;
  // 3x3 stride 1: the row-pair kernel's packing (QDwConvRowPairArgs), when the kernel has one.
  AlignedBuffer dw_row_pair;
};

}  // namespace

class QConvOp final : public Op {
 public:
  QConvOp(const OpInit& init, bool qlinear) : qlinear_(qlinear) {
    const NodeSpec& node = init.node;
    w_index_ = qlinear ? 3 : 1;
    x_zp_index_ = 2;
    w_zp_index_ = qlinear ? 5 : 3;
    input_count_ = init.input_count();
    const ValueInfo& x = init.input(0);
    const ValueInfo& w = init.input(w_index_);
    if (!is_byte_type(x.dtype)) throw_node_type(node, std::string("x must be uint8 or int8, got ") + dtype_name(x.dtype));
    if (!is_byte_type(w.dtype)) throw_node_type(node, std::string("w must be uint8 or int8, got ") + dtype_name(w.dtype));
    x_signed_ = x.dtype == DType::kInt8;
    w_dtype_ = w.dtype;
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, kMaxSpatial, "x");
    if (w.shape.size() != x.shape.size())
      throw_node_range(node, "w " + shape_string(w.shape) + " must have the rank of x " + shape_string(x.shape) + " ([M, C/group, kernel...])");
    const size_t rank = in.spatial.size();
    group_ = read_group(node);
    N_ = in.batch;
    C_ = in.channels;
    M_ = w.shape[0];
    Cg_ = w.shape[1];
    if (M_ < 1 || Cg_ < 1) throw_node_range(node, "w " + shape_string(w.shape) + " has no output or input channels");
    if (Cg_ * group_ != C_)
      throw_node_range(node, "x has " + std::to_string(C_) + " channels but w " + shape_string(w.shape) + " with group " + std::to_string(group_) +
                                 " expects C = w.shape[1] * group = " + std::to_string(Cg_ * group_));
    if (M_ % group_ != 0) throw_node_range(node, "w has " + std::to_string(M_) + " output channels, not a multiple of group " + std::to_string(group_));
    Mg_ = M_ / group_;
    const WindowAttrs attrs = read_window_attrs(node, rank, w.shape.data() + 2);
    win_ = forward_window(node, attrs, in.spatial, false);
    taps_ = win_.taps();
    K_ = taps_ * Cg_;
    if (K_ > (int64_t{1} << 24) || M_ > (int64_t{1} << 24) || N_ * win_.out_pixels() > (int64_t{1} << 31) - 1)
      throw_node_range(node, "the convolution is too large for the int8 GEMM (K, M and output pixels must stay below 2^24, 2^24 and 2^31)");

    // Zero points: x per tensor; w per tensor or per output channel. Each has its tensor's type.
    if (init.has_input(x_zp_index_)) {
      const ValueInfo& z = init.input(x_zp_index_);
      if (z.dtype != x.dtype) throw_node_type(node, std::string("x_zero_point must have x's type ") + dtype_name(x.dtype) + ", got " + dtype_name(z.dtype));
      if (z.numel() != 1) throw_node_range(node, "x_zero_point must hold one value (per-tensor), got " + shape_string(z.shape));
    }
    if (init.has_input(w_zp_index_)) {
      const ValueInfo& z = init.input(w_zp_index_);
      if (z.dtype != w.dtype) throw_node_type(node, std::string("w_zero_point must have w's type ") + dtype_name(w.dtype) + ", got " + dtype_name(z.dtype));
      if (z.numel() != 1 && z.numel() != M_)
        throw_node_range(node, "w_zero_point must hold 1 or M = " + std::to_string(M_) + " values, got " + shape_string(z.shape));
      w_zp_per_channel_ = z.numel() != 1;
    }
    DType out_dtype = DType::kInt32;
    if (qlinear) {
      const ValueInfo& xs = init.input(1);
      const ValueInfo& ws = init.input(4);
      const ValueInfo& ys = init.input(6);
      const ValueInfo& yz = init.input(7);
      for (const auto& [v, what] : {std::pair<const ValueInfo*, const char*>{&xs, "x_scale"}, {&ws, "w_scale"}, {&ys, "y_scale"}}) {
        if (v->dtype != DType::kFloat32) throw_node_type(node, std::string(what) + " must be float32, got " + dtype_name(v->dtype));
        check_scale_values(node, *v, what);
      }
      if (xs.numel() != 1) throw_node_range(node, "x_scale must be a scalar (per-tensor), got " + shape_string(xs.shape));
      if (ys.numel() != 1) throw_node_range(node, "y_scale must be a scalar (per-tensor), got " + shape_string(ys.shape));
      if (ws.numel() != 1 && ws.numel() != M_)
        throw_node_range(node, "w_scale must hold 1 or M = " + std::to_string(M_) + " values, got " + shape_string(ws.shape));
      w_scale_per_channel_ = ws.numel() != 1;
      if (!is_byte_type(yz.dtype)) throw_node_type(node, std::string("y_zero_point must be uint8 or int8, got ") + dtype_name(yz.dtype));
      if (yz.numel() != 1) throw_node_range(node, "y_zero_point must hold one value (per-tensor), got " + shape_string(yz.shape));
      out_dtype = yz.dtype;
      if (init.has_input(8)) {
        const ValueInfo& b = init.input(8);
        if (b.dtype != DType::kInt32) throw_node_type(node, std::string("B must be int32, got ") + dtype_name(b.dtype));
        if (b.shape != Shape{M_}) throw_node_range(node, "B has shape " + shape_string(b.shape) + ", expected [" + std::to_string(M_) + "]");
        has_bias_ = true;
      }
      if (xs.constant && ws.constant && ys.constant) {
        multipliers_.resize(static_cast<size_t>(M_));
        for (int64_t m = 0; m < M_; ++m)
          multipliers_[m] = requant_multiplier(*static_cast<const float*>(xs.constant), static_cast<const float*>(ws.constant)[w_scale_per_channel_ ? m : 0],
                                               *static_cast<const float*>(ys.constant));
      }
    }
    out_dtype_ = out_dtype;
    out_size_ = dtype_size(out_dtype);
    if (qlinear) range_ = read_output_range(node, out_dtype);
    require_output(node, init.output(0), out_dtype, in.shape_with(M_, win_.out_spatial(rank)), "y");

    if (group_ == C_ && Cg_ == 1 && Mg_ == 1 && C_ > 1) {
      path_ = Path::kDepthwise;
      dw_kernel_ = &qdwconv_kernel(active_isa());
      dw_runs_ = DepthwiseRuns(win_, kDwMinStridedRun);
      const auto plain = [](const WindowAxis& a, int64_t kernel) { return a.kernel == kernel && a.stride == 1 && a.dilation == 1; };
      // Two spatial axes only: run_row_pairs walks (n, oh) rows of one plane per image.
      row_pairs_ = dw_kernel_->run_row_pair != nullptr && qlinear_ && win_.d.in == 1 && win_.d.out == 1 && plain(win_.d, 1) &&
                   plain(win_.h, 3) && plain(win_.w, 3) && dw_runs_.ow_end > dw_runs_.ow_begin;
    } else {
      bool pointwise = taps_ == 1;
      for (const WindowAxis* a : {&win_.d, &win_.h, &win_.w}) pointwise = pointwise && a->stride == 1 && a->pad_begin == 0 && a->pad_end == 0;
      path_ = pointwise ? Path::kPointwise : Path::kIm2col;
      if (!pointwise) {
        tap_rows_ = ConvTapRows(win_, C_, Cg_);
        // What can be known now of qgemm_indirect_supported (symmetric weights are checked per run).
        const QGemmKernel& k = qgemm_kernel(active_isa());
        indirect_possible_ = qlinear_ && !x_signed_ && k.ukernel_requant_indirect != nullptr && tap_rows_.run_bytes() % k.kr == 0;
      }
    }
    const bool zp_constant = !init.has_input(w_zp_index_) || init.input(w_zp_index_).constant != nullptr;
    if (w.constant && zp_constant) {
      const std::vector<int32_t> zps = w_zero_points(init.has_input(w_zp_index_) ? init.input(w_zp_index_).constant : nullptr);
      std::string key = std::string(path_ == Path::kDepthwise ? "qdwconv" : "qconv") + "/" + dtype_name(w.dtype) + "/g" + std::to_string(group_) +
                        "/" + isa_name(active_isa()) + (row_pairs_ ? "/row-pairs" : "") + "/zp";
      for (int32_t z : zps) key += ":" + std::to_string(z);
      weights_ = init.weights.get<PreparedWeights>(w, key, [&] { return prepare(w.constant, zps.data()); });
    }
  }

  size_t scratch_bytes(int threads) const override { return layout(std::max(threads, 1)).bytes.total; }

  void run(const RunContext& ctx, const TensorView* const* in, TensorView* const* out) const override {
    if (N_ == 0 || win_.out_pixels() == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const Layout l = layout(threads);
    // Per-run values: zero points, multipliers, and the weights when they are not constants.
    const TensorView* xz = optional_input(in, x_zp_index_);
    const uint8_t x_zp_byte = xz ? *static_cast<const uint8_t*>(xz->data) : 0;
    const int32_t x_zp = xz ? byte_value(xz->data, xz->dtype, 0) : 0;
    std::shared_ptr<const PreparedWeights> runtime;
    const PreparedWeights* weights = weights_.get();
    if (!weights) {
      const TensorView* wz = optional_input(in, w_zp_index_);
      const std::vector<int32_t> zps = w_zero_points(wz ? wz->data : nullptr);
      runtime = prepare(in[w_index_]->data, zps.data());  // allocates: only for W fed at run time
      weights = runtime.get();
    }
    const float* multipliers = multipliers_.data();
    if (qlinear_ && multipliers_.empty()) {
      float* m = scratch_at<float>(ctx.scratch, l.multipliers);
      const float xs = *in[1]->as<float>(), ys = *in[6]->as<float>();
      const float* ws = in[4]->as<float>();
      for (int64_t c = 0; c < M_; ++c) m[c] = requant_multiplier(xs, ws[w_scale_per_channel_ ? c : 0], ys);
      multipliers = m;
    }
    const int32_t* bias = has_bias_ ? in[8]->as<int32_t>() : nullptr;
    Output o;
    o.kind = !qlinear_ ? OutputKind::kInt32 : out_dtype_ == DType::kUint8 ? OutputKind::kUint8 : OutputKind::kInt8;
    if (qlinear_) {
      o.zero_point = byte_value(in[7]->data, in[7]->dtype, 0);
      o.qmin = range_.qmin;
      o.qmax = range_.qmax;
    }
    o.multipliers = multipliers;
    o.bias = bias;

    const uint8_t* x = static_cast<const uint8_t*>(in[0]->data);
    if (!channels_last_) {
      uint8_t* xt = scratch_at<uint8_t>(ctx.scratch, l.x_nhwc);
      nchw_to_nhwc(x, xt, static_cast<size_t>(N_), static_cast<size_t>(C_), static_cast<size_t>(win_.in_pixels()), threads);
      x = xt;
    }
    uint8_t* y = channels_last_ ? static_cast<uint8_t*>(out[0]->data) : scratch_at<uint8_t>(ctx.scratch, l.y_nhwc);
    switch (path_) {
      case Path::kDepthwise: run_depthwise(ctx, l, *weights, x, x_zp, x_zp_byte, o, y, threads); break;
      case Path::kPointwise: run_pointwise(*weights, x, x_zp, o, y, threads); break;
      case Path::kIm2col: run_im2col(ctx, l, *weights, x, x_zp, x_zp_byte, o, y, threads); break;
    }
    if (!channels_last_) {
      const size_t n = static_cast<size_t>(N_), m = static_cast<size_t>(M_), hw = static_cast<size_t>(win_.out_pixels());
      if (out_size_ == 1) nhwc_to_nchw(y, static_cast<uint8_t*>(out[0]->data), n, m, hw, threads);
      else nhwc_to_nchw(reinterpret_cast<const float*>(y), static_cast<float*>(out[0]->data), n, m, hw, threads);  // int32 moved as 4-byte words
    }
  }

 private:
  enum class Path { kDepthwise, kPointwise, kIm2col };

  struct Output {
    OutputKind kind = OutputKind::kInt32;
    int32_t zero_point = 0, qmin = 0, qmax = 0;
    const float* multipliers = nullptr;  // [M]
    const int32_t* bias = nullptr;       // [M] or null
  };

  struct Layout {
    ScratchLayout bytes;
    size_t x_nhwc = 0, y_nhwc = 0, multipliers = 0;
    size_t per_thread = 0, per_thread_bytes = 0;  // im2col tile or depthwise indirection, per thread
    size_t dw_bias = 0, dw_pad = 0, dw_scale = 0;
    size_t tap_pad = 0;              // indirect: the zero-point vector padding taps read
    size_t tile_pointers_bytes = 0;  // indirect: per thread, the pointers before the side buffer
    int64_t tile_rows = 0;       // im2col: output pixels per task
    int64_t indirect_tasks = 0;  // indirect: tasks per group, and the most pixels one takes
    int64_t indirect_rows = 0;
  };

  // An optional input: null when omitted (absent, or past the inputs the node lists).
  const TensorView* optional_input(const TensorView* const* in, size_t index) const {
    return index < input_count_ && in[index]->present() ? in[index] : nullptr;
  }

  // im2col rows are K rounded up to 4 bytes apart, zero-padded: the GEMM reads them in place.
  int64_t padded_k() const { return (K_ + 3) / 4 * 4; }

  // ONNX's definition, in float32 as onnxruntime computes it.
  static float requant_multiplier(float x_scale, float w_scale, float y_scale) { return (x_scale * w_scale) / y_scale; }

  std::vector<int32_t> w_zero_points(const void* zp) const {
    std::vector<int32_t> out(static_cast<size_t>(M_), 0);
    if (zp)
      for (int64_t m = 0; m < M_; ++m) out[m] = byte_value(zp, w_dtype_, w_zp_per_channel_ ? static_cast<size_t>(m) : 0);
    return out;
  }

  std::shared_ptr<const PreparedWeights> prepare(const void* w, const int32_t* zps) const {
    auto p = std::make_shared<PreparedWeights>();
    if (path_ == Path::kDepthwise) {
      // [C][taps] → [taps][C] as w - zero point.
      std::vector<int16_t> w16(static_cast<size_t>(taps_ * C_));
      p->dw_sum.assign(static_cast<size_t>(C_), 0);
      for (int64_t c = 0; c < C_; ++c)
        for (int64_t t = 0; t < taps_; ++t) {
          const int32_t v = byte_value(w, w_dtype_, static_cast<size_t>(c * taps_ + t)) - zps[c];
          w16[static_cast<size_t>(t * C_ + c)] = static_cast<int16_t>(v);
          p->dw_sum[c] += v;
        }
      p->dw_packed.resize(dw_kernel_->packed_bytes(static_cast<size_t>(taps_), static_cast<size_t>(C_)));
      dw_kernel_->pack(w16.data(), static_cast<size_t>(taps_), static_cast<size_t>(C_), p->dw_packed.data());
      if (row_pairs_) {
        std::vector<int16_t> w20(kRowPairTaps * static_cast<size_t>(C_));
        row_pair_taps(w16.data(), static_cast<size_t>(C_), w20.data());
        p->dw_row_pair.resize(dw_kernel_->packed_bytes(kRowPairTaps, static_cast<size_t>(C_)));
        dw_kernel_->pack(w20.data(), kRowPairTaps, static_cast<size_t>(C_), p->dw_row_pair.data());
      }
      return p;
    }
    // W [M][Cg][taps] → per group B[k = t·Cg + c][n].
    std::vector<uint8_t> b(static_cast<size_t>(K_ * Mg_));
    const uint8_t* wb = static_cast<const uint8_t*>(w);
    for (int64_t g = 0; g < group_; ++g) {
      for (int64_t n = 0; n < Mg_; ++n)
        for (int64_t c = 0; c < Cg_; ++c)
          for (int64_t t = 0; t < taps_; ++t) b[static_cast<size_t>((t * Cg_ + c) * Mg_ + n)] = wb[((g * Mg_ + n) * Cg_ + c) * taps_ + t];
      p->groups.push_back(std::shared_ptr<const PackedWeights>(
          pack_weights(active_isa(), b.data(), w_dtype_ == DType::kUint8, static_cast<int>(K_), static_cast<int>(Mg_), zps + g * Mg_, true)));
    }
    return p;
  }

  Layout layout(int threads) const {
    Layout l;
    if (!channels_last_) {
      l.x_nhwc = l.bytes.take(static_cast<size_t>(N_ * C_ * win_.in_pixels()));
      l.y_nhwc = l.bytes.take(out_size_ * static_cast<size_t>(N_ * M_ * win_.out_pixels()));
    }
    if (qlinear_ && multipliers_.empty()) l.multipliers = l.bytes.take(sizeof(float) * static_cast<size_t>(M_));
    if (path_ == Path::kDepthwise) {
      l.dw_bias = l.bytes.take(sizeof(int32_t) * static_cast<size_t>(C_));
      l.dw_scale = l.bytes.take(sizeof(float) * static_cast<size_t>(C_));
      l.dw_pad = l.bytes.take(static_cast<size_t>(C_) + 64);  // the zero-point vector padding taps read
      l.per_thread_bytes = align64(sizeof(const uint8_t*) * depthwise_pointer_count(win_, kDwPixels));
      l.per_thread = l.bytes.take(l.per_thread_bytes * threads);
    } else if (path_ == Path::kIm2col) {
      const int64_t pixels = N_ * win_.out_pixels();
      int64_t rows = std::max<int64_t>(kMinTileRows, static_cast<int64_t>(kColTileBytes / static_cast<size_t>(padded_k())));
      // Enough tiles for every thread.
      if (threads > 1) rows = std::min(rows, (pixels + 2 * threads - 1) / (2 * threads));
      // Whole micro-tiles: a multiple of 24 rows (every int8 kernel's row count divides it).
      rows = std::min(pixels, std::max<int64_t>(kTileRowMultiple, rows / kTileRowMultiple * kTileRowMultiple));
      l.tile_rows = rows;
      // The indirect form copies nothing but border rows, so its blocks can be larger: more pixels per
      // B panel, which matters where B is large (7x7 layers of 512 channels: 2.4 MB of weights).
      // Tasks of equal numbers of tiles (a 49-pixel layer is one task, not 48 + 1), at least two per
      // thread and a multiple of the thread count: 3 tasks on 2 threads left one thread idle a third
      // of the time (14x14 layers ran at 0.85x onnxruntime on 2 threads).
      size_t side_bytes = 0;
      if (indirect_possible_) {
        const int64_t target = std::max(rows, static_cast<int64_t>(kIndirectBlockBytes / static_cast<size_t>(padded_k())));
        int64_t tasks = std::max<int64_t>((pixels + target - 1) / target, threads > 1 ? 2 * threads : 1);
        tasks = (tasks + threads - 1) / threads * threads;
        l.indirect_tasks = std::max<int64_t>(1, std::min(tasks, (pixels + kMaxTileRowsPerCall - 1) / kMaxTileRowsPerCall));
        l.indirect_rows = std::min(pixels, (pixels + l.indirect_tasks - 1) / l.indirect_tasks + kMaxTileRowsPerCall);
        l.tile_pointers_bytes = align64(sizeof(const uint8_t*) * tap_rows_.pointer_count(l.indirect_rows, kMaxTileRowsPerCall));
        side_bytes = tap_rows_.side_bytes(l.indirect_rows);
        l.tap_pad = l.bytes.take(tap_rows_.pad_bytes() + 64);
      }
      // The im2col tile, or the indirect form's side buffer after its pointers.
      l.per_thread_bytes = l.tile_pointers_bytes + align64(std::max(static_cast<size_t>(rows * padded_k()), side_bytes));
      l.per_thread = l.bytes.take(l.per_thread_bytes * threads);
    }
    return l;
  }

  QGemmArgs gemm_args(const PreparedWeights& w, int64_t g, const int32_t& x_zp, const Output& o) const {
    QGemmArgs a;
    a.a_signed = x_signed_;
    a.a_zero_point = &x_zp;
    a.b = w.groups[g].get();
    a.bias = o.bias ? o.bias + g * Mg_ : nullptr;
    a.kind = o.kind;
    a.scale = o.multipliers ? o.multipliers + g * Mg_ : nullptr;
    a.scale_per_col = true;
    a.zero_point = o.zero_point;
    a.qmin = o.qmin;
    a.qmax = o.qmax;
    a.ldc = static_cast<size_t>(M_);
    return a;
  }

  void run_pointwise(const PreparedWeights& w, const uint8_t* x, int32_t x_zp, const Output& o, uint8_t* y, int threads) const {
    const int64_t rows = N_ * win_.out_pixels();
    for (int64_t g = 0; g < group_; ++g) {
      QGemmArgs a = gemm_args(w, g, x_zp, o);
      a.M = static_cast<int>(rows);
      a.a = x + g * Cg_;
      a.lda = static_cast<size_t>(C_);
      a.out = y + static_cast<size_t>(g * Mg_) * out_size_;
      a.threads = threads;
      qgemm(a);
    }
  }

  void run_im2col(const RunContext& ctx, const Layout& l, const PreparedWeights& w, const uint8_t* x, int32_t x_zp, uint8_t x_zp_byte,
                  const Output& o, uint8_t* y, int threads) const {
    const int64_t pixels = N_ * win_.out_pixels();
    bool indirect = indirect_possible_;
    const int runs = static_cast<int>(tap_rows_.runs());
    for (int64_t g = 0; g < group_ && indirect; ++g) indirect = qgemm_indirect_supported(gemm_args(w, g, x_zp, o), runs);
    if (indirect) {
      uint8_t* pad = scratch_at<uint8_t>(ctx.scratch, l.tap_pad);
      std::memset(pad, x_zp_byte, tap_rows_.pad_bytes() + 64);
      // Task t takes tiles [t·T/tasks, (t+1)·T/tasks) of the kernel's mr pixels.
      const int64_t mr = qgemm_tile_rows(*w.groups[0]);
      const int64_t tile_count = (pixels + mr - 1) / mr, tasks = std::min(l.indirect_tasks, tile_count);
      parallel_ranges(static_cast<size_t>(tasks * group_), threads, 1, 1, [&](size_t task, size_t, size_t slot) {
        const size_t at = l.per_thread + l.per_thread_bytes * slot;
        const uint8_t** ptrs = scratch_at<const uint8_t*>(ctx.scratch, at);
        uint8_t* side = scratch_at<uint8_t>(ctx.scratch, at + l.tile_pointers_bytes);
        const int64_t g = static_cast<int64_t>(task) % group_, t = static_cast<int64_t>(task) / group_;
        const int64_t p0 = t * tile_count / tasks * mr, p1 = std::min(pixels, (t + 1) * tile_count / tasks * mr);
        QGemmArgs a = gemm_args(w, g, x_zp, o);
        tap_rows_.build(x, g * Cg_, pad, side, p0, p1, static_cast<int>(mr), ptrs);
        a.M = static_cast<int>(p1 - p0);
        a.out = y + static_cast<size_t>(p0 * M_ + g * Mg_) * out_size_;
        qgemm_indirect(a, runs, ptrs);
      });
      return;
    }
    const int64_t rows = l.tile_rows;
    const int64_t tiles = (pixels + rows - 1) / rows;
    parallel_ranges(static_cast<size_t>(tiles * group_), threads, 1, 1, [&](size_t task, size_t, size_t slot) {
      uint8_t* col = scratch_at<uint8_t>(ctx.scratch, l.per_thread + l.per_thread_bytes * slot);
      const int64_t g = static_cast<int64_t>(task) % group_;
      const int64_t p0 = static_cast<int64_t>(task) / group_ * rows, p1 = std::min(pixels, p0 + rows);
      im2col_nhwc<uint8_t>(x, C_, g * Cg_, Cg_, win_, p0, p1, col, x_zp_byte, padded_k());
      QGemmArgs a = gemm_args(w, g, x_zp, o);
      a.M = static_cast<int>(p1 - p0);
      a.a = col;
      a.lda = static_cast<size_t>(padded_k());
      a.a_rows_padded = true;
      a.out = y + static_cast<size_t>(p0 * M_ + g * Mg_) * out_size_;
      a.threads = 1;
      qgemm(a);
    });
  }

  void run_depthwise(const RunContext& ctx, const Layout& l, const PreparedWeights& w, const uint8_t* x, int32_t x_zp, uint8_t x_zp_byte,
                     const Output& o, uint8_t* y, int threads) const {
    // The input zero point folded into the bias: Σ (x - zx)·w' = Σ x·w' - zx·Σ w'.
    int32_t* bias = scratch_at<int32_t>(ctx.scratch, l.dw_bias);
    for (int64_t c = 0; c < C_; ++c) {
      const uint32_t b = o.bias ? static_cast<uint32_t>(o.bias[c]) : 0u;
      bias[c] = static_cast<int32_t>(b - static_cast<uint32_t>(x_zp) * static_cast<uint32_t>(w.dw_sum[c]));
    }
    uint8_t* pad = scratch_at<uint8_t>(ctx.scratch, l.dw_pad);
    std::memset(pad, x_zp_byte, static_cast<size_t>(C_) + 64);
    QDwConvArgs base;
    base.channels = static_cast<size_t>(C_);
    base.taps = static_cast<size_t>(taps_);
    base.input_signed = x_signed_;
    base.weights = w.dw_packed.data();
    base.bias = bias;
    base.kind = o.kind;
    base.scale = o.multipliers;
    base.zero_point = o.zero_point;
    base.lo = static_cast<float>(o.qmin - o.zero_point);
    base.hi = static_cast<float>(o.qmax - o.zero_point);
    base.output_stride = static_cast<size_t>(M_);
    base.scale_at_most_half = o.kind != OutputKind::kInt32;
    for (int64_t c = 0; c < C_ && base.scale_at_most_half; ++c) base.scale_at_most_half = o.multipliers[c] <= 0.5f;
    // Output pixels [begin, end) through the indirection buffer, at most kDwPixels at a time.
    const auto band = [&](int64_t begin, int64_t end, size_t slot) {
      const uint8_t** ptrs = scratch_at<const uint8_t*>(ctx.scratch, l.per_thread + l.per_thread_bytes * slot);
      const uint8_t** rows = ptrs + kDwPixels * taps_;
      for (int64_t from = begin; from < end; from += kDwPixels)
        depthwise_band<uint8_t>(win_, C_, x, pad, dw_runs_, from, std::min(end, from + kDwPixels), ptrs, rows,
                                [&](int64_t first, int64_t count, const uint8_t* const* input, size_t input_stride) {
                                  QDwConvArgs a = base;
                                  a.pixels = static_cast<size_t>(count);
                                  a.input = input;
                                  a.input_stride = input_stride;
                                  a.output = y + static_cast<size_t>(first * M_) * out_size_;
                                  dw_kernel_->run(a);
                                });
    };
    if (row_pairs_ && base.scale_at_most_half && o.kind != OutputKind::kInt32) {
      run_row_pairs(w, x, y, base, band, threads);
      return;
    }
    // Bands of output pixels, each thread its own (the pixels it also gets of the next layer).
    const int64_t pixels = N_ * win_.out_pixels();
    parallel_ranges(static_cast<size_t>(pixels), threads, kDwMinPixels, kDwPixels,
                    [&](size_t begin, size_t end, size_t slot) { band(static_cast<int64_t>(begin), static_cast<int64_t>(end), slot); });
  }

  // 3x3 stride 1 (row_pairs_): output rows two at a time, each thread its own stretch of row pairs.
  // Where both rows read four input rows without padding, their interior columns go to the kernel's
  // row-pair form and the border columns through `band`; other rows go through `band` whole.
  template <class Band>
  void run_row_pairs(const PreparedWeights& w, const uint8_t* x, uint8_t* y, const QDwConvArgs& base, const Band& band, int threads) const {
    const WindowAxis& h = win_.h;
    const WindowAxis& wa = win_.w;
    const int64_t pairs_per_image = (h.out + 1) / 2;
    const int64_t ow0 = dw_runs_.ow_begin, ow1 = dw_runs_.ow_end;
    parallel_ranges(static_cast<size_t>(N_ * pairs_per_image), threads, 1, 1, [&](size_t begin, size_t end, size_t slot) {
      for (size_t task = begin; task < end; ++task) {
        const int64_t n = static_cast<int64_t>(task) / pairs_per_image, oh = static_cast<int64_t>(task) % pairs_per_image * 2;
        const int64_t row_pixel = (n * h.out + oh) * wa.out;  // pixel index of (n, oh, 0)
        const int64_t ih = oh - h.pad_begin;                  // the first of the four input rows
        if (oh + 1 >= h.out || ih < 0 || ih + 3 >= h.in) {
          band(row_pixel, row_pixel + std::min<int64_t>(2, h.out - oh) * wa.out, slot);
          continue;
        }
        band(row_pixel, row_pixel + ow0, slot);
        band(row_pixel + ow1, row_pixel + wa.out + ow0, slot);
        band(row_pixel + wa.out + ow1, row_pixel + 2 * wa.out, slot);
        QDwConvRowPairArgs a;
        a.base = &base;
        const uint8_t* image = x + static_cast<size_t>(n * h.in * wa.in * C_);
        const int64_t iw = ow0 - wa.pad_begin;  // the left tap's column of the first interior output
        for (int i = 0; i < 4; ++i) a.rows[i] = image + static_cast<size_t>(((ih + i) * wa.in + iw) * C_);
        a.input_pixel_stride = static_cast<size_t>(C_);
        a.pixels = static_cast<size_t>(ow1 - ow0);
        a.output[0] = y + static_cast<size_t>((row_pixel + ow0) * M_);
        a.output[1] = y + static_cast<size_t>((row_pixel + wa.out + ow0) * M_);
        a.output_pixel_stride = static_cast<size_t>(M_);
        a.weights = w.dw_row_pair.data();
        dw_kernel_->run_row_pair(a);
      }
    });
  }

  bool qlinear_;
  size_t input_count_ = 0;
  size_t w_index_ = 1, x_zp_index_ = 2, w_zp_index_ = 3;
  bool x_signed_ = false, channels_last_ = false, w_zp_per_channel_ = false, w_scale_per_channel_ = false, has_bias_ = false;
  DType w_dtype_ = DType::kInt8, out_dtype_ = DType::kInt32;
  size_t out_size_ = 4;
  int64_t group_ = 1, N_ = 0, C_ = 0, M_ = 0, Cg_ = 0, Mg_ = 0, taps_ = 1, K_ = 0;
  Window win_;
  Path path_ = Path::kIm2col;
  const QDwConvKernel* dw_kernel_ = nullptr;
  DepthwiseRuns dw_runs_;
  bool row_pairs_ = false;  // 3x3, stride 1, dilation 1, and the kernel has a row-pair form
  ConvTapRows tap_rows_;    // im2col path: the indirect form's pointers
  bool indirect_possible_ = false;  // im2col path: the indirect form applies but for the weights' zero points
  std::shared_ptr<const PreparedWeights> weights_;  // constant W: prepared once
  std::vector<float> multipliers_;                  // constant scales: [M] once
  OutputRange range_;                               // the type's, or narrower with a fused Relu/Clip
};

namespace {
std::unique_ptr<Op> make_qlinear_conv(const OpInit& init) { return std::make_unique<QConvOp>(init, true); }
std::unique_ptr<Op> make_conv_integer(const OpInit& init) { return std::make_unique<QConvOp>(init, false); }
}  // namespace

void register_qconv_ops(OpRegistry& r) {
  r.add("QLinearConv", make_qlinear_conv);
  r.add("ConvInteger", make_conv_integer);
}

}  // namespace octet
