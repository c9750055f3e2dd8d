// The verified-chain cache on its own (net/verified_chain_cache): keys of real DER
// chains, hits, misses, the trust inputs, expiry, eviction and flushing. The probe's
// use of it (a hit re-judging dates and names) is in tls_cert_probe_test.cpp.
#include "net/verified_chain_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "fake_tls_server.h"

namespace probebox::net {
namespace {

constexpr int64_t kSecond = 1'000'000;

ChainKey key_of(uint8_t b) {
  ChainKey k;
  k.sha256.fill(b);
  return k;
}

VerifiedChain trusted_chain(const char* subject) {
  VerifiedChain v;
  v.leaf.subject.assign(subject);
  v.leaf.not_after = 2'000'000'000;
  v.chain.trusted = x509::Trust::kYes;
  v.chain.trusted_by = x509::TrustSet::kAnchors;
  v.chain.earliest_not_after = 1'900'000'000;
  return v;
}

constexpr ChainContext kAnchorsOnly{false, true};

TEST(VerifiedChainCache, AHitGivesBackWhatWasStoredAndAnUnknownKeyMisses) {
  static VerifiedChainCache cache;
  cache.clear();
  EXPECT_EQ(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  const VerifiedChain* hit = cache.find(key_of(1), kAnchorsOnly, 10 * kSecond);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->leaf.subject.view(), "CN=a");
  EXPECT_EQ(hit->chain.earliest_not_after, 1'900'000'000);
  EXPECT_EQ(cache.find(key_of(2), kAnchorsOnly, 10 * kSecond), nullptr);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(VerifiedChainCache, OtherTrustInputsAreAMiss) {
  static VerifiedChainCache cache;
  cache.clear();
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  EXPECT_EQ(cache.find(key_of(1), ChainContext{true, true}, 0), nullptr) << "public roots turned on";
  EXPECT_EQ(cache.find(key_of(1), ChainContext{false, false}, 0), nullptr) << "the wall clock lost";
  EXPECT_NE(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);
}

TEST(VerifiedChainCache, OnlyATrustedChainIsKept) {
  static VerifiedChainCache cache;
  cache.clear();
  VerifiedChain untrusted = trusted_chain("CN=u");
  untrusted.chain.trusted = x509::Trust::kNo;
  EXPECT_FALSE(cache.insert(key_of(1), kAnchorsOnly, 0, untrusted));
  VerifiedChain unjudged = trusted_chain("CN=n");
  unjudged.chain.trusted = x509::Trust::kNotJudged;
  EXPECT_FALSE(cache.insert(key_of(2), kAnchorsOnly, 0, unjudged));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);
}

TEST(VerifiedChainCache, AnEntryExpiresAfterAnHourOrWhenTheClockGoesBack) {
  static VerifiedChainCache cache;
  cache.clear();
  int64_t t0 = 100 * kSecond;
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, t0, trusted_chain("CN=a")));
  EXPECT_NE(cache.find(key_of(1), kAnchorsOnly, t0 + VerifiedChainCache::kMaxAgeMicros), nullptr);
  EXPECT_EQ(cache.find(key_of(1), kAnchorsOnly, t0 + VerifiedChainCache::kMaxAgeMicros + 1), nullptr);
  EXPECT_EQ(cache.size(), 0u) << "dropped, not kept for later";
  ASSERT_TRUE(cache.insert(key_of(2), kAnchorsOnly, t0, trusted_chain("CN=b")));
  EXPECT_EQ(cache.find(key_of(2), kAnchorsOnly, t0 - 1), nullptr);
}

TEST(VerifiedChainCache, TheLeastRecentlyUsedGivesWayAndTheSameKeyIsReplacedInPlace) {
  static VerifiedChainCache cache;
  cache.clear();
  if (VerifiedChainCache::kEntries < 2) GTEST_SKIP() << "a board with fewer than two entries";
  for (size_t i = 0; i < VerifiedChainCache::kEntries; ++i) {
    ASSERT_TRUE(cache.insert(key_of(static_cast<uint8_t>(i + 1)), kAnchorsOnly, 0, trusted_chain("CN=x")));
  }
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries);
  ASSERT_NE(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);  // 1 used again: 2 is the oldest
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=again")));
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries) << "the same key takes its own slot";
  EXPECT_EQ(cache.find(key_of(1), kAnchorsOnly, 0)->leaf.subject.view(), "CN=again");
  ASSERT_TRUE(cache.insert(key_of(200), kAnchorsOnly, 0, trusted_chain("CN=new")));
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries);
  EXPECT_EQ(cache.find(key_of(2), kAnchorsOnly, 0), nullptr) << "the least recently used went";
  EXPECT_NE(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);
  EXPECT_NE(cache.find(key_of(200), kAnchorsOnly, 0), nullptr);
}

TEST(VerifiedChainCache, ClearForgetsEverything) {
  static VerifiedChainCache cache;
  cache.clear();
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find(key_of(1), kAnchorsOnly, 0), nullptr);
}

// The key covers every certificate, in the order sent: the same bytes give the same
// key; one certificate more, or the same ones in another order, another.
TEST(ChainKey, EveryCertificateInTheOrderSent) {
  std::string pem(test::lab_cert_pem());
  mbedtls_x509_crt one, again, two;
  mbedtls_x509_crt_init(&one);
  mbedtls_x509_crt_init(&again);
  mbedtls_x509_crt_init(&two);
  auto parse = [&](mbedtls_x509_crt& c) {
    return mbedtls_x509_crt_parse(&c, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  };
  ASSERT_EQ(parse(one), 0);
  ASSERT_EQ(parse(again), 0);
  ASSERT_EQ(parse(two), 0);
  ASSERT_EQ(parse(two), 0);  // the same certificate twice: a chain of two
  ChainKey k1, k2, k3;
  ASSERT_TRUE(chain_key(&one, k1));
  ASSERT_TRUE(chain_key(&again, k2));
  ASSERT_TRUE(chain_key(&two, k3));
  EXPECT_EQ(k1, k2);
  EXPECT_FALSE(k1 == k3);
  // One byte of the DER changed (the signature's last byte): another key.
  mbedtls_x509_crt changed;
  mbedtls_x509_crt_init(&changed);
  std::string der(reinterpret_cast<const char*>(one.raw.p), one.raw.len);
  der.back() = static_cast<char>(der.back() ^ 1);
  ASSERT_EQ(mbedtls_x509_crt_parse_der(&changed, reinterpret_cast<const unsigned char*>(der.data()), der.size()), 0);
  ChainKey k4;
  ASSERT_TRUE(chain_key(&changed, k4));
  EXPECT_FALSE(k1 == k4);
  ChainKey none;
  EXPECT_FALSE(chain_key(nullptr, none));
  mbedtls_x509_crt_free(&one);
  mbedtls_x509_crt_free(&again);
  mbedtls_x509_crt_free(&two);
  mbedtls_x509_crt_free(&changed);
}

}  // namespace
}  // namespace probebox::net
