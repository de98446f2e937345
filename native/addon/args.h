// Reading and checking JavaScript arguments at the native boundary. TypeScript validated them
// already; these checks exist so that a caller going around it (or a bug in it) gets an error naming
// the argument instead of an out-of-bounds read or write.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "../core/status.h"

namespace octet::addon {

// Names an argument for error messages, e.g. {"qgemm", "aZeroPoint"} → "qgemm: aZeroPoint". The text is
// only assembled when a check fails, so validation costs no string building on the hot path.
struct Name {
  const char* fn;
  const char* arg;
  std::string str() const { return std::string(fn) + ": " + arg; }
};

struct ArrayView {
  void* data = nullptr;
  size_t length = 0;  // elements
  napi_typedarray_type type = napi_uint8_array;
  size_t byte_length() const;
};

const char* typed_array_name(napi_typedarray_type type);

ArrayView typed_array(const Napi::Value& v, Name what);
ArrayView typed_array_of(const Napi::Value& v, Name what, napi_typedarray_type type);
ArrayView typed_array_of2(const Napi::Value& v, Name what, napi_typedarray_type t1, napi_typedarray_type t2);

// A float32 scalar passed as a JS number (it must be exactly a float32 value: Math.fround(x)) or as
// a one-element Float32Array. Numbers avoid allocating a typed array per call on hot paths.
float float32_scalar(const Napi::Value& v, Name what);
// The same, and it must be positive and finite (a scale).
float positive_float32_scalar(const Napi::Value& v, Name what);

// A non-negative integer no larger than `max`.
int64_t integer(const Napi::Value& v, Name what, int64_t min, int64_t max);

void expect_length(const ArrayView& a, size_t expected, Name what);
// length 1 or `many` (per-tensor or per-row/column); returns whether it is per element
bool expect_one_or(const ArrayView& a, size_t many, Name what);
void expect_positive_finite(const ArrayView& scales, Name what);
void expect_in_range(const ArrayView& values, int32_t lo, int32_t hi, Name what);
// Two views must not share memory when one is written while the other is read.
void expect_no_overlap(const ArrayView& read, const ArrayView& written, Name what);

}  // namespace octet::addon
