// A TLS 1.2 handshake that stops once the server has proved its key (a certificate
// check's: net/tls_client.h, handshake(stop_early)) never sends or checks a Finished
// message, the only use TLS 1.2 makes of the running transcript hash. mbedTLS hashes
// every handshake message into it all the same, and for a certificate check that is
// the Certificate message, a few kilobytes through SHA-384 on every cycle: 0.5 M of
// a steady cycle's 9.6 M host instructions, more on the Cortex-M4, where SHA-512 runs
// on 32-bit halves. Stopped, the transcript takes nothing more.
//
// Only for TLS 1.2, and only after the ServerHello has named a key exchange whose
// ServerKeyExchange is signed (ECDHE): that signature covers the two randoms and the
// key share, never the transcript. TLS 1.3's CertificateVerify signs the transcript,
// and TLS 1.2's RSA key exchange proves the key only by the Finished exchange, so
// both keep theirs (the caller checks; tls12_transcript.c cannot see which applies).
//
// Built into the mbedTLS archive (tls12_transcript.c needs its internal ssl_misc.h).
#pragma once

#include "mbedtls/ssl.h"

#ifdef __cplusplus
extern "C" {
#endif

// Handshake bytes left out of a stopped transcript since start (a test's proof).
extern unsigned long probebox_tls12_transcript_skipped_bytes;

// Stops `ssl`'s handshake transcript: later handshake messages are not hashed. Only
// for a session that will never send or check Finished. 0, or -1 when no handshake
// is under way.
int probebox_tls12_stop_transcript(mbedtls_ssl_context* ssl);

#ifdef __cplusplus
}
#endif
