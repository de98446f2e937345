// An activation fused into the operator that produces its input (Conv, Gemm, MatMul, ...), chosen by
// the graph's fusion pass and handed over as attributes:
//   activation        "" | "Relu" | "Clip" | "LeakyRelu" | "HardSigmoid" | "HardSwish" | "Sigmoid" | "Tanh"
//   activation_params floats: Clip [min, max]; LeakyRelu [alpha]; HardSigmoid [alpha, beta]
// Relu and Clip are clamps and go into a GEMM epilogue; the others run over the output afterwards with
// the same vector math as the standalone operators, so fused and unfused graphs agree bit for bit.
#pragma once

#include <cstddef>
#include <string>

#include "../graph/attributes.h"

namespace octet {

struct Activation {
  enum class Kind { kNone, kRelu, kClip, kLeakyRelu, kHardSigmoid, kHardSwish, kSigmoid, kTanh };
  Kind kind = Kind::kNone;
  float alpha = 0, beta = 0;  // LeakyRelu alpha; HardSigmoid alpha, beta
  float min = -__builtin_huge_valf(), max = __builtin_huge_valf();  // the clamp (Relu, Clip)

  // Reads `activation` / `activation_params`; throws a TypeError for an unknown name.
  static Activation from_attributes(const Attributes& attrs);
  bool is_clamp() const { return kind == Kind::kNone || kind == Kind::kRelu || kind == Kind::kClip; }
  // Applies a non-clamp activation to n floats in place (a clamp is for the epilogue; applying it here works too).
  void apply(float* data, size_t n) const;
};

}  // namespace octet
