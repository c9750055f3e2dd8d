#include "net/tls_memory.h"

#include <cstdint>

#include "mbedtls/memory_buffer_alloc.h"
#include "psa/crypto.h"

namespace probebox::net {
namespace {
alignas(8) unsigned char g_arena[PROBEBOX_TLS_ARENA_BYTES];
bool g_ready = false;
bool g_crypto_ready = false;
size_t g_crypto_resident = 0;

size_t arena_in_use() {
  size_t in_use = 0, blocks = 0;
  mbedtls_memory_buffer_alloc_cur_get(&in_use, &blocks);
  return in_use;
}
}  // namespace

void tls_memory_init() {
  if (g_ready) return;
  mbedtls_memory_buffer_alloc_init(g_arena, sizeof(g_arena));
  g_ready = true;
}

bool tls_crypto_init() {
  if (g_crypto_ready) return true;
  size_t before = arena_in_use();
  if (psa_crypto_init() != PSA_SUCCESS) return false;
  size_t after = arena_in_use();
  g_crypto_resident = after > before ? after - before : 0;
  g_crypto_ready = true;
  return true;
}

TlsMemoryStats tls_memory_stats() {
  size_t high = 0, high_blocks = 0;
  mbedtls_memory_buffer_alloc_max_get(&high, &high_blocks);
  return {sizeof(g_arena), arena_in_use(), high, g_crypto_resident};
}

}  // namespace probebox::net
