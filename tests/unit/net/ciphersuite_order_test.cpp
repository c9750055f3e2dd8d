// The ciphersuites the box offers and accepts, in its order (MBEDTLS_SSL_CIPHERSUITES,
// firmware/net/mbedtls_config_fw.h): every suite the build can do, each once, AEAD
// ahead of CBC, AES-128 with SHA-256 first, ECDHE ahead of the RSA key exchange.
#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <vector>

#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"

namespace probebox::net {
namespace {

std::vector<const mbedtls_ssl_ciphersuite_t*> offered() {
  std::vector<const mbedtls_ssl_ciphersuite_t*> out;
  for (const int* id = mbedtls_ssl_list_ciphersuites(); *id != 0; ++id) {
    out.push_back(mbedtls_ssl_ciphersuite_from_id(*id));
  }
  return out;
}

bool is_tls13(const mbedtls_ssl_ciphersuite_t* s) {
  return s->MBEDTLS_PRIVATE(min_tls_version) == MBEDTLS_SSL_VERSION_TLS1_3;
}

bool is_gcm(const mbedtls_ssl_ciphersuite_t* s) {
  const auto c = static_cast<mbedtls_cipher_type_t>(s->MBEDTLS_PRIVATE(cipher));
  return c == MBEDTLS_CIPHER_AES_128_GCM || c == MBEDTLS_CIPHER_AES_256_GCM;
}

bool is_ecdhe(const mbedtls_ssl_ciphersuite_t* s) {
  const auto kx = static_cast<mbedtls_key_exchange_type_t>(s->MBEDTLS_PRIVATE(key_exchange));
  return kx == MBEDTLS_KEY_EXCHANGE_ECDHE_RSA || kx == MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA;
}

TEST(CiphersuiteOrderTest, OffersEverySuiteTheBuildCanDoEachOnce) {
  // The build's suites: every id the library knows (its definitions are filtered by
  // the configuration, as its own default list was).
  std::set<int> build;
  for (int id = 1; id <= 0xFFFF; ++id) {
    if (mbedtls_ssl_ciphersuite_from_id(id) != nullptr) build.insert(id);
  }
  std::set<int> listed;
  size_t count = 0;
  for (const int* id = mbedtls_ssl_list_ciphersuites(); *id != 0; ++id, ++count) {
    EXPECT_NE(mbedtls_ssl_ciphersuite_from_id(*id), nullptr) << "0x" << std::hex << *id << " is not in this build";
    listed.insert(*id);
  }
  EXPECT_EQ(listed.size(), count) << "a suite listed twice";
  EXPECT_EQ(listed, build);
  EXPECT_GE(count, 4u);
}

TEST(CiphersuiteOrderTest, Aes128WithSha256ComesFirstInEachVersion) {
  const auto list = offered();
  const mbedtls_ssl_ciphersuite_t* first12 = nullptr;
  const mbedtls_ssl_ciphersuite_t* first13 = nullptr;
  for (const auto* s : list) {
    if (is_tls13(s) && first13 == nullptr) first13 = s;
    if (!is_tls13(s) && first12 == nullptr) first12 = s;
  }
  ASSERT_NE(first12, nullptr);
  ASSERT_NE(first13, nullptr);
  EXPECT_EQ(first13->MBEDTLS_PRIVATE(id), MBEDTLS_TLS1_3_AES_128_GCM_SHA256);
  EXPECT_EQ(first12->MBEDTLS_PRIVATE(cipher), MBEDTLS_CIPHER_AES_128_GCM);
  EXPECT_EQ(first12->MBEDTLS_PRIVATE(mac), MBEDTLS_MD_SHA256);
  EXPECT_TRUE(is_ecdhe(first12));
}

TEST(CiphersuiteOrderTest, EcdheAheadOfRsaKeyExchangeAndGcmAheadOfCbc) {
  const auto list = offered();
  bool rsa_seen = false;
  bool ecdhe_cbc_seen = false;
  for (const auto* s : list) {
    if (is_tls13(s)) continue;
    if (is_ecdhe(s)) {
      EXPECT_FALSE(rsa_seen) << s->MBEDTLS_PRIVATE(name) << " after an RSA key exchange";
      if (is_gcm(s)) {
        EXPECT_FALSE(ecdhe_cbc_seen) << s->MBEDTLS_PRIVATE(name) << " after a CBC suite";
      } else {
        ecdhe_cbc_seen = true;
      }
    } else {
      rsa_seen = true;
    }
  }
  EXPECT_TRUE(rsa_seen);
}

}  // namespace
}  // namespace probebox::net
