// Runs every registered test (or those whose name contains argv[1]) and prints one line per test and
// a closing "N passed, N failed" line.
#include "test_main.h"

#include <cstdio>
#include <cstring>

namespace octet::test {

namespace {
int g_current_failures = 0;
}

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

void record_failure(const std::string& where, const std::string& message) {
  // Print the first few failures of a test in full; the count tells the rest.
  if (g_current_failures < 5) std::fprintf(stderr, "    %s: %s\n", where.c_str(), message.c_str());
  ++g_current_failures;
}

int failures_in_current_test() { return g_current_failures; }

}  // namespace octet::test

int main(int argc, char** argv) {
  using namespace octet::test;
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& t : registry()) {
    if (filter != nullptr && std::strstr(t.name.c_str(), filter) == nullptr) continue;
    g_current_failures = 0;
    try {
      t.fn();
    } catch (const std::exception& e) {
      record_failure(t.name, std::string("unexpected exception: ") + e.what());
    }
    if (g_current_failures == 0) {
      ++passed;
      std::printf("ok    %s\n", t.name.c_str());
    } else {
      ++failed;
      std::printf("FAIL  %s (%d failures)\n", t.name.c_str(), g_current_failures);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
