// A minimal test harness (no dependency, so the same tests build for the host and for aarch64 under
// qemu). TEST(name) registers a function; CHECK(cond) << message records a failure and continues.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace octet::test {

struct TestCase {
  std::string name;
  std::function<void()> fn;
};

std::vector<TestCase>& registry();
void record_failure(const std::string& where, const std::string& message);
int failures_in_current_test();

struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

// Collects a failure message with << and records it when the statement ends.
class FailureStream {
 public:
  FailureStream(const char* file, int line, const char* expr) {
    where_ << file << ":" << line;
    msg_ << "CHECK(" << expr << ") failed: ";
  }
  ~FailureStream() { record_failure(where_.str(), msg_.str()); }
  template <typename T> FailureStream& operator<<(const T& v) {
    msg_ << v;
    return *this;
  }

 private:
  std::ostringstream where_, msg_;
};

// Deterministic generator (xorshift64*): same values on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  int uniform(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  float uniform_float(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) / static_cast<float>(1 << 24); }

 private:
  uint64_t s_;
};

}  // namespace octet::test

#define OCTET_TEST_CAT2(a, b) a##b
#define OCTET_TEST_CAT(a, b) OCTET_TEST_CAT2(a, b)
#define TEST(name)                                                                       \
  static void name();                                                                    \
  static ::octet::test::Registrar OCTET_TEST_CAT(registrar_, name)(#name, &name);        \
  static void name()
#define CHECK(cond) \
  if (cond) {       \
  } else            \
    ::octet::test::FailureStream(__FILE__, __LINE__, #cond)
