/* mbedTLS 2.28 configuration for probebox: TLS 1.2 client (probes) and server (web
 * UI), X.509 parse and verify, RSA and ECDSA, SHA-256/384, memory from a static
 * arena. Dates are judged by probebox against its own clock (an unsynchronised
 * clock must give "unknown", not a guess), so mbedTLS is built without
 * MBEDTLS_HAVE_TIME_DATE and never looks at the C library's clock. */
#ifndef PROBEBOX_MBEDTLS_CONFIG_FW_H
#define PROBEBOX_MBEDTLS_CONFIG_FW_H

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Current use and high-water mark of the arena, for the reports and the soak. */
#define MBEDTLS_MEMORY_DEBUG
/* 8, not the default 4: blocks hold pointers and 64-bit fields on a 64-bit host. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8
#define MBEDTLS_PLATFORM_TIME_TYPE_MACRO long long
#define MBEDTLS_PLATFORM_TIME_MACRO probebox_mbedtls_time
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
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
/* AES-128-CFB: SNMPv3's privacy protocol (RFC 3826). */
#define MBEDTLS_CIPHER_MODE_CFB
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_PKCS5_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ENTROPY_C

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
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

/* TLS 1.2 */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* A server may send records of the full 16 KB; what we send stays small. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

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

#include "mbedtls/check_config.h"

#endif
