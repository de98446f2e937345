// Fused activations: read from the fusion pass's attributes, applied with the same vmath kernels as the
// standalone operators (Relu and Clip are the vmath clamp, LeakyRelu, HardSigmoid, HardSwish, Sigmoid,
// Tanh their own kernels with the ONNX default parameters), so fused and unfused graphs agree bit for bit.
#include "activation.h"

#include <string>
#include <vector>

#include "../core/status.h"
#include "../kernels/vmath/vmath.h"

namespace octet {

namespace {

void expect_params(const std::string& name, const std::vector<float>& params, size_t min_count, size_t max_count,
                   const char* layout) {
  if (params.size() < min_count || params.size() > max_count)
    throw_range("fused activation " + name + ": activation_params has " + std::to_string(params.size()) +
                " values, expected " + layout);
}

}  // namespace

Activation Activation::from_attributes(const Attributes& attrs) {
  Activation a;
  const std::string name = attrs.get_string("activation", "");
  const std::vector<float> params = attrs.get_floats("activation_params");
  if (name.empty()) {
    expect_params("(none)", params, 0, 0, "none");
  } else if (name == "Relu") {
    expect_params(name, params, 0, 0, "none");
    a.kind = Kind::kRelu;
    a.min = 0.0f;
  } else if (name == "Clip") {
    expect_params(name, params, 0, 2, "[min, max] (either may be left out: ±inf)");
    a.kind = Kind::kClip;
    if (params.size() > 0) a.min = params[0];
    if (params.size() > 1) a.max = params[1];
  } else if (name == "LeakyRelu") {
    expect_params(name, params, 0, 1, "[alpha] (default 0.01)");
    a.kind = Kind::kLeakyRelu;
    a.alpha = params.empty() ? 0.01f : params[0];
  } else if (name == "HardSigmoid") {
    expect_params(name, params, 0, 2, "[alpha, beta] (defaults 0.2, 0.5)");
    a.kind = Kind::kHardSigmoid;
    a.alpha = params.size() > 0 ? params[0] : 0.2f;
    a.beta = params.size() > 1 ? params[1] : 0.5f;
  } else if (name == "HardSwish") {
    expect_params(name, params, 0, 0, "none");
    a.kind = Kind::kHardSwish;
  } else if (name == "Sigmoid") {
    expect_params(name, params, 0, 0, "none");
    a.kind = Kind::kSigmoid;
  } else if (name == "Tanh") {
    expect_params(name, params, 0, 0, "none");
    a.kind = Kind::kTanh;
  } else {
    throw_type("unknown fused activation '" + name +
               "'; expected one of \"\", Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh");
  }
  return a;
}

void Activation::apply(float* data, size_t n) const {
  if (kind == Kind::kNone || n == 0) return;
  const VMathKernels& k = vmath();
  switch (kind) {
    case Kind::kNone: return;
    case Kind::kRelu:
    case Kind::kClip: k.clamp(data, data, n, min, max); return;
    case Kind::kLeakyRelu: k.leaky_relu(data, data, n, alpha); return;
    case Kind::kHardSigmoid: k.hard_sigmoid(data, data, n, alpha, beta); return;
    case Kind::kHardSwish: k.hard_swish(data, data, n); return;
    case Kind::kSigmoid: k.sigmoid(data, data, n); return;
    case Kind::kTanh: k.tanh(data, data, n); return;
  }
}

}  // namespace octet
