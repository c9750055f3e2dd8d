#include "net/tls_resumption.h"

#include <gtest/gtest.h>

namespace probebox::net {
namespace {

// A slot is known by being the same object again; an emptied slot is empty.
TEST(TlsResumptionCache, OneSlotPerServerKeptAcrossLookups) {
  static TlsResumptionCache cache;
  cache.clear();
  TlsResumptionCache::Server& relay = cache.slot("relay.lab.test", 587);
  EXPECT_TRUE(relay.session.empty());
  EXPECT_EQ(&cache.slot("relay.lab.test", 587), &relay);
  EXPECT_NE(&cache.slot("relay.lab.test", 25), &relay) << "the port is part of the server";
  EXPECT_NE(&cache.slot("other.lab.test", 587), &relay);
}

TEST(TlsResumptionCache, TheLeastRecentlyUsedServerGivesWay) {
  static TlsResumptionCache cache;
  cache.clear();
  TlsResumptionCache::Server* first = &cache.slot("s0", 25);
  for (size_t i = 1; i < TlsResumptionCache::kSlots; ++i) {
    char name[] = {'s', static_cast<char>('0' + i), '\0'};
    (void)cache.slot(name, 25);
  }
  (void)cache.slot("s0", 25);  // used again: s1 is now the oldest
  TlsResumptionCache::Server* newcomer = &cache.slot("new", 25);
  EXPECT_NE(newcomer, first);
  EXPECT_EQ(&cache.slot("s0", 25), first);
}

// What a server speaks outlives a failed handshake (its session does not), and not
// the slot going to another server.
TEST(TlsResumptionCache, TheVersionStaysWithTheServerNotWithTheSlot) {
  static TlsResumptionCache cache;
  cache.clear();
  TlsResumptionCache::Server& relay = cache.slot("relay.lab.test", 587);
  relay.version = TlsVersion::k13;
  relay.has_peer = true;
  relay.forget_session();
  EXPECT_FALSE(relay.has_peer);
  EXPECT_EQ(cache.slot("relay.lab.test", 587).version, TlsVersion::k13);
  for (size_t i = 0; i < TlsResumptionCache::kSlots; ++i) {
    char name[] = {'o', static_cast<char>('0' + i), '\0'};
    (void)cache.slot(name, 25);
  }
  EXPECT_EQ(cache.slot("relay.lab.test", 587).version, TlsVersion::k12) << "taken over, then given back empty";
  cache.slot("relay.lab.test", 587).version = TlsVersion::k13;
  cache.clear();
  EXPECT_EQ(cache.slot("relay.lab.test", 587).version, TlsVersion::k12);
}

TEST(TlsResumptionCache, ASessionIsOfferedForTenMinutesAfterItsFullHandshake) {
  TlsResumptionCache::Server relay;
  relay.full_handshake_us = 5'000'000;
  constexpr int64_t kMax = TlsResumptionCache::Server::kMaxAgeMicros;
  EXPECT_FALSE(relay.too_old(5'000'000));
  EXPECT_FALSE(relay.too_old(5'000'000 + kMax));
  EXPECT_TRUE(relay.too_old(5'000'000 + kMax + 1));
  EXPECT_TRUE(relay.too_old(4'999'999)) << "a clock that went back";
}

TEST(TlsResumption, NothingToOfferWhenEmpty) {
  TlsResumption empty;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  EXPECT_FALSE(empty.offer(ssl, TlsVersion::k12));
  EXPECT_FALSE(empty.offer(ssl, TlsVersion::k13));
  mbedtls_ssl_free(&ssl);
}

}  // namespace
}  // namespace probebox::net
