#include "net/tls_memory.h"

#include <cstdint>
#include <cstring>

#include "mbedtls/platform.h"
#include "psa/crypto.h"

namespace probebox::net {
namespace {

// One pool: a first-fit heap of blocks laid end to end, each behind an 8-byte header
// (its size with the low bit set while in use, and the previous block's size, so a
// freed block merges with both neighbours). Free blocks are on a list threaded
// through their payload as offsets from the pool's start. A header of size 0 ends
// the pool.
class Pool {
 public:
  void init(uint8_t* base, size_t bytes) {
    base_ = base;
    bytes_ = bytes & ~static_cast<size_t>(7);
    stats_ = {};
    stats_.bytes = bytes_;
    free_head_ = kNone;
    if (bytes_ < 2 * kHeader + kMinBlock) return;
    uint32_t first = static_cast<uint32_t>(bytes_ - kHeader);
    set_header(0, first, false, 0);
    set_header(first, 0, true, first);  // the end
    push_free(0);
  }

  bool owns(const void* p) const {
    auto* b = static_cast<const uint8_t*>(p);
    return base_ != nullptr && b >= base_ + kHeader && b < base_ + bytes_;
  }

  void* alloc(size_t n) {
    if (n == 0 || n > bytes_) return fail();
    size_t need = ((n + 7) & ~static_cast<size_t>(7)) + kHeader;
    if (need < kMinBlock) need = kMinBlock;
    for (uint32_t at = free_head_; at != kNone; at = link(at)[0]) {
      uint32_t size = size_of(at);
      if (size < need) continue;
      unlink(at);
      if (size - need >= kMinBlock) {
        // Split: the front is handed out, the rest stays free.
        uint32_t rest = static_cast<uint32_t>(at + need);
        set_header(rest, static_cast<uint32_t>(size - need), false, static_cast<uint32_t>(need));
        set_prev(rest + size_of(rest), static_cast<uint32_t>(size - need));
        push_free(rest);
        size = static_cast<uint32_t>(need);
      }
      set_header(at, size, true, prev_of(at));
      stats_.in_use += size;
      if (stats_.in_use > stats_.high_water) stats_.high_water = stats_.in_use;
      return base_ + at + kHeader;
    }
    return fail();
  }

  void release(void* p) {
    uint32_t at = static_cast<uint32_t>(static_cast<uint8_t*>(p) - base_) - kHeader;
    if ((at & 7) != 0 || !used(at)) return;  // not a block we handed out, or freed twice
    uint32_t size = size_of(at);
    stats_.in_use -= size;
    uint32_t next = at + size;
    if (!used(next)) {
      unlink(next);
      size += size_of(next);
    }
    uint32_t prev_size = prev_of(at);
    if (prev_size != 0 && !used(at - prev_size)) {
      // Merges into the free block before it, which stays on the list.
      at -= prev_size;
      size += size_of(at);
      set_header(at, size, false, prev_of(at));
    } else {
      set_header(at, size, false, prev_size);
      push_free(at);
    }
    set_prev(at + size, size);
  }

  void reset_high_water() { stats_.high_water = stats_.in_use; }
  const TlsPoolStats& stats() const { return stats_; }

 private:
  static constexpr uint32_t kHeader = 8;
  static constexpr uint32_t kMinBlock = 16;  // a header and the two list links
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  uint32_t* header(uint32_t at) const { return reinterpret_cast<uint32_t*>(base_ + at); }
  uint32_t* link(uint32_t at) const { return reinterpret_cast<uint32_t*>(base_ + at + kHeader); }
  uint32_t size_of(uint32_t at) const { return header(at)[0] & ~1u; }
  bool used(uint32_t at) const { return (header(at)[0] & 1u) != 0; }
  uint32_t prev_of(uint32_t at) const { return header(at)[1]; }
  void set_header(uint32_t at, uint32_t size, bool in_use, uint32_t prev) {
    header(at)[0] = size | (in_use ? 1u : 0u);
    header(at)[1] = prev;
  }
  void set_prev(uint32_t at, uint32_t prev) { header(at)[1] = prev; }

  void push_free(uint32_t at) {
    link(at)[0] = free_head_;
    link(at)[1] = kNone;
    if (free_head_ != kNone) link(free_head_)[1] = at;
    free_head_ = at;
  }
  void unlink(uint32_t at) {
    uint32_t next = link(at)[0], prev = link(at)[1];
    if (prev != kNone) link(prev)[0] = next; else free_head_ = next;
    if (next != kNone) link(next)[1] = prev;
  }
  void* fail() {
    ++stats_.failures;
    return nullptr;
  }

  uint8_t* base_ = nullptr;
  size_t bytes_ = 0;
  uint32_t free_head_ = kNone;
  TlsPoolStats stats_;
};

static_assert(kTlsArenaBytes < 0xFFFFFFF0u, "pool offsets are 32-bit");

alignas(8) uint8_t g_arena[kTlsArenaBytes];
Pool g_pools[kTlsPoolCount];
TlsPool g_current = TlsPool::kShared;
bool g_ready = false;
bool g_crypto_ready = false;
size_t g_crypto_resident = 0;

void* pool_calloc(size_t n, size_t size) {
  if (n == 0 || size == 0 || n > SIZE_MAX / size) return nullptr;
  void* p = g_pools[static_cast<int>(g_current)].alloc(n * size);
  if (p != nullptr) std::memset(p, 0, n * size);
  return p;
}

void pool_free(void* p) {
  if (p == nullptr) return;
  for (Pool& pool : g_pools) {
    if (pool.owns(p)) {
      pool.release(p);
      return;
    }
  }
}

}  // namespace

const char* tls_pool_name(TlsPool pool) {
  switch (pool) {
    case TlsPool::kShared: return "shared";
    case TlsPool::kClient: return "client";
    case TlsPool::kServer: return "server";
  }
  return "?";
}

void tls_memory_init() {
  if (g_ready) return;
  uint8_t* at = g_arena;
  g_pools[static_cast<int>(TlsPool::kShared)].init(at, kTlsSharedPoolBytes);
  at += kTlsSharedPoolBytes;
  g_pools[static_cast<int>(TlsPool::kClient)].init(at, kTlsClientPoolBytes);
  at += kTlsClientPoolBytes;
  g_pools[static_cast<int>(TlsPool::kServer)].init(at, kTlsServerPoolBytes);
  mbedtls_platform_set_calloc_free(pool_calloc, pool_free);
  g_ready = true;
}

bool tls_crypto_init() {
  if (g_crypto_ready) return true;
  TlsPoolScope shared(TlsPool::kShared);
  const Pool& pool = g_pools[static_cast<int>(TlsPool::kShared)];
  size_t before = pool.stats().in_use;
  if (psa_crypto_init() != PSA_SUCCESS) return false;
  size_t after = pool.stats().in_use;
  g_crypto_resident = after > before ? after - before : 0;
  g_crypto_ready = true;
  return true;
}

TlsMemoryStats tls_memory_stats() {
  TlsMemoryStats s{};
  s.arena_bytes = sizeof(g_arena);
  s.crypto_resident = g_crypto_resident;
  for (int i = 0; i < kTlsPoolCount; ++i) {
    s.pools[i] = g_pools[i].stats();
    s.in_use += s.pools[i].in_use;
    s.high_water += s.pools[i].high_water;
  }
  return s;
}

uint32_t tls_allocation_failures() {
  uint32_t failures = 0;
  for (const Pool& pool : g_pools) failures += pool.stats().failures;
  return failures;
}

void tls_memory_reset_high_water() {
  for (Pool& pool : g_pools) pool.reset_high_water();
}

TlsPoolScope::TlsPoolScope(TlsPool pool) : previous_(g_current) { g_current = pool; }
TlsPoolScope::~TlsPoolScope() { g_current = previous_; }

}  // namespace probebox::net
