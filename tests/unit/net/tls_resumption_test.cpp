#include "net/tls_resumption.h"

#include <gtest/gtest.h>

namespace probebox::net {
namespace {

// A slot is known by being the same object again; an emptied slot is empty.
TEST(TlsResumptionCache, OneSlotPerServerKeptAcrossLookups) {
  static TlsResumptionCache cache;
  cache.clear();
  TlsResumption& relay = cache.slot("relay.lab.test", 587);
  EXPECT_TRUE(relay.empty());
  EXPECT_EQ(&cache.slot("relay.lab.test", 587), &relay);
  EXPECT_NE(&cache.slot("relay.lab.test", 25), &relay) << "the port is part of the server";
  EXPECT_NE(&cache.slot("other.lab.test", 587), &relay);
}

TEST(TlsResumptionCache, TheLeastRecentlyUsedServerGivesWay) {
  static TlsResumptionCache cache;
  cache.clear();
  TlsResumption* first = &cache.slot("s0", 25);
  for (size_t i = 1; i < TlsResumptionCache::kSlots; ++i) {
    char name[] = {'s', static_cast<char>('0' + i), '\0'};
    (void)cache.slot(name, 25);
  }
  (void)cache.slot("s0", 25);  // used again: s1 is now the oldest
  TlsResumption* newcomer = &cache.slot("new", 25);
  EXPECT_NE(newcomer, first);
  EXPECT_EQ(&cache.slot("s0", 25), first);
}

TEST(TlsResumption, NothingToOfferWhenEmpty) {
  TlsResumption empty;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  EXPECT_FALSE(empty.offer(ssl));
  mbedtls_ssl_free(&ssl);
}

}  // namespace
}  // namespace probebox::net
