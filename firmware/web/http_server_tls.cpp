// HTTPS for HttpServer: one mbedTLS server session per connection that has a slot.
// A connection that came to the TLS listener keeps its TCP data unread (tls_in) until
// a session is free; the sessions' memory is the server pool's (net/tls_memory.h), so
// a browser can never take a probe's. The HTTP side (http_server.cpp) sees plaintext
// only, through receive() and tls_write_all().
#include "web/http_server.h"

#include <cstring>

#include "net/tls_bio.h"
#include "net/tls_memory.h"

namespace probebox {

int HttpServer::bio_recv(void* ctx, unsigned char* buf, size_t len) {
  auto* c = static_cast<Connection*>(ctx);
  if (c->stash_at < c->stash_len) {
    // What waited in the connection's buffer comes first: it arrived first.
    size_t n = static_cast<size_t>(c->stash_len - c->stash_at);
    if (n > len) n = len;
    std::memcpy(buf, c->buf + c->stash_at, n);
    c->stash_at = static_cast<uint16_t>(c->stash_at + n);
    if (c->stash_at == c->stash_len) c->stash_at = c->stash_len = 0;
    if (c->pcb != nullptr) tcp_recved(c->pcb, static_cast<u16_t>(n));  // the window, as tls_bio_read
    return static_cast<int>(n);
  }
  return net::tls_bio_read(c->pcb, c->tls_in, c->peer_closed, buf, len);
}

bool HttpServer::tls_waiting(const Connection& c) {
  return c.tls_in != nullptr || c.stash_len != 0;
}

int HttpServer::bio_send(void* ctx, const unsigned char* buf, size_t len) {
  auto* c = static_cast<Connection*>(ctx);
  if (c->pcb == nullptr) return MBEDTLS_ERR_SSL_CONN_EOF;
  // The handshake's flights too stay within the heap the probes leave.
  const size_t room = c->server->send_room(*c);
  if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  return net::tls_bio_write(c->pcb, buf, len < room ? len : room);
}

bool HttpServer::waits_behind_another(const Connection& c) const {
  for (const Connection& other : connections_) {
    if (&other == &c || other.pcb == nullptr || !other.tls || other.tls_slot >= 0 || !other.budget_waited) continue;
    if (tls_waiting(other) && other.since < c.since) return true;
  }
  return false;
}

bool HttpServer::tls_attach(Connection& c) {
  if (tls_conf_ == nullptr || tls_hold_) return false;
  // A full handshake holds the loop for 27-50 M instructions on the Cortex-M4: new
  // sessions wait, unread, while handshakes have had their share of the processor.
  // In the order they came: a client that keeps reconnecting never goes ahead of one
  // already waiting (the operator's browser, during a flood).
  if (!handshake_budget_.may_start(clock_->now()) || waits_behind_another(c)) {
    if (!c.budget_waited) ++handshake_budget_waits_;
    c.budget_waited = true;
    return false;
  }
  int free_slot = -1;
  for (int i = 0; i < kTlsSessions && free_slot < 0; ++i) {
    if (tls_owner_[i] == nullptr) free_slot = i;
  }
  if (free_slot < 0) {
    // Every session is taken: the oldest idle kept-alive HTTPS connection gives its
    // own up (a browser reconnects), never one with a request or a handshake on.
    Connection* idle = nullptr;
    for (Connection& other : connections_) {
      // Parked after an answer: not a fresh session whose first request is on its way.
      if (&other == &c || other.pcb == nullptr || other.tls_slot < 0 || !other.tls_open || !other.answered) continue;
      if (other.state != State::kHead || other.buf_len != 0 || other.tls_in != nullptr) continue;
      if (idle == nullptr || other.since < idle->since) idle = &other;
    }
    if (idle == nullptr) return false;
    free_slot = idle->tls_slot;
    close(*idle, false);
  }
  mbedtls_ssl_context& ssl = tls_[free_slot];
  // The session's memory is the server pool's (net/tls_memory.h), never a probe's.
  net::TlsPoolScope server(net::TlsPool::kServer);
  mbedtls_ssl_init(&ssl);
  // The session's record buffers come from the mbedTLS arena while it lives.
  if (mbedtls_ssl_setup(&ssl, tls_conf_) != 0) {
    mbedtls_ssl_free(&ssl);
    return false;
  }
  mbedtls_ssl_set_bio(&ssl, &c, bio_send, bio_recv, nullptr);
  tls_owner_[free_slot] = &c;
  c.tls_slot = static_cast<int8_t>(free_slot);
  c.tls_open = false;
  c.tls_write_n = 0;
  c.since = clock_->now();  // the handshake must end within the head deadline
  return true;
}

void HttpServer::tls_release(Connection& c, bool notify) {
  if (c.tls_slot >= 0) {
    mbedtls_ssl_context& ssl = tls_[c.tls_slot];
    net::TlsPoolScope server(net::TlsPool::kServer);
    if (notify && c.tls_open && c.pcb != nullptr) (void)mbedtls_ssl_close_notify(&ssl);  // best effort
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_init(&ssl);
    tls_owner_[c.tls_slot] = nullptr;
    c.tls_slot = -1;
    if (tls_sessions_active() == 0) {
      const size_t held = net::tls_memory_stats().pools[static_cast<int>(net::TlsPool::kServer)].in_use;
      if (held > tls_pool_held_idle_) tls_pool_held_idle_ = held;
    }
  }
  if (c.tls_in != nullptr) pbuf_free(c.tls_in);
  c.tls_in = nullptr;
  c.stash_at = 0;
  c.stash_len = 0;
  c.tls_open = false;
  c.tls_write_n = 0;
}

bool HttpServer::tls_pump(Connection& c) {
  if (c.pcb == nullptr) return false;
  // A session only for a client that has spoken (a silent socket holds a
  // connection slot, never a session); while none is free it waits, unread.
  if (c.tls_slot < 0 && (!tls_waiting(c) || !tls_attach(c))) {
    // A client that gave up is let go.
    if (c.peer_closed && !tls_waiting(c)) return close(c, false);
    return false;
  }
  mbedtls_ssl_context& ssl = tls_[c.tls_slot];
  if (!c.tls_open) {
    const int64_t started = clock_->now();
    int rc = net::in_tls_pool(net::TlsPool::kServer, [&] { return mbedtls_ssl_handshake(&ssl); });
    handshake_budget_.spend(clock_->now() - started);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
    if (rc != 0) {
      ++tls_failed_;
      return close(c, true);
    }
    // The buffer is the request's from here: whatever waited in it was read before
    // the client's Finished, which came after it.
    if (c.stash_len != 0) return close(c, true);
    ++tls_handshakes_;
    c.tls_open = true;
    c.since = clock_->now();
  }
  // Plaintext only as far as the request needs it: the rest stays in mbedTLS and
  // TCP (the next request on a kept-alive connection).
  for (int reads = 0; reads < 64 && (c.state == State::kHead || c.state == State::kBody); ++reads) {
    int n = net::in_tls_pool(net::TlsPool::kServer, [&] {
      return mbedtls_ssl_read(&ssl, reinterpret_cast<unsigned char*>(scratch_), kSliceBytes);
    });
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
    if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF) return peer_done(c);
    if (n < 0) return close(c, true);
    receive(c, scratch_, static_cast<size_t>(n));
  }
  return false;
}

bool HttpServer::tls_write_all(Connection& c, const char* data, size_t len) {
  mbedtls_ssl_context& ssl = tls_[c.tls_slot];
  while (len > 0) {
    int n = net::in_tls_pool(net::TlsPool::kServer, [&] {
      return mbedtls_ssl_write(&ssl, reinterpret_cast<const unsigned char*>(data), len);
    });
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace probebox
