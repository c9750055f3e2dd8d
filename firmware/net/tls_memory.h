// mbedTLS's heap: static pools, so TLS memory is bounded, never fragments the rest
// of the firmware, and each pool's high-water mark is known. Sized per board from
// core/limits.h.
//
// Three pools, one per kind of owner, so one kind can never starve another:
//  - kClient: the TLS client sessions (probes and the mail alerts), one reservation
//    of PROBEBOX_TLS_CLIENT_SESSION_BYTES per session in flight
//    (PROBEBOX_MAX_TLS_IN_FLIGHT: the scheduler queues TLS probes beyond it);
//  - kServer: the web UI's HTTPS sessions, PROBEBOX_TLS_SERVER_SESSION_BYTES each;
//  - kShared: what lives from start to end (PSA Crypto's state, the trust anchors,
//    the SSL configs, the box's own key and certificate) and short-lived work done
//    within one call (password hashing, SNMPv3 keys, a chain's summary).
// Allocations go to the pool of the innermost TlsPoolScope (kShared without one); a
// free goes back to whichever pool holds the block. The firmware runs without
// threads, so a scope around each call into a session says whose memory it is.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/limits.h"

/* The shared pool: PSA Crypto's state, the anchors, the SSL configs and the box's
 * key and certificate, from start to end; and, for the length of one call, an
 * operator's upload being checked (the record then goes straight to flash, and is
 * parsed back where it lies). Measured on the Cortex-M4 under QEMU with the lab's one
 * anchor: 1,264 bytes held with the box's own P-256 identity, 4,816 at the peak of a
 * first start. What is left is the operator's own anchors' room. */
#ifndef PROBEBOX_TLS_SHARED_BYTES
#define PROBEBOX_TLS_SHARED_BYTES (12 * 1024)
#endif

namespace probebox::net {

enum class TlsPool : uint8_t { kShared, kClient, kServer };
inline constexpr int kTlsPoolCount = 3;
const char* tls_pool_name(TlsPool pool);

// core/limits.h's figures are the Cortex-M target's (32-bit pointers). A 64-bit host
// holds the same sessions in wider structures (mbedTLS contexts, X.509 parse trees,
// 64-bit bignum limbs): measured, up to PROBEBOX_TLS_HOST_ALLOWANCE_BYTES more per
// session and in the shared pool, so the simulator built with the target's limits
// holds exactly what the target holds (tests/integration/test_target_limits.py).
#ifndef PROBEBOX_TLS_HOST_ALLOWANCE_BYTES
#define PROBEBOX_TLS_HOST_ALLOWANCE_BYTES (12 * 1024)
#endif
inline constexpr size_t kTlsHostAllowance = sizeof(void*) > 4 ? PROBEBOX_TLS_HOST_ALLOWANCE_BYTES : 0;
inline constexpr size_t kTlsClientSessionBytes = PROBEBOX_TLS_CLIENT_SESSION_BYTES + kTlsHostAllowance;
inline constexpr size_t kTlsServerSessionBytes = PROBEBOX_TLS_SERVER_SESSION_BYTES + kTlsHostAllowance;
inline constexpr size_t kTlsClientPoolBytes = static_cast<size_t>(PROBEBOX_MAX_TLS_IN_FLIGHT) * kTlsClientSessionBytes;
inline constexpr size_t kTlsServerPoolBytes = static_cast<size_t>(PROBEBOX_TLS_SERVER_SESSIONS) * kTlsServerSessionBytes;
inline constexpr size_t kTlsSharedPoolBytes = PROBEBOX_TLS_SHARED_BYTES + kTlsHostAllowance;
inline constexpr size_t kTlsArenaBytes = kTlsClientPoolBytes + kTlsServerPoolBytes + kTlsSharedPoolBytes;

struct TlsPoolStats {
  size_t bytes = 0;       // the pool's size
  size_t in_use = 0;      // payload plus block headers now
  size_t high_water = 0;  // the most in_use ever was
  uint32_t failures = 0;  // allocations refused (no block large enough)
};

struct TlsMemoryStats {
  size_t arena_bytes;
  size_t in_use;
  // The sum of the pools' high-water marks (each pool's own is in pools[]).
  size_t high_water;
  // What PSA Crypto holds in the shared pool from its start to the end of the run
  // (its entropy accumulator): in_use never drops below this once it started.
  size_t crypto_resident;
  TlsPoolStats pools[kTlsPoolCount];
};

// Hands the pools to mbedTLS; call once before any mbedTLS use.
void tls_memory_init();
// Starts PSA Crypto once (TLS 1.3 and the sessions' RNG need it), its DRBG seeded
// from the board's entropy source: after tls_memory_init and net::bind_platform.
// Later calls only say whether it is running.
bool tls_crypto_init();
TlsMemoryStats tls_memory_stats();
// Forgets the high-water marks (the in-use figures stay): a test measuring one step.
void tls_memory_reset_high_water();
// Allocations the pools have refused so far, all pools together. A call into mbedTLS
// that failed while this rose failed for want of the box's memory, whatever code
// mbedTLS made of it: it reports an ECDHE point it could not allocate room for as the
// server's illegal parameter, for one.
uint32_t tls_allocation_failures();

// While alive, mbedTLS allocates from `pool`; restores the previous pool on exit.
class TlsPoolScope {
 public:
  explicit TlsPoolScope(TlsPool pool);
  ~TlsPoolScope();
  TlsPoolScope(const TlsPoolScope&) = delete;
  TlsPoolScope& operator=(const TlsPoolScope&) = delete;

 private:
  TlsPool previous_;
};

// f() with mbedTLS allocating from `pool`: one call into a session.
template <class F>
auto in_tls_pool(TlsPool pool, F f) {
  TlsPoolScope scope(pool);
  return f();
}

}  // namespace probebox::net
