#include "args.h"

namespace octet::addon {

namespace {

size_t element_size(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;
  }
}

}  // namespace

size_t ArrayView::byte_length() const { return length * element_size(type); }

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
  }
  return "TypedArray";
}

ArrayView typed_array(const Napi::Value& v, Name what) {
  if (!v.IsTypedArray()) throw_type(what.str() + " must be a TypedArray");
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  ArrayView out;
  out.type = t.TypedArrayType();
  out.length = t.ElementLength();
  Napi::ArrayBuffer buffer = t.ArrayBuffer();
  // A detached buffer reports no data; treat it as an error rather than reading through null.
  if (buffer.Data() == nullptr && out.length != 0) throw_type(what.str() + " is backed by a detached ArrayBuffer");
  out.data = static_cast<uint8_t*>(buffer.Data()) + t.ByteOffset();
  return out;
}

ArrayView typed_array_of(const Napi::Value& v, Name what, napi_typedarray_type type) {
  ArrayView a = typed_array(v, what);
  if (a.type != type) throw_type(what.str() + " must be a " + typed_array_name(type) + ", got " + typed_array_name(a.type));
  return a;
}

ArrayView typed_array_of2(const Napi::Value& v, Name what, napi_typedarray_type t1, napi_typedarray_type t2) {
  ArrayView a = typed_array(v, what);
  if (a.type != t1 && a.type != t2) {
    throw_type(what.str() + " must be a " + typed_array_name(t1) + " or " + typed_array_name(t2) + ", got " + typed_array_name(a.type));
  }
  return a;
}

int64_t integer(const Napi::Value& v, Name what, int64_t min, int64_t max) {
  if (!v.IsNumber()) throw_type(what.str() + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) throw_range(what.str() + " must be an integer, got " + std::to_string(d));
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    throw_range(what.str() + " must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + std::to_string(static_cast<int64_t>(d)));
  }
  return static_cast<int64_t>(d);
}

float float32_scalar(const Napi::Value& v, Name what) {
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    const float f = static_cast<float>(d);
    if (std::isfinite(d) && static_cast<double>(f) != d) {
      throw_range(what.str() + " = " + std::to_string(d) + " is not a float32 value; round it with Math.fround()");
    }
    return f;
  }
  const ArrayView a = typed_array_of(v, what, napi_float32_array);
  expect_length(a, 1, what);
  return *static_cast<const float*>(a.data);
}

float positive_float32_scalar(const Napi::Value& v, Name what) {
  const float f = float32_scalar(v, what);
  if (!(std::isfinite(f) && f > 0.0f)) throw_range(what.str() + " must be a positive finite float32, got " + std::to_string(f));
  return f;
}

void expect_length(const ArrayView& a, size_t expected, Name what) {
  if (a.length != expected) {
    throw_range(what.str() + " has " + std::to_string(a.length) + " elements, expected " + std::to_string(expected));
  }
}

bool expect_one_or(const ArrayView& a, size_t many, Name what) {
  if (a.length == 1) return false;
  if (a.length == many) return true;
  throw_range(what.str() + " has " + std::to_string(a.length) + " elements, expected 1 or " + std::to_string(many));
}

void expect_positive_finite(const ArrayView& scales, Name what) {
  const float* s = static_cast<const float*>(scales.data);
  for (size_t i = 0; i < scales.length; ++i) {
    if (!(std::isfinite(s[i]) && s[i] > 0.0f)) {
      throw_range(what.str() + "[" + std::to_string(i) + "] must be a positive finite float32, got " + std::to_string(s[i]));
    }
  }
}

void expect_in_range(const ArrayView& values, int32_t lo, int32_t hi, Name what) {
  const int32_t* v = static_cast<const int32_t*>(values.data);
  for (size_t i = 0; i < values.length; ++i) {
    if (v[i] < lo || v[i] > hi) {
      throw_range(what.str() + "[" + std::to_string(i) + "] = " + std::to_string(v[i]) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
}

void expect_no_overlap(const ArrayView& read, const ArrayView& written, Name what) {
  const auto* r0 = static_cast<const uint8_t*>(read.data);
  const auto* w0 = static_cast<const uint8_t*>(written.data);
  if (read.byte_length() == 0 || written.byte_length() == 0) return;
  if (r0 < w0 + written.byte_length() && w0 < r0 + read.byte_length()) throw_range(what.str() + " share memory; use separate buffers");
}

}  // namespace octet::addon
