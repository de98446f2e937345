// Resize (opsets 10-19+) and Upsample (7-9). Everything about where to sample is decided at create
// (resize_sampling.h); run() is tight loops:
//   nearest        — any element type: an IndexMapCopy of the nearest indices (-1 = extrapolate);
//   linear, cubic  — float32, separable: one pass per axis whose sampling is not the identity,
//                    innermost axis first, each pass mapping [outer, in, inner] to [outer, out, inner]
//                    with acc = w0*x0, then acc = acc + wt*xt for the next taps in order. A pass over
//                    an inner axis works on whole rows of `inner` floats (vectorises); intermediate
//                    results live in scratch. Passes make the N-D result equal to the ONNX reference's
//                    nested 1-D interpolations (innermost first) without redoing the inner work per
//                    output. tf_crop_and_resize then writes extrapolation_value at every output with
//                    any coordinate outside the input, exactly.
// Not supported: antialias when a linear/cubic axis is downscaled (TypeError).
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "index_map_copy.h"
#include "resize_sampling.h"
#include "tensor_common.h"
#include "tensor_registry.h"

namespace octet::tensor {

namespace {

inline float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void store_f32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }

class ResizeNearestOp : public Op {
 public:
  explicit ResizeNearestOp(IndexMapCopy copy) : copy_(std::move(copy)) {}
  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    copy_.run(inputs[0]->data, outputs[0]->data, ctx.threads);
  }

 private:
  IndexMapCopy copy_;
};

// One separable pass along one axis: [outer, in, inner] -> [outer, out, inner].
struct Pass {
  int64_t outer = 1, in = 1, out = 1, inner = 1;
  int taps = 1;
  std::vector<int64_t> index;
  std::vector<float> weight;
};

// Innermost axis: rows of `in` floats become rows of `out`. Everything the loop reads is held in
// locals: stores through a byte pointer may alias anything, so members would be reloaded per element.
template <int kTaps>
void interpolate_innermost(const uint8_t* src, uint8_t* dst, int64_t begin, int64_t end, int64_t in, int64_t out,
                           const int64_t* index, const float* weight) {
  for (int64_t r = begin; r < end; ++r) {
    const uint8_t* s = src + r * in * 4;
    uint8_t* d = dst + r * out * 4;
    for (int64_t o = 0; o < out; ++o) {
      const int64_t* idx = index + o * kTaps;
      const float* w = weight + o * kTaps;
      float acc = w[0] * load_f32(s + idx[0] * 4);
      for (int t = 1; t < kTaps; ++t) acc = acc + w[t] * load_f32(s + idx[t] * 4);
      store_f32(d + o * 4, acc);
    }
  }
}

// Outer axis: output row (r, o) of `inner` floats is a weighted sum of `kTaps` input rows.
template <int kTaps>
void interpolate_rows(const uint8_t* src, uint8_t* dst, int64_t begin, int64_t end, int64_t in, int64_t out, int64_t inner,
                      const int64_t* index, const float* weight) {
  const int64_t row_bytes = inner * 4;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t r = item / out, o = item % out;
    const int64_t* idx = index + o * kTaps;
    const float* w = weight + o * kTaps;
    const uint8_t* base = src + r * in * row_bytes;
    const uint8_t* s0 = base + idx[0] * row_bytes;
    const uint8_t* s1 = base + idx[kTaps > 1 ? 1 : 0] * row_bytes;
    const uint8_t* s2 = base + idx[kTaps > 2 ? 2 : 0] * row_bytes;
    const uint8_t* s3 = base + idx[kTaps > 3 ? 3 : 0] * row_bytes;
    const float w0 = w[0], w1 = kTaps > 1 ? w[1] : 0.0f, w2 = kTaps > 2 ? w[2] : 0.0f, w3 = kTaps > 3 ? w[3] : 0.0f;
    uint8_t* d = dst + item * row_bytes;
    for (int64_t j = 0; j < inner; ++j) {
      float acc = w0 * load_f32(s0 + j * 4);
      if (kTaps > 1) acc = acc + w1 * load_f32(s1 + j * 4);
      if (kTaps > 2) acc = acc + w2 * load_f32(s2 + j * 4);
      if (kTaps > 3) acc = acc + w3 * load_f32(s3 + j * 4);
      store_f32(d + j * 4, acc);
    }
  }
}

void run_pass(const Pass& p, const uint8_t* src, uint8_t* dst, int threads) {
  const int64_t in = p.in, out = p.out, inner = p.inner;
  const int64_t* index = p.index.data();
  const float* weight = p.weight.data();
  const int taps = p.taps;
  if (inner == 1) {
    parallel_ranges(p.outer, items_per_task(out * 4 * taps), threads, [&](int64_t begin, int64_t end) {
      switch (taps) {
        case 1: interpolate_innermost<1>(src, dst, begin, end, in, out, index, weight); break;
        case 2: interpolate_innermost<2>(src, dst, begin, end, in, out, index, weight); break;
        default: interpolate_innermost<4>(src, dst, begin, end, in, out, index, weight); break;
      }
    });
    return;
  }
  parallel_ranges(p.outer * out, items_per_task(inner * 4 * (taps + 1)), threads, [&](int64_t begin, int64_t end) {
    switch (taps) {
      case 1: interpolate_rows<1>(src, dst, begin, end, in, out, inner, index, weight); break;
      case 2: interpolate_rows<2>(src, dst, begin, end, in, out, inner, index, weight); break;
      default: interpolate_rows<4>(src, dst, begin, end, in, out, inner, index, weight); break;
    }
  });
}

class ResizeInterpolateOp : public Op {
 public:
  ResizeInterpolateOp(Shape in, Shape out, std::vector<Pass> passes, std::vector<std::vector<uint8_t>> outside, bool any_outside,
                      float extrapolation)
      : in_(std::move(in)), out_(std::move(out)), passes_(std::move(passes)), outside_(std::move(outside)),
        any_outside_(any_outside), extrapolation_(extrapolation) {
    // Intermediate results alternate between two scratch buffers: pass p writes buffer p % 2.
    for (size_t p = 0; p + 1 < passes_.size(); ++p) {
      const size_t bytes = static_cast<size_t>(passes_[p].outer * passes_[p].out * passes_[p].inner) * 4;
      size_t& slot = p % 2 == 0 ? buffer_bytes_[0] : buffer_bytes_[1];
      if (bytes > slot) slot = bytes;
    }
    buffer_bytes_[0] = (buffer_bytes_[0] + 63) / 64 * 64;
  }

  size_t scratch_bytes(int) const override { return buffer_bytes_[0] + buffer_bytes_[1]; }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    const int64_t numel = shape_numel(out_);
    if (numel == 0) return;
    const auto* src = static_cast<const uint8_t*>(inputs[0]->data);
    auto* dst = static_cast<uint8_t*>(outputs[0]->data);
    auto* scratch = static_cast<uint8_t*>(ctx.scratch);
    if (passes_.empty()) {
      copy_bytes(src, dst, static_cast<size_t>(numel) * 4, ctx.threads);
    } else {
      const uint8_t* from = src;
      for (size_t p = 0; p < passes_.size(); ++p) {
        uint8_t* to = p + 1 == passes_.size() ? dst : scratch + (p % 2 == 0 ? 0 : buffer_bytes_[0]);
        run_pass(passes_[p], from, to, ctx.threads);
        from = to;
      }
    }
    if (any_outside_) write_extrapolation(dst, ctx.threads);
  }

 private:
  void write_extrapolation(uint8_t* dst, int threads) const {
    const size_t rank = out_.size();
    const int64_t row = out_[rank - 1];
    const int64_t rows = shape_numel(out_) / row;
    const std::vector<uint8_t>& last = outside_[rank - 1];
    parallel_ranges(rows, items_per_task(row * 4), threads, [&](int64_t begin, int64_t end) {
      int64_t idx[kMaxCopyRank];
      int64_t linear = begin;
      for (size_t k = rank - 1; k-- > 0;) {
        idx[k] = linear % out_[k];
        linear /= out_[k];
      }
      for (int64_t r = begin; r < end; ++r) {
        bool whole_row = false;
        for (size_t k = 0; k + 1 < rank; ++k) whole_row = whole_row || outside_[k][static_cast<size_t>(idx[k])];
        uint8_t* d = dst + r * row * 4;
        for (int64_t j = 0; j < row; ++j) {
          if (whole_row || last[static_cast<size_t>(j)]) store_f32(d + j * 4, extrapolation_);
        }
        for (size_t k = rank - 1; k-- > 0;) {
          if (++idx[k] < out_[k]) break;
          idx[k] = 0;
        }
      }
    });
  }

  Shape in_, out_;
  std::vector<Pass> passes_;
  std::vector<std::vector<uint8_t>> outside_;  // per axis, per output index
  bool any_outside_;
  float extrapolation_;
  size_t buffer_bytes_[2] = {0, 0};
};

// The spec's length_resized = in * scale, as a float32 product: its floor is the output size, the
// same one TypeScript's shape rule, ONNX's shape inference and onnxruntime compute (a double product
// would floor 10 * 0.7f = 6.99999988 to 6 where they give 7).
float scaled_length(int64_t in, float scale) { return static_cast<float>(in) * scale; }

ResizeInterpolation parse_mode(const NodeSpec& node, bool allow_cubic) {
  const std::string mode = node.attrs.get_string("mode", "nearest");
  if (mode == "nearest") return ResizeInterpolation::kNearest;
  if (mode == "linear" || mode == "bilinear") return ResizeInterpolation::kLinear;  // 'bilinear': Upsample-1
  if (mode == "cubic" && allow_cubic) return ResizeInterpolation::kCubic;
  throw_node_range(node, "mode must be nearest, linear" + std::string(allow_cubic ? " or cubic" : "") + ", got '" + mode + "'");
}

ResizeCoordinate parse_coordinate(const NodeSpec& node) {
  const std::string m = node.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  if (m == "half_pixel") return ResizeCoordinate::kHalfPixel;
  if (m == "half_pixel_symmetric") return ResizeCoordinate::kHalfPixelSymmetric;
  if (m == "pytorch_half_pixel") return ResizeCoordinate::kPytorchHalfPixel;
  if (m == "align_corners") return ResizeCoordinate::kAlignCorners;
  if (m == "asymmetric") return ResizeCoordinate::kAsymmetric;
  if (m == "tf_half_pixel_for_nn") return ResizeCoordinate::kTfHalfPixelForNn;
  if (m == "tf_crop_and_resize") return ResizeCoordinate::kTfCropAndResize;
  throw_node_range(node, "coordinate_transformation_mode '" + m + "' is not one of half_pixel, half_pixel_symmetric, "
                         "pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize");
}

ResizeNearest parse_nearest(const NodeSpec& node) {
  const std::string m = node.attrs.get_string("nearest_mode", "round_prefer_floor");
  if (m == "round_prefer_floor") return ResizeNearest::kRoundPreferFloor;
  if (m == "round_prefer_ceil") return ResizeNearest::kRoundPreferCeil;
  if (m == "floor") return ResizeNearest::kFloor;
  if (m == "ceil") return ResizeNearest::kCeil;
  throw_node_range(node, "nearest_mode '" + m + "' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil");
}

// Shared by Resize and Upsample once scales or sizes are known per axis.
std::unique_ptr<Op> build(const OpInit& init, const ResizeOptions& options, const std::vector<ResizeAxis>& axes,
                          float extrapolation) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  Shape out(axes.size());
  for (size_t k = 0; k < axes.size(); ++k) out[k] = axes[k].out;
  check_output(init, 0, in.dtype, out);
  if (axes.size() > kMaxCopyRank) throw_node_range(node, "rank " + std::to_string(axes.size()) + " is not supported");

  std::vector<AxisSampling> sampling;
  for (const ResizeAxis& a : axes) sampling.push_back(resize_axis_sampling(options, a));

  if (options.interpolation == ResizeInterpolation::kNearest) {
    std::vector<std::vector<int64_t>> maps(axes.size());
    for (size_t k = 0; k < axes.size(); ++k) {
      maps[k] = sampling[k].index;
      for (size_t o = 0; o < maps[k].size(); ++o) {
        if (sampling[k].outside[o]) maps[k][o] = -1;
      }
    }
    const std::vector<uint8_t> fill = scalar_bytes_of(in.dtype, extrapolation);
    return std::make_unique<ResizeNearestOp>(IndexMapCopy(dtype_size(in.dtype), in.shape, out, maps, fill));
  }

  if (in.dtype != DType::kFloat32) {
    throw_node_type(node, std::string("linear and cubic modes need float32 input, got ") + dtype_name(in.dtype));
  }
  // Passes innermost axis first; `current` is the shape after the passes so far.
  std::vector<Pass> passes;
  Shape current = in.shape;
  bool any_outside = false;
  std::vector<std::vector<uint8_t>> outside(axes.size());
  for (size_t k = axes.size(); k-- > 0;) {
    any_outside = any_outside || sampling[k].any_outside;
    outside[k] = sampling[k].outside;
    if (axes[k].in == axes[k].out && sampling[k].identity()) continue;
    Pass p;
    for (size_t j = 0; j < k; ++j) p.outer *= current[j];
    for (size_t j = k + 1; j < current.size(); ++j) p.inner *= current[j];
    p.in = axes[k].in;
    p.out = axes[k].out;
    p.taps = sampling[k].taps;
    p.index = sampling[k].index;
    p.weight = sampling[k].weight;
    current[k] = axes[k].out;
    if (p.outer * p.out * p.inner > 0) passes.push_back(std::move(p));
  }
  return std::make_unique<ResizeInterpolateOp>(in.shape, out, std::move(passes), std::move(outside), any_outside, extrapolation);
}

std::unique_ptr<Op> create_resize(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  if (rank == 0) throw_node_range(node, "input must have rank >= 1");

  ResizeOptions options;
  options.interpolation = parse_mode(node, node.opset >= 11);
  float extrapolation = 0.0f;
  if (node.opset >= 11) {
    options.coordinate = parse_coordinate(node);
    options.nearest = parse_nearest(node);
    options.cubic_coeff_a = node.attrs.get_float("cubic_coeff_a", -0.75f);
    options.exclude_outside = node.attrs.get_int("exclude_outside", 0) != 0;
    extrapolation = node.attrs.get_float("extrapolation_value", 0.0f);
  } else {  // Resize-10 behaves like Upsample
    options.coordinate = ResizeCoordinate::kAsymmetric;
    options.nearest = ResizeNearest::kSimple;
  }

  // Axes the parameters refer to (18+), all by default.
  std::vector<size_t> axes;
  if (node.opset >= 18 && node.attrs.has("axes")) {
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t a : node.attrs.get_ints("axes")) {
      const size_t k = static_cast<size_t>(normalize_axis(node, a, rank, "axis"));
      if (seen[k]) throw_node_range(node, "axis " + std::to_string(a) + " is listed twice");
      seen[k] = true;
      axes.push_back(k);
    }
  } else {
    for (size_t k = 0; k < static_cast<size_t>(rank); ++k) axes.push_back(k);
  }
  const size_t n = axes.size();

  std::vector<float> scales;
  std::vector<int64_t> sizes;
  const size_t scales_input = node.opset >= 11 ? 2 : 1;
  if (has_param(init, scales_input) && init.input(scales_input).numel() > 0) scales = read_float_param(init, scales_input, "scales");
  if (node.opset >= 11 && has_param(init, 3) && init.input(3).numel() > 0) sizes = read_int_param(init, 3, "sizes");
  if (!scales.empty() && !sizes.empty()) throw_node_type(node, "give either scales or sizes, not both");
  if (scales.empty() && sizes.empty()) throw_node_type(node, "one of scales or sizes is required");
  if (!scales.empty() && scales.size() != n) {
    throw_node_range(node, "scales has " + std::to_string(scales.size()) + " values, expected " + std::to_string(n));
  }
  if (!sizes.empty() && sizes.size() != n) {
    throw_node_range(node, "sizes has " + std::to_string(sizes.size()) + " values, expected " + std::to_string(n));
  }

  std::vector<ResizeAxis> per_axis(static_cast<size_t>(rank));
  for (size_t k = 0; k < per_axis.size(); ++k) {
    per_axis[k] = {in.shape[k], in.shape[k], 1.0f, 0.0f, 1.0f, static_cast<float>(in.shape[k])};
  }
  if (!scales.empty()) {
    for (size_t i = 0; i < n; ++i) {
      ResizeAxis& a = per_axis[axes[i]];
      if (!(scales[i] > 0.0f)) throw_node_range(node, "scales must be positive, got " + std::to_string(scales[i]));
      a.scale = scales[i];
      a.length_resized = scaled_length(a.in, scales[i]);
      a.out = static_cast<int64_t>(std::floor(a.length_resized));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      ResizeAxis& a = per_axis[axes[i]];
      if (sizes[i] < 0) throw_node_range(node, "sizes has the negative value " + std::to_string(sizes[i]));
      if (a.in == 0 && sizes[i] != 0) throw_node_range(node, "cannot resize axis " + std::to_string(axes[i]) + " of size 0 to " + std::to_string(sizes[i]));
      a.out = sizes[i];
      a.scale = a.in == 0 ? 1.0f : static_cast<float>(sizes[i]) / static_cast<float>(a.in);
      a.length_resized = static_cast<float>(sizes[i]);
    }
    const std::string policy = node.opset >= 18 ? node.attrs.get_string("keep_aspect_ratio_policy", "stretch") : "stretch";
    if (policy != "stretch") {
      if (policy != "not_larger" && policy != "not_smaller") {
        throw_node_range(node, "keep_aspect_ratio_policy must be stretch, not_larger or not_smaller, got '" + policy + "'");
      }
      // One scale for every listed axis (the smallest or largest), sizes rounded from it.
      float scale = per_axis[axes[0]].scale;
      for (size_t i = 1; i < n; ++i) {
        const float s = per_axis[axes[i]].scale;
        scale = policy == "not_larger" ? (s < scale ? s : scale) : (s > scale ? s : scale);
      }
      for (size_t i = 0; i < n; ++i) {
        ResizeAxis& a = per_axis[axes[i]];
        a.scale = scale;
        a.length_resized = scaled_length(a.in, scale);
        a.out = static_cast<int64_t>(std::round(a.length_resized));
      }
    }
  }
  if (options.coordinate == ResizeCoordinate::kTfCropAndResize) {
    if (!has_param(init, 1)) throw_node_type(node, "tf_crop_and_resize needs roi (input 1)");
    const std::vector<float> roi = read_float_param(init, 1, "roi");
    if (roi.size() != 2 * n) {
      throw_node_range(node, "roi has " + std::to_string(roi.size()) + " values, expected " + std::to_string(2 * n));
    }
    for (size_t i = 0; i < n; ++i) {
      per_axis[axes[i]].roi_start = roi[i];
      per_axis[axes[i]].roi_end = roi[n + i];
    }
  }
  if (node.opset >= 18 && node.attrs.get_int("antialias", 0) != 0 && options.interpolation != ResizeInterpolation::kNearest) {
    for (const ResizeAxis& a : per_axis) {
      if (a.out < a.in) throw_node_type(node, "antialias is not supported (linear/cubic downscaling of an axis)");
    }
  }
  return build(init, options, per_axis, extrapolation);
}

std::unique_ptr<Op> create_upsample(const OpInit& init) {
  const NodeSpec& node = init.node;
  const ValueInfo& in = init.input(0);
  require_known_dtype(node, in.dtype, "input 0");
  if (in.shape.size() == 0) throw_node_range(node, "input must have rank >= 1");
  ResizeOptions options;
  options.interpolation = parse_mode(node, false);
  options.coordinate = ResizeCoordinate::kAsymmetric;
  options.nearest = ResizeNearest::kSimple;
  // Opsets 7-8: attribute 'scales'; 9: input 1.
  std::vector<float> scales;
  if (node.opset >= 9 || init.input_count() > 1) scales = read_float_param(init, 1, "scales");
  else if (node.attrs.has("scales")) scales = node.attrs.get_floats("scales");
  else throw_node_type(node, "attribute 'scales' is required");
  if (scales.size() != in.shape.size()) {
    throw_node_range(node, "scales has " + std::to_string(scales.size()) + " values for an input of rank " + std::to_string(in.shape.size()));
  }
  std::vector<ResizeAxis> axes(in.shape.size());
  for (size_t k = 0; k < axes.size(); ++k) {
    if (!(scales[k] > 0.0f)) throw_node_range(node, "scales must be positive, got " + std::to_string(scales[k]));
    const float length = scaled_length(in.shape[k], scales[k]);
    axes[k] = {in.shape[k], static_cast<int64_t>(std::floor(length)), scales[k], 0.0f, 1.0f, length};
  }
  return build(init, options, axes, 0.0f);
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  r.add("Resize", &create_resize);
  r.add("Upsample", &create_upsample);
}

}  // namespace octet::tensor
