// Average pooling on quantized (uint8 / int8) tensors, domain com.microsoft: QLinearGlobalAveragePool
// (any number of spatial axes) and QLinearAveragePool (1-D to 3-D windows, the ONNX AveragePool
// attributes without dilations). Inputs X, x_scale, x_zero_point, y_scale, y_zero_point (zero points
// optional, absent = 0; scales and zero points per tensor); Y has X's type.
//
// Definitions (round = nearbyint, half to even; requant(f, zp) = clamp((int32)round(f) + zp, qmin, qmax);
// every float step float32, exactly as written):
//   sum   = Σ (x - x_zero_point) over the window's taps inside the input (padding adds 0), exact;
//   count = GlobalAveragePool: the spatial size; AveragePool: the taps inside the input
//           (count_include_pad = 0) or inside the explicitly padded input (= 1; the positions
//           ceil_mode adds beyond the end padding never count) — the float AveragePool's rule;
//   Y     = requant(float(sum) · (x_scale / (y_scale · float(count))), y_zero_point).
// count < 2^23 (checked at create) keeps float(count) exact and |sum| <= 255·count below 2^31. A window
// whose count would be 0 (count_include_pad = 0 and pads reaching past the kernel) has no average and
// is rejected at create. Constant scales must be positive and finite (checked at create); scales fed
// at run time are read on every run (a run cannot throw: non-finite multipliers saturate, NaN gives qmin).
//
// Like the float pools they compute channels-last, where a window step is an int32 accumulation over
// contiguous channels that the compiler vectorises (Σ x, then Σ (x - zx) = Σ x - taps·zx, the same
// integer); channels_last = 0 costs a transpose in and out. All sums are exact integers, so the result
// depends neither on the layout nor on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../core/parallel.h"
#include "../graph/op.h"
#include "conv/conv_geometry.h"
#include "conv/layout_checks.h"
#include "conv/layout_transpose.h"
#include "quantized_params.h"
#include "scratch_layout.h"

namespace octet {

namespace {

// Channels accumulated at once (an int32 block on the stack).
constexpr int64_t kChannelBlock = 256;
// The largest count (taps, or spatial size for the global pool): float(count) exact, |sum| < 2^31.
constexpr int64_t kMaxCount = int64_t{1} << 23;
// Input bytes per task below which splitting further does not pay.
constexpr int64_t kTaskBytes = 16 * 1024;


// What the two pools share: X's type, the quantization inputs (indices 1-4) and how a run reads them.
class QPoolBase : public Op {
 protected:
  struct Params {
    float x_scale = 1.0f, y_scale = 1.0f;
    int32_t zx = 0, zy = 0;
    float lo = 0.0f, hi = 0.0f;
  };

  // Checks X (input 0) and the quantization inputs; returns X.
  const ValueInfo& read_quantization(const OpInit& init) {
    const NodeSpec& node = init.node;
    input_count_ = init.input_count();
    if (input_count_ < 4 || input_count_ > 5)
      throw_node_range(node, "has " + std::to_string(input_count_) + " inputs, expected 4 or 5 (X, x_scale, x_zero_point, y_scale, y_zero_point)");
    const ValueInfo& x = required_input(init, 0, "X");
    if (!is_byte_type(x.dtype)) throw_node_type(node, std::string("X must be uint8 or int8, got ") + dtype_name(x.dtype));
    dtype_ = x.dtype;
    const ValueInfo& xs = check_scale(init, 1, "x_scale");
    const ValueInfo& ys = check_scale(init, 3, "y_scale");
    check_zero_point(init, 2, "x_zero_point", x.dtype, "X");
    check_zero_point(init, 4, "y_zero_point", x.dtype, "X");
    if (xs.constant && ys.constant) {
      constant_scales_ = true;
      x_scale_ = *static_cast<const float*>(xs.constant);
      y_scale_ = *static_cast<const float*>(ys.constant);
    }
    return x;
  }

  Params params(const TensorView* const* in) const {
    Params p;
    p.x_scale = constant_scales_ ? x_scale_ : *in[1]->as<const float>();
    p.y_scale = constant_scales_ ? y_scale_ : *in[3]->as<const float>();
    const TensorView* zx = optional_input(in, 2);
    const TensorView* zy = optional_input(in, 4);
    p.zx = zx ? byte_value(zx->data, zx->dtype) : 0;
    p.zy = zy ? byte_value(zy->data, zy->dtype) : 0;
    const bool is_signed = dtype_ == DType::kInt8;
    p.lo = static_cast<float>((is_signed ? -128 : 0) - p.zy);
    p.hi = static_cast<float>((is_signed ? 127 : 255) - p.zy);
    return p;
  }

  // An optional input: null when omitted (absent, or past the inputs the node lists).
  const TensorView* optional_input(const TensorView* const* in, size_t index) const {
    return index < input_count_ && in[index]->present() ? in[index] : nullptr;
  }

  DType dtype_ = DType::kUint8;
  size_t input_count_ = 0;
  bool constant_scales_ = false;
  float x_scale_ = 1.0f, y_scale_ = 1.0f;  // when constant_scales_
};

// ---- QLinearGlobalAveragePool ----

class QLinearGlobalAveragePoolOp final : public QPoolBase {
 public:
  explicit QLinearGlobalAveragePoolOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = read_quantization(init);
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, x.shape.size(), "X");
    N_ = in.batch;
    C_ = in.channels;
    pixels_ = in.pixels();
    if (pixels_ < 1) throw_node_range(node, "X " + shape_string(x.shape) + " has no spatial positions to average");
    if (pixels_ >= kMaxCount)
      throw_node_range(node, "X " + shape_string(x.shape) + " has " + std::to_string(pixels_) + " spatial positions; at most 2^23 - 1 are supported");
    require_output(node, init.output(0), dtype_, in.shape_with(C_, std::vector<int64_t>(in.spatial.size(), 1)), "Y");
    if (constant_scales_) multiplier_ = x_scale_ / (y_scale_ * static_cast<float>(pixels_));
  }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (dtype_ == DType::kInt8) run_typed<int8_t>(ctx, inputs, outputs);
    else run_typed<uint8_t>(ctx, inputs, outputs);
  }

 private:
  template <typename T>
  void run_typed(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const {
    if (N_ == 0 || C_ == 0) return;
    const Params p = params(inputs);
    const float m = constant_scales_ ? multiplier_ : p.x_scale / (p.y_scale * static_cast<float>(pixels_));
    // Σ (x - zx) = Σ x - P·zx, both within int32 (|Σ x| <= 255·P < 2^31).
    const int32_t offset = static_cast<int32_t>(pixels_) * p.zx;
    const float lo = p.lo, hi = p.hi;
    const int32_t zy = p.zy;
    const T* x = inputs[0]->as<const T>();
    T* y = outputs[0]->as<T>();
    const int64_t P = pixels_, C = C_;
    const int threads = std::max(ctx.threads, 1);
    if (channels_last_) {
      // [N, P, C]: each task a block of channels of one image, summed pixel after pixel.
      const int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
      parallel_tasks(static_cast<size_t>(N_ * blocks), threads, [&](size_t t) {
        const int64_t n = static_cast<int64_t>(t) / blocks;
        const int64_t c0 = static_cast<int64_t>(t) % blocks * kChannelBlock, width = std::min(C - c0, kChannelBlock);
        // Locals, not the captured references: the byte stores below could alias those.
        const float mt = m, lot = lo, hit = hi;
        const int32_t offset_t = offset, zyt = zy;
        int32_t acc[kChannelBlock];
        std::fill(acc, acc + width, 0);
        for (int64_t q = 0; q < P; ++q) {
          const T* r = x + (n * P + q) * C + c0;
          for (int64_t c = 0; c < width; ++c) acc[c] += r[c];
        }
        T* o = y + n * C + c0;
        for (int64_t c = 0; c < width; ++c) o[c] = static_cast<T>(requant(static_cast<float>(acc[c] - offset_t) * mt, lot, hit, zyt));
      });
      return;
    }
    // [N, C, P]: each task a run of whole planes.
    const int64_t planes = N_ * C;
    const int64_t per_task = std::max<int64_t>(1, kTaskBytes / P);
    parallel_tasks(static_cast<size_t>((planes + per_task - 1) / per_task), threads, [&](size_t t) {
      const int64_t q0 = static_cast<int64_t>(t) * per_task, q1 = std::min(planes, q0 + per_task);
      const float mt = m, lot = lo, hit = hi;
      const int32_t offset_t = offset, zyt = zy;
      for (int64_t q = q0; q < q1; ++q) {
        const T* r = x + q * P;
        int32_t s = 0;
        for (int64_t i = 0; i < P; ++i) s += r[i];
        y[q] = static_cast<T>(requant(static_cast<float>(s - offset_t) * mt, lot, hit, zyt));
      }
    });
  }

  bool channels_last_ = false;
  int64_t N_ = 0, C_ = 0, pixels_ = 1;
  float multiplier_ = 1.0f;  // x_scale / (y_scale · P) when constant_scales_
};

// ---- QLinearAveragePool ----

class QLinearAveragePoolOp final : public QPoolBase {
 public:
  explicit QLinearAveragePoolOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = read_quantization(init);
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, 3, "X");
    N_ = in.batch;
    C_ = in.channels;
    const size_t rank = in.spatial.size();
    if (node.attrs.has("dilations")) {
      std::vector<int64_t> d;
      try {
        d = node.attrs.get_ints("dilations");
      } catch (const Error& e) {
        throw_node_type(node, e.what());
      }
      for (int64_t v : d)
        if (v != 1) throw_node_type(node, "attribute 'dilations' is " + ints_string(d) + "; QLinearAveragePool has no dilations (only 1 is accepted)");
    }
    const WindowAttrs attrs = read_window_attrs(node, rank, nullptr, false);
    const bool ceil_mode = read_flag(node, "ceil_mode") != 0;
    count_include_pad_ = read_flag(node, "count_include_pad") != 0;
    win_ = forward_window(node, attrs, in.spatial, ceil_mode);
    if (win_.taps() >= kMaxCount)
      throw_node_range(node, "the kernel " + ints_string(attrs.kernel) + " has " + std::to_string(win_.taps()) + " taps; at most 2^23 - 1 are supported");
    // Every window must count at least one tap, else its average is undefined. With count_include_pad
    // a window always starts inside the padded input; without it, pads as large as the kernel can
    // leave a window entirely in the padding.
    for (size_t i = 0; i < rank; ++i) {
      const WindowAxis& a = win_.axis(rank, i);
      for (int64_t o = 0; o < a.out; ++o)
        if (axis_taps(o, a).counted == 0)
          throw_node_range(node, std::string("the window at output position ") + std::to_string(o) + " of the " + spatial_axis_name(rank, i) +
                                     " axis lies entirely in the padding (pads " + ints_string(attrs.pads) + ", kernel " +
                                     ints_string(attrs.kernel) + "); with count_include_pad = 0 its average is undefined");
    }
    require_output(node, init.output(0), dtype_, in.shape_with(C_, win_.out_spatial(rank)), "Y");
  }

  size_t scratch_bytes(int threads) const override { return layout().total; }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (dtype_ == DType::kInt8) run_typed<int8_t>(ctx, inputs, outputs);
    else run_typed<uint8_t>(ctx, inputs, outputs);
  }

 private:
  struct Layout {
    size_t x = 0, y = 0, total = 0;
  };

  // channels_last = 0: X and Y channels-last in scratch.
  Layout layout() const {
    Layout l;
    if (channels_last_) return l;
    l.x = 0;
    l.y = align64(static_cast<size_t>(N_ * C_ * win_.in_pixels()));
    l.total = l.y + align64(static_cast<size_t>(N_ * C_ * win_.out_pixels()));
    return l;
  }

  // Along one axis, output position o's taps: [begin, end) the kernel offsets inside the input, and
  // how many taps the divisor counts.
  struct AxisTaps {
    int64_t begin = 0, end = 0, counted = 0;
  };
  AxisTaps axis_taps(int64_t o, const WindowAxis& a) const {
    AxisTaps t;
    const int64_t i0 = o * a.stride - a.pad_begin;
    t.begin = std::max<int64_t>(0, -i0);
    t.end = std::min<int64_t>(a.kernel, a.in - i0);
    if (count_include_pad_) {
      // Inside the padded input [-pad_begin, in + pad_end): ceil_mode's extra positions do not count.
      const int64_t b = std::max<int64_t>(0, -a.pad_begin - i0), e = std::min<int64_t>(a.kernel, a.in + a.pad_end - i0);
      t.counted = std::max<int64_t>(0, e - b);
    } else {
      t.counted = std::max<int64_t>(0, t.end - t.begin);
    }
    return t;
  }

  template <typename T>
  void run_typed(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const {
    if (N_ == 0 || C_ == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const Params p = params(inputs);
    const WindowAxis& d = win_.d;
    const WindowAxis& h = win_.h;
    const WindowAxis& w = win_.w;
    const size_t in_pixels = static_cast<size_t>(win_.in_pixels()), out_pixels = static_cast<size_t>(win_.out_pixels());
    const Layout l = layout();
    const T* x = inputs[0]->as<const T>();
    T* y = outputs[0]->as<T>();
    if (!channels_last_) {
      T* xt = reinterpret_cast<T*>(static_cast<uint8_t*>(ctx.scratch) + l.x);
      nchw_to_nhwc(x, xt, static_cast<size_t>(N_), static_cast<size_t>(C_), in_pixels, threads);
      x = xt;
    }
    T* out = channels_last_ ? y : reinterpret_cast<T*>(static_cast<uint8_t*>(ctx.scratch) + l.y);
    const int64_t C = C_;
    const float x_scale = p.x_scale, y_scale = p.y_scale, lo = p.lo, hi = p.hi;
    const int32_t zx = p.zx, zy = p.zy;
    // One task per output row (n, od, oh).
    parallel_tasks(static_cast<size_t>(N_ * d.out * h.out), threads, [&](size_t task) {
      const int64_t row = static_cast<int64_t>(task);  // (n * OD + od) * OH + oh
      const int64_t n = row / (d.out * h.out), od = row / h.out % d.out, oh = row % h.out;
      const AxisTaps td = axis_taps(od, d), th = axis_taps(oh, h);
      // Locals, not the captured references: the byte stores below could alias those.
      const float xs = x_scale, ys = y_scale, lot = lo, hit = hi;
      const int32_t zxt = zx, zyt = zy;
      const int64_t id0 = od * d.stride - d.pad_begin, ih0 = oh * h.stride - h.pad_begin;
      int32_t acc[kChannelBlock];
      for (int64_t ow = 0; ow < w.out; ++ow) {
        const AxisTaps tw = axis_taps(ow, w);
        const int64_t iw0 = ow * w.stride - w.pad_begin;
        // Σ (x - zx) over the taps inside the input = Σ x - taps·zx.
        const int32_t offset = static_cast<int32_t>((td.end - td.begin) * (th.end - th.begin) * (tw.end - tw.begin)) * zxt;
        const float m = xs / (ys * static_cast<float>(td.counted * th.counted * tw.counted));
        T* o = out + (row * w.out + ow) * C;
        for (int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
          const int64_t width = std::min(C - c0, kChannelBlock);
          std::fill(acc, acc + width, 0);
          for (int64_t kd = td.begin; kd < td.end; ++kd)
            for (int64_t kh = th.begin; kh < th.end; ++kh) {
              const T* in_row = x + ((n * d.in + id0 + kd) * h.in + ih0 + kh) * w.in * C + c0;
              for (int64_t kw = tw.begin; kw < tw.end; ++kw) {
                const T* r = in_row + (iw0 + kw) * C;
                for (int64_t c = 0; c < width; ++c) acc[c] += r[c];
              }
            }
          for (int64_t c = 0; c < width; ++c) o[c0 + c] = static_cast<T>(requant(static_cast<float>(acc[c] - offset) * m, lot, hit, zyt));
        }
      }
    });
    if (!channels_last_) nhwc_to_nchw(out, y, static_cast<size_t>(N_), static_cast<size_t>(C_), out_pixels, threads);
  }

  bool channels_last_ = false;
  bool count_include_pad_ = false;
  int64_t N_ = 0, C_ = 0;
  Window win_;
};

std::unique_ptr<Op> make_qlinear_global_average_pool(const OpInit& init) { return std::make_unique<QLinearGlobalAveragePoolOp>(init); }
std::unique_ptr<Op> make_qlinear_average_pool(const OpInit& init) { return std::make_unique<QLinearAveragePoolOp>(init); }

}  // namespace

void register_qlinear_pool_ops(OpRegistry& r) {
  r.add("QLinearGlobalAveragePool", make_qlinear_global_average_pool, "com.microsoft");
  r.add("QLinearAveragePool", make_qlinear_average_pool, "com.microsoft");
}

}  // namespace octet
