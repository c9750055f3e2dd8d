/*
 * X25519 public keys by Project Everest's HACL*, not by mbedTLS's generic ladder
 * (issue 20, stop 56).
 *
 * Why: every TLS 1.3 handshake makes a fresh X25519 key share, the box's as a client
 * (a TLS 1.3 server, a relay's STARTTLS in 1.3) and as the web UI's server (every
 * browser). PSA draws the private scalar and computes the public key when the key
 * share is exported, with mbedtls_ecp_mul(grp, Q, d, G) (psa_crypto_ecp.c): mbedTLS's
 * Montgomery ladder on its generic bignum code, 255 steps of field arithmetic that
 * is not specialised to 2^255 - 19. The shared secret already goes through Everest
 * (MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED, stop 55); the key share was left.
 *
 * How: the linker routes every call to mbedtls_ecp_mul made from another object of
 * the mbedtls archive here (--wrap, cmake/third_party.cmake). A multiplication of
 * Curve25519's base point takes the scalar's 32 little-endian bytes through
 * Hacl_Curve25519_crypto_scalarmult with u = 9 (formally verified, constant time,
 * from mbedTLS's own tarball) and gives the point as mbedTLS's ladder does: X the
 * u-coordinate, Z 1, no Y. The private key is checked first exactly as mbedTLS
 * checks it. Any other curve, or any other point, takes mbedTLS's own function.
 * tests/unit/net/x25519_base_test.cpp holds the two to the same results and to
 * RFC 7748's vectors.
 *
 * Built into the mbedtls library target, as the other wraps are, so the wrapped
 * references inside the archive are resolved the same way on every board.
 */
#include "common.h"

/* Everest's headers name a 128-bit integer type: the compiler's where it has one,
 * their own verified one elsewhere (the Cortex-M4), as Hacl_Curve25519_joined.c
 * chooses for the code itself. */
#if !(defined(__SIZEOF_INT128__) && (__SIZEOF_INT128__ == 16))
#define KRML_VERIFIED_UINT128
#endif
#include "everest/Hacl_Curve25519.h"
#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"
#include "mbedtls/platform_util.h"

int __real_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
int __wrap_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);

/* Base-point multiplications made by HACL*: a test's proof that the wrap is in force. */
unsigned long probebox_x25519_base_hits = 0;

static int is_curve25519_base_point(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *P)
{
    if (grp->id != MBEDTLS_ECP_DP_CURVE25519) {
        return 0;
    }
    return P == &grp->G || mbedtls_ecp_point_cmp(P, &grp->G) == 0;
}

int __wrap_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (!is_curve25519_base_point(grp, P)) {
        return __real_mbedtls_ecp_mul(grp, R, m, P, f_rng, p_rng);
    }
    /* What mbedtls_ecp_mul refuses, refused the same way (a scalar not clamped as
     * RFC 7748 asks, or of the wrong size). */
    int ret = mbedtls_ecp_check_privkey(grp, m);
    if (ret != 0) {
        return ret;
    }
    unsigned char scalar[32];
    unsigned char u[32];
    unsigned char base[32] = { 9 };
    ret = mbedtls_mpi_write_binary_le(m, scalar, sizeof(scalar));
    if (ret == 0) {
        Hacl_Curve25519_crypto_scalarmult(u, scalar, base);
        ret = mbedtls_mpi_read_binary_le(&R->X, u, sizeof(u));
    }
    if (ret == 0) {
        ret = mbedtls_mpi_lset(&R->Z, 1);
    }
    if (ret == 0) {
        mbedtls_mpi_free(&R->Y);
        ++probebox_x25519_base_hits;
    }
    mbedtls_platform_zeroize(scalar, sizeof(scalar));
    return ret;
}
