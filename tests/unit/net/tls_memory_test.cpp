// The mbedTLS arena's pools (net/tls_memory.h): each kind of session allocates from
// its own, a free returns a block to the pool that holds it, freed neighbours merge.
#include "net/tls_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "mbedtls/platform.h"

namespace probebox::net {
namespace {

const TlsPoolStats& pool_stats(const TlsMemoryStats& s, TlsPool pool) { return s.pools[static_cast<int>(pool)]; }

TEST(TlsMemory, AClientThatFillsItsPoolNeverTakesTheServersMemory) {
  tls_memory_init();
  const size_t client_before = pool_stats(tls_memory_stats(), TlsPool::kClient).in_use;
  const size_t server_before = pool_stats(tls_memory_stats(), TlsPool::kServer).in_use;
  const uint32_t failures_before = pool_stats(tls_memory_stats(), TlsPool::kClient).failures;
  std::vector<void*> client_blocks;
  {
    TlsPoolScope client(TlsPool::kClient);
    const size_t bound = kTlsClientPoolBytes / 4096 + 2;
    for (size_t i = 0; i < bound; ++i) {
      void* p = mbedtls_calloc(1, 4096);
      if (p == nullptr) break;
      client_blocks.push_back(p);
    }
  }
  // The client pool is full: it refused, and held no more than its size.
  TlsMemoryStats full = tls_memory_stats();
  EXPECT_GT(pool_stats(full, TlsPool::kClient).failures, failures_before);
  EXPECT_LE(pool_stats(full, TlsPool::kClient).in_use, kTlsClientPoolBytes);
  EXPECT_EQ(pool_stats(full, TlsPool::kServer).in_use, server_before);
  // The server's session still gets its record buffer.
  void* record = nullptr;
  {
    TlsPoolScope server(TlsPool::kServer);
    record = mbedtls_calloc(1, 17 * 1024);
  }
  ASSERT_NE(record, nullptr);
  EXPECT_GT(pool_stats(tls_memory_stats(), TlsPool::kServer).in_use, server_before + 17 * 1024);
  // Freed outside any scope, each block goes back to its own pool.
  mbedtls_free(record);
  for (void* p : client_blocks) mbedtls_free(p);
  TlsMemoryStats after = tls_memory_stats();
  EXPECT_EQ(pool_stats(after, TlsPool::kClient).in_use, client_before);
  EXPECT_EQ(pool_stats(after, TlsPool::kServer).in_use, server_before);
}

TEST(TlsMemory, FreedNeighboursMergeSoTheWholePoolIsOneBlockAgain) {
  tls_memory_init();
  ASSERT_EQ(pool_stats(tls_memory_stats(), TlsPool::kServer).in_use, 0u);
  TlsPoolScope server(TlsPool::kServer);
  void* a = mbedtls_calloc(1, 1000);
  void* b = mbedtls_calloc(1, 3000);
  void* c = mbedtls_calloc(1, 500);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  // Zeroed, as calloc promises.
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(static_cast<uint8_t*>(b)[i], 0);
  mbedtls_free(b);  // a hole in the middle
  mbedtls_free(a);  // merges forward into it
  mbedtls_free(c);  // merges both ways
  EXPECT_EQ(pool_stats(tls_memory_stats(), TlsPool::kServer).in_use, 0u);
  // Nothing is left fragmented: nearly the whole pool is one block.
  void* whole = mbedtls_calloc(1, kTlsServerPoolBytes - 64);
  EXPECT_NE(whole, nullptr);
  mbedtls_free(whole);
  EXPECT_EQ(mbedtls_calloc(1, kTlsServerPoolBytes + 1), nullptr);
}

TEST(TlsMemory, ScopesNestAndRestoreThePoolBefore) {
  tls_memory_init();
  const size_t shared_before = pool_stats(tls_memory_stats(), TlsPool::kShared).in_use;
  const size_t client_before = pool_stats(tls_memory_stats(), TlsPool::kClient).in_use;
  void* inner = nullptr;
  void* outer = nullptr;
  {
    TlsPoolScope client(TlsPool::kClient);
    {
      TlsPoolScope shared(TlsPool::kShared);
      inner = mbedtls_calloc(1, 256);
    }
    outer = mbedtls_calloc(1, 256);
  }
  EXPECT_GT(pool_stats(tls_memory_stats(), TlsPool::kShared).in_use, shared_before);
  EXPECT_GT(pool_stats(tls_memory_stats(), TlsPool::kClient).in_use, client_before);
  mbedtls_free(inner);
  mbedtls_free(outer);
  EXPECT_EQ(pool_stats(tls_memory_stats(), TlsPool::kShared).in_use, shared_before);
  EXPECT_EQ(pool_stats(tls_memory_stats(), TlsPool::kClient).in_use, client_before);
}

}  // namespace
}  // namespace probebox::net
