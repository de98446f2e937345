// com.microsoft MatMulNBits: Y[..., N] = A[..., K] · B + bias, where B is a constant quantized to
// 4 or 8 bits per weight with a float scale and a zero point per column and block of `block_size`
// K values (weight-only quantization: onnxruntime's MatMulNBits quantizer and octet's
// quantizeWeights write it; transformers.js q4 models use it).
//
// What each output element is, exactly (so every ISA and thread count gives the same bits):
//   w[k, n] = (float(q[n, k]) - zero[n, k / block_size]) · scale[n, k / block_size]
//   y[m, n] = the float GEMM's definition of A·w (one fma chain, k in order from +0.0f) + bias[n].
// That is: dequantize B to float, then the float GEMM — but B is never held in float. It stays 4 or
// 8 bits in memory, repacked once per session into the GEMM's panel order, and each thread
// dequantizes one K slice of a few panels at a time into its scratch, where the float micro-kernels
// read it from L1/L2 (kernels/nbits/nbits_kernel.h).
//
// Inputs: A, B (uint8 [N, k_blocks, blob_size]), scales (float [N · k_blocks]), zero_points
// (optional: uint8 packed at `bits` per value, ceil(k_blocks · bits / 8) bytes per column, or float
// [N · k_blocks]; absent means 2^(bits-1)), g_idx (must be absent), bias (optional, float [N]).
// accuracy_level is accepted and ignored: the computation is always float32.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/parallel.h"
#include "../dispatch/dispatch.h"
#include "../graph/op.h"
#include "../kernels/nbits/nbits_kernel.h"
#include "../kernels/sgemm/sgemm_kernel.h"

namespace octet {

namespace {

// K values dequantized per step. With many rows a slice of kGroupPanels panels is 4 · 256 · 32
// floats (128 KiB, L2) on AVX-512 and stays there while every row of A passes over it; with one row
// tile (a GEMV, one token) each dequantized value is read once, so the slice is made small enough
// (4 · 32 · 32 floats, 16 KiB) to be read back from L1.
constexpr size_t kSliceK = 256;
constexpr size_t kSliceKOneTile = 32;
constexpr size_t kGroupPanels = 4;

size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }

int64_t read_int(const NodeSpec& node, const char* name, bool required, int64_t fallback = 0) {
  if (required && !node.attrs.has(name)) throw_node_type(node, std::string("attribute '") + name + "' is required");
  try {
    return node.attrs.get_int(name, fallback);
  } catch (const Error& e) {
    throw_node_type(node, e.what());
  }
}

// B repacked for one path: codes in panel order and a scale and zero per panel, block and column.
struct NBitsPackedB {
  size_t K = 0, N = 0, blocks = 0, block_size = 0;
  int bits = 0;
  const SGemmKernel* gemm = nullptr;
  const NBitsKernels* dequant = nullptr;
  size_t row_bytes = 0;  // bytes of one panel row of codes
  AlignedBuffer codes;   // [panels][K][row_bytes]
  AlignedBuffer scale;   // [panels][blocks][nr] floats; zero for columns past N
  AlignedBuffer zero;    // the same layout

  size_t nr() const { return static_cast<size_t>(gemm->nr); }
  size_t panels() const { return div_up(N, nr()); }
};

// The zero point of column n, block b, as MatMulNBits stores it.
float zero_point_at(const ValueInfo* zp, int bits, size_t blocks, size_t n, size_t b) {
  if (zp == nullptr) return static_cast<float>(1 << (bits - 1));
  if (zp->dtype == DType::kFloat32) return static_cast<const float*>(zp->constant)[n * blocks + b];
  const uint8_t* bytes = static_cast<const uint8_t*>(zp->constant);
  if (bits == 8) return bytes[n * blocks + b];
  const size_t per_column = div_up(blocks, 2);
  const uint8_t byte = bytes[n * per_column + b / 2];
  return static_cast<float>(b % 2 == 0 ? byte & 15 : byte >> 4);
}

std::shared_ptr<const NBitsPackedB> pack(const uint8_t* b, const float* scales, const ValueInfo* zp, size_t K, size_t N,
                                        int bits, size_t block_size) {
  auto p = std::make_shared<NBitsPackedB>();
  p->K = K;
  p->N = N;
  p->bits = bits;
  p->block_size = block_size;
  p->blocks = div_up(K, block_size);
  p->gemm = &sgemm_kernel(active_isa());
  p->dequant = &nbits_kernels(active_isa());
  const size_t nr = p->nr(), panels = p->panels();
  p->row_bytes = bits == 4 ? nr / 2 : nr;
  p->codes.resize(panels * K * p->row_bytes);  // zeroed: columns past N read as code 0
  p->scale.resize(panels * p->blocks * nr * sizeof(float));
  p->zero.resize(panels * p->blocks * nr * sizeof(float));
  const size_t blob = block_size * static_cast<size_t>(bits) / 8;
  for (size_t n = 0; n < N; ++n) {
    const size_t panel = n / nr, j = n % nr;
    const uint8_t* column = b + n * p->blocks * blob;
    uint8_t* rows = p->codes.data() + panel * K * p->row_bytes;
    for (size_t k = 0; k < K; ++k) {
      const size_t at = (k / block_size) * blob, i = k % block_size;
      const uint8_t code = bits == 8 ? column[at + i] : static_cast<uint8_t>(i % 2 == 0 ? column[at + i / 2] & 15 : column[at + i / 2] >> 4);
      uint8_t& dst = rows[k * p->row_bytes + (bits == 8 ? j : j % (nr / 2))];
      dst = bits == 8 || j < nr / 2 ? static_cast<uint8_t>(dst | code) : static_cast<uint8_t>(dst | code << 4);
    }
    for (size_t blk = 0; blk < p->blocks; ++blk) {
      const size_t at = (panel * p->blocks + blk) * nr + j;
      p->scale.as<float>()[at] = scales[n * p->blocks + blk];
      p->zero.as<float>()[at] = zero_point_at(zp, bits, p->blocks, n, blk);
    }
  }
  return p;
}

class MatMulNBitsOp final : public Op {
 public:
  explicit MatMulNBitsOp(const OpInit& init) {
    const NodeSpec& node = init.node;
    K_ = static_cast<size_t>(positive(node, "K", read_int(node, "K", true)));
    N_ = static_cast<size_t>(positive(node, "N", read_int(node, "N", true)));
    bits_ = static_cast<int>(read_int(node, "bits", false, 4));
    if (bits_ != 4 && bits_ != 8) throw_node_range(node, "attribute 'bits' is " + std::to_string(bits_) + "; 4 and 8 are supported");
    const int64_t block_size = read_int(node, "block_size", true);
    if (block_size < 16 || (block_size & (block_size - 1)) != 0)
      throw_node_range(node, "attribute 'block_size' is " + std::to_string(block_size) + ", expected a power of 2 of at least 16");
    block_size_ = static_cast<size_t>(block_size);
    const size_t blocks = div_up(K_, block_size_);
    const size_t blob = block_size_ * static_cast<size_t>(bits_) / 8;

    const ValueInfo& a = init.input(0);
    if (a.dtype != DType::kFloat32) throw_node_type(node, std::string("input A has dtype ") + dtype_name(a.dtype) + ", expected float32");
    if (a.shape.empty() || a.shape.back() != static_cast<int64_t>(K_))
      throw_node_range(node, "input A " + shape_string(a.shape) + " must end in K = " + std::to_string(K_));
    M_ = static_cast<size_t>(a.numel()) / K_;

    const ValueInfo& b = init.input(1);
    if (b.dtype != DType::kUint8) throw_node_type(node, std::string("input B has dtype ") + dtype_name(b.dtype) + ", expected uint8");
    if (b.constant == nullptr) throw_node_type(node, "input B must be a constant (an initializer): its codes are repacked once per session");
    if (static_cast<size_t>(b.numel()) != N_ * blocks * blob || b.shape.empty() || b.shape[0] != static_cast<int64_t>(N_))
      throw_node_range(node, "input B " + shape_string(b.shape) + " must hold [N, k_blocks, blob_size] = [" + std::to_string(N_) + ", " +
                                 std::to_string(blocks) + ", " + std::to_string(blob) + "] bytes");
    const ValueInfo& s = init.input(2);
    if (s.dtype != DType::kFloat32) throw_node_type(node, std::string("input scales has dtype ") + dtype_name(s.dtype) + ", expected float32");
    if (s.constant == nullptr) throw_node_type(node, "input scales must be a constant (an initializer)");
    if (static_cast<size_t>(s.numel()) != N_ * blocks)
      throw_node_range(node, "input scales " + shape_string(s.shape) + " must hold N · k_blocks = " + std::to_string(N_ * blocks) + " values");
    const ValueInfo* zp = init.has_input(3) ? &init.input(3) : nullptr;
    if (zp != nullptr) {
      if (zp->constant == nullptr) throw_node_type(node, "input zero_points must be a constant (an initializer)");
      const size_t want = zp->dtype == DType::kUint8 ? N_ * div_up(blocks * static_cast<size_t>(bits_), 8) : N_ * blocks;
      if (zp->dtype != DType::kUint8 && zp->dtype != DType::kFloat32)
        throw_node_type(node, std::string("input zero_points has dtype ") + dtype_name(zp->dtype) + ", expected uint8 (packed) or float32");
      if (static_cast<size_t>(zp->numel()) != want)
        throw_node_range(node, "input zero_points " + shape_string(zp->shape) + " must hold " + std::to_string(want) + " values");
    }
    if (init.has_input(4)) throw_node_type(node, "input g_idx (act-order) is not supported");
    if (init.has_input(5)) {
      const ValueInfo& bias = init.input(5);
      if (bias.dtype != DType::kFloat32) throw_node_type(node, std::string("input bias has dtype ") + dtype_name(bias.dtype) + ", expected float32");
      if (bias.shape != Shape{static_cast<int64_t>(N_)}) throw_node_range(node, "input bias " + shape_string(bias.shape) + " must be [" + std::to_string(N_) + "]");
      has_bias_ = true;
    }
    const ValueInfo& y = init.output(0);
    Shape expected = a.shape;
    expected.back() = static_cast<int64_t>(N_);
    if (y.dtype != DType::kFloat32) throw_node_type(node, std::string("output Y has dtype ") + dtype_name(y.dtype) + ", expected float32");
    if (y.shape != expected) throw_node_range(node, "the plan gives output Y the shape " + shape_string(y.shape) + ", expected " + shape_string(expected));

    const std::string key = "matmul_nbits/" + std::to_string(bits_) + "/" + std::to_string(block_size_) + "/" + std::to_string(K_) + "x" +
                            std::to_string(N_) + "/" + isa_name(active_isa()) + "/" + std::to_string(s.weight_key()) + "/" +
                            std::to_string(zp != nullptr ? zp->weight_key() : 0);
    const uint8_t* codes = static_cast<const uint8_t*>(b.constant);
    const float* scales = static_cast<const float*>(s.constant);
    const int bits = bits_;
    const size_t K = K_, N = N_, bs = block_size_;
    packed_ = init.weights.get<NBitsPackedB>(b, key, [&] { return pack(codes, scales, zp, K, N, bits, bs); });
  }

  size_t scratch_bytes(int threads) const override {
    return static_cast<size_t>(std::max(threads, 1)) * slot_bytes();
  }

  void run(const RunContext& ctx, const TensorView* const* inputs, TensorView* const* outputs) const override {
    if (M_ == 0) return;
    const NBitsPackedB& p = *packed_;
    const float* a = static_cast<const float*>(inputs[0]->data);
    const float* bias = has_bias_ ? static_cast<const float*>(inputs[5]->data) : nullptr;
    float* c = static_cast<float*>(outputs[0]->data);
    const size_t mr = static_cast<size_t>(p.gemm->mr), panels = p.panels();
    const size_t groups = div_up(panels, kGroupPanels);
    const int threads = std::max(ctx.threads, 1);
    // Work items: panel groups × row blocks. Rows are split only when there are too few groups to
    // keep the threads busy (each row block dequantizes the group again).
    const size_t tiles = div_up(M_, mr);
    const size_t row_blocks = std::min(tiles, groups >= 2 * static_cast<size_t>(threads) ? size_t{1} : div_up(2 * static_cast<size_t>(threads), groups));
    const size_t items = groups * row_blocks;
    const size_t slot = slot_bytes();
    const auto body = [&](size_t item, size_t thread_slot) {
      const size_t g = item / row_blocks, rb = item % row_blocks;
      const size_t m_begin = rb * tiles / row_blocks * mr, m_end = std::min(M_, (rb + 1) * tiles / row_blocks * mr);
      if (m_begin >= m_end) return;
      float* buf = reinterpret_cast<float*>(static_cast<uint8_t*>(ctx.scratch) + thread_slot * slot);
      compute(p, a, bias, c, g * kGroupPanels, std::min(panels, (g + 1) * kGroupPanels), m_begin, m_end, buf);
    };
    if (threads == 1 || items == 1) {
      for (size_t i = 0; i < items; ++i) body(i, 0);
    } else {
      parallel_parts(std::min(items, static_cast<size_t>(threads)), div_up(items, std::min(items, static_cast<size_t>(threads))), threads,
                     [&](size_t item, size_t thread_slot) {
                       if (item < items) body(item, thread_slot);
                     });
    }
  }

 private:
  static int64_t positive(const NodeSpec& node, const char* name, int64_t v) {
    if (v < 1) throw_node_range(node, std::string("attribute '") + name + "' is " + std::to_string(v) + ", expected at least 1");
    return v;
  }

  size_t slice_k() const { return std::min(K_, M_ <= static_cast<size_t>(packed_->gemm->mr) ? kSliceKOneTile : kSliceK); }
  size_t slot_bytes() const {
    const size_t floats = kGroupPanels * slice_k() * static_cast<size_t>(kSGemmMaxNr);
    return (floats * sizeof(float) + 63) / 64 * 64;
  }

  // Rows [m_begin, m_end) × panels [p_begin, p_end) of C, K slice by K slice.
  void compute(const NBitsPackedB& p, const float* a, const float* bias, float* c, size_t p_begin, size_t p_end, size_t m_begin,
               size_t m_end, float* buf) const {
    const SGemmKernel& kernel = *p.gemm;
    const size_t mr = static_cast<size_t>(kernel.mr), nr = p.nr();
    const size_t kc_max = slice_k();
    const size_t full_end = std::min(p_end, N_ / nr);  // panels with all nr columns inside N
    SGemmTile tile;
    tile.ldb = nr;
    tile.lda = K_;
    tile.ldc = N_;
    for (size_t k0 = 0; k0 < K_; k0 += kc_max) {
      const size_t kc = std::min(kc_max, K_ - k0);
      for (size_t q = p_begin; q < p_end; ++q) dequantize(p, q, k0, kc, buf + (q - p_begin) * kc * nr);
      tile.kc = kc;
      tile.accumulate = k0 > 0;
      tile.finish = k0 + kc >= K_;
      for (size_t m0 = m_begin; m0 < m_end; m0 += mr) {
        tile.rows = static_cast<int>(std::min(mr, m_end - m0));
        tile.a = a + m0 * K_ + k0;
        for (size_t q = p_begin; q < p_end;) {
          const size_t n0 = q * nr;
          tile.b = buf + (q - p_begin) * kc * nr;
          tile.c = c + m0 * N_ + n0;
          tile.cols = static_cast<int>(std::min(nr, N_ - n0));
          tile.bias = bias != nullptr ? bias + n0 : nullptr;
          if (tile.rows == 1 && kernel.row_ukernel != nullptr && q < full_end) {
            kernel.row_ukernel(tile, full_end - q, kc * nr);
            q = full_end;
          } else {
            kernel.ukernel(tile);
            ++q;
          }
        }
      }
    }
  }

  // Panel q, rows [k0, k0 + kc) → kc × nr floats at out, block by block.
  void dequantize(const NBitsPackedB& p, size_t q, size_t k0, size_t kc, float* out) const {
    const size_t nr = p.nr();
    const uint8_t* codes = p.codes.data() + (q * p.K + k0) * p.row_bytes;
    for (size_t k = k0; k < k0 + kc;) {
      const size_t blk = k / p.block_size;
      const size_t rows = std::min(k0 + kc, (blk + 1) * p.block_size) - k;
      const float* scale = p.scale.as<float>() + (q * p.blocks + blk) * nr;
      const float* zero = p.zero.as<float>() + (q * p.blocks + blk) * nr;
      (p.bits == 4 ? p.dequant->dequant4 : p.dequant->dequant8)(codes, rows, scale, zero, out);
      codes += rows * p.row_bytes;
      out += rows * nr;
      k += rows;
    }
  }

  size_t M_ = 0, K_ = 0, N_ = 0, block_size_ = 0;
  int bits_ = 4;
  bool has_bias_ = false;
  std::shared_ptr<const NBitsPackedB> packed_;
};

}  // namespace

void register_matmul_nbits_ops(OpRegistry& r) {
  r.add("MatMulNBits", [](const OpInit& init) -> std::unique_ptr<Op> { return std::make_unique<MatMulNBitsOp>(init); }, "com.microsoft");
}

}  // namespace octet
