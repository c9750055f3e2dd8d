// The box's ECDHE key exchange (firmware/net/tls_client.cpp, mbedtls_config_fw.h):
// X25519 offered first, and computed by mbedTLS's Everest variant (HACL*), not by its
// generic ECP arithmetic, which costs a TLS 1.2 full handshake three times the
// instructions (docs/performance.md, stop 55).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "crypto_platform.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ssl.h"
#include "net/tls_client.h"
#include "net/tls_memory.h"
#include "psa/crypto.h"
#include "rfc7748_vectors.h"
// 3.6's psa_util.h declares mbedtls_psa_get_random without C linkage for C++.
extern "C" {
#include "mbedtls/psa_util.h"
}

namespace probebox::net {
namespace {

class KeyExchangeTest : public ::testing::Test {
 protected:
  // PSA's DRBG seeds from the platform's entropy.
  void SetUp() override { ASSERT_TRUE(test::bind_crypto_platform()); }
};

TEST_F(KeyExchangeTest, TheClientOffersX25519FirstThenTheNistCurvesInEachVersion) {
  tls_memory_init();
  auto config = std::make_unique<TlsClientConfig>();
  ASSERT_TRUE(config->setup("").ok());
  for (TlsVersion v : {TlsVersion::k12, TlsVersion::k13}) {
    const uint16_t* groups = config->ssl_config(v)->MBEDTLS_PRIVATE(group_list);
    ASSERT_NE(groups, nullptr);
    EXPECT_EQ(groups[0], MBEDTLS_SSL_IANA_TLS_GROUP_X25519);
    EXPECT_EQ(groups[1], MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1);
    EXPECT_EQ(groups[2], MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1);
    EXPECT_EQ(groups[3], MBEDTLS_SSL_IANA_TLS_GROUP_NONE);
  }
}

// Both ends of a TLS 1.2 ECDHE exchange as ssl_tls12_client.c and _server.c drive
// them: the server's params, the client's public value, the two secrets.
struct Exchange {
  mbedtls_ecdh_context server, client;
  unsigned char server_secret[32] = {}, client_secret[32] = {};
  size_t server_len = 0, client_len = 0;

  Exchange() {
    mbedtls_ecdh_init(&server);
    mbedtls_ecdh_init(&client);
  }
  ~Exchange() {
    mbedtls_ecdh_free(&server);
    mbedtls_ecdh_free(&client);
  }

  int run(mbedtls_ecp_group_id group) {
    unsigned char params[128], pub[128];
    size_t params_len = 0, pub_len = 0;
    int rc = mbedtls_ecdh_setup(&server, group);
    if (rc == 0) rc = mbedtls_ecdh_make_params(&server, &params_len, params, sizeof(params), mbedtls_psa_get_random,
                                               MBEDTLS_PSA_RANDOM_STATE);
    const unsigned char* p = params;
    if (rc == 0) rc = mbedtls_ecdh_read_params(&client, &p, params + params_len);
    if (rc == 0) rc = mbedtls_ecdh_make_public(&client, &pub_len, pub, sizeof(pub), mbedtls_psa_get_random,
                                               MBEDTLS_PSA_RANDOM_STATE);
    if (rc == 0) rc = mbedtls_ecdh_read_public(&server, pub, pub_len);
    if (rc == 0) rc = mbedtls_ecdh_calc_secret(&server, &server_len, server_secret, sizeof(server_secret),
                                               mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    if (rc == 0) rc = mbedtls_ecdh_calc_secret(&client, &client_len, client_secret, sizeof(client_secret),
                                               mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    return rc;
  }
};

TEST_F(KeyExchangeTest, X25519IsComputedByTheEverestVariantAndBothEndsAgree) {
  Exchange x;
  ASSERT_EQ(x.run(MBEDTLS_ECP_DP_CURVE25519), 0);
  // Without MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED the context is mbedTLS's own.
  EXPECT_EQ(x.server.MBEDTLS_PRIVATE(var), MBEDTLS_ECDH_VARIANT_EVEREST);
  EXPECT_EQ(x.client.MBEDTLS_PRIVATE(var), MBEDTLS_ECDH_VARIANT_EVEREST);
  ASSERT_EQ(x.server_len, 32u);
  ASSERT_EQ(x.client_len, 32u);
  EXPECT_EQ(std::memcmp(x.server_secret, x.client_secret, 32), 0);
  static const unsigned char kZero[32] = {};
  EXPECT_NE(std::memcmp(x.client_secret, kZero, 32), 0);
}

TEST_F(KeyExchangeTest, TheNistCurvesStayWithMbedtlsOwnArithmetic) {
  Exchange x;
  ASSERT_EQ(x.run(MBEDTLS_ECP_DP_SECP256R1), 0);
  EXPECT_EQ(x.client.MBEDTLS_PRIVATE(var), MBEDTLS_ECDH_VARIANT_MBEDTLS_2_0);
  ASSERT_EQ(x.client_len, 32u);
  EXPECT_EQ(std::memcmp(x.server_secret, x.client_secret, 32), 0);
}

// RFC 7748 section 6.1: Alice's and Bob's keys and their shared secret, through the
// context a TLS 1.2 client uses (our private key, the server's point as it arrives).
TEST_F(KeyExchangeTest, X25519MatchesRfc7748) {
  using namespace test::rfc7748;
  mbedtls_ecp_keypair alice;
  mbedtls_ecp_keypair_init(&alice);
  ASSERT_EQ(mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &alice, kAlicePrivate, sizeof(kAlicePrivate)), 0);
  mbedtls_ecp_keypair bob;
  mbedtls_ecp_keypair_init(&bob);
  ASSERT_EQ(mbedtls_ecp_group_load(&bob.MBEDTLS_PRIVATE(grp), MBEDTLS_ECP_DP_CURVE25519), 0);
  ASSERT_EQ(mbedtls_ecp_point_read_binary(&bob.MBEDTLS_PRIVATE(grp), &bob.MBEDTLS_PRIVATE(Q), kBobPublic,
                                          sizeof(kBobPublic)),
            0);

  mbedtls_ecdh_context ctx;
  mbedtls_ecdh_init(&ctx);
  ASSERT_EQ(mbedtls_ecdh_setup(&ctx, MBEDTLS_ECP_DP_CURVE25519), 0);
  ASSERT_EQ(mbedtls_ecdh_get_params(&ctx, &alice, MBEDTLS_ECDH_OURS), 0);
  ASSERT_EQ(mbedtls_ecdh_get_params(&ctx, &bob, MBEDTLS_ECDH_THEIRS), 0);
  EXPECT_EQ(ctx.MBEDTLS_PRIVATE(var), MBEDTLS_ECDH_VARIANT_EVEREST);
  unsigned char secret[32] = {};
  size_t len = 0;
  ASSERT_EQ(mbedtls_ecdh_calc_secret(&ctx, &len, secret, sizeof(secret), mbedtls_psa_get_random,
                                     MBEDTLS_PSA_RANDOM_STATE),
            0);
  ASSERT_EQ(len, 32u);
  EXPECT_EQ(std::memcmp(secret, kShared, 32), 0);
  mbedtls_ecdh_free(&ctx);
  mbedtls_ecp_keypair_free(&alice);
  mbedtls_ecp_keypair_free(&bob);
}

}  // namespace
}  // namespace probebox::net
