// quantizeLinear(), dequantizeLinear(), dynamicQuantizeLinear(): argument checking and the call.
#include <napi.h>

#include <string>
#include <vector>

#include "../core/thread_pool.h"
#include "../dispatch/dispatch.h"
#include "../ops/quantize_ops.h"
#include "args.h"
#include "bindings.h"
#include "errors.h"

namespace octet::addon {

namespace {

constexpr int64_t kMaxCount = int64_t{1} << 50;

struct Layout {
  size_t outer = 0, channels = 0, inner = 0;
};

// (outer, channels, inner) at positions 3..5 must describe `count` elements.
Layout read_layout(const Napi::CallbackInfo& info, const char* fn, size_t count) {
  Layout l;
  l.outer = static_cast<size_t>(integer(info[3], Name{fn, "outer"}, 0, kMaxCount));
  l.channels = static_cast<size_t>(integer(info[4], Name{fn, "channels"}, 1, kMaxCount));
  l.inner = static_cast<size_t>(integer(info[5], Name{fn, "inner"}, 0, kMaxCount));
  const long double total = static_cast<long double>(l.outer) * l.channels * l.inner;
  if (total != static_cast<long double>(count)) {
    throw_range(std::string(fn) + ": outer*channels*inner = " + std::to_string(static_cast<double>(total)) + " but x has " + std::to_string(count) + " elements");
  }
  return l;
}

// Per-axis parameters: 1 value (shared by every channel) or one per channel, expanded to `channels`.
template <typename T>
const T* per_channel(const ArrayView& v, size_t channels, Name what, std::vector<T>& storage) {
  if (!expect_one_or(v, channels, what) && channels > 1) {
    storage.assign(channels, *static_cast<const T*>(v.data));
    return storage.data();
  }
  return static_cast<const T*>(v.data);
}

// The per-axis scale and zero point of (de)quantizeLinear, checked: 1 or `channels` values each,
// positive finite scales, zero points in [lo, hi].
struct AxisParams {
  std::vector<float> scale_storage;
  std::vector<int32_t> zero_point_storage;
  const float* scale = nullptr;
  const int32_t* zero_point = nullptr;
};

void read_axis_params(const Napi::Value& scale_value, const Napi::Value& zp_value, size_t channels, int32_t lo, int32_t hi,
                      const char* fn, AxisParams& p) {
  const ArrayView scale = typed_array_of(scale_value, Name{fn, "scale"}, napi_float32_array);
  const ArrayView zp = typed_array_of(zp_value, Name{fn, "zeroPoint"}, napi_int32_array);
  p.scale = per_channel(scale, channels, Name{fn, "scale"}, p.scale_storage);
  p.zero_point = per_channel(zp, channels, Name{fn, "zeroPoint"}, p.zero_point_storage);
  expect_positive_finite(scale, Name{fn, "scale"});
  expect_in_range(zp, lo, hi, Name{fn, "zeroPoint"});
}

int read_threads(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  if (info.Length() <= index || info[index].IsUndefined()) return default_threads();
  return static_cast<int>(integer(info[index], Name{fn, "threads"}, 1, 1024));
}

}  // namespace

Napi::Value QuantizeLinear(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "quantizeLinear";
    if (info.Length() < 7) throw_type(std::string(fn) + ": expected (x, scale, zeroPoint, outer, channels, inner, y)");
    const ArrayView x = typed_array_of(info[0], Name{fn, "x"}, napi_float32_array);
    const Layout l = read_layout(info, fn, x.length);
    const ArrayView y = typed_array_of2(info[6], Name{fn, "y"}, napi_uint8_array, napi_int8_array);
    expect_length(y, x.length, Name{fn, "y"});
    const bool is_signed = y.type == napi_int8_array;
    AxisParams p;
    read_axis_params(info[1], info[2], l.channels, is_signed ? -128 : 0, is_signed ? 127 : 255, fn, p);
    expect_no_overlap(x, y, Name{fn, "x and y"});
    quantize_linear(active_isa(), static_cast<const float*>(x.data), p.scale, p.zero_point, l.outer, l.channels, l.inner,
                    is_signed ? QuantType::kInt8 : QuantType::kUint8, y.data, read_threads(info, 7, fn));
    return info.Env().Undefined();
  });
}

Napi::Value DequantizeLinear(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "dequantizeLinear";
    if (info.Length() < 7) throw_type(std::string(fn) + ": expected (x, scale, zeroPoint, outer, channels, inner, y)");
    const ArrayView x = typed_array(info[0], Name{fn, "x"});
    DequantInput type;
    int32_t lo, hi;
    switch (x.type) {
      case napi_uint8_array: type = DequantInput::kUint8; lo = 0; hi = 255; break;
      case napi_int8_array: type = DequantInput::kInt8; lo = -128; hi = 127; break;
      case napi_int32_array: type = DequantInput::kInt32; lo = 0; hi = 0; break;  // ONNX: int32 has no zero point
      default: throw_type(std::string(fn) + ": x must be a Uint8Array, Int8Array or Int32Array, got " + typed_array_name(x.type));
    }
    const Layout l = read_layout(info, fn, x.length);
    const ArrayView y = typed_array_of(info[6], Name{fn, "y"}, napi_float32_array);
    expect_length(y, x.length, Name{fn, "y"});
    AxisParams p;
    read_axis_params(info[1], info[2], l.channels, lo, hi, fn, p);
    expect_no_overlap(x, y, Name{fn, "x and y"});
    dequantize_linear(active_isa(), x.data, type, p.scale, p.zero_point, l.outer, l.channels, l.inner, static_cast<float*>(y.data), read_threads(info, 7, fn));
    return info.Env().Undefined();
  });
}

Napi::Value DynamicQuantizeLinear(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "dynamicQuantizeLinear";
    if (info.Length() < 2) throw_type(std::string(fn) + ": expected (x, y)");
    const ArrayView x = typed_array_of(info[0], Name{fn, "x"}, napi_float32_array);
    const ArrayView y = typed_array_of(info[1], Name{fn, "y"}, napi_uint8_array);
    expect_length(y, x.length, Name{fn, "y"});
    expect_no_overlap(x, y, Name{fn, "x and y"});
    const DynamicQuantParams p = dynamic_quantize_linear(active_isa(), static_cast<const float*>(x.data), x.length,
                                                         static_cast<uint8_t*>(y.data), read_threads(info, 2, fn));
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("scale", Napi::Number::New(info.Env(), p.scale));
    out.Set("zeroPoint", Napi::Number::New(info.Env(), p.zero_point));
    return out;
  });
}

}  // namespace octet::addon
