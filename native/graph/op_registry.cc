// The one table of graph operators: each family registers its own (see op.h).
#include "op.h"

namespace octet {

const OpRegistry& OpRegistry::global() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_gemm_ops(r);
    register_conv_ops(r);
    register_pool_ops(r);
    register_elementwise_ops(r);
    register_softmax_ops(r);
    register_normalization_ops(r);
    register_reduce_ops(r);
    register_tensor_ops(r);
    register_quantize_graph_ops(r);
    register_qconv_ops(r);
    register_qlinear_elementwise_ops(r);
    register_qlinear_pool_ops(r);
    register_matmul_nbits_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace octet
