// Float GEMM: C[M,N] = A[M,K] · B[K,N], then + bias[n], then clamp to [min, max].
// The one definition every ISA path must match bit for bit (the scalar reference computes exactly
// this): each C element starts at +0.0f and accumulates a fused multiply-add per k, k = 0..K-1 in
// order (acc = fmaf(a[m,k], b[k,n], acc)); then c = acc + bias[n] (when a bias is given); then the
// clamp c = (min > c ? min : c); c = (max < c ? max : c) — the vmath clamp of the standalone Relu/Clip
// (NaN passes through, a tie of zeros keeps c), so fused and unfused activations agree bit for bit;
// with both bounds infinite it changes nothing. Vector kernels keep one fma chain per lane
// and may split K into blocks, storing and reloading the partial sum, which changes nothing.
//
// B is usually a weight: pack it once (sgemm_pack_b) and reuse it for every call and thread.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>

namespace octet {

struct SGemmEpilogue {
  const float* bias = nullptr;  // N values, or null
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

// B in the active ISA's panel layout. Opaque; immutable once made (shared across threads and plans).
class SGemmPackedB {
 public:
  virtual ~SGemmPackedB() = default;
  virtual size_t k() const = 0;
  virtual size_t n() const = 0;
};

// Packs B. b_transposed: b holds B transposed, i.e. [N,K] row-major (ONNX Gemm transB=1, and conv
// weights [Cout, Cin*kh*kw]); otherwise [K,N] row-major with row stride ldb (0 means N or K as packed).
std::shared_ptr<const SGemmPackedB> sgemm_pack_b(const float* b, size_t K, size_t N, bool b_transposed, size_t ldb = 0);

// C = A·B (+ epilogue). A row-major with row stride lda (>= K), C row-major with row stride ldc
// (>= N). Splits the work over up to `threads` threads of the global pool. Results never depend on
// the thread count.
void sgemm(size_t M, size_t N, size_t K, const float* a, size_t lda, const SGemmPackedB& b, float* c, size_t ldc,
           const SGemmEpilogue& epilogue, int threads);

// Same, for a B that is not a constant (MatMul of two activations): packs B into `scratch`
// (sgemm_pack_scratch_bytes(K, N) bytes, 64-byte aligned) and runs.
size_t sgemm_pack_scratch_bytes(size_t K, size_t N);
void sgemm_unpacked(size_t M, size_t N, size_t K, const float* a, size_t lda, const float* b, size_t ldb, bool b_transposed,
                    float* c, size_t ldc, const SGemmEpilogue& epilogue, int threads, void* scratch);

// The oracle: plain loops, exactly the definition above.
void sgemm_reference(size_t M, size_t N, size_t K, const float* a, size_t lda, const float* b, size_t ldb, bool b_transposed,
                     float* c, size_t ldc, const SGemmEpilogue& epilogue);

}  // namespace octet
