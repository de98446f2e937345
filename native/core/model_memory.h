// Memory for a model file's bytes that can be given back a page at a time.
//
// A session reads a model file into one buffer and uses the weights in place. Once a weight is
// packed, its raw bytes are never read again; returning their pages to the system as each weight is
// packed keeps raw and packed weights from being resident together (PaddleOCR rec: 10 MiB of each).
// A buffer from the C allocator cannot give back part of itself, so model buffers are anonymous
// mappings: release_model_pages() drops the whole pages inside a range (they read as zeros if ever
// touched again, which nothing does: the session marks the weight released first). Elsewhere (no
// mmap) the pages simply stay.
#pragma once

#include <cstddef>

namespace octet {

// `bytes` zero-filled bytes, page-aligned; null if the system refuses.
void* allocate_model_memory(size_t bytes);
void free_model_memory(void* data, size_t bytes);
// Returns the whole pages inside [data, data + bytes) if that range lies in one live model buffer;
// the number of bytes given back (0 when the range is elsewhere, or smaller than a page).
size_t release_model_pages(const void* data, size_t bytes);

}  // namespace octet
