// mbedTLS's BIO over an lwIP pcb, for the client sessions of the probes and the web
// UI's server sessions alike: what mbedTLS reads comes from the pbufs TCP delivered
// (the window opened only as far as it takes), what it writes goes to the pcb.
#pragma once
#include <cstddef>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"

namespace probebox::net {

// Up to `len` bytes from `chain` (freed as read) into `buf`: how many, 0 at the end
// of a stream the peer closed, or MBEDTLS_ERR_SSL_WANT_READ while nothing is queued.
int tls_bio_read(struct tcp_pcb* pcb, struct pbuf*& chain, bool peer_closed, unsigned char* buf, size_t len);
// As much of `buf` as the pcb's send buffer takes (copied): how many, or
// MBEDTLS_ERR_SSL_WANT_WRITE when it takes nothing now, CONN_EOF without a pcb.
int tls_bio_write(struct tcp_pcb* pcb, const unsigned char* buf, size_t len);

}  // namespace probebox::net
