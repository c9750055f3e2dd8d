/*
 * net/tls12_transcript.h says why and when. mbedTLS 3.6 keeps the transcript's
 * update function in its private handshake parameters (ssl_misc.h), set to the
 * negotiated hash when the ServerHello is parsed (mbedtls_ssl_optimize_checksum);
 * replacing it after that is the one change made here.
 */
#include "ssl_misc.h"
#include "tls12_transcript.h"

unsigned long probebox_tls12_transcript_skipped_bytes = 0;

static int transcript_stopped(mbedtls_ssl_context *ssl, const unsigned char *buf, size_t len)
{
    (void) ssl;
    (void) buf;
    probebox_tls12_transcript_skipped_bytes += len;
    return 0;
}

int probebox_tls12_stop_transcript(mbedtls_ssl_context *ssl)
{
    if (ssl == NULL || ssl->handshake == NULL) return -1;
    ssl->handshake->update_checksum = transcript_stopped;
    return 0;
}
