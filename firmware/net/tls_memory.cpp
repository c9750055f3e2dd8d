#include "net/tls_memory.h"

#include <cstdint>

#include "mbedtls/memory_buffer_alloc.h"

namespace probebox::net {
namespace {
alignas(8) unsigned char g_arena[PROBEBOX_TLS_ARENA_BYTES];
bool g_ready = false;
}  // namespace

void tls_memory_init() {
  if (g_ready) return;
  mbedtls_memory_buffer_alloc_init(g_arena, sizeof(g_arena));
  g_ready = true;
}

TlsMemoryStats tls_memory_stats() {
  size_t in_use = 0, blocks = 0, high = 0, high_blocks = 0;
  mbedtls_memory_buffer_alloc_cur_get(&in_use, &blocks);
  mbedtls_memory_buffer_alloc_max_get(&high, &high_blocks);
  return {sizeof(g_arena), in_use, high};
}

}  // namespace probebox::net
