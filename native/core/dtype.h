// Element types, numbered as ONNX's TensorProto.DataType so TypeScript passes the model's own codes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet {

enum class DType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUint32 = 12,
  kUint64 = 13,
};

// Bytes per element; 0 for types the runtime does not hold (strings, complex, sub-byte).
inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: case DType::kUint32: return 4;
    case DType::kUint8: case DType::kInt8: case DType::kBool: return 1;
    case DType::kUint16: case DType::kInt16: case DType::kFloat16: return 2;
    case DType::kInt64: case DType::kFloat64: case DType::kUint64: return 8;
    default: return 0;
  }
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kUint8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUint16: return "uint16";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "float16";
    case DType::kFloat64: return "float64";
    case DType::kUint32: return "uint32";
    case DType::kUint64: return "uint64";
    default: return "undefined";
  }
}

// A code the runtime can hold (dtype_size > 0).
inline bool dtype_known(int32_t code) { return dtype_size(static_cast<DType>(code)) > 0; }

}  // namespace octet
