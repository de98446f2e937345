// Conv and ConvTranspose, float32, 1-D, 2-D and 3-D, computed channels-last (NHWC / NDHWC) inside,
// like XNNPACK and MLAS's NHWC paths. `channels_last` = 1 (set by the graph's layout pass inside
// convolution chains) means X and Y already are [N, spatial..., C]; with 0 the operator transposes X
// into scratch and Y back. Lower ranks are the 3-D operator with identity leading axes
// (conv/conv_geometry.h), so every form below handles every rank.
//
// Conv chooses one of three forms, all computing the same sum in the same order:
//   depthwise  group == C: a direct kernel vectorised over channels (kernels/dwconv);
//   pointwise  1x1, stride 1, no padding: the NHWC input is the GEMM's A as it is;
//   im2col     everything else: tiles of output pixels are unrolled into rows (kd, kh, kw, c) and
//              multiplied by the weights laid out in that order.
// Each output is acc = 0, fma over taps in (kd, kh, kw, c) order (padding taps multiply zeros), then
// + bias, then the clamp — the sgemm definition with K = taps*C/group — so the result is the same on
// every ISA and for every thread count, and the forms agree with each other (the depthwise kernel's
// clamp follows maxps/minps rules, sgemm's fmaxf/fminf: they differ only on NaN).
//
// Weights W: a constant (an initializer, a folded value) is laid out and packed once at create and
// shared through the WeightCache. A runtime W (a graph input, DequantizeLinear of a QDQ model) is
// laid out in scratch on every run and handed to sgemm_unpacked, which packs it into scratch: the
// same layout, the same kernels, so the same bits as the constant path. The im2col form then packs
// per tile (each thread into its own scratch) when the packed W fits in L2: a tile's GEMM is >= 64
// rows, so that costs a few percent, and the tiles keep their L2-sized shape; a bigger W is packed
// once per large tile shared by all threads.
// B may be a runtime value too.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../kernels/dwconv/dwconv_kernel.h"
#include "activation.h"
#include "conv/conv_geometry.h"
#include "conv/depthwise_driver.h"
#include "conv/im2col.h"
#include "conv/layout_checks.h"
#include "conv/layout_transpose.h"
#include "../core/parallel.h"
#include "scratch_layout.h"
#include "sgemm.h"

namespace octet {

namespace {

// An im2col tile (plus the output rows it makes and the packed weight panels) should stay in a
// 1 MiB L2; below 64 rows the GEMM re-streams its packed weights too often per output.
constexpr size_t kColTileBytes = 192 * 1024;
constexpr int64_t kMinTileRows = 64;
// Tile rows come in multiples of 24, a multiple of every GEMM micro-kernel's row count (4, 6, 8, 12),
// so no tile ends in a part-empty micro-tile.
constexpr int64_t kTileRowMultiple = 24;
// A tile shared by all threads (few, large tiles) is allowed to be bigger.
constexpr size_t kSharedColBytes = 8u << 20;
// A runtime W is packed per im2col tile when its packing stays in L2 (re-packing it is then a fast
// copy); bigger ones are packed once per shared tile, so many more rows pay for each packing.
constexpr size_t kTilePackBytes = 256 * 1024;
// Depthwise: output pixels per kernel call (one indirection buffer per thread), and the fewest a
// thread takes at a time when a layer has few pixels (7x7: 49 pixels on 2 threads in chunks of 4).
constexpr size_t kDwPixels = 32;
constexpr size_t kDwMinPixels = 4;
// Depthwise rows whose inner columns (no padding) are at least this many pixels take them in one
// strided kernel call (no per-pixel pointers) and the border pixels apart. Shorter rows (7x7: 5
// inner pixels) are faster as one indirection call per chunk, in 4-pixel steps across rows.
constexpr int64_t kDwMinStridedRun = 8;
// Elementwise passes (activation, channel-multiplier expansion) hand out this many floats per task.
constexpr size_t kElementwiseChunk = 16 * 1024;
// The spatial ranks the operators take.
constexpr size_t kMaxSpatial = 3;

Activation read_activation(const NodeSpec& node) {
  try {
    return Activation::from_attributes(node.attrs);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kRange) throw_node_range(node, e.what());
    throw_node_type(node, e.what());
  }
}

// Non-clamp activations run over the output after the GEMM (clamps are in its epilogue).
void apply_activation(const Activation& act, float* data, size_t n, int threads) {
  if (act.is_clamp() || n == 0) return;
  parallel_ranges(n, threads, kElementwiseChunk / 8, kElementwiseChunk,
                  [&](size_t begin, size_t end, size_t) { act.apply(data + begin, end - begin); });
}

// The ISA is part of every packing key: packed panels are laid out for the path active at create.
std::string packing_key(const char* kind, int64_t group) {
  return std::string(kind) + "/g" + std::to_string(group) + "/" + isa_name(active_isa());
}

struct PackedGroups {
  std::vector<std::shared_ptr<const SGemmPackedB>> groups;
};

// The weight layouts, each a batch of small transposes of W (which moves bits only). Constant and
// runtime weights go through the same function, so both paths multiply by the same matrices.
//   Conv:          W [M][C/g][taps]  -> [M][taps][C/g]: per group, B^T = [M/g, K] in im2col order.
//   ConvTranspose: W [C][M/g][taps]  -> [C][taps][M/g]: per group, B = [C/g, taps*M/g].
//   Depthwise:     W [M][taps]       -> [taps][M]: all channels of a tap together.
void layout_weights(const float* w, float* dst, int64_t batches, int64_t rows, int64_t taps, int threads) {
  if (taps == 1) {
    std::memcpy(dst, w, sizeof(float) * static_cast<size_t>(batches * rows));
    return;
  }
  transpose_batched(w, dst, static_cast<size_t>(batches), static_cast<size_t>(rows), static_cast<size_t>(taps), threads);
}

// A runtime W as the GEMM reads it: B^T ([N, K] rows, b_transposed) or B ([K, N] rows).
struct RuntimeB {
  const float* data = nullptr;
  bool transposed = true;
};

// ---------------------------------------------------------------------------------------------
// Conv

class ConvOp final : public Op {
 public:
  explicit ConvOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    const ValueInfo& w = init.input(1);
    require_dtype(node, x, DType::kFloat32, "X");
    require_dtype(node, w, DType::kFloat32, "W");
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, kMaxSpatial, "X");
    if (w.shape.size() != x.shape.size())
      throw_node_range(node, "W " + shape_string(w.shape) + " must have the rank of X " + shape_string(x.shape) +
                                 " ([M, C/group, kernel...])");
    const size_t rank = in.spatial.size();
    group_ = read_group(node);
    N_ = in.batch;
    C_ = in.channels;
    M_ = w.shape[0];
    Cg_ = w.shape[1];
    if (M_ < 1 || Cg_ < 1) throw_node_range(node, "W " + shape_string(w.shape) + " has no output or input channels");
    if (Cg_ * group_ != C_)
      throw_node_range(node, "X has " + std::to_string(C_) + " channels but W " + shape_string(w.shape) + " with group " +
                                 std::to_string(group_) + " expects C = W.shape[1] * group = " + std::to_string(Cg_ * group_));
    if (M_ % group_ != 0)
      throw_node_range(node, "W has " + std::to_string(M_) + " output channels, not a multiple of group " + std::to_string(group_));
    Mg_ = M_ / group_;

    const WindowAttrs attrs = read_window_attrs(node, rank, w.shape.data() + 2);
    win_ = forward_window(node, attrs, in.spatial, false);
    require_output(node, init.output(0), DType::kFloat32, in.shape_with(M_, win_.out_spatial(rank)), "Y");

    if (init.has_input(2)) {
      const ValueInfo& b = init.input(2);
      require_dtype(node, b, DType::kFloat32, "B");
      if (b.shape != Shape{M_}) throw_node_range(node, "B has shape " + shape_string(b.shape) + ", expected [" + std::to_string(M_) + "]");
      if (b.constant) {
        bias_.assign(static_cast<const float*>(b.constant), static_cast<const float*>(b.constant) + M_);
      } else {
        bias_runtime_ = true;
      }
    }
    act_ = read_activation(node);
    if (act_.is_clamp() && act_.kind != Activation::Kind::kNone) {
      clamp_ = true;
      epilogue_.min = act_.min;
      epilogue_.max = act_.max;
    }

    taps_ = win_.taps();
    K_ = taps_ * Cg_;
    runtime_w_ = w.constant == nullptr;
    const float* wdata = static_cast<const float*>(w.constant);
    if (group_ == C_ && Cg_ == 1 && C_ > 1) {
      path_ = Path::kDepthwise;
      multiplier_ = Mg_;
      dw_kernel_ = &dwconv_kernel(active_isa());
      if (!runtime_w_)
        dw_weights_ = init.weights.get<AlignedBuffer>(w, "dwconv_w", [&] {
          auto buf = std::make_shared<AlignedBuffer>(sizeof(float) * static_cast<size_t>(taps_ * M_));
          layout_weights(wdata, buf->as<float>(), 1, M_, taps_, 1);
          return std::shared_ptr<const AlignedBuffer>(buf);
        });
      dw_runs_ = DepthwiseRuns(win_, kDwMinStridedRun);
      // Padding taps read this zero vector; it also stands in for an absent bias (the kernel always
      // adds one; acc + 0 is acc, as acc is never -0).
      zeros_.resize(sizeof(float) * static_cast<size_t>(M_));
    } else {
      bool pointwise = taps_ == 1;
      for (const WindowAxis* a : {&win_.d, &win_.h, &win_.w})
        pointwise = pointwise && a->stride == 1 && a->pad_begin == 0 && a->pad_end == 0;
      path_ = pointwise ? Path::kPointwise : Path::kIm2col;
      if (!runtime_w_)
        packed_ = init.weights.get<PackedGroups>(w, packing_key("conv_b", group_), [&] {
          auto p = std::make_shared<PackedGroups>();
          std::vector<float> bt(static_cast<size_t>(M_ * K_));
          layout_weights(wdata, bt.data(), M_, Cg_, taps_, 1);
          for (int64_t g = 0; g < group_; ++g)
            p->groups.push_back(sgemm_pack_b(bt.data() + g * Mg_ * K_, static_cast<size_t>(K_), static_cast<size_t>(Mg_), true));
          return std::shared_ptr<const PackedGroups>(p);
        });
    }
  }

  size_t scratch_bytes(int threads) const override {
    // Enough for any thread count up to `threads` (the tiling depends on it).
    size_t bytes = 0;
    for (int t = 1; t <= std::max(threads, 1); ++t) bytes = std::max(bytes, layout(t).bytes.total);
    return bytes;
  }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (N_ == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const Layout l = layout(threads);
    const float* x = inputs[0]->as<const float>();
    float* y = outputs[0]->as<float>();
    const float* bias = bias_runtime_ ? inputs[2]->as<const float>() : (bias_.empty() ? nullptr : bias_.data());
    // Runtime weights, laid out as the constant path lays them out at create.
    RuntimeB weights;
    if (runtime_w_) {
      const float* w = inputs[1]->as<const float>();
      if (path_ == Path::kPointwise) {
        weights.data = w;  // [M, C/g] already is B^T, packed once per group and run
      } else {
        float* laid = scratch_at<float>(ctx.scratch, l.weights);
        if (path_ == Path::kDepthwise) layout_weights(w, laid, 1, M_, taps_, threads);
        else layout_weights(w, laid, M_, Cg_, taps_, threads);
        weights.data = laid;
        if (path_ == Path::kIm2col && !l.shared_tile) {
          // Packed once per tile: as B = [K, M/g] per group, which sgemm_unpacked packs with row
          // copies (a B^T packs element by element). The same matrix, so the same result.
          float* kn = scratch_at<float>(ctx.scratch, l.weights_kn);
          transpose_batched(laid, kn, static_cast<size_t>(group_), static_cast<size_t>(Mg_), static_cast<size_t>(K_), threads);
          weights = RuntimeB{kn, false};
        }
      }
    }
    if (!channels_last_) {
      float* xt = scratch_at<float>(ctx.scratch, l.x_nhwc);
      nchw_to_nhwc(x, xt, static_cast<size_t>(N_), static_cast<size_t>(C_), static_cast<size_t>(win_.in_pixels()), threads);
      x = xt;
    }
    float* out = channels_last_ ? y : scratch_at<float>(ctx.scratch, l.y_nhwc);
    switch (path_) {
      case Path::kDepthwise: run_depthwise(ctx, l, x, weights, bias, out, threads); break;
      case Path::kPointwise: run_pointwise(ctx, l, x, weights, bias, out, threads); break;
      case Path::kIm2col: run_im2col(ctx, l, x, weights, bias, out, threads); break;
    }
    if (!channels_last_)
      nhwc_to_nchw(out, y, static_cast<size_t>(N_), static_cast<size_t>(M_), static_cast<size_t>(win_.out_pixels()), threads);
  }

 private:
  enum class Path { kDepthwise, kPointwise, kIm2col };

  struct Layout {
    ScratchLayout bytes;
    size_t x_nhwc = 0, y_nhwc = 0, expanded = 0, per_thread = 0;
    size_t weights = 0, weights_kn = 0, pack = 0;  // runtime W: its layouts, and sgemm_unpacked's packing
    size_t per_thread_bytes = 0, col_bytes = 0;
    bool shared_tile = false;  // im2col: one tile at a time, GEMM on all threads
    int64_t tile_rows = 0;
  };

  Layout layout(int threads) const {
    Layout l;
    const size_t f = sizeof(float);
    if (!channels_last_) {
      l.x_nhwc = l.bytes.take(f * static_cast<size_t>(N_ * C_ * win_.in_pixels()));
      l.y_nhwc = l.bytes.take(f * static_cast<size_t>(N_ * M_ * win_.out_pixels()));
    }
    if (runtime_w_ && path_ != Path::kPointwise) l.weights = l.bytes.take(f * static_cast<size_t>(M_ * K_));
    // sgemm_unpacked's packing of a runtime W: one per thread when the threads take tiles each.
    const size_t pack_bytes = runtime_w_ && path_ != Path::kDepthwise
                                  ? align64(sgemm_pack_scratch_bytes(static_cast<size_t>(K_), static_cast<size_t>(Mg_)))
                                  : 0;
    if (path_ == Path::kPointwise) l.pack = l.bytes.take(pack_bytes);
    if (path_ == Path::kDepthwise) {
      if (multiplier_ > 1) l.expanded = l.bytes.take(f * static_cast<size_t>(N_ * M_ * win_.in_pixels()));
      // The indirection buffer of a chunk, then the input row of each (kd, kh) of the current row.
      l.per_thread_bytes = align64(sizeof(const float*) * depthwise_pointer_count(win_, kDwPixels));
      l.per_thread = l.bytes.take(l.per_thread_bytes * threads);
    } else if (path_ == Path::kIm2col) {
      const int64_t pixels = N_ * win_.out_pixels();
      const size_t row_bytes = f * static_cast<size_t>(K_);
      const auto round_rows = [&](int64_t r) { return std::min(pixels, (r + kTileRowMultiple - 1) / kTileRowMultiple * kTileRowMultiple); };
      int64_t rows = round_rows(std::max<int64_t>(kMinTileRows, static_cast<int64_t>(kColTileBytes / row_bytes)));
      int64_t tiles = (pixels + rows - 1) / rows;
      if (threads > 1 && tiles * group_ < 8 * threads && tiles * group_ % threads != 0) {
        // Few tiles: cut them so that every thread gets the same number (5 tiles on 2 threads
        // would leave one thread idle for a fifth of the time).
        const int64_t balanced = (tiles * group_ + threads - 1) / threads * threads;
        const int64_t per_group = std::max<int64_t>(1, balanced / group_);
        rows = (pixels + per_group - 1) / per_group;  // even tiles matter more here than whole micro-tiles
        tiles = (pixels + rows - 1) / rows;
      }
      const int64_t tasks = tiles * group_;
      if ((threads > 1 && tasks < 2 * threads) || pack_bytes > kTilePackBytes) {
        // Too few tiles to keep every thread busy, or a runtime W too big to pack per tile: bigger
        // tiles, one at a time, threaded GEMM.
        l.shared_tile = true;
        rows = std::min<int64_t>(pixels, std::max<int64_t>(rows, static_cast<int64_t>(kSharedColBytes / row_bytes)));
        l.per_thread_bytes = align64(row_bytes * static_cast<size_t>(rows));
        l.per_thread = l.bytes.take(l.per_thread_bytes);
        l.pack = l.bytes.take(pack_bytes);
      } else {
        // Each thread's slot: its im2col tile, then its packing of a runtime W.
        l.col_bytes = align64(row_bytes * static_cast<size_t>(rows));
        l.per_thread_bytes = l.col_bytes + pack_bytes;
        l.per_thread = l.bytes.take(l.per_thread_bytes * threads);
        if (runtime_w_) l.weights_kn = l.bytes.take(f * static_cast<size_t>(M_ * K_));
      }
      l.tile_rows = rows;
    }
    return l;
  }

  SGemmEpilogue epilogue_for_group(const float* bias, int64_t g) const {
    SGemmEpilogue e = epilogue_;
    e.bias = bias ? bias + g * Mg_ : nullptr;
    return e;
  }

  // Output rows [0, rows) of group g (columns g*Mg.. of C, row stride M) from A rows: the packed
  // constant weights, or the runtime `weights` (all groups) packed into `pack`.
  void gemm(size_t rows, const float* a, size_t lda, const RuntimeB& weights, void* pack, int64_t g, const float* bias, float* out,
            int threads) const {
    const size_t n = static_cast<size_t>(Mg_), k = static_cast<size_t>(K_);
    if (packed_) {
      sgemm(rows, n, k, a, lda, *packed_->groups[g], out + g * Mg_, static_cast<size_t>(M_), epilogue_for_group(bias, g), threads);
    } else {
      sgemm_unpacked(rows, n, k, a, lda, weights.data + g * Mg_ * K_, weights.transposed ? k : n, weights.transposed, out + g * Mg_,
                     static_cast<size_t>(M_), epilogue_for_group(bias, g), threads, pack);
    }
  }

  void run_pointwise(const RunContext& ctx, const Layout& l, const float* x, const RuntimeB& weights, const float* bias, float* out,
                     int threads) const {
    const size_t rows = static_cast<size_t>(N_ * win_.out_pixels());
    void* pack = scratch_at<void>(ctx.scratch, l.pack);
    for (int64_t g = 0; g < group_; ++g) gemm(rows, x + g * Cg_, static_cast<size_t>(C_), weights, pack, g, bias, out, threads);
    apply_activation(act_, out, rows * static_cast<size_t>(M_), threads);
  }

  // Activation over output rows [p0, p1) of group g (the whole row when there is one group).
  void activate_rows(float* out, int64_t p0, int64_t p1, int64_t g) const {
    if (act_.is_clamp()) return;
    if (group_ == 1) {
      act_.apply(out + p0 * M_, static_cast<size_t>((p1 - p0) * M_));
    } else {
      for (int64_t p = p0; p < p1; ++p) act_.apply(out + p * M_ + g * Mg_, static_cast<size_t>(Mg_));
    }
  }

  void run_im2col(const RunContext& ctx, const Layout& l, const float* x, const RuntimeB& weights, const float* bias, float* out,
                  int threads) const {
    const int64_t pixels = N_ * win_.out_pixels();
    const int64_t rows = l.tile_rows;
    const int64_t tiles = (pixels + rows - 1) / rows;
    if (l.shared_tile) {
      float* col = scratch_at<float>(ctx.scratch, l.per_thread);
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t p0 = tile * rows, p1 = std::min(pixels, p0 + rows);
        for (int64_t g = 0; g < group_; ++g) {
          // Unroll the tile on all threads, each the band of rows it then multiplies (sgemm's bands).
          const size_t tile_rows = static_cast<size_t>(p1 - p0);
          parallel_ranges(tile_rows, threads, 1, tile_rows, [&](size_t b0, size_t b1, size_t) {
            const int64_t r0 = static_cast<int64_t>(b0), r1 = static_cast<int64_t>(b1);
            im2col_nhwc(x, C_, g * Cg_, Cg_, win_, p0 + r0, p0 + r1, col + r0 * K_);
          });
          gemm(static_cast<size_t>(p1 - p0), col, static_cast<size_t>(K_), weights, scratch_at<void>(ctx.scratch, l.pack), g, bias,
               out + p0 * M_, threads);
        }
      }
      apply_activation(act_, out, static_cast<size_t>(pixels * M_), threads);
      return;
    }
    // Each thread a band of tiles (and all their groups): the pixels it gets in the next layer.
    parallel_ranges(static_cast<size_t>(tiles * group_), threads, 1, 1, [&](size_t task, size_t, size_t slot) {
      const size_t mine = l.per_thread + l.per_thread_bytes * slot;
      float* col = scratch_at<float>(ctx.scratch, mine);
      const int64_t g = static_cast<int64_t>(task) % group_;
      const int64_t p0 = static_cast<int64_t>(task) / group_ * rows, p1 = std::min(pixels, p0 + rows);
      im2col_nhwc(x, C_, g * Cg_, Cg_, win_, p0, p1, col);
      gemm(static_cast<size_t>(p1 - p0), col, static_cast<size_t>(K_), weights, scratch_at<void>(ctx.scratch, mine + l.col_bytes), g, bias,
           out + p0 * M_, 1);
      activate_rows(out, p0, p1, g);
    });
  }

  void run_depthwise(const RunContext& ctx, const Layout& l, const float* x, const RuntimeB& weights, const float* bias, float* out,
                     int threads) const {
    const float* src = x;
    if (multiplier_ > 1) {
      // Output channel m reads input channel m / multiplier: repeat each input channel so the kernel
      // sees one input channel per output channel.
      float* e = scratch_at<float>(ctx.scratch, l.expanded);
      const size_t pixels = static_cast<size_t>(N_ * win_.in_pixels());
      const size_t per_chunk = std::max<size_t>(1, kElementwiseChunk / static_cast<size_t>(M_));
      parallel_ranges(pixels, threads, per_chunk / 8, per_chunk, [&](size_t p0, size_t p1, size_t) {
        for (size_t p = p0; p < p1; ++p)
          for (int64_t c = 0; c < C_; ++c)
            for (int64_t j = 0; j < multiplier_; ++j) e[p * M_ + c * multiplier_ + j] = x[p * C_ + c];
      });
      src = e;
    }
    const float* zeros = zeros_.as<float>();
    DwConvF32Args base;
    base.channels = static_cast<size_t>(M_);
    base.taps = static_cast<size_t>(taps_);
    base.weights = runtime_w_ ? weights.data : dw_weights_->as<float>();
    base.bias = bias != nullptr ? bias : zeros;
    base.output_stride = static_cast<size_t>(M_);
    base.clamp = clamp_;
    base.min = epilogue_.min;
    base.max = epilogue_.max;
    // Chunks of output pixels in (n, od, oh, ow) order, across rows when rows are short; each
    // thread its own band of them, the one it also gets of the next layer's pixels.
    const int64_t pixels = N_ * win_.out_pixels();
    parallel_ranges(static_cast<size_t>(pixels), threads, kDwMinPixels, kDwPixels, [&](size_t begin, size_t end, size_t slot) {
      const float** ptrs = scratch_at<const float*>(ctx.scratch, l.per_thread + l.per_thread_bytes * slot);
      const float** rows = ptrs + kDwPixels * static_cast<size_t>(taps_);
      depthwise_band<float>(win_, M_, src, zeros, dw_runs_, static_cast<int64_t>(begin), static_cast<int64_t>(end), ptrs, rows,
                            [&](int64_t first, int64_t count, const float* const* input, size_t input_stride) {
                              DwConvF32Args a = base;
                              a.pixels = static_cast<size_t>(count);
                              a.input = input;
                              a.input_stride = input_stride;
                              a.output = out + first * M_;
                              dw_kernel_->f32(a);
                              if (!act_.is_clamp()) act_.apply(a.output, a.pixels * static_cast<size_t>(M_));
                            });
    });
  }

  bool channels_last_ = false;
  int64_t N_ = 0, C_ = 0, M_ = 0, group_ = 1, Cg_ = 0, Mg_ = 0, K_ = 0, taps_ = 1;
  Window win_;
  Path path_ = Path::kIm2col;
  Activation act_;
  bool clamp_ = false;      // Relu / Clip
  SGemmEpilogue epilogue_;  // the clamp; the bias pointer is set per call
  std::vector<float> bias_;
  bool bias_runtime_ = false;
  bool runtime_w_ = false;  // W is laid out (and packed) per run in scratch
  std::shared_ptr<const PackedGroups> packed_;  // constant W, GEMM forms
  // Depthwise
  int64_t multiplier_ = 1;
  const DwConvKernel* dw_kernel_ = nullptr;
  std::shared_ptr<const AlignedBuffer> dw_weights_;  // constant W
  DepthwiseRuns dw_runs_;                            // output columns whose taps all lie inside the input row
  AlignedBuffer zeros_;
};

// ---------------------------------------------------------------------------------------------
// ConvTranspose: Y[o*s - pad + k*d] += X[i] * W[k], i.e. one GEMM X · W (every input pixel times
// every weight column, K = C/group) into a column buffer of [pixels][kd][kh][kw][M/group], then each
// output pixel gathers the columns that land on it. Gathering (rather than scatter-adding) keeps the
// order fixed, (kd, kh, kw) ascending, so results do not depend on the thread count. The order differs
// from a direct sum over (c, kd, kh, kw) — each column is a complete sum over c first — so a plain
// reference agrees to rounding (~1e-6 relative), not bit for bit. A runtime W is laid out and packed
// per run in scratch (sgemm_unpacked): the same columns, so the same bits as a constant W.

class ConvTransposeOp final : public Op {
 public:
  explicit ConvTransposeOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    const ValueInfo& x = init.input(0);
    const ValueInfo& w = init.input(1);
    require_dtype(node, x, DType::kFloat32, "X");
    require_dtype(node, w, DType::kFloat32, "W");
    channels_last_ = read_channels_last(node);
    const ActivationLayout in = read_layout(node, x, channels_last_, kMaxSpatial, "X");
    if (w.shape.size() != x.shape.size())
      throw_node_range(node, "W " + shape_string(w.shape) + " must have the rank of X " + shape_string(x.shape) +
                                 " ([C, M/group, kernel...])");
    const size_t rank = in.spatial.size();
    group_ = read_group(node);
    N_ = in.batch;
    C_ = in.channels;
    if (w.shape[0] != C_)
      throw_node_range(node, "W " + shape_string(w.shape) + " must have X's " + std::to_string(C_) + " input channels first");
    if (C_ % group_ != 0)
      throw_node_range(node, "X has " + std::to_string(C_) + " channels, not a multiple of group " + std::to_string(group_));
    Cg_ = C_ / group_;
    Mg_ = w.shape[1];
    M_ = Mg_ * group_;
    if (Mg_ < 1) throw_node_range(node, "W " + shape_string(w.shape) + " has no output channels");

    const WindowAttrs attrs = read_window_attrs(node, rank, w.shape.data() + 2);
    std::vector<int64_t> output_padding, output_shape;
    try {
      output_padding = node.attrs.get_ints("output_padding", std::vector<int64_t>(rank, 0));
      output_shape = node.attrs.get_ints("output_shape", {});
    } catch (const Error& e) {
      throw_node_type(node, e.what());
    }
    if (output_padding.size() != rank)
      throw_node_range(node, "attribute 'output_padding' is " + ints_string(output_padding) + ", expected " + std::to_string(rank) + " values");
    for (int64_t v : output_padding)
      if (v < 0) throw_node_range(node, "attribute 'output_padding' is " + ints_string(output_padding) + ": values must be >= 0");
    // output_shape holds the spatial sizes; some exporters write the full [N, M, spatial...].
    if (!output_shape.empty()) {
      if (output_shape.size() == rank + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
      if (output_shape.size() != rank)
        throw_node_range(node, "attribute 'output_shape' is " + ints_string(output_shape) + ", expected " + std::to_string(rank) + " spatial sizes");
      for (int64_t v : output_shape)
        if (v < 1) throw_node_range(node, "attribute 'output_shape' is " + ints_string(output_shape) + ": sizes must be >= 1");
    }
    for (size_t i = 0; i < rank; ++i)
      win_.axis(rank, i) = transpose_axis(node, attrs, i, in.spatial[i], output_padding[i], output_shape.empty() ? -1 : output_shape[i],
                                          spatial_axis_name(rank, i));
    require_output(node, init.output(0), DType::kFloat32, in.shape_with(M_, win_.out_spatial(rank)), "Y");

    if (init.has_input(2)) {
      const ValueInfo& b = init.input(2);
      require_dtype(node, b, DType::kFloat32, "B");
      if (b.shape != Shape{M_}) throw_node_range(node, "B has shape " + shape_string(b.shape) + ", expected [" + std::to_string(M_) + "]");
      if (b.constant) bias_.assign(static_cast<const float*>(b.constant), static_cast<const float*>(b.constant) + M_);
      else bias_runtime_ = true;
    }
    act_ = read_activation(node);

    taps_ = win_.taps();
    one_tap_per_output_ = true;
    for (const WindowAxis* a : {&win_.d, &win_.h, &win_.w})
      one_tap_per_output_ = one_tap_per_output_ && a->kernel == a->stride && a->dilation == 1 && a->pad_begin == 0 && a->pad_end == 0 &&
                            a->out == a->in * a->stride;
    runtime_w_ = w.constant == nullptr;
    if (!runtime_w_) {
      const float* wdata = static_cast<const float*>(w.constant);
      // Per group: B = [K = C/group, N = taps * M/group], columns in (kd, kh, kw, m) order so that a
      // tap's contribution to one output pixel is a contiguous run of M/group channels.
      packed_ = init.weights.get<PackedGroups>(w, packing_key("convtranspose_b", group_), [&] {
        auto p = std::make_shared<PackedGroups>();
        const int64_t cols = taps_ * Mg_;
        std::vector<float> b(static_cast<size_t>(C_ * cols));
        layout_weights(wdata, b.data(), C_, Mg_, taps_, 1);
        for (int64_t g = 0; g < group_; ++g)
          p->groups.push_back(sgemm_pack_b(b.data() + g * Cg_ * cols, static_cast<size_t>(Cg_), static_cast<size_t>(cols), false));
        return std::shared_ptr<const PackedGroups>(p);
      });
    }
  }

  size_t scratch_bytes(int threads) const override { return layout().bytes.total; }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (N_ == 0) return;
    const int threads = std::max(ctx.threads, 1);
    const WindowAxis& d = win_.d;
    const WindowAxis& h = win_.h;
    const WindowAxis& w = win_.w;
    const int64_t in_pixels = win_.in_pixels(), out_pixels = win_.out_pixels();
    const Layout l = layout();
    const float* x = inputs[0]->as<const float>();
    float* y = outputs[0]->as<float>();
    const float* bias = bias_runtime_ ? inputs[2]->as<const float>() : (bias_.empty() ? nullptr : bias_.data());
    const int64_t cols = taps_ * Mg_;
    const float* weights = nullptr;
    if (runtime_w_) {
      float* laid = scratch_at<float>(ctx.scratch, l.weights);
      layout_weights(inputs[1]->as<const float>(), laid, C_, Mg_, taps_, threads);
      weights = laid;
    }
    if (!channels_last_) {
      float* xt = scratch_at<float>(ctx.scratch, l.x_nhwc);
      nchw_to_nhwc(x, xt, static_cast<size_t>(N_), static_cast<size_t>(C_), static_cast<size_t>(in_pixels), threads);
      x = xt;
    }
    float* out = channels_last_ ? y : scratch_at<float>(ctx.scratch, l.y_nhwc);
    float* col = scratch_at<float>(ctx.scratch, l.col);
    const bool clamp = act_.is_clamp() && act_.kind != Activation::Kind::kNone;
    for (int64_t n = 0; n < N_; ++n) {
      for (int64_t g = 0; g < group_; ++g) {
        const float* a = x + n * in_pixels * C_ + g * Cg_;
        float* c = col + g * in_pixels * cols;
        if (packed_) {
          sgemm(static_cast<size_t>(in_pixels), static_cast<size_t>(cols), static_cast<size_t>(Cg_), a, static_cast<size_t>(C_),
                *packed_->groups[g], c, static_cast<size_t>(cols), SGemmEpilogue{}, threads);
        } else {
          sgemm_unpacked(static_cast<size_t>(in_pixels), static_cast<size_t>(cols), static_cast<size_t>(Cg_), a, static_cast<size_t>(C_),
                         weights + g * Cg_ * cols, static_cast<size_t>(cols), false, c, static_cast<size_t>(cols), SGemmEpilogue{},
                         threads, scratch_at<void>(ctx.scratch, l.pack));
        }
      }
      float* out_n = out + n * out_pixels * M_;
      if (one_tap_per_output_) {
        place_columns(col, bias, clamp, out_n, threads);
        continue;
      }
      // One task per output row (od, oh).
      parallel_tasks(static_cast<size_t>(d.out * h.out), threads, [&](size_t task) {
        const int64_t od = static_cast<int64_t>(task) / h.out, oh = static_cast<int64_t>(task) % h.out;
        float* row = out_n + (od * h.out + oh) * w.out * M_;
        for (int64_t ow = 0; ow < w.out; ++ow) {
          float* o = row + ow * M_;
          std::fill(o, o + M_, 0.0f);
          for (int64_t kd = 0; kd < d.kernel; ++kd) {
            const int64_t id = source_index(od, kd, d);
            if (id < 0) continue;
            for (int64_t kh = 0; kh < h.kernel; ++kh) {
              const int64_t ih = source_index(oh, kh, h);
              if (ih < 0) continue;
              for (int64_t kw = 0; kw < w.kernel; ++kw) {
                const int64_t iw = source_index(ow, kw, w);
                if (iw < 0) continue;
                const float* c = col + ((id * h.in + ih) * w.in + iw) * cols + ((kd * h.kernel + kh) * w.kernel + kw) * Mg_;
                for (int64_t g = 0; g < group_; ++g) {
                  const float* cg = c + g * in_pixels * cols;
                  float* og = o + g * Mg_;
                  for (int64_t m = 0; m < Mg_; ++m) og[m] += cg[m];
                }
              }
            }
          }
          finish_pixel(o, bias, clamp);
        }
        if (!act_.is_clamp()) act_.apply(row, static_cast<size_t>(w.out * M_));
      });
    }
    if (!channels_last_) nhwc_to_nchw(out, y, static_cast<size_t>(N_), static_cast<size_t>(M_), static_cast<size_t>(out_pixels), threads);
  }

 private:
  // An output pixel's sums plus the bias, clamped when the fused activation is a clamp (others run
  // on whole rows after).
  void finish_pixel(float* o, const float* bias, bool clamp) const {
    if (bias != nullptr)
      for (int64_t m = 0; m < M_; ++m) o[m] += bias[m];
    if (clamp)
      for (int64_t m = 0; m < M_; ++m) {
        const float v = o[m] > act_.min ? o[m] : act_.min;
        o[m] = v < act_.max ? v : act_.max;
      }
  }

  // Kernel = stride, no padding or dilation (the 2x2 stride-2 upsampling of segmentation heads): each
  // output pixel is exactly one tap of one input pixel, so an input pixel's columns are copied to its
  // stride-sized block of outputs, no gathering loop per output pixel (which cost 5 ms on a 640x640
  // one-channel output). 0 + c first, as the gather's zeroed sum does, so the bits are the same.
  void place_columns(const float* col, const float* bias, bool clamp, float* out_n, int threads) const {
    const WindowAxis& d = win_.d;
    const WindowAxis& h = win_.h;
    const WindowAxis& w = win_.w;
    const int64_t cols = taps_ * Mg_, in_pixels = win_.in_pixels();
    // One task per input row (id, ih): it writes d.kernel * h.kernel whole output rows.
    parallel_tasks(static_cast<size_t>(d.in * h.in), threads, [&](size_t task) {
      const int64_t id = static_cast<int64_t>(task) / h.in, ih = static_cast<int64_t>(task) % h.in;
      for (int64_t kd = 0; kd < d.kernel; ++kd)
        for (int64_t kh = 0; kh < h.kernel; ++kh) {
          float* row = out_n + ((id * d.stride + kd) * h.out + ih * h.stride + kh) * w.out * M_;
          for (int64_t iw = 0; iw < w.in; ++iw)
            for (int64_t kw = 0; kw < w.kernel; ++kw) {
              float* o = row + (iw * w.stride + kw) * M_;
              const float* c = col + ((id * h.in + ih) * w.in + iw) * cols + ((kd * h.kernel + kh) * w.kernel + kw) * Mg_;
              for (int64_t g = 0; g < group_; ++g) {
                const float* cg = c + g * in_pixels * cols;
                float* og = o + g * Mg_;
                for (int64_t m = 0; m < Mg_; ++m) og[m] = 0.0f + cg[m];
              }
              finish_pixel(o, bias, clamp);
            }
          if (!act_.is_clamp()) act_.apply(row, static_cast<size_t>(w.out * M_));
        }
    });
  }

  // The input position whose tap k lands on output position o, or -1.
  static int64_t source_index(int64_t o, int64_t k, const WindowAxis& a) {
    const int64_t num = o + a.pad_begin - k * a.dilation;
    if (num < 0 || num % a.stride != 0) return -1;
    const int64_t i = num / a.stride;
    return i < a.in ? i : -1;
  }

  struct Layout {
    ScratchLayout bytes;
    size_t x_nhwc = 0, y_nhwc = 0, col = 0;
    size_t weights = 0, pack = 0;  // runtime W: its layout, and sgemm_unpacked's packing
  };

  // The column buffer holds one image's GEMM result for all groups: [group][pixels][taps * M/group].
  Layout layout() const {
    Layout l;
    const int64_t in_pixels = win_.in_pixels(), out_pixels = win_.out_pixels();
    const size_t f = sizeof(float);
    if (!channels_last_) {
      l.x_nhwc = l.bytes.take(f * static_cast<size_t>(N_ * C_ * in_pixels));
      l.y_nhwc = l.bytes.take(f * static_cast<size_t>(N_ * M_ * out_pixels));
    }
    l.col = l.bytes.take(f * static_cast<size_t>(in_pixels * taps_ * M_));
    if (runtime_w_) {
      l.weights = l.bytes.take(f * static_cast<size_t>(C_ * taps_ * Mg_));
      l.pack = l.bytes.take(sgemm_pack_scratch_bytes(static_cast<size_t>(Cg_), static_cast<size_t>(taps_ * Mg_)));
    }
    return l;
  }

  bool channels_last_ = false;
  int64_t N_ = 0, C_ = 0, M_ = 0, group_ = 1, Cg_ = 0, Mg_ = 0, taps_ = 1;
  Window win_;
  Activation act_;
  std::vector<float> bias_;
  bool bias_runtime_ = false;
  bool runtime_w_ = false;  // W is laid out (and packed) per run in scratch
  bool one_tap_per_output_ = false;  // see place_columns
  std::shared_ptr<const PackedGroups> packed_;
};

std::unique_ptr<Op> make_conv(const OpInit& init) { return std::make_unique<ConvOp>(init); }
std::unique_ptr<Op> make_conv_transpose(const OpInit& init) { return std::make_unique<ConvTransposeOp>(init); }

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add("Conv", make_conv);
  r.add("ConvTranspose", make_conv_transpose);
}

}  // namespace octet
