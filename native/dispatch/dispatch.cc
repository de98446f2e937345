#include "dispatch.h"

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "../core/cpu_features.h"
#include "../core/status.h"

namespace octet {

#if defined(__x86_64__) || defined(_M_X64)
double qgemm_peak_loop_avx2(long iterations, int32_t* sink);
double qgemm_peak_loop_avx512vnni(long iterations, int32_t* sink);
double qgemm_peak_loop_avxvnni(long iterations, int32_t* sink);
#endif
#if defined(__aarch64__)
double qgemm_peak_loop_neon(long iterations, int32_t* sink);
double qgemm_peak_loop_neondot(long iterations, int32_t* sink);
#endif

namespace {

std::atomic<int> g_active{-1};

const Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot};

}  // namespace

bool isa_built(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2:
    case Isa::kAvxVnni:
    case Isa::kAvx512Vnni: return true;
#endif
#if defined(__aarch64__)
    case Isa::kNeon:
    case Isa::kNeonDot: return true;
#endif
    default: return false;
  }
}

bool isa_supported(Isa isa) {
  if (!isa_built(isa)) return false;
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2;
    case Isa::kAvxVnni: return f.avx_vnni;
    case Isa::kAvx512Vnni: return f.avx512vnni;
    case Isa::kNeon: return f.neon;
    case Isa::kNeonDot: return f.neon_dot;
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : kAllIsas)
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

Isa best_isa() {
  for (Isa isa : {Isa::kAvx512Vnni, Isa::kAvxVnni, Isa::kAvx2, Isa::kNeonDot, Isa::kNeon})
    if (isa_supported(isa)) return isa;
  return Isa::kScalar;
}

Isa parse_isa(const std::string& name) {
  for (Isa isa : kAllIsas)
    if (name == isa_name(isa)) return isa;
  throw_range("unknown ISA \"" + name + "\"; expected one of scalar, avx2, avxvnni, avx512vnni, neon, neondot");
}

void set_active_isa(Isa isa) {
  if (!isa_built(isa)) throw_range(std::string("ISA ") + isa_name(isa) + " is not built into this binary");
  if (!isa_supported(isa)) throw_range(std::string("ISA ") + isa_name(isa) + " is not supported by this CPU");
  g_active.store(static_cast<int>(isa));
}

void init_isa_from_environment() {
  const char* forced = std::getenv("OCTET_ISA");
  if (forced == nullptr || *forced == '\0') {
    if (g_active.load() < 0) g_active.store(static_cast<int>(best_isa()));
    return;
  }
  Isa isa;
  try {
    isa = parse_isa(forced);
    set_active_isa(isa);
  } catch (const Error& e) {
    throw_range(std::string("OCTET_ISA=") + forced + ": " + e.what());
  }
}

Isa active_isa() {
  int v = g_active.load();
  if (v < 0) {
    init_isa_from_environment();
    v = g_active.load();
  }
  return static_cast<Isa>(v);
}

const QGemmKernel& qgemm_kernel(Isa isa) {
  const QGemmKernel* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = qgemm_kernel_scalar(); break;
    case Isa::kAvx2: k = qgemm_kernel_avx2(); break;
    case Isa::kAvxVnni: k = qgemm_kernel_avxvnni(); break;
    case Isa::kAvx512Vnni: k = qgemm_kernel_avx512vnni(); break;
    case Isa::kNeon: k = qgemm_kernel_neon(); break;
    case Isa::kNeonDot: k = qgemm_kernel_neondot(); break;
  }
  if (k == nullptr) throw_range(std::string("no GEMM kernel for ISA ") + isa_name(isa) + " in this build");
  return *k;
}

const QuantizeKernels& quantize_kernels(Isa isa) {
  const QuantizeKernels* k = nullptr;
  switch (isa) {
    case Isa::kScalar: k = quantize_kernels_scalar(); break;
    case Isa::kAvx2:
    case Isa::kAvxVnni: k = quantize_kernels_avx2(); break;
    case Isa::kAvx512Vnni: k = quantize_kernels_avx512(); break;
    case Isa::kNeon:
    case Isa::kNeonDot: k = quantize_kernels_neon(); break;
  }
  if (k == nullptr) throw_range(std::string("no quantize kernels for ISA ") + isa_name(isa) + " in this build");
  return *k;
}

double measure_peak_gops(Isa isa, double milliseconds) {
  if (!isa_supported(isa)) throw_range(std::string("ISA ") + isa_name(isa) + " is not supported here");
  double (*loop)(long, int32_t*) = nullptr;
  switch (isa) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2: loop = qgemm_peak_loop_avx2; break;
    case Isa::kAvxVnni: loop = qgemm_peak_loop_avxvnni; break;
    case Isa::kAvx512Vnni: loop = qgemm_peak_loop_avx512vnni; break;
#endif
#if defined(__aarch64__)
    case Isa::kNeon: loop = qgemm_peak_loop_neon; break;
    case Isa::kNeonDot: loop = qgemm_peak_loop_neondot; break;
#endif
    default: throw_range(std::string("no throughput loop for ISA ") + isa_name(isa));
  }
  using clock = std::chrono::steady_clock;
  int32_t sink = 0;
  long iterations = 1 << 14;
  // Grow the batch until one timing is long enough to trust, then keep the best of several.
  double best = 0;
  const auto deadline = clock::now() + std::chrono::duration<double, std::milli>(milliseconds);
  while (true) {
    const auto t0 = clock::now();
    const double ops = loop(iterations, &sink);
    const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
    if (seconds < 0.002) {
      iterations *= 2;
      continue;
    }
    const double gops = ops / seconds / 1e9;
    if (gops > best) best = gops;
    if (clock::now() >= deadline) break;
  }
  if (sink == 12345678) best += 0;  // keeps the loop's result alive
  return best;
}

}  // namespace octet
