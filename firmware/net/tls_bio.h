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
// `starved`, when given, says whether the write failed for want of lwIP's memory
// (tcp_room_for() held and lwIP still refused): mbedTLS only sees WANT_WRITE and would
// wait, and a handshake that waits so until its deadline is the box's shortage.
int tls_bio_write(struct tcp_pcb* pcb, const unsigned char* buf, size_t len, bool* starved = nullptr);

// Whether lwIP had room for `bytes` more on this connection: the send buffer and queue
// are the peer's business (a window it does not open); when they had room and a write
// still failed, lwIP's pools or heap were short, which is the box's.
bool tcp_room_for(const struct tcp_pcb* pcb, size_t bytes);

}  // namespace probebox::net
