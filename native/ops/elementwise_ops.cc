// The elementwise operator family (native/ops/elementwise/): unary math and activations, binary and
// variadic arithmetic with broadcasting, comparisons and logic, Cast/CastLike and Where.
#include "../graph/op.h"
#include "elementwise/common.h"

namespace octet {

void register_elementwise_ops(OpRegistry& r) {
  elementwise::register_unary_ops(r);
  elementwise::register_binary_ops(r);
  elementwise::register_cast_where_ops(r);
}

}  // namespace octet
