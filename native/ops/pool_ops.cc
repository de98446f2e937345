// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (1-D, 2-D and 3-D windows; the global
// pools take any rank). Like the convolutions they compute channels-last, where a window step is a loop
// over contiguous channels that the compiler vectorises; `channels_last` = 0 (ONNX layout) costs a
// transpose in and out. Threads take output rows; each output is computed by one thread in a fixed
// order, so results never depend on the thread count.
//
// Semantics (ONNX, opsets 1-21):
// - Windows start at o*stride - pad_begin on every axis; taps outside the input are skipped (MaxPool)
//   or count as padding (AveragePool). Lower ranks are the 3-D window with identity leading axes. ceil_mode rounds the output size up but drops a last window that would
//   start in the end padding (conv/conv_geometry.cc).
// - MaxPool: the largest value, NaN ignored (x > best), -inf (int types: their minimum) when a
//   window holds no input at all. Indices (channels_last = 0 only) hold the first position of the
//   maximum as an index into the flattened NCHW input: row-major over the spatial axes, or
//   column-major (the first spatial axis varying fastest) with storage_order = 1.
// - AveragePool: the sum over the window in (kd, kh, kw) order, divided by the number of taps inside
//   the input (count_include_pad = 0) or inside the explicitly padded input (= 1; the positions
//   that ceil_mode adds beyond the end padding never count — the PyTorch / onnxruntime rule). A
//   window with no counted taps gives NaN, as the ONNX reference implementation does.
// - Global pools: one sequential sum / max over the spatial positions per channel (the same order
//   in both layouts, so both layouts agree bit for bit).
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../graph/op.h"
#include "conv/conv_geometry.h"
#include "conv/layout_checks.h"
#include "conv/layout_transpose.h"
#include "../core/parallel.h"

namespace octet {

namespace {

// o[c] = max(o[c], r[c]). Its own function with restrict pointers: stores through a uint8_t pointer
// may alias anything, which kept the byte version of the loop scalar (4x slower than float).
template <typename T>
inline void max_into(T* __restrict o, const T* __restrict r, int64_t n) {
  for (int64_t c = 0; c < n; ++c) o[c] = r[c] > o[c] ? r[c] : o[c];
}


size_t align64(size_t v) { return (v + 63) & ~size_t{63}; }

template <typename T>
T* scratch_at(void* base, size_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(base) + offset);
}

template <typename T>
constexpr T lowest_value() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}

enum class PoolKind { kMax, kAverage };

class PoolOp final : public Op {
 public:
  PoolOp(const OpInit& init, PoolKind kind) : kind_(kind) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    dtype_ = x.dtype;
    const bool int_ok = kind == PoolKind::kMax;  // MaxPool-12 takes int8 / uint8 too
    if (!(dtype_ == DType::kFloat32 || (int_ok && (dtype_ == DType::kInt8 || dtype_ == DType::kUint8))))
      throw_node_type(node, std::string("X must be float32") + (int_ok ? ", int8 or uint8" : "") + ", got " + dtype_name(dtype_));
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, 3, "X");
    N_ = in.batch;
    C_ = in.channels;
    const WindowAttrs attrs = read_window_attrs(node, in.spatial.size(), nullptr);
    const bool ceil_mode = read_flag(node, "ceil_mode") != 0;
    count_include_pad_ = kind == PoolKind::kAverage && read_flag(node, "count_include_pad") != 0;
    storage_order_ = kind == PoolKind::kMax ? read_flag(node, "storage_order") : 0;
    win_ = forward_window(node, attrs, in.spatial, ceil_mode);
    const Shape y_shape = in.shape_with(C_, win_.out_spatial(in.spatial.size()));
    require_output(node, init.output(0), dtype_, y_shape, "Y");
    if (init.has_output(1)) {
      if (kind != PoolKind::kMax) throw_node_type(node, "has a second output; only MaxPool has one (Indices)");
      if (channels_last_) throw_node_type(node, "the Indices output is not supported with channels_last = 1");
      require_output(node, init.output(1), DType::kInt64, y_shape, "Indices");
      indices_ = true;
    }
  }

  size_t scratch_bytes(int threads) const override { return layout(std::max(threads, 1)).total; }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    switch (dtype_) {
      case DType::kInt8: run_typed<int8_t>(ctx, inputs, outputs); break;
      case DType::kUint8: run_typed<uint8_t>(ctx, inputs, outputs); break;
      default: run_typed<float>(ctx, inputs, outputs); break;
    }
  }

 private:
  struct Layout {
    size_t x = 0, y = 0, indices = 0, rows = 0, row_bytes = 0, total = 0;
  };

  // Integer MaxPool by output rows: first the maximum of the window's input rows, whole NHWC rows at a
  // time (one long vector loop each), then for each output pixel the maximum of its kw columns of that.
  // Integer maxima do not depend on the order they are taken in, so the bytes are the tap-by-tap
  // ones; float keeps the tap order (it decides between -0 and +0).
  template <typename T>
  void max_pool_rows(const T* x, T* out, void* scratch, const Layout& l, int threads) const {
    const WindowAxis& d = win_.d;
    const WindowAxis& h = win_.h;
    const WindowAxis& w = win_.w;
    const int64_t C = C_;
    const size_t row_elems = static_cast<size_t>(w.in * C);
    parallel_ranges(static_cast<size_t>(N_ * d.out * h.out), threads, 1, 1, [&](size_t task, size_t, size_t slot) {
      const int64_t row = static_cast<int64_t>(task);  // (n * OD + od) * OH + oh
      const int64_t n = row / (d.out * h.out), od = row / h.out % d.out, oh = row % h.out;
      T* m = scratch_at<T>(scratch, l.rows + l.row_bytes * slot);
      bool any = false;
      for (int64_t kd = 0; kd < d.kernel; ++kd)
        for (int64_t kh = 0; kh < h.kernel; ++kh) {
          const int64_t id = od * d.stride - d.pad_begin + kd * d.dilation, ih = oh * h.stride - h.pad_begin + kh * h.dilation;
          if (id < 0 || id >= d.in || ih < 0 || ih >= h.in) continue;
          const T* r = x + static_cast<size_t>((n * d.in + id) * h.in + ih) * row_elems;
          if (any) max_into(m, r, static_cast<int64_t>(row_elems));
          else std::memcpy(m, r, row_elems * sizeof(T));
          any = true;
        }
      T* o = out + static_cast<size_t>(row * w.out * C);
      for (int64_t ow = 0; ow < w.out; ++ow, o += C) {
        bool first = true;
        for (int64_t kw = 0; kw < w.kernel && any; ++kw) {
          const int64_t iw = ow * w.stride - w.pad_begin + kw * w.dilation;
          if (iw < 0 || iw >= w.in) continue;
          if (first) std::memcpy(o, m + iw * C, static_cast<size_t>(C) * sizeof(T));
          else max_into(o, m + iw * C, C);
          first = false;
        }
        if (first) std::fill(o, o + C, lowest_value<T>());  // no input under the window
      }
    });
  }

  // Integer MaxPool without Indices goes by rows (max_pool_rows).
  bool by_rows() const { return dtype_ != DType::kFloat32 && kind_ == PoolKind::kMax && !indices_; }

  Layout layout(int threads) const {
    Layout l;
    const size_t e = dtype_size(dtype_);
    if (!channels_last_) {
      const size_t in_elems = static_cast<size_t>(N_ * C_ * win_.in_pixels());
      const size_t out_elems = static_cast<size_t>(N_ * C_ * win_.out_pixels());
      l.x = 0;
      l.y = align64(e * in_elems);
      l.indices = l.y + align64(e * out_elems);
      l.total = l.indices + (indices_ ? align64(sizeof(int64_t) * out_elems) : 0);
    }
    if (by_rows()) {
      l.row_bytes = align64(e * static_cast<size_t>(win_.w.in * C_));
      l.rows = l.total;
      l.total += l.row_bytes * static_cast<size_t>(threads);
    }
    return l;
  }

  template <typename T>
  void run_typed(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const {
    if (N_ == 0 || C_ == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const WindowAxis& d = win_.d;
    const WindowAxis& h = win_.h;
    const WindowAxis& w = win_.w;
    const size_t in_pixels = static_cast<size_t>(win_.in_pixels()), out_pixels = static_cast<size_t>(win_.out_pixels());
    const Layout l = layout(threads);
    const T* x = inputs[0]->as<const T>();
    T* y = outputs[0]->as<T>();
    if (!channels_last_) {
      T* xt = scratch_at<T>(ctx.scratch, l.x);
      nchw_to_nhwc(x, xt, static_cast<size_t>(N_), static_cast<size_t>(C_), in_pixels, threads);
      x = xt;
    }
    T* out = channels_last_ ? y : scratch_at<T>(ctx.scratch, l.y);
    int64_t* idx = indices_ ? scratch_at<int64_t>(ctx.scratch, l.indices) : nullptr;
    const int64_t C = C_;
    if constexpr (!std::is_same_v<T, float>) {
      if (by_rows()) {
        max_pool_rows(x, out, ctx.scratch, l, threads);
        if (!channels_last_) nhwc_to_nchw(out, y, static_cast<size_t>(N_), static_cast<size_t>(C_), out_pixels, threads);
        return;
      }
    }
    // One task per output row (n, od, oh).
    parallel_tasks(static_cast<size_t>(N_ * d.out * h.out), threads, [&](size_t task) {
      const int64_t row = static_cast<int64_t>(task);  // (n * OD + od) * OH + oh
      const int64_t n = row / (d.out * h.out), od = row / h.out % d.out, oh = row % h.out;
      const int64_t id0 = od * d.stride - d.pad_begin, ih0 = oh * h.stride - h.pad_begin;
      // Whether the (kd, kh) plane of taps lies inside the input, and where its input row starts.
      const auto input_row = [&](int64_t kd, int64_t kh, int64_t& pos) -> const T* {
        const int64_t id = id0 + kd * d.dilation, ih = ih0 + kh * h.dilation;
        if (id < 0 || id >= d.in || ih < 0 || ih >= h.in) return nullptr;
        pos = (id * h.in + ih) * w.in;
        return x + (n * d.in * h.in * w.in + pos) * C;
      };
      for (int64_t ow = 0; ow < w.out; ++ow) {
        const int64_t iw0 = ow * w.stride - w.pad_begin;
        const size_t o_offset = static_cast<size_t>((row * w.out + ow) * C);
        T* o = out + o_offset;
        if (kind_ == PoolKind::kMax) {
          std::fill(o, o + C, lowest_value<T>());
          int64_t* io = idx ? idx + o_offset : nullptr;
          bool first = true;
          for (int64_t kd = 0; kd < d.kernel; ++kd)
            for (int64_t kh = 0; kh < h.kernel; ++kh) {
              int64_t row_pos = 0;
              const T* in_row = input_row(kd, kh, row_pos);
              if (in_row == nullptr) continue;
              for (int64_t kw = 0; kw < w.kernel; ++kw) {
                const int64_t iw = iw0 + kw * w.dilation;
                if (iw < 0 || iw >= w.in) continue;
                const T* r = in_row + iw * C;
                if (io == nullptr) {
                  max_into(o, r, C);
                } else {
                  const int64_t pos = row_pos + iw;
                  if (first) std::fill(io, io + C, pos);  // the index of a window holding only NaN / lowest values
                  for (int64_t c = 0; c < C; ++c)
                    if (r[c] > o[c]) {
                      o[c] = r[c];
                      io[c] = pos;
                    }
                }
                first = false;
              }
            }
          if (io != nullptr && first) std::fill(io, io + C, int64_t{-1});  // no input under the window
        } else if constexpr (std::is_same_v<T, float>) {  // AveragePool is float-only
          float* a = o;
          std::fill(a, a + C, 0.0f);
          for (int64_t kd = 0; kd < d.kernel; ++kd)
            for (int64_t kh = 0; kh < h.kernel; ++kh) {
              int64_t row_pos = 0;
              const float* in_row = input_row(kd, kh, row_pos);
              if (in_row == nullptr) continue;
              for (int64_t kw = 0; kw < w.kernel; ++kw) {
                const int64_t iw = iw0 + kw * w.dilation;
                if (iw < 0 || iw >= w.in) continue;
                const float* r = in_row + iw * C;
                for (int64_t c = 0; c < C; ++c) a[c] += r[c];
              }
            }
          // The counted taps form a box: the product of the counts per axis.
          int64_t count_d = 0, count_h = 0, count_w = 0;
          for (int64_t kd = 0; kd < d.kernel; ++kd) count_d += counts(id0 + kd * d.dilation, d);
          for (int64_t kh = 0; kh < h.kernel; ++kh) count_h += counts(ih0 + kh * h.dilation, h);
          for (int64_t kw = 0; kw < w.kernel; ++kw) count_w += counts(iw0 + kw * w.dilation, w);
          const float divisor = static_cast<float>(count_d * count_h * count_w);
          for (int64_t c = 0; c < C; ++c) a[c] = a[c] / divisor;
        }
      }
    });
    if (channels_last_) return;
    nhwc_to_nchw(out, y, static_cast<size_t>(N_), static_cast<size_t>(C_), out_pixels, threads);
    if (indices_) {
      // NHWC spatial positions -> flat NCHW input indices.
      int64_t* yi = outputs[1]->as<int64_t>();
      const int64_t D = d.in, H = h.in, W = w.in;
      parallel_tasks(static_cast<size_t>(N_ * C_), threads, [&](size_t plane) {
        const int64_t n = static_cast<int64_t>(plane) / C_, c = static_cast<int64_t>(plane) % C_;
        const int64_t base = static_cast<int64_t>(plane) * D * H * W;
        int64_t* dst = yi + plane * out_pixels;
        for (size_t p = 0; p < out_pixels; ++p) {
          const int64_t pos = idx[(n * static_cast<int64_t>(out_pixels) + static_cast<int64_t>(p)) * C_ + c];
          if (pos < 0) {
            dst[p] = -1;
            continue;
          }
          const int64_t id = pos / (H * W), ih = pos / W % H, iw = pos % W;
          dst[p] = base + (storage_order_ == 1 ? (iw * H + ih) * D + id : pos);
        }
      });
    }
  }

  // Whether input position i counts towards the average's divisor.
  int64_t counts(int64_t i, const WindowAxis& a) const {
    if (count_include_pad_) return i >= -a.pad_begin && i < a.in + a.pad_end;
    return i >= 0 && i < a.in;
  }

  PoolKind kind_;
  DType dtype_ = DType::kFloat32;
  bool channels_last_ = false;
  int64_t N_ = 0, C_ = 0;
  Window win_;
  bool count_include_pad_ = false;
  int64_t storage_order_ = 0;
  bool indices_ = false;
};

class GlobalPoolOp final : public Op {
 public:
  GlobalPoolOp(const OpInit& init, PoolKind kind) : kind_(kind) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    require_dtype(node, x, DType::kFloat32, "X");
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, x.shape.size(), "X");
    N_ = in.batch;
    C_ = in.channels;
    pixels_ = in.pixels();
    require_output(node, init.output(0), DType::kFloat32, in.shape_with(C_, std::vector<int64_t>(in.spatial.size(), 1)), "Y");
  }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (N_ == 0 || C_ == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const float* x = inputs[0]->as<const float>();
    float* y = outputs[0]->as<float>();
    const bool is_max = kind_ == PoolKind::kMax;
    const float init = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
    const float divisor = static_cast<float>(pixels_);
    const int64_t P = pixels_, C = C_;
    if (channels_last_) {
      // [N, P, C]: each task a run of channels of one image, summed pixel after pixel.
      constexpr int64_t kChannels = 256;
      const int64_t blocks = (C + kChannels - 1) / kChannels;
      parallel_tasks(static_cast<size_t>(N_ * blocks), threads, [&](size_t t) {
        const int64_t n = static_cast<int64_t>(t) / blocks;
        const int64_t c0 = static_cast<int64_t>(t) % blocks * kChannels, c1 = std::min(C, c0 + kChannels);
        float* o = y + n * C;
        std::fill(o + c0, o + c1, init);
        for (int64_t p = 0; p < P; ++p) {
          const float* r = x + (n * P + p) * C;
          if (is_max) {
            for (int64_t c = c0; c < c1; ++c) o[c] = r[c] > o[c] ? r[c] : o[c];
          } else {
            for (int64_t c = c0; c < c1; ++c) o[c] += r[c];
          }
        }
        if (!is_max)
          for (int64_t c = c0; c < c1; ++c) o[c] = o[c] / divisor;
      });
      return;
    }
    // [N, C, P]: 16 planes at a time, so 16 independent sums are in flight.
    constexpr int64_t kPlanes = 16;
    const int64_t planes = N_ * C;
    parallel_tasks(static_cast<size_t>((planes + kPlanes - 1) / kPlanes), threads, [&](size_t t) {
      const int64_t q0 = static_cast<int64_t>(t) * kPlanes, q1 = std::min(planes, q0 + kPlanes);
      float acc[kPlanes];
      std::fill(acc, acc + kPlanes, init);
      const int64_t count = q1 - q0;
      const float* base = x + q0 * P;
      for (int64_t p = 0; p < P; ++p) {
        if (is_max) {
          for (int64_t j = 0; j < count; ++j) {
            const float v = base[j * P + p];
            acc[j] = v > acc[j] ? v : acc[j];
          }
        } else {
          for (int64_t j = 0; j < count; ++j) acc[j] += base[j * P + p];
        }
      }
      for (int64_t j = 0; j < count; ++j) y[q0 + j] = is_max ? acc[j] : acc[j] / divisor;
    });
  }

 private:
  PoolKind kind_;
  bool channels_last_ = false;
  int64_t N_ = 0, C_ = 0, pixels_ = 0;
};

std::unique_ptr<Op> make_max_pool(const OpInit& init) { return std::make_unique<PoolOp>(init, PoolKind::kMax); }
std::unique_ptr<Op> make_average_pool(const OpInit& init) { return std::make_unique<PoolOp>(init, PoolKind::kAverage); }
std::unique_ptr<Op> make_global_max_pool(const OpInit& init) { return std::make_unique<GlobalPoolOp>(init, PoolKind::kMax); }
std::unique_ptr<Op> make_global_average_pool(const OpInit& init) { return std::make_unique<GlobalPoolOp>(init, PoolKind::kAverage); }

}  // namespace

void register_pool_ops(OpRegistry& r) {
  r.add("MaxPool", make_max_pool);
  r.add("AveragePool", make_average_pool);
  r.add("GlobalMaxPool", make_global_max_pool);
  r.add("GlobalAveragePool", make_global_average_pool);
}

}  // namespace octet
