// Chooses the instruction-set path once per process, in one place. The GEMM micro-kernel, its packing
// routine and its tile sizes live together in one QGemmKernel table, so they always change together.
// OCTET_ISA=scalar|avx2|avxvnni|avx512vnni|neon|neondot forces a path (an error if the CPU or the build lacks it).
#pragma once

#include <string>
#include <vector>

#include "../core/isa.h"
#include "../kernels/qgemm/qgemm_kernel.h"
#include "../kernels/quantize/quantize_kernel.h"

namespace octet {

// Compiled into this binary (x86-64 builds carry scalar+AVX2+AVX-512; AArch64 builds scalar+NEON).
bool isa_built(Isa isa);
// Built and runnable on this CPU.
bool isa_supported(Isa isa);
std::vector<Isa> supported_isas();
Isa best_isa();

// Parses a path name; throws a RangeError-kind Error listing the valid names.
Isa parse_isa(const std::string& name);

// The path in use: OCTET_ISA at first use, else the best; set_active_isa() switches it (tests).
Isa active_isa();
void set_active_isa(Isa isa);
// Reads OCTET_ISA (if set) and validates it; throws with a clear message. Called at addon load.
void init_isa_from_environment();

const QGemmKernel& qgemm_kernel(Isa isa);
const QuantizeKernels& quantize_kernels(Isa isa);

// int8 operations per second of one core in the path's multiply instruction, timed over ~ms.
double measure_peak_gops(Isa isa, double milliseconds);

}  // namespace octet
