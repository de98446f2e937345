// Errors raised by the runtime. Plain C++ (no N-API here): the addon turns each kind into the
// matching JavaScript error class, so a bad argument found natively still reads like one found in
// TypeScript ("RangeError: qgemm: a has 12 elements, expected M*K = 16").
#pragma once

#include <stdexcept>
#include <string>

namespace octet {

enum class ErrorKind { kType, kRange, kGeneric };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void throw_range(const std::string& message) { throw Error(ErrorKind::kRange, message); }
[[noreturn]] inline void throw_type(const std::string& message) { throw Error(ErrorKind::kType, message); }
[[noreturn]] inline void throw_error(const std::string& message) { throw Error(ErrorKind::kGeneric, message); }

}  // namespace octet
