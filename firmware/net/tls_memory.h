// mbedTLS's one heap: a static arena (mbedtls_memory_buffer_alloc), so TLS memory
// is bounded, never fragments the rest of the firmware, and its high-water mark is
// known. Sized per board (PROBEBOX_TLS_ARENA_BYTES).
#pragma once
#include <cstddef>

#include "core/limits.h"

#ifndef PROBEBOX_TLS_ARENA_BYTES
#define PROBEBOX_TLS_ARENA_BYTES (160 * 1024)
#endif

namespace probebox::net {

struct TlsMemoryStats {
  size_t arena_bytes;
  size_t in_use;
  size_t high_water;
};

// Hands the arena to mbedTLS; call once before any mbedTLS use.
void tls_memory_init();
TlsMemoryStats tls_memory_stats();

}  // namespace probebox::net
