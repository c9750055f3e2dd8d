// mbedTLS's one heap: a static arena (mbedtls_memory_buffer_alloc), so TLS memory
// is bounded, never fragments the rest of the firmware, and its high-water mark is
// known. Sized per board (PROBEBOX_TLS_ARENA_BYTES).
#pragma once
#include <cstddef>

#include "core/limits.h"

#ifndef PROBEBOX_TLS_ARENA_BYTES
#define PROBEBOX_TLS_ARENA_BYTES (160 * 1024 + PROBEBOX_TLS_SERVER_SESSIONS * PROBEBOX_TLS_SERVER_SESSION_BYTES)
#endif

namespace probebox::net {

struct TlsMemoryStats {
  size_t arena_bytes;
  size_t in_use;
  size_t high_water;
  // What PSA Crypto holds in the arena from its start to the end of the run (its
  // entropy accumulator): in_use never drops below this once it started.
  size_t crypto_resident;
};

// Hands the arena to mbedTLS; call once before any mbedTLS use.
void tls_memory_init();
// Starts PSA Crypto once (TLS 1.3 and the sessions' RNG need it), its DRBG seeded
// from the board's entropy source: after tls_memory_init and net::bind_platform.
// Later calls only say whether it is running.
bool tls_crypto_init();
TlsMemoryStats tls_memory_stats();

}  // namespace probebox::net
