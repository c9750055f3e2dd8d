/*
 * A TLS 1.2 session's key block derived to the length its suite takes.
 *
 * Why: TLS 1.2 makes a session's keys by running the PRF over the master secret
 * into a "key block" (RFC 5246 section 6.3) cut into MAC keys, cipher keys and IVs.
 * mbedTLS 3.6 always derives 256 bytes (ssl_tls.c, ssl_tls12_populate_transform),
 * the most any suite could take. An AES-GCM suite takes 40 or 72 of them: the PRF's
 * P_hash makes its output one digest at a time, two HMACs each, so a resumed session
 * with AES-256-GCM-SHA384 ran six rounds of HMAC-SHA-384 where two suffice, and
 * AES-128-GCM-SHA256 eight of HMAC-SHA-256 where two suffice: about 90 K host
 * instructions for every resumed HTTPS or SMTP session (a steady cycle of the bench's
 * lab 6.46 M -> 6.19 M), and on the Cortex-M4, where SHA-384's 64-bit words run in
 * halves, a steady cycle 10.5 M -> 9.8 M (docs/performance.md, stop 56).
 *
 * Why the bytes are the same: P_hash is a stream; asked for n bytes it gives the
 * first n of what it gives when asked for more. The keys are cut from the front of
 * the block in the same order whatever its length.
 *
 * How: cmake/third_party.cmake compiles ssl_tls.c from a copy in the build tree whose
 * one key-expansion call asks for probebox_tls12_key_block_len(...) bytes instead of
 * 256; everything else in the file is mbedTLS's, unchanged. A tarball without that
 * exact call stops the configure rather than build without the change.
 * tests/unit/net/tls12_key_block_test.cpp holds the lengths and the keys against
 * mbedTLS's own PRF; tests/integration/test_tls_versions.py holds each suite family
 * against OpenSSL.
 */
#ifndef PROBEBOX_TLS12_KEY_BLOCK_H
#define PROBEBOX_TLS12_KEY_BLOCK_H

#include <stddef.h>

/* The largest fixed IV an AEAD suite takes from the key block: ChaCha20-Poly1305's
 * 12 bytes (AES-GCM and AES-CCM take 4, the other 8 travel in each record). */
#define PROBEBOX_TLS12_AEAD_MAX_FIXED_IV 12

/* Bytes of key block a suite takes: both directions' keys and IVs, and for a MAC
 * suite (CBC) both directions' MAC keys. `aead` when the suite is AES-GCM, AES-CCM or
 * ChaCha20-Poly1305 (mac_bytes and iv_bytes are then not used); never more than
 * `buffer_bytes`, the caller's block. */
static inline size_t probebox_tls12_key_block_len(int aead, size_t key_bytes, size_t mac_bytes, size_t iv_bytes,
                                                  size_t buffer_bytes)
{
    size_t need = aead ? 2 * (key_bytes + PROBEBOX_TLS12_AEAD_MAX_FIXED_IV)
                       : 2 * (mac_bytes + key_bytes + iv_bytes);
    return need < buffer_bytes ? need : buffer_bytes;
}

#endif
