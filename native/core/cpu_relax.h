#pragma once

// One spin-wait hint for the busy loops in the thread pool and run_threads: on x86 `pause` keeps the
// spinning core from flooding the memory pipeline (and lets the SMT sibling run); on ARM `yield`.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace octet {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

}  // namespace octet
