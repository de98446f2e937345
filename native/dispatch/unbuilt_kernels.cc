// Paths that this architecture's build does not compile report "absent" instead of failing to link.
#include "../kernels/qgemm/qgemm_kernel.h"
#include "../kernels/quantize/quantize_kernel.h"

namespace octet {

#if !(defined(__x86_64__) || defined(_M_X64))
const QGemmKernel* qgemm_kernel_avx2() { return nullptr; }
const QGemmKernel* qgemm_kernel_avx512vnni() { return nullptr; }
const QGemmKernel* qgemm_kernel_avxvnni() { return nullptr; }
const QuantizeKernels* quantize_kernels_avx2() { return nullptr; }
const QuantizeKernels* quantize_kernels_avx512() { return nullptr; }
#endif

#if !defined(__aarch64__)
const QGemmKernel* qgemm_kernel_neon() { return nullptr; }
const QGemmKernel* qgemm_kernel_neondot() { return nullptr; }
const QuantizeKernels* quantize_kernels_neon() { return nullptr; }
#endif

}  // namespace octet
