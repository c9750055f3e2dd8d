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

// RFC 7748 section 6.1.
constexpr unsigned char kAlicePrivate[32] = {
    0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
    0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
constexpr unsigned char kAlicePublic[32] = {
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
    0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};
constexpr unsigned char kBobPrivate[32] = {
    0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f, 0x8b, 0x83, 0x80, 0x0e, 0xe6,
    0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18, 0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb};
constexpr unsigned char kBobPublic[32] = {
    0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37,
    0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f};
constexpr unsigned char kShared[32] = {
    0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b, 0xf4, 0x80, 0x35, 0x0f, 0x25,
    0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1, 0x9e, 0x33, 0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42};

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
