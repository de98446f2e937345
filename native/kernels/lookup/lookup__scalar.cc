// The scalar table lookup and the choice of path.
#include "../../core/cpu_features.h"
#include "lookup_kernel.h"

namespace octet {

// Pointers as plain arguments: through a lambda's captured references, every byte store (which may
// alias anything) made the compiler reload x, y and the table.
void lookup_bytes_scalar(const uint8_t* x, uint8_t* y, size_t n, const uint8_t* __restrict table) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t a = table[x[i]], b = table[x[i + 1]], c = table[x[i + 2]], d = table[x[i + 3]];
    y[i] = a;
    y[i + 1] = b;
    y[i + 2] = c;
    y[i + 3] = d;
  }
  for (; i < n; ++i) y[i] = table[x[i]];
}

#if !(defined(__x86_64__) || defined(_M_X64))
LookupFn lookup_bytes_avx512vbmi() { return nullptr; }
#endif

LookupFn lookup_kernel(Isa isa) {
  if (isa == Isa::kAvx512Vnni && cpu_features().avx512_vbmi) {
    if (LookupFn f = lookup_bytes_avx512vbmi()) return f;
  }
  return lookup_bytes_scalar;
}

}  // namespace octet
