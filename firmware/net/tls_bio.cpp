#include "net/tls_bio.h"

#include "mbedtls/ssl.h"

namespace probebox::net {

int tls_bio_read(struct tcp_pcb* pcb, struct pbuf*& chain, bool peer_closed, unsigned char* buf, size_t len) {
  if (chain == nullptr) return peer_closed ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  u16_t n = pbuf_copy_partial(chain, buf, static_cast<u16_t>(len < 0xFFFF ? len : 0xFFFF), 0);
  chain = pbuf_free_header(chain, n);
  // Open the window only as far as mbedTLS has taken bytes.
  if (pcb != nullptr) tcp_recved(pcb, n);
  return n;
}

int tls_bio_write(struct tcp_pcb* pcb, const unsigned char* buf, size_t len, bool* starved) {
  if (starved != nullptr) *starved = false;
  if (pcb == nullptr) return MBEDTLS_ERR_SSL_CONN_EOF;
  size_t room = tcp_sndbuf(pcb);
  if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  size_t n = len < room ? len : room;
  if (n > 0xFFFF) n = 0xFFFF;
  const bool had_room = tcp_room_for(pcb, n);
  if (const err_t err = tcp_write(pcb, buf, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY); err != ERR_OK) {
    if (starved != nullptr) *starved = err == ERR_MEM && had_room;
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  }
  tcp_output(pcb);
  return static_cast<int>(n);
}

bool tcp_room_for(const struct tcp_pcb* pcb, size_t bytes) {
  return tcp_sndbuf(pcb) >= bytes && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN;
}

}  // namespace probebox::net
