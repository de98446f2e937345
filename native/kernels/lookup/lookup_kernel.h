// y[i] = table[x[i]] over bytes: the QLinearLookup operator (any elementwise function of one
// quantized tensor, hard-swish included, once it is a 256-entry table). Exact by nature, so every
// path gives the same bytes. y may equal x: each byte is read before it is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../core/isa.h"

namespace octet {

using LookupFn = void (*)(const uint8_t* x, uint8_t* y, size_t n, const uint8_t* table);

// The scalar loop: four independent loads per step.
void lookup_bytes_scalar(const uint8_t* x, uint8_t* y, size_t n, const uint8_t* table);

// AVX-512 VBMI: two two-register byte permutes (128 entries each) and a blend on the index's top
// bit, 64 bytes per step. Null when this build or CPU lacks VBMI (it is not part of AVX-512 VNNI:
// Cascade Lake has VNNI without it; Ice Lake, Zen 4 and later have both).
LookupFn lookup_bytes_avx512vbmi();

// The function for a path: VBMI on the AVX-512 path when the CPU has it, else the scalar loop.
LookupFn lookup_kernel(Isa isa);

}  // namespace octet
