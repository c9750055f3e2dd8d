// The RSA R² cache (net/rsa_r2_cache) on real keys: the lab's RSA-2048 certificate
// (self-signed, so its own signature is a verification to run with its key) and keys
// made from it by changing a byte of its modulus. The sessions' use of it is in
// tls_cert_probe_test.cpp.
#include "net/rsa_r2_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fake_tls_server.h"
#include "mbedtls/md.h"
#include "mbedtls/rsa.h"
#include "mbedtls/x509_crt.h"

namespace probebox::net {
namespace {

class Cert {
 public:
  Cert() {
    mbedtls_x509_crt_init(&crt);
    std::string pem(test::lab_cert_pem());
    ok = mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1) == 0;
  }
  ~Cert() { mbedtls_x509_crt_free(&crt); }
  std::vector<uint8_t> spki() const { return {crt.pk_raw.p, crt.pk_raw.p + crt.pk_raw.len}; }
  mbedtls_x509_crt crt;
  bool ok = false;
};

// The certificate's own signature (sha256WithRSAEncryption) verified with `pk`;
// `flip` changes one byte of the signature first.
int verify_signature(const mbedtls_x509_crt& crt, mbedtls_pk_context& pk, bool flip = false) {
  unsigned char hash[32];
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), crt.tbs.p, crt.tbs.len, hash);
  std::vector<unsigned char> sig(crt.MBEDTLS_PRIVATE(sig).p, crt.MBEDTLS_PRIVATE(sig).p + crt.MBEDTLS_PRIVATE(sig).len);
  if (flip) sig[sig.size() / 2] ^= 0x01;
  return mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig.data(), sig.size());
}

const mbedtls_mpi& r2_of(const mbedtls_pk_context& pk) { return mbedtls_pk_rsa(pk)->MBEDTLS_PRIVATE(RN); }
bool has_r2(const mbedtls_pk_context& pk) { return r2_of(pk).MBEDTLS_PRIVATE(p) != nullptr; }

// A key parsed from the lab key's SubjectPublicKeyInfo with the modulus byte at
// `offset` changed (the DER: 29 bytes of headers, then the 256-byte modulus).
struct OtherKey {
  explicit OtherKey(const std::vector<uint8_t>& spki, size_t offset, uint8_t x) : der(spki) {
    mbedtls_pk_init(&pk);
    der[offset] ^= x;
    ok = mbedtls_pk_parse_public_key(&pk, der.data(), der.size()) == 0;
  }
  ~OtherKey() { mbedtls_pk_free(&pk); }
  // One public operation, as a verification runs: mbedTLS computes R² then.
  bool use() {
    std::vector<unsigned char> in(mbedtls_pk_get_len(&pk), 0), out(in.size());
    in.back() = 2;
    return mbedtls_rsa_public(mbedtls_pk_rsa(pk), in.data(), out.data()) == 0;
  }
  std::vector<uint8_t> der;
  mbedtls_pk_context pk;
  bool ok = false;
};

TEST(RsaR2Cache, AKeySeenBeforeGetsItsR2AndVerifiesAsWithoutIt) {
  static RsaR2Cache cache;
  cache.clear();
  Cert first, second, fresh;
  ASSERT_TRUE(first.ok && second.ok && fresh.ok);
  ASSERT_EQ(mbedtls_pk_get_type(&first.crt.pk), MBEDTLS_PK_RSA);
  std::vector<uint8_t> key = first.spki();
  EXPECT_FALSE(cache.load(key.data(), key.size(), first.crt.pk)) << "nothing kept yet";
  EXPECT_FALSE(has_r2(first.crt.pk));
  EXPECT_FALSE(cache.store(key.data(), key.size(), first.crt.pk)) << "no R² before the key was used";
  ASSERT_EQ(verify_signature(first.crt, first.crt.pk), 0);
  ASSERT_TRUE(has_r2(first.crt.pk));
  ASSERT_TRUE(cache.store(key.data(), key.size(), first.crt.pk));
  EXPECT_FALSE(cache.store(key.data(), key.size(), first.crt.pk)) << "kept once";
  EXPECT_EQ(cache.size(), 1u);

  // The same certificate parsed again (the next handshake): given the kept R², the
  // very value mbedTLS computed, before any operation.
  ASSERT_FALSE(has_r2(second.crt.pk));
  ASSERT_TRUE(cache.load(key.data(), key.size(), second.crt.pk));
  ASSERT_TRUE(has_r2(second.crt.pk));
  EXPECT_EQ(mbedtls_mpi_cmp_mpi(&r2_of(second.crt.pk), &r2_of(first.crt.pk)), 0);
  EXPECT_FALSE(cache.load(key.data(), key.size(), second.crt.pk)) << "never over an R² the context has";
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  // Verification gives what it gives without the cache: the signature verifies, and a
  // changed signature fails with the same error as on a context that computed R².
  EXPECT_EQ(verify_signature(second.crt, second.crt.pk), 0);
  int cached_bad = verify_signature(second.crt, second.crt.pk, true);
  int fresh_bad = verify_signature(fresh.crt, fresh.crt.pk, true);
  EXPECT_NE(cached_bad, 0);
  EXPECT_EQ(cached_bad, fresh_bad);
}

TEST(RsaR2Cache, AnotherKeyIsNotServedTheKeptR2) {
  static RsaR2Cache cache;
  cache.clear();
  Cert lab;
  ASSERT_TRUE(lab.ok);
  std::vector<uint8_t> key = lab.spki();
  ASSERT_EQ(verify_signature(lab.crt, lab.crt.pk), 0);
  ASSERT_TRUE(cache.store(key.data(), key.size(), lab.crt.pk));

  OtherKey other(key, 100, 0x40);  // another modulus, same length and exponent
  ASSERT_TRUE(other.ok);
  EXPECT_FALSE(cache.load(other.der.data(), other.der.size(), other.pk));
  EXPECT_FALSE(has_r2(other.pk));
  OtherKey exponent(key, key.size() - 1, 0x02);  // 65537 -> 65539: same modulus, another key
  ASSERT_TRUE(exponent.ok);
  EXPECT_FALSE(cache.load(exponent.der.data(), exponent.der.size(), exponent.pk));
  std::vector<uint8_t> shorter(key.begin(), key.end() - 1);
  EXPECT_FALSE(cache.load(shorter.data(), shorter.size(), other.pk));
  EXPECT_FALSE(has_r2(other.pk));
  EXPECT_EQ(cache.hits(), 0u);
  // The other key's own R² is computed, and differs from the lab key's.
  ASSERT_TRUE(other.use());
  ASSERT_TRUE(has_r2(other.pk));
  EXPECT_NE(mbedtls_mpi_cmp_mpi(&r2_of(other.pk), &r2_of(lab.crt.pk)), 0);
  EXPECT_NE(verify_signature(lab.crt, other.pk), 0);
}

// The modulus is read from a 257-byte DER INTEGER (a leading zero byte): load()
// trims it to the limbs 2048 bits need, before any R² is made for it, and the
// verification gives what it gives untrimmed.
TEST(RsaR2Cache, TheModulusIsTrimmedBeforeItsFirstUseOnly) {
  static RsaR2Cache cache;
  cache.clear();
  Cert trimmed, untrimmed, used;
  ASSERT_TRUE(trimmed.ok && untrimmed.ok && used.ok);
  const size_t needed = 2048 / (8 * sizeof(mbedtls_mpi_uint));
  auto limbs = [](const Cert& c) { return mbedtls_pk_rsa(c.crt.pk)->MBEDTLS_PRIVATE(N).MBEDTLS_PRIVATE(n); };
  ASSERT_EQ(limbs(untrimmed), needed + 1) << "mbedTLS reads the DER's zero byte into a limb";
  std::vector<uint8_t> key = trimmed.spki();
  EXPECT_FALSE(cache.load(key.data(), key.size(), trimmed.crt.pk));
  EXPECT_EQ(limbs(trimmed), needed);
  EXPECT_EQ(mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(trimmed.crt.pk)->MBEDTLS_PRIVATE(N),
                                &mbedtls_pk_rsa(untrimmed.crt.pk)->MBEDTLS_PRIVATE(N)), 0);
  EXPECT_EQ(verify_signature(trimmed.crt, trimmed.crt.pk), 0);
  EXPECT_EQ(verify_signature(untrimmed.crt, untrimmed.crt.pk), 0);
  EXPECT_EQ(verify_signature(trimmed.crt, trimmed.crt.pk, true), verify_signature(untrimmed.crt, untrimmed.crt.pk, true));
  // A context that already has its R² (made for its limbs) is left as it is.
  ASSERT_EQ(verify_signature(used.crt, used.crt.pk), 0);
  EXPECT_FALSE(cache.load(key.data(), key.size(), used.crt.pk));
  EXPECT_EQ(limbs(used), needed + 1);
  EXPECT_EQ(verify_signature(used.crt, used.crt.pk), 0);
}

TEST(RsaR2Cache, OnlyRsaKeysThatFitAreKept) {
  static RsaR2Cache cache;
  cache.clear();
  mbedtls_pk_context none;
  mbedtls_pk_init(&none);
  uint8_t bytes[4] = {1, 2, 3, 4};
  EXPECT_FALSE(cache.load(bytes, sizeof(bytes), none));
  EXPECT_FALSE(cache.store(bytes, sizeof(bytes), none));
  Cert lab;
  ASSERT_TRUE(lab.ok);
  ASSERT_EQ(verify_signature(lab.crt, lab.crt.pk), 0);
  std::vector<uint8_t> too_long(RsaR2Cache::kMaxKeyBytes + 1, 0);
  EXPECT_FALSE(cache.store(too_long.data(), too_long.size(), lab.crt.pk));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(RsaR2Cache, BoundedTheLeastRecentlyUsedGivesWay) {
  static RsaR2Cache cache;
  cache.clear();
  Cert lab;
  ASSERT_TRUE(lab.ok);
  std::vector<uint8_t> key = lab.spki();
  std::vector<std::unique_ptr<OtherKey>> keys;
  for (size_t i = 0; i < RsaR2Cache::kEntries + 1; ++i) {
    keys.push_back(std::make_unique<OtherKey>(key, 60 + i, 0x10));
    ASSERT_TRUE(keys.back()->ok);
    // As a session does: looked up (a miss) before the key's first use.
    EXPECT_FALSE(cache.load(keys.back()->der.data(), keys.back()->der.size(), keys.back()->pk));
    ASSERT_TRUE(keys.back()->use());
  }
  for (size_t i = 0; i < RsaR2Cache::kEntries; ++i) {
    ASSERT_TRUE(cache.store(keys[i]->der.data(), keys[i]->der.size(), keys[i]->pk));
  }
  EXPECT_EQ(cache.size(), RsaR2Cache::kEntries);
  // The first is used again: the second is now the least recently used.
  OtherKey again(key, 60, 0x10);
  ASSERT_TRUE(cache.load(again.der.data(), again.der.size(), again.pk));
  ASSERT_TRUE(cache.store(keys.back()->der.data(), keys.back()->der.size(), keys.back()->pk));
  EXPECT_EQ(cache.size(), RsaR2Cache::kEntries);
  OtherKey first(key, 60, 0x10), second(key, 61, 0x10), last(key, 60 + RsaR2Cache::kEntries, 0x10);
  // With room for more than one, the one used again stays and the least recently
  // used (the second) gave way; with one entry (the target), the newest replaced it.
  if (RsaR2Cache::kEntries > 1) {
    EXPECT_TRUE(cache.load(first.der.data(), first.der.size(), first.pk));
    EXPECT_FALSE(cache.load(second.der.data(), second.der.size(), second.pk));
  } else {
    EXPECT_FALSE(cache.load(first.der.data(), first.der.size(), first.pk));
  }
  EXPECT_TRUE(cache.load(last.der.data(), last.der.size(), last.pk));
  EXPECT_EQ(mbedtls_mpi_cmp_mpi(&r2_of(last.pk), &r2_of(keys.back()->pk)), 0);
}

}  // namespace
}  // namespace probebox::net
