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

// find() into a scratch chain: true on a hit.
bool hit(VerifiedChainCache& cache, const ChainKey& key, ChainContext context, int64_t now_us) {
  static VerifiedChain out;
  return cache.find(key, context, now_us, out);
}

TEST(VerifiedChainCache, AHitGivesBackWhatWasStoredAndAnUnknownKeyMisses) {
  static VerifiedChainCache cache;
  cache.clear();
  EXPECT_FALSE(hit(cache, key_of(1), kAnchorsOnly, 0));
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  static VerifiedChain got;
  ASSERT_TRUE(cache.find(key_of(1), kAnchorsOnly, 10 * kSecond, got));
  EXPECT_EQ(got.leaf.subject.view(), "CN=a");
  EXPECT_EQ(got.chain.earliest_not_after, 1'900'000'000);
  EXPECT_FALSE(hit(cache, key_of(2), kAnchorsOnly, 10 * kSecond));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(VerifiedChainCache, OtherTrustInputsAreAMiss) {
  static VerifiedChainCache cache;
  cache.clear();
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  EXPECT_FALSE(hit(cache, key_of(1), ChainContext{true, true}, 0)) << "public roots turned on";
  EXPECT_FALSE(hit(cache, key_of(1), ChainContext{false, false}, 0)) << "the wall clock lost";
  EXPECT_TRUE(hit(cache, key_of(1), kAnchorsOnly, 0));
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
  EXPECT_FALSE(hit(cache, key_of(1), kAnchorsOnly, 0));
}

TEST(VerifiedChainCache, AnEntryExpiresAfterAnHourOrWhenTheClockGoesBack) {
  static VerifiedChainCache cache;
  cache.clear();
  int64_t t0 = 100 * kSecond;
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, t0, trusted_chain("CN=a")));
  EXPECT_TRUE(hit(cache, key_of(1), kAnchorsOnly, t0 + VerifiedChainCache::kMaxAgeMicros));
  EXPECT_FALSE(hit(cache, key_of(1), kAnchorsOnly, t0 + VerifiedChainCache::kMaxAgeMicros + 1));
  EXPECT_EQ(cache.size(), 0u) << "dropped, not kept for later";
  ASSERT_TRUE(cache.insert(key_of(2), kAnchorsOnly, t0, trusted_chain("CN=b")));
  EXPECT_FALSE(hit(cache, key_of(2), kAnchorsOnly, t0 - 1));
}

TEST(VerifiedChainCache, TheLeastRecentlyUsedGivesWayAndTheSameKeyIsReplacedInPlace) {
  static VerifiedChainCache cache;
  cache.clear();
  if (VerifiedChainCache::kEntries < 2) GTEST_SKIP() << "a board with fewer than two entries";
  for (size_t i = 0; i < VerifiedChainCache::kEntries; ++i) {
    ASSERT_TRUE(cache.insert(key_of(static_cast<uint8_t>(i + 1)), kAnchorsOnly, 0, trusted_chain("CN=x")));
  }
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries);
  ASSERT_TRUE(hit(cache, key_of(1), kAnchorsOnly, 0));  // 1 used again: 2 is the oldest
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=again")));
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries) << "the same key takes its own slot";
  static VerifiedChain again;
  ASSERT_TRUE(cache.find(key_of(1), kAnchorsOnly, 0, again));
  EXPECT_EQ(again.leaf.subject.view(), "CN=again");
  ASSERT_TRUE(cache.insert(key_of(200), kAnchorsOnly, 0, trusted_chain("CN=new")));
  EXPECT_EQ(cache.size(), VerifiedChainCache::kEntries);
  EXPECT_FALSE(hit(cache, key_of(2), kAnchorsOnly, 0)) << "the least recently used went";
  EXPECT_TRUE(hit(cache, key_of(1), kAnchorsOnly, 0));
  EXPECT_TRUE(hit(cache, key_of(200), kAnchorsOnly, 0));
}

TEST(VerifiedChainCache, ClearForgetsEverything) {
  static VerifiedChainCache cache;
  cache.clear();
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(hit(cache, key_of(1), kAnchorsOnly, 0));
}

// Every field comes back as stored, texts at their full length, and the store holds
// exactly the packed sizes of its entries.
TEST(VerifiedChainCache, EveryFieldSurvivesPackingAndAFullSanListFits) {
  static VerifiedChainCache cache;
  cache.clear();
  static VerifiedChain v;
  v = VerifiedChain{};
  v.leaf.subject.assign("CN=manage.lab.test,O=Lab");
  v.leaf.issuer.assign("CN=Lab Intermediate,O=Lab");
  v.leaf.not_before = 1'700'000'001;
  v.leaf.not_after = 1'800'000'002;
  while (v.leaf.sans.size() + 20 < v.leaf.sans.capacity()) v.leaf.sans.append("host.example.test\n");
  v.leaf.san_count = 200;
  v.leaf.sans_truncated = true;
  v.leaf.key_type.assign("EC");
  v.leaf.key_bits = 384;
  v.leaf.sig_alg.assign("ecdsa-with-SHA384");
  v.leaf.sha1_signature = true;
  v.leaf.sha256.assign(std::string(64, 'a'));
  v.chain.complete = true;
  v.chain.trusted = x509::Trust::kYes;
  v.chain.trusted_by = x509::TrustSet::kPublic;
  v.chain.flags = 0x12345;
  v.chain.sent = 7;
  v.chain.in_order = true;
  v.chain.leaf_self_signed = true;
  v.chain.weak_sig = true;
  v.chain.earliest_not_after = 1'750'000'003;
  v.chain.latest_not_before = 1'710'000'004;
  v.chain.verified_not_after = 1'760'000'005;
  v.chain.weak_name.assign("certificate 3");
  v.chain.weak_alg.assign("sha1WithRSAEncryption");
  v.chain.earliest_name.assign("Lab Root");
  v.chain.latest_start_name.assign("manage.lab.test");
  v.chain.earliest_index = 2;
  v.chain.latest_start_index = -1;
  size_t packed = VerifiedChainCache::packed_size(v);
  EXPECT_LE(packed, VerifiedChainCache::kStoreBytes) << "a leaf with a full SAN list must still fit";
  EXPECT_LT(packed, sizeof(VerifiedChain));
  ASSERT_TRUE(cache.insert(key_of(9), kAnchorsOnly, 0, v));
  EXPECT_EQ(cache.stored_bytes(), packed);
  static VerifiedChain out;
  out = VerifiedChain{};
  ASSERT_TRUE(cache.find(key_of(9), kAnchorsOnly, 0, out));
  EXPECT_EQ(out.leaf.subject.view(), v.leaf.subject.view());
  EXPECT_EQ(out.leaf.issuer.view(), v.leaf.issuer.view());
  EXPECT_EQ(out.leaf.not_before, v.leaf.not_before);
  EXPECT_EQ(out.leaf.not_after, v.leaf.not_after);
  EXPECT_EQ(out.leaf.sans.view(), v.leaf.sans.view());
  EXPECT_EQ(out.leaf.san_count, v.leaf.san_count);
  EXPECT_EQ(out.leaf.sans_truncated, v.leaf.sans_truncated);
  EXPECT_EQ(out.leaf.key_type.view(), v.leaf.key_type.view());
  EXPECT_EQ(out.leaf.key_bits, v.leaf.key_bits);
  EXPECT_EQ(out.leaf.sig_alg.view(), v.leaf.sig_alg.view());
  EXPECT_EQ(out.leaf.sha1_signature, v.leaf.sha1_signature);
  EXPECT_EQ(out.leaf.sha256.view(), v.leaf.sha256.view());
  EXPECT_EQ(out.chain.complete, v.chain.complete);
  EXPECT_EQ(out.chain.trusted, v.chain.trusted);
  EXPECT_EQ(out.chain.trusted_by, v.chain.trusted_by);
  EXPECT_EQ(out.chain.flags, v.chain.flags);
  EXPECT_EQ(out.chain.sent, v.chain.sent);
  EXPECT_EQ(out.chain.in_order, v.chain.in_order);
  EXPECT_EQ(out.chain.leaf_self_signed, v.chain.leaf_self_signed);
  EXPECT_EQ(out.chain.weak_sig, v.chain.weak_sig);
  EXPECT_EQ(out.chain.earliest_not_after, v.chain.earliest_not_after);
  EXPECT_EQ(out.chain.latest_not_before, v.chain.latest_not_before);
  EXPECT_EQ(out.chain.verified_not_after, v.chain.verified_not_after);
  EXPECT_EQ(out.chain.weak_name.view(), v.chain.weak_name.view());
  EXPECT_EQ(out.chain.weak_alg.view(), v.chain.weak_alg.view());
  EXPECT_EQ(out.chain.earliest_name.view(), v.chain.earliest_name.view());
  EXPECT_EQ(out.chain.latest_start_name.view(), v.chain.latest_start_name.view());
  EXPECT_EQ(out.chain.earliest_index, v.chain.earliest_index);
  EXPECT_EQ(out.chain.latest_start_index, v.chain.latest_start_index);
}

// The store is the limit as much as the entries: big chains push the least recently
// used out until the new one fits, removals close their gaps (the entries left are
// intact), and a chain too big for the whole store is simply not kept.
// A trusted chain whose packed form takes about `bytes` (its SANs grown to it, as far
// as a summary holds them).
VerifiedChain& chain_of_size(const char* subject, size_t bytes) {
  static VerifiedChain v;
  v = trusted_chain(subject);
  while (VerifiedChainCache::packed_size(v) < bytes && v.leaf.sans.size() + 14 < v.leaf.sans.capacity()) {
    v.leaf.sans.append("name.example\n");
  }
  return v;
}

TEST(VerifiedChainCache, BigChainsEvictTheOldestUntilTheyFitAndTheRestStayIntact) {
  static VerifiedChainCache cache;
  cache.clear();
  if (VerifiedChainCache::kEntries < 4) GTEST_SKIP() << "a board with fewer than four entries";
  constexpr size_t kQuarter = VerifiedChainCache::kStoreBytes / 4;
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, chain_of_size("CN=one", kQuarter)));
  ASSERT_TRUE(cache.insert(key_of(2), kAnchorsOnly, 0, chain_of_size("CN=two", kQuarter)));
  ASSERT_TRUE(cache.insert(key_of(3), kAnchorsOnly, 0, chain_of_size("CN=three", kQuarter)));
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_TRUE(hit(cache, key_of(1), kAnchorsOnly, 0));  // 2 is now the oldest, then 3, then 1
  // The biggest chain a summary can describe: every text full.
  static VerifiedChain big;
  big = chain_of_size("CN=big", VerifiedChainCache::kStoreBytes);
  big.leaf.subject.assign(std::string(big.leaf.subject.capacity(), 's'));
  big.leaf.issuer.assign(std::string(big.leaf.issuer.capacity(), 'i'));
  big.chain.earliest_name.assign(std::string(big.chain.earliest_name.capacity(), 'e'));
  big.chain.latest_start_name.assign(std::string(big.chain.latest_start_name.capacity(), 'l'));
  size_t big_bytes = VerifiedChainCache::packed_size(big);
  ASSERT_LE(big_bytes, VerifiedChainCache::kStoreBytes) << "the biggest summary must fit the store alone";
  ASSERT_GT(big_bytes + cache.stored_bytes(), VerifiedChainCache::kStoreBytes) << "the test needs an eviction";
  ASSERT_TRUE(cache.insert(key_of(4), kAnchorsOnly, 0, big));
  EXPECT_LE(cache.stored_bytes(), VerifiedChainCache::kStoreBytes);
  EXPECT_FALSE(hit(cache, key_of(2), kAnchorsOnly, 0)) << "the oldest went first";
  static VerifiedChain out;
  ASSERT_TRUE(cache.find(key_of(4), kAnchorsOnly, 0, out));
  EXPECT_EQ(out.leaf.sans.view(), big.leaf.sans.view());
  EXPECT_EQ(out.leaf.subject.view(), big.leaf.subject.view());
  // The youngest of the small ones stays when there is room for it; what is kept
  // reads back whole after the gaps closed.
  size_t kept = 0;
  if (cache.find(key_of(1), kAnchorsOnly, 0, out)) {
    EXPECT_EQ(out.leaf.subject.view(), "CN=one");
    ++kept;
  }
  if (cache.find(key_of(3), kAnchorsOnly, 0, out)) {
    EXPECT_EQ(out.leaf.subject.view(), "CN=three");
    ++kept;
  }
  EXPECT_EQ(cache.size(), kept + 1);
  if (big_bytes + VerifiedChainCache::packed_size(chain_of_size("CN=one", kQuarter)) <= VerifiedChainCache::kStoreBytes) {
    EXPECT_TRUE(hit(cache, key_of(1), kAnchorsOnly, 0)) << "no more was evicted than needed";
  }
  cache.clear();
  EXPECT_EQ(cache.stored_bytes(), 0u);
}

TEST(VerifiedChainCache, AnExpiredEntryGivesItsBytesBack) {
  static VerifiedChainCache cache;
  cache.clear();
  ASSERT_TRUE(cache.insert(key_of(1), kAnchorsOnly, 0, trusted_chain("CN=a")));
  ASSERT_TRUE(cache.insert(key_of(2), kAnchorsOnly, 10 * kSecond, trusted_chain("CN=bb")));
  size_t second = VerifiedChainCache::packed_size(trusted_chain("CN=bb"));
  EXPECT_FALSE(hit(cache, key_of(1), kAnchorsOnly, VerifiedChainCache::kMaxAgeMicros + 1));
  EXPECT_EQ(cache.stored_bytes(), second);
  static VerifiedChain out;
  ASSERT_TRUE(cache.find(key_of(2), kAnchorsOnly, VerifiedChainCache::kMaxAgeMicros + 1, out));
  EXPECT_EQ(out.leaf.subject.view(), "CN=bb");
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

// The memo gives chain_key()'s own key for every chain, and answers from its kept
// bytes only for the very chain it kept: not for a chain that starts with it (a
// prefix), nor one a byte apart, nor after clear(). With no bytes (the target) every
// key is hashed.
TEST(ChainKeyMemo, OnlyTheVeryChainKeptIsAnsweredFromItsBytes) {
  std::string pem(test::lab_cert_pem());
  mbedtls_x509_crt one, again, two, changed;
  for (mbedtls_x509_crt* c : {&one, &again, &two, &changed}) mbedtls_x509_crt_init(c);
  auto parse = [&](mbedtls_x509_crt& c) {
    return mbedtls_x509_crt_parse(&c, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  };
  ASSERT_EQ(parse(one), 0);
  ASSERT_EQ(parse(again), 0);
  ASSERT_EQ(parse(two), 0);
  ASSERT_EQ(parse(two), 0);
  std::string der(reinterpret_cast<const char*>(one.raw.p), one.raw.len);
  der[der.size() / 2] = static_cast<char>(der[der.size() / 2] ^ 0x01);
  if (mbedtls_x509_crt_parse_der(&changed, reinterpret_cast<const unsigned char*>(der.data()), der.size()) != 0) {
    // A byte in the middle may break the DER: the signature's last byte never does.
    der = std::string(reinterpret_cast<const char*>(one.raw.p), one.raw.len);
    der.back() = static_cast<char>(der.back() ^ 1);
    ASSERT_EQ(mbedtls_x509_crt_parse_der(&changed, reinterpret_cast<const unsigned char*>(der.data()), der.size()), 0);
  }
  ChainKey k_one, k_two, k_changed;
  ASSERT_TRUE(chain_key(&one, k_one));
  ASSERT_TRUE(chain_key(&two, k_two));
  ASSERT_TRUE(chain_key(&changed, k_changed));

  static ChainKeyMemo memo;  // 16 KiB on the simulator's board: not on the stack
  const uint32_t per_hit = ChainKeyMemo::kBytes > 0 ? 1 : 0;
  ChainKey k;
  ASSERT_TRUE(memo.key(&one, k));
  EXPECT_EQ(k, k_one);
  EXPECT_EQ(memo.hits(), 0u);
  ASSERT_TRUE(memo.key(&again, k));  // the same bytes, parsed apart
  EXPECT_EQ(k, k_one);
  EXPECT_EQ(memo.hits(), per_hit);
  ASSERT_TRUE(memo.key(&two, k));  // starts with the kept chain, one more after it
  EXPECT_EQ(k, k_two);
  EXPECT_EQ(memo.hits(), per_hit);
  ASSERT_TRUE(memo.key(&one, k));  // a prefix of the kept chain
  EXPECT_EQ(k, k_one);
  EXPECT_EQ(memo.hits(), per_hit);
  ASSERT_TRUE(memo.key(&changed, k));  // one byte apart from the kept chain
  EXPECT_EQ(k, k_changed);
  EXPECT_EQ(memo.hits(), per_hit);
  ASSERT_TRUE(memo.key(&changed, k));
  EXPECT_EQ(k, k_changed);
  EXPECT_EQ(memo.hits(), 2 * per_hit);
  memo.clear();
  ASSERT_TRUE(memo.key(&changed, k));
  EXPECT_EQ(k, k_changed);
  EXPECT_EQ(memo.hits(), 2 * per_hit);
  EXPECT_FALSE(memo.key(nullptr, k));
  for (mbedtls_x509_crt* c : {&one, &again, &two, &changed}) mbedtls_x509_crt_free(c);
}

}  // namespace
}  // namespace probebox::net
