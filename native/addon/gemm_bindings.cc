// packWeights(), qgemm() and qgemmReference(): argument checking and the call into native/ops.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "../kernels/reference/qgemm_reference.h"
#include "../ops/qgemm.h"
#include "addon_state.h"
#include "args.h"
#include "bindings.h"
#include "errors.h"
#include "packed_weights_wrap.h"

namespace octet::addon {

namespace {

constexpr int64_t kMaxDim = 0x7fffffff;

Napi::Object args_object(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 1 || !info[0].IsObject()) throw_type(std::string(fn) + ": expected an arguments object");
  return info[0].As<Napi::Object>();
}

int read_threads(const Napi::Object& o, const char* fn) {
  const Napi::Value v = get(o, Key::kThreads);
  return present(v) ? static_cast<int>(integer(v, Name{fn, "threads"}, 1, 1024)) : default_threads();
}

OutputKind parse_output(const Napi::Value& v, Name what) {
  if (!v.IsString()) throw_type(what.str() + " must be 'int32', 'uint8', 'int8' or 'float32'");
  const std::string s = v.As<Napi::String>().Utf8Value();
  if (s == "int32") return OutputKind::kInt32;
  if (s == "uint8") return OutputKind::kUint8;
  if (s == "int8") return OutputKind::kInt8;
  if (s == "float32") return OutputKind::kFloat32;
  throw_range(what.str() + " must be 'int32', 'uint8', 'int8' or 'float32', got '" + s + "'");
}

napi_typedarray_type output_array_type(OutputKind kind) {
  switch (kind) {
    case OutputKind::kInt32: return napi_int32_array;
    case OutputKind::kUint8: return napi_uint8_array;
    case OutputKind::kInt8: return napi_int8_array;
    case OutputKind::kFloat32: return napi_float32_array;
  }
  return napi_int32_array;
}

// Everything qgemm() and qgemmReference() share: A, zero points, bias, output and its scales.
struct CommonArgs {
  int M = 0, N = 0, K = 0;
  ArrayView a, a_zp, bias, out;
  int32_t a_zp_scalar = 0;  // aZeroPoint given as a number
  bool a_zp_is_scalar = false;
  const int32_t* a_zero_points() const { return a_zp_is_scalar ? &a_zp_scalar : static_cast<const int32_t*>(a_zp.data); }
  bool a_signed = false, a_zp_per_row = false, has_bias = false;
  OutputKind kind = OutputKind::kInt32;
  std::vector<float> scale;
  bool scale_per_col = false;
  int32_t zero_point = 0, qmin = 0, qmax = 0;
};

// N and K come from the weights (packed) or from the arguments (reference).
CommonArgs read_common(const Napi::Object& o, const char* fn, int N, int K) {
  CommonArgs c;
  c.N = N;
  c.K = K;
  c.M = static_cast<int>(integer(get(o, Key::kM), Name{fn, "M"}, 0, kMaxDim));
  const int k_arg = static_cast<int>(integer(get(o, Key::kK), Name{fn, "K"}, 0, kMaxDim));
  if (k_arg != K) throw_range(std::string(fn) + ": K = " + std::to_string(k_arg) + " but b has K = " + std::to_string(K));
  c.a = typed_array_of2(get(o, Key::kA), Name{fn, "a"}, napi_uint8_array, napi_int8_array);
  c.a_signed = c.a.type == napi_int8_array;
  expect_length(c.a, static_cast<size_t>(c.M) * K, Name{fn, "a (M*K)"});
  const Napi::Value a_zp = get(o, Key::kAZeroPoint);
  if (a_zp.IsNumber()) {
    c.a_zp_is_scalar = true;
    c.a_zp_scalar = static_cast<int32_t>(integer(a_zp, Name{fn, "aZeroPoint"}, c.a_signed ? -128 : 0, c.a_signed ? 127 : 255));
  } else {
    c.a_zp = typed_array_of(a_zp, Name{fn, "aZeroPoint"}, napi_int32_array);
    c.a_zp_per_row = expect_one_or(c.a_zp, static_cast<size_t>(c.M), Name{fn, "aZeroPoint"});
    if (c.a_signed) expect_in_range(c.a_zp, -128, 127, Name{fn, "aZeroPoint"});
    else expect_in_range(c.a_zp, 0, 255, Name{fn, "aZeroPoint"});
  }
  const Napi::Value bias = get(o, Key::kBias);
  if (present(bias)) {
    c.has_bias = true;
    c.bias = typed_array_of(bias, Name{fn, "bias"}, napi_int32_array);
    expect_length(c.bias, static_cast<size_t>(N), Name{fn, "bias (N)"});
  }
  c.kind = parse_output(get(o, Key::kOutput), Name{fn, "output"});
  c.out = typed_array_of(get(o, Key::kOut), Name{fn, "out"}, output_array_type(c.kind));
  expect_length(c.out, static_cast<size_t>(c.M) * N, Name{fn, "out (M*N)"});
  expect_no_overlap(c.a, c.out, Name{fn, "a and out"});
  if (c.kind != OutputKind::kInt32) {
    const float a_s = positive_float32_scalar(get(o, Key::kAScale), Name{fn, "aScale"});
    const Napi::Value b_scale_value = get(o, Key::kBScale);
    float b_scale_scalar = 0;
    const float* b_s = &b_scale_scalar;
    size_t b_count = 1;
    if (b_scale_value.IsNumber()) {
      b_scale_scalar = positive_float32_scalar(b_scale_value, Name{fn, "bScale"});
    } else {
      const ArrayView b_scale = typed_array_of(b_scale_value, Name{fn, "bScale"}, napi_float32_array);
      c.scale_per_col = expect_one_or(b_scale, static_cast<size_t>(N), Name{fn, "bScale"});
      expect_positive_finite(b_scale, Name{fn, "bScale"});
      b_s = static_cast<const float*>(b_scale.data);
      b_count = b_scale.length;
    }
    c.scale.resize(b_count);
    if (c.kind == OutputKind::kFloat32) {
      dequant_scales(a_s, b_s, static_cast<int>(b_count), c.scale.data());
    } else {
      const float y_s = positive_float32_scalar(get(o, Key::kYScale), Name{fn, "yScale"});
      requant_multipliers(a_s, b_s, static_cast<int>(b_count), y_s, c.scale.data());
      const int32_t type_lo = c.kind == OutputKind::kUint8 ? 0 : -128;
      const int32_t type_hi = c.kind == OutputKind::kUint8 ? 255 : 127;
      c.zero_point = static_cast<int32_t>(integer(get(o, Key::kYZeroPoint), Name{fn, "yZeroPoint"}, type_lo, type_hi));
      const Napi::Value qmin = get(o, Key::kQmin), qmax = get(o, Key::kQmax);
      c.qmin = present(qmin) ? static_cast<int32_t>(integer(qmin, Name{fn, "qmin"}, type_lo, type_hi)) : type_lo;
      c.qmax = present(qmax) ? static_cast<int32_t>(integer(qmax, Name{fn, "qmax"}, type_lo, type_hi)) : type_hi;
      if (c.qmin > c.qmax) throw_range(std::string(fn) + ": qmin " + std::to_string(c.qmin) + " > qmax " + std::to_string(c.qmax));
    }
  }
  return c;
}

}  // namespace

Napi::Value PackWeights(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "packWeights";
    if (info.Length() < 4) throw_type(std::string(fn) + ": expected (b, K, N, zeroPoint)");
    const ArrayView b = typed_array_of2(info[0], Name{fn, "b"}, napi_int8_array, napi_uint8_array);
    const int K = static_cast<int>(integer(info[1], Name{fn, "K"}, 0, kMaxDim));
    const int N = static_cast<int>(integer(info[2], Name{fn, "N"}, 0, kMaxDim));
    expect_length(b, static_cast<size_t>(K) * N, Name{fn, "b (K*N)"});
    const ArrayView zp = typed_array_of(info[3], Name{fn, "zeroPoint"}, napi_int32_array);
    const bool per_col = expect_one_or(zp, static_cast<size_t>(N), Name{fn, "zeroPoint"});
    const bool b_unsigned = b.type == napi_uint8_array;
    if (b_unsigned) expect_in_range(zp, 0, 255, Name{fn, "zeroPoint"});
    else expect_in_range(zp, -128, 127, Name{fn, "zeroPoint"});
    auto packed = pack_weights(active_isa(), b.data, b_unsigned, K, N, static_cast<const int32_t*>(zp.data), per_col);
    return PackedWeightsWrap::create(info.Env(), std::move(packed));
  });
}

Napi::Value QGemm(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "qgemm";
    const Napi::Object o = args_object(info, "qgemm");
    const PackedWeights& w = PackedWeightsWrap::unwrap(info.Env(), get(o, Key::kB), Name{fn, "b"});
    if (w.isa != active_isa()) {
      throw_error(std::string(fn) + ": b was packed for " + isa_name(w.isa) + " but the active ISA is " + isa_name(active_isa()) +
                  "; pack the weights again");
    }
    const CommonArgs c = read_common(o, fn, w.N, w.K);
    QGemmArgs g;
    g.M = c.M;
    g.a = c.a.data;
    g.a_signed = c.a_signed;
    g.a_zero_point = c.a_zero_points();
    g.a_zero_point_per_row = c.a_zp_per_row;
    g.b = &w;
    g.bias = c.has_bias ? static_cast<const int32_t*>(c.bias.data) : nullptr;
    g.kind = c.kind;
    g.scale = c.scale.empty() ? nullptr : c.scale.data();
    g.scale_per_col = c.scale_per_col;
    g.zero_point = c.zero_point;
    g.qmin = c.qmin;
    g.qmax = c.qmax;
    g.out = c.out.data;
    g.threads = read_threads(o, fn);
    qgemm(g);
    return info.Env().Undefined();
  });
}

Napi::Value QGemmReference(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "qgemmReference";
    const Napi::Object o = args_object(info, "qgemmReference");
    const int N = static_cast<int>(integer(get(o, Key::kN), Name{fn, "N"}, 0, kMaxDim));
    const int K = static_cast<int>(integer(get(o, Key::kK), Name{fn, "K"}, 0, kMaxDim));
    const ArrayView b = typed_array_of2(get(o, Key::kB), Name{fn, "b"}, napi_int8_array, napi_uint8_array);
    expect_length(b, static_cast<size_t>(K) * N, Name{fn, "b (K*N)"});
    const ArrayView b_zp = typed_array_of(get(o, Key::kBZeroPoint), Name{fn, "bZeroPoint"}, napi_int32_array);
    const bool b_zp_per_col = expect_one_or(b_zp, static_cast<size_t>(N), Name{fn, "bZeroPoint"});
    if (b.type == napi_uint8_array) expect_in_range(b_zp, 0, 255, Name{fn, "bZeroPoint"});
    else expect_in_range(b_zp, -128, 127, Name{fn, "bZeroPoint"});
    const CommonArgs c = read_common(o, fn, N, K);
    QGemmReferenceArgs r;
    r.M = c.M;
    r.N = N;
    r.K = K;
    r.a = c.a.data;
    r.a_signed = c.a_signed;
    r.a_zero_point = c.a_zero_points();
    r.a_zero_point_per_row = c.a_zp_per_row;
    r.b = b.data;
    r.b_unsigned = b.type == napi_uint8_array;
    r.b_zero_point = static_cast<const int32_t*>(b_zp.data);
    r.b_zero_point_per_col = b_zp_per_col;
    r.bias = c.has_bias ? static_cast<const int32_t*>(c.bias.data) : nullptr;
    r.kind = c.kind;
    r.scale = c.scale.empty() ? nullptr : c.scale.data();
    r.scale_per_col = c.scale_per_col;
    r.zero_point = c.zero_point;
    r.qmin = c.qmin;
    r.qmax = c.qmax;
    r.out = c.out.data;
    qgemm_reference(r);
    return info.Env().Undefined();
  });
}

}  // namespace octet::addon
