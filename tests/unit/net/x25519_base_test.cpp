// X25519 public keys by HACL* (firmware/net/x25519_base.c, a linker wrap of
// mbedtls_ecp_mul): PSA's export of a key share's public part goes through it and
// gives RFC 7748's keys; for any scalar it gives what mbedTLS's own ladder gives; a
// point other than the base point, or another curve, is left to mbedTLS.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "crypto_platform.h"
#include "mbedtls/ecp.h"
#include "psa/crypto.h"
#include "rfc7748_vectors.h"
extern "C" {
#include "mbedtls/psa_util.h"
}

extern "C" {
extern unsigned long probebox_x25519_base_hits;
int __real_mbedtls_ecp_mul(mbedtls_ecp_group* grp, mbedtls_ecp_point* R, const mbedtls_mpi* m,
                           const mbedtls_ecp_point* P, int (*f_rng)(void*, unsigned char*, size_t), void* p_rng);
}

namespace probebox::net {
namespace {

using namespace test::rfc7748;

class X25519Base : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(test::bind_crypto_platform()); }
};

// A TLS 1.3 key share's public part as mbedTLS's TLS code makes it: a PSA key pair,
// exported.
void psa_public_of(const unsigned char (&priv)[32], unsigned char (&pub)[32]) {
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY));
  psa_set_key_bits(&attributes, 255);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_DERIVE);
  psa_set_key_algorithm(&attributes, PSA_ALG_ECDH);
  mbedtls_svc_key_id_t key = MBEDTLS_SVC_KEY_ID_INIT;
  ASSERT_EQ(psa_import_key(&attributes, priv, sizeof(priv), &key), PSA_SUCCESS);
  size_t len = 0;
  EXPECT_EQ(psa_export_public_key(key, pub, sizeof(pub), &len), PSA_SUCCESS);
  EXPECT_EQ(len, sizeof(pub));
  psa_destroy_key(key);
}

TEST_F(X25519Base, PsaKeySharesTakeHaclsScalarMultiplicationAndGiveRfc7748Keys) {
  for (const auto& [priv, expected] : {std::pair{&kAlicePrivate, &kAlicePublic}, std::pair{&kBobPrivate, &kBobPublic}}) {
    const unsigned long before = probebox_x25519_base_hits;
    unsigned char pub[32] = {};
    psa_public_of(*priv, pub);
    EXPECT_EQ(probebox_x25519_base_hits, before + 1) << "the export went through mbedTLS's own ladder";
    EXPECT_EQ(std::memcmp(pub, *expected, sizeof(pub)), 0);
  }
}

// The same point as mbedTLS's ladder for scalars it generates itself.
TEST_F(X25519Base, AnyScalarGivesMbedtlsOwnPoint) {
  mbedtls_ecp_group grp;
  mbedtls_ecp_group_init(&grp);
  ASSERT_EQ(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519), 0);
  for (int i = 0; i < 8; ++i) {
    mbedtls_mpi d;
    mbedtls_ecp_point ours, theirs;
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&ours);
    mbedtls_ecp_point_init(&theirs);
    ASSERT_EQ(mbedtls_ecp_gen_privkey(&grp, &d, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE), 0);
    const unsigned long before = probebox_x25519_base_hits;
    ASSERT_EQ(mbedtls_ecp_mul(&grp, &ours, &d, &grp.G, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE), 0);
    EXPECT_EQ(probebox_x25519_base_hits, before + 1);
    ASSERT_EQ(__real_mbedtls_ecp_mul(&grp, &theirs, &d, &grp.G, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE), 0);
    EXPECT_EQ(mbedtls_ecp_point_cmp(&ours, &theirs), 0) << "scalar " << i;
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&ours);
    mbedtls_ecp_point_free(&theirs);
  }
  mbedtls_ecp_group_free(&grp);
}

TEST_F(X25519Base, AScalarMbedtlsRefusesIsRefusedTheSameWay) {
  mbedtls_ecp_group grp;
  mbedtls_ecp_group_init(&grp);
  ASSERT_EQ(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519), 0);
  mbedtls_mpi d;
  mbedtls_mpi_init(&d);
  ASSERT_EQ(mbedtls_mpi_lset(&d, 7), 0);  // not clamped (RFC 7748: bit 254 set, low three clear)
  mbedtls_ecp_point ours, theirs;
  mbedtls_ecp_point_init(&ours);
  mbedtls_ecp_point_init(&theirs);
  const unsigned long before = probebox_x25519_base_hits;
  const int rc = mbedtls_ecp_mul(&grp, &ours, &d, &grp.G, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
  EXPECT_EQ(rc, MBEDTLS_ERR_ECP_INVALID_KEY);
  EXPECT_EQ(rc, __real_mbedtls_ecp_mul(&grp, &theirs, &d, &grp.G, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE));
  EXPECT_EQ(probebox_x25519_base_hits, before);
  mbedtls_mpi_free(&d);
  mbedtls_ecp_point_free(&ours);
  mbedtls_ecp_point_free(&theirs);
  mbedtls_ecp_group_free(&grp);
}

// Another point (a peer's public key) and another curve stay with mbedTLS.
TEST_F(X25519Base, OtherPointsAndCurvesAreLeftToMbedtls) {
  mbedtls_ecp_keypair alice;
  mbedtls_ecp_keypair_init(&alice);
  ASSERT_EQ(mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &alice, kAlicePrivate, sizeof(kAlicePrivate)), 0);
  mbedtls_ecp_point bob, shared;
  mbedtls_ecp_point_init(&bob);
  mbedtls_ecp_point_init(&shared);
  ASSERT_EQ(mbedtls_ecp_point_read_binary(&alice.MBEDTLS_PRIVATE(grp), &bob, kBobPublic, sizeof(kBobPublic)), 0);
  unsigned long before = probebox_x25519_base_hits;
  ASSERT_EQ(mbedtls_ecp_mul(&alice.MBEDTLS_PRIVATE(grp), &shared, &alice.MBEDTLS_PRIVATE(d), &bob,
                            mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE),
            0);
  EXPECT_EQ(probebox_x25519_base_hits, before);
  unsigned char secret[32] = {};
  ASSERT_EQ(mbedtls_mpi_write_binary_le(&shared.MBEDTLS_PRIVATE(X), secret, sizeof(secret)), 0);
  EXPECT_EQ(std::memcmp(secret, kShared, sizeof(secret)), 0);

  mbedtls_ecp_keypair p256;
  mbedtls_ecp_keypair_init(&p256);
  ASSERT_EQ(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &p256, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE),
            0);
  mbedtls_ecp_point q;
  mbedtls_ecp_point_init(&q);
  before = probebox_x25519_base_hits;
  ASSERT_EQ(mbedtls_ecp_mul(&p256.MBEDTLS_PRIVATE(grp), &q, &p256.MBEDTLS_PRIVATE(d), &p256.MBEDTLS_PRIVATE(grp).G,
                            mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE),
            0);
  EXPECT_EQ(probebox_x25519_base_hits, before);
  EXPECT_EQ(mbedtls_ecp_point_cmp(&q, &p256.MBEDTLS_PRIVATE(Q)), 0);

  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_keypair_free(&p256);
  mbedtls_ecp_point_free(&bob);
  mbedtls_ecp_point_free(&shared);
  mbedtls_ecp_keypair_free(&alice);
}

}  // namespace
}  // namespace probebox::net
