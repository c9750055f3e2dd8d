/* mbedTLS 3.6 (LTS) configuration for probebox: TLS 1.2 and 1.3 client (probes, mail
 * alerts) and server (web UI), X.509 parse and verify, RSA and ECDSA, SHA-256/384,
 * memory from a static arena. No TLS 1.0/1.1 in the library: the box only ever
 * asks a server whether it still accepts them with a hand-built ClientHello.
 *
 * Dates are judged by probebox against its own clock (an unsynchronised clock must
 * give "unknown", not a guess), so mbedTLS is built without MBEDTLS_HAVE_TIME_DATE
 * and never looks at the C library's calendar.
 *
 * PSA: TLS 1.3 in 3.6 runs its key schedule and key shares through PSA Crypto, so
 * MBEDTLS_PSA_CRYPTO_C (with HKDF) is required by it; PSA keeps its own entropy +
 * CTR_DRBG fed by the same board entropy (mbedtls_hardware_poll, net/net_glue.cpp),
 * and that DRBG is the firmware's only one (net/tls_client.cpp: mbedtls_psa_get_random).
 * MBEDTLS_USE_PSA_CRYPTO stays off: the legacy X.509/PK/TLS 1.2 paths are smaller. */
#ifndef PROBEBOX_MBEDTLS_CONFIG_FW_H
#define PROBEBOX_MBEDTLS_CONFIG_FW_H

#define MBEDTLS_CONFIG_VERSION 0x03000000

#include "core/limits.h"

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
/* mbedtls_calloc/free are net/tls_memory.cpp's pools (mbedtls_platform_set_calloc_free):
 * one per kind of session, so a probe can never starve the web UI's session. */
#define MBEDTLS_PLATFORM_TIME_TYPE_MACRO long long
#define MBEDTLS_PLATFORM_TIME_MACRO probebox_mbedtls_time
/* Milliseconds for TLS 1.3 ticket ages: the box's monotonic clock (net_glue.cpp);
 * 3.6 has no bare-metal default. */
#define MBEDTLS_PLATFORM_MS_TIME_ALT
/* mbedTLS's diagnostics go to the board's log, never to the C library's stdio. */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO probebox_mbedtls_fprintf
#define MBEDTLS_PLATFORM_PRINTF_MACRO probebox_mbedtls_printf
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ERROR_C

/* Symmetric ciphers, hashes, random numbers */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
/* The AES and carry-less multiply instructions where the CPU has them (mbedTLS checks
 * at run time and falls back to the tables): x86-64 only, so the simulator's AES-GCM
 * records cost what a part with a crypto block would. Compiles to nothing on the
 * Cortex-M4 (aesni.h tests the architecture). */
#define MBEDTLS_AESNI_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
/* AES-CBC: SNMPv3's DES/AES glue sets a padding mode; also TLS 1.2 CBC suites. */
#define MBEDTLS_CIPHER_MODE_CBC
/* AES-128-CFB: SNMPv3's privacy protocol (RFC 3826). */
#define MBEDTLS_CIPHER_MODE_CFB
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
/* 3.x: SHA512_C alone no longer gives SHA-384 (TLS_AES_256_GCM_SHA384, ECDSA-SHA384). */
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_PKCS5_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ENTROPY_C

/* PSA Crypto (required by TLS 1.3). One volatile key slot per TLS 1.3 handshake in
 * flight (its ephemeral key share): the probes' TLS sessions plus the mail alerter
 * and the web UI's server sessions. A static store, no dynamic slot growth. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_SLOT_COUNT (PROBEBOX_MAX_TLS_IN_FLIGHT + PROBEBOX_TLS_SERVER_SESSIONS + 1)

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
/* X25519 by Project Everest's HACL* code (formally verified, constant-time, in
 * mbedTLS's own tree: 3rdparty/everest, built by cmake/third_party.cmake), not by
 * the generic ECP arithmetic. Every ECDHE exchange over Curve25519 goes through it:
 * TLS 1.2's ECDH context both ways, and PSA's key agreement, which TLS 1.3 uses (its
 * key generation stays mbedTLS's). A TLS 1.2 full handshake of a probe fell from
 * 17.7 M to 5.0 M instructions on the host and from 29.1 M to 14.3 M on the
 * Cortex-M4, where HACL* runs its 64-bit limbs on 32-bit halves (docs/performance.md,
 * stop 55). Taken under its Apache-2.0 licence, as the rest of mbedTLS. */
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C

/* X.509 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* The web UI's own certificate, made at first boot (net/tls_server.cpp). */
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C
/* Without it a TLS 1.3 ClientHello offers no rsa_pss_rsae_* scheme, and every
 * server with an RSA certificate aborts the handshake. */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
/* Board limit: intermediates in one verification path. */
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA PROBEBOX_TLS_MAX_INTERMEDIATES
/* The built-in public roots are a flash table of subjects and keys, not parsed
 * certificates: verification asks for the issuer's candidates through a callback
 * (protocols/root_store.h). */
#define MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK

/* TLS 1.2 and 1.3 */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
/* TLS 1.3 resumption of the relay's session (net/tls_resumption.h): the ticket's PSK
 * with a fresh ECDHE share, never the PSK alone (no forward secrecy). */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
/* The suites the box offers (as a client) and accepts (as the web UI's server), most
 * wanted first: the 20 that mbedTLS's own list holds in this build, AEAD (GCM) ahead
 * of CBC, and in each AES-128 (SHA-256) ahead of AES-256 (SHA-384). mbedTLS's order
 * puts AES-256 first, so against a server that takes the client's order (nginx's and
 * postfix's defaults) every resumed session (the HTTPS /testall checks, the relay's
 * STARTTLS) ran its key derivation, Finished and transcript on SHA-384, whose 64-bit
 * words cost the Cortex-M4 two to three times what SHA-256 does per byte: a steady
 * cycle's instructions on the image fell 11 % (docs/performance.md, stop 53).
 * AES-128-GCM is what Mozilla's intermediate profile, TLS 1.3 (its mandatory suite)
 * and every browser put first. The same set stays on offer, so a server that takes
 * only AES-256 or CBC is still reached; ECDHE stays ahead of the RSA key exchange (a
 * certificate check stops once the signed ECDHE key exchange is verified:
 * net/tls12_transcript.h). Set here, the list is a constant in flash instead of the
 * table mbedTLS fills in RAM at first use. On a 64-bit host SHA-512 is the cheaper
 * per byte: the simulator pays about 2 % more a cycle against such servers, and
 * behaves as the box does. tests/unit/net/ciphersuite_order_test.cpp holds these
 * rules. */
#define MBEDTLS_SSL_CIPHERSUITES                                                                     \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,       \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,       \
      MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384,               \
      MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA256, MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA256,               \
      MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA, MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* Also required by TLS 1.3: the chain stays readable after the handshake. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Resumption of the relay's session (net/tls_resumption.h): RFC 5077 tickets, which
 * postfix issues by default, and TLS 1.3's; session ids need no option. */
#define MBEDTLS_SSL_SESSION_TICKETS
/* Board limit: the largest record (so the largest handshake message, hence the
 * largest Certificate message, i.e. chain) a server may send. mbedTLS refuses more
 * than 16384 at compile time; a bigger chain is reported as such by tls_cert. What
 * we send stays small. */
#define MBEDTLS_SSL_IN_CONTENT_LEN PROBEBOX_TLS_IN_CONTENT_BYTES
#define MBEDTLS_SSL_OUT_CONTENT_LEN PROBEBOX_TLS_OUT_CONTENT_BYTES
/* No MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH: it shrinks the buffers after the handshake
 * to a negotiated max_fragment_length only, which browsers never ask for, and a
 * probe's peak is in the handshake (the 16 KiB input buffer and the chain). The
 * pools are sized for that peak instead (net/tls_memory.h). */

#ifdef __cplusplus
extern "C" {
#endif
/* Wall-clock seconds from the box's clock (0 while it is unsynchronised). */
long long probebox_mbedtls_time(long long* out);
int probebox_mbedtls_fprintf(void* stream, const char* format, ...);
int probebox_mbedtls_printf(const char* format, ...);
#ifdef __cplusplus
}
#endif

/* No check_config.h here: 3.x's build_info.h includes it after the derived
 * definitions, and including it from the user config gives spurious errors. */

#endif
