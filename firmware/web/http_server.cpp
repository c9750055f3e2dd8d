#include "web/http_server.h"

#include <cstring>

#include "core/fnv1a.h"
#include "hal/ethernet_port.h"
#include "lwip/stats.h"
#include "net/tls_memory.h"
#include "web/https_redirect.h"
#include "web/send_room.h"
#include "web/slot_eviction.h"

#if !MEM_STATS
#error "the web server keeps to its share of lwIP's heap by its use (lwip_stats.mem): MEM_STATS must be on"
#endif

namespace probebox {
namespace {

// What one write may take of the heap beyond its bytes: lwIP sizes a segment's pbuf
// for a full segment when more is to follow (TCP_OVERSIZE), plus the pbuf and the
// headers in front of it.
constexpr size_t kWriteOverhead = TCP_MSS + 96;
// A lone client still fills its whole send buffer, so the share never slows the
// common case; and the reserve is left whatever the server does.
static_assert(HttpServer::kProbeReserveBytes + TCP_SND_BUF + kWriteOverhead <= MEM_SIZE,
              "lwIP's heap holds the probes' reserve and one connection's send buffer");
// What the web's connections may hold of the receive pool still leaves a full-size
// frame (a chain of buffers) to arrive, and a buffer more.
static_assert(HttpServer::kConnections * HttpServer::kHeldFrames +
                      (hal::EthernetPort::kMaxFrameBytes + PBUF_POOL_BUFSIZE - 1) / PBUF_POOL_BUFSIZE + 1 <=
                  PBUF_POOL_SIZE,
              "the receive pool outlasts the web's connections holding unread bytes");

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

const char* early_message(int status) {
  switch (status) {
    case 400: return "{\"error\":\"malformed request\"}";
    case 401: return "{\"error\":\"log in first\"}";
    case 403: return "{\"error\":\"request refused\"}";
    case 411: return "{\"error\":\"a request body needs Content-Length\"}";
    case 413: return "{\"error\":\"request body larger than the box accepts\"}";
    case 431: return "{\"error\":\"request head too large\"}";
    case 503: return "{\"error\":\"another request body is arriving; retry\"}";
    case 504: return "{\"error\":\"the box is busy with another login; retry\"}";
    default: return "{\"error\":\"request refused\"}";
  }
}

struct SpanText : TextBuffer {
  SpanText(char* data, size_t cap) : TextBuffer(data, cap) {}
};

}  // namespace

void HttpResponse::reset() {
  status = 200;
  content_type = "application/json";
  body.clear();
  headers.clear();
  static_body = nullptr;
  static_length = 0;
  content_encoding = nullptr;
  cache_control = "no-store";
  close_connection = false;
  pending = false;
}

struct tcp_pcb* HttpServer::listen(uint16_t port, tcp_accept_fn on_connection) {
  struct tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == nullptr) return nullptr;
  if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
    tcp_close(pcb);
    return nullptr;
  }
  struct tcp_pcb* listener = tcp_listen_with_backlog(pcb, kConnections);
  if (listener == nullptr) {
    tcp_close(pcb);
    return nullptr;
  }
  tcp_arg(listener, this);
  tcp_accept(listener, on_connection);
  return listener;
}

bool HttpServer::start(uint16_t port, HttpHandler& handler, hal::Clock& clock) {
  handler_ = &handler;
  clock_ = &clock;
  listener_ = listen(port, on_accept);
  return listener_ != nullptr;
}

HttpServer::Connection* HttpServer::slot_for_new(int64_t now) {
  SlotFacts facts[kConnections];
  for (int i = 0; i < kConnections; ++i) {
    const Connection& c = connections_[i];
    SlotFacts& f = facts[i];
    f.free = c.pcb == nullptr;
    f.since = c.since;
    bool handshaking = c.tls && c.tls_slot >= 0 && !c.tls_open;
    f.parked = c.state == State::kHead && c.buf_len == 0 && !tls_waiting(c) && c.answered && !handshaking;
    f.incomplete = !f.parked && (c.state == State::kHead || (c.state == State::kBody && !c.body_streamed));
    // Its client has not acknowledged what lwIP holds for it (one waiting for the heap
    // with nothing queued is not stalled: it has not been given anything to read).
    f.stalled_reader = c.state == State::kResponding && now - c.since >= kEvictStalledUs && holds_queued(c);
  }
  int index = slot_to_reuse(facts, kConnections);
  if (index < 0) return nullptr;
  Connection& reused = connections_[index];
  if (reused.pcb != nullptr) {
    ++evicted_;
    close(reused, true);
  }
  return &reused;
}

bool HttpServer::start_tls(uint16_t port, mbedtls_ssl_config* conf) {
  tls_conf_ = conf;
  for (mbedtls_ssl_context& ssl : tls_) mbedtls_ssl_init(&ssl);
  tls_listener_ = listen(port, on_accept_tls);
  return tls_listener_ != nullptr;
}

int HttpServer::tls_sessions_active() const {
  int n = 0;
  for (const Connection* owner : tls_owner_) n += owner != nullptr;
  return n;
}

err_t HttpServer::on_accept(void* arg, struct tcp_pcb* pcb, err_t err) {
  if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
  return static_cast<HttpServer*>(arg)->accept(pcb, false);
}

err_t HttpServer::on_accept_tls(void* arg, struct tcp_pcb* pcb, err_t err) {
  if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
  return static_cast<HttpServer*>(arg)->accept(pcb, true);
}

err_t HttpServer::accept(struct tcp_pcb* pcb, bool tls) {
  Connection* slot = slot_for_new(clock_->now());
  if (slot == nullptr) {
    ++refused_;
    tcp_abort(pcb);  // pool full of live requests: refuse rather than queue unboundedly
    return ERR_ABRT;
  }
  Connection& c = *slot;
  c.pcb = pcb;
  c.server = this;
  c.tls = tls;
  c.tls_open = false;
  c.peer_closed = false;
  c.tls_slot = -1;
  c.tls_in = nullptr;
  c.stash_at = 0;
  c.stash_len = 0;
  c.tls_write_n = 0;
  c.budget_waited = false;
  c.answered = false;
  reset_for_next_request(c);
  tcp_arg(pcb, &c);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_error);
  return ERR_OK;
}

void HttpServer::reset_for_next_request(Connection& c) {
  c.state = State::kHead;
  c.buf_len = 0;
  c.early_status = 0;
  c.request = HttpRequest{};
  c.body_len = 0;
  c.body_streamed = false;
  c.keep_alive = false;
  c.body_kind = BodyKind::kInline;
  c.out_head_len = 0;
  c.out_body_len = 0;
  c.static_body = nullptr;
  c.document = 0;
  c.part = 0;
  c.part_at = 0;
  c.part_hash = kFnv1aBasis;
  c.sent = 0;
  c.since = clock_->now();
  c.ticket = 0;
  c.pending_since = 0;
}

err_t HttpServer::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) {  // already detached
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr || err != ERR_OK) {  // the peer is done sending
    if (p != nullptr) pbuf_free(p);
    if (c->tls) {
      // mbedTLS still has to read what arrived before the FIN; its end of input
      // then ends the connection as below.
      c->peer_closed = true;
      c->keep_alive = false;
      return c->server->tls_pump(*c) ? ERR_ABRT : ERR_OK;
    }
    return c->server->peer_done(*c) ? ERR_ABRT : ERR_OK;
  }
  if (c->tls && c->tls_open && c->early_status != 0) {
    // Refused before its end arrived: nothing more of it is read. Dropped as it comes
    // (what waited too), the window given back, so the client sending its body never
    // stalls and the answer goes out; then linger().
    if (c->tls_in != nullptr) {
      tcp_recved(pcb, c->tls_in->tot_len);
      pbuf_free(c->tls_in);
      c->tls_in = nullptr;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  if (c->tls) {
    // Acknowledged as mbedTLS reads it: the window bounds the bytes that wait here,
    // and keep_out_of_the_receive_pool() the frames.
    if (c->tls_in == nullptr) c->tls_in = p;
    else pbuf_cat(c->tls_in, p);
    if (c->server->tls_pump(*c)) return ERR_ABRT;
    return c->server->keep_out_of_the_receive_pool(*c) ? ERR_ABRT : ERR_OK;
  }
  tcp_recved(pcb, p->tot_len);
  for (struct pbuf* q = p; q != nullptr; q = q->next) c->server->receive(*c, static_cast<const char*>(q->payload), q->len);
  pbuf_free(p);
  return ERR_OK;
}

bool HttpServer::peer_done(Connection& c) {
  c.keep_alive = false;
  // A client that closes while its login is checked wants no answer: the check
  // stops and frees the box-wide slot for the next login. An answer owed or on its
  // way is finished, then the connection closes.
  if (c.state == State::kHead || c.state == State::kBody || c.state == State::kPending) return close(c, false);
  return false;
}

void HttpServer::receive(Connection& c, const char* data, size_t len) {
  size_t offset = 0;
  if (c.state == State::kHead) {
    if (c.buf_len == 0) c.since = clock_->now();  // the head deadline runs from its first byte
    size_t room = sizeof(c.buf) - c.buf_len;
    size_t n = len < room ? len : room;
    std::memcpy(c.buf + c.buf_len, data, n);
    size_t scan = c.buf_len;
    c.buf_len += n;
    offset = n;
    std::string_view head(c.buf, c.buf_len);
    // Search from a little before the new bytes: the blank line may straddle pbufs.
    size_t end = head.find("\r\n\r\n", scan > 3 ? scan - 3 : 0);
    // A line ended by a bare LF is refused at once, not waited on until a CRLF
    // that may never come (nor read past a CR-less blank line).
    size_t limit = end == std::string_view::npos ? c.buf_len : end + 4;
    for (size_t i = scan; i < limit; ++i) {
      if (c.buf[i] == '\n' && (i == 0 || c.buf[i - 1] != '\r')) {
        c.early_status = 400;
        c.keep_alive = false;
        c.state = State::kReady;
        return;
      }
    }
    if (end != std::string_view::npos) {
      head_complete(c);
    } else if (c.buf_len == sizeof(c.buf)) {
      c.early_status = 431;
      c.keep_alive = false;
      c.state = State::kReady;
      return;
    } else {
      return;
    }
    // head_complete() took what arrived with the head; more may follow in this pbuf.
  }
  if (c.state == State::kBody) {
    size_t want = c.request.content_length - c.body_len;
    size_t have = len - offset;
    size_t n = have < want ? have : want;
    if (c.body_streamed) {
      if (!handler_->body_piece({data + offset, n})) return refuse_body(c, 503);
    } else {
      std::memcpy(c.buf + c.request.head_length + c.body_len, data + offset, n);
    }
    c.body_len += n;
    if (!c.body_streamed) c.buf_len = c.request.head_length + c.body_len;
    offset += n;
    // A completed upload keeps the box-wide upload until it is answered.
    if (c.body_len == c.request.content_length) c.state = State::kReady;
  }
  // Bytes beyond the request: pipelining is not supported, so the connection closes
  // after this answer and the client retries the rest on a new one.
  if (offset < len) c.keep_alive = false;
}

void HttpServer::head_complete(Connection& c) {
  c.state = State::kReady;
  if (!parse_request_head({c.buf, c.buf_len}, c.request).ok()) {
    c.early_status = 400;
    return;
  }
  c.request.remote_ipv4 = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&c.pcb->remote_ip)));
  c.request.local_ipv4 = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&c.pcb->local_ip)));
  c.request.secure = c.tls;
  c.keep_alive = !c.request.http10 && !c.request.connection_close;
  const size_t length = c.request.content_length;
  const bool fits_inline = c.request.head_length + length <= sizeof(c.buf);
  int disposition = HttpHandler::kInlineBody;
  if (c.request.chunked) {
    c.early_status = 411;
  } else if (length > kMaxRequestBody) {
    c.early_status = 413;
  } else if (length > 0) {
    // An upload streams to the handler only for a request it admits (an admin's):
    // an anonymous client announcing a body and sending nothing holds nothing.
    disposition = handler_->stream_body(c.request);
    if (disposition == HttpHandler::kInlineBody) {
      if (!fits_inline) c.early_status = 413;
    } else if (disposition != HttpHandler::kStreamBody) {
      c.early_status = disposition;
    } else if (body_owner_ != nullptr && body_owner_ != &c) {
      c.early_status = 503;
    } else {
      c.early_status = handler_->begin_body(c.request);
    }
  }
  if (c.early_status != 0) {
    c.keep_alive = false;
    return;
  }
  size_t leftover = c.buf_len - c.request.head_length;
  if (length == 0) {
    if (leftover > 0) c.keep_alive = false;
    c.buf_len = c.request.head_length;
    return;
  }
  size_t n = leftover < length ? leftover : length;
  if (leftover > n) c.keep_alive = false;
  c.body_len = n;
  if (disposition == HttpHandler::kStreamBody) {
    body_owner_ = &c;
    c.body_streamed = true;
    c.request.body_streamed = true;
    c.buf_len = c.request.head_length;
    if (!handler_->body_piece({c.buf + c.request.head_length, n})) return refuse_body(c, 503);
  } else {
    c.buf_len = c.request.head_length + n;
  }
  if (c.body_len < length) {
    c.state = State::kBody;
    c.since = clock_->now();  // the body deadline runs from the head
  }
}

void HttpServer::refuse_body(Connection& c, int status) {
  release_buffers(c);
  c.early_status = status;
  c.keep_alive = false;  // the rest of the body is not read
  c.state = State::kReady;
}

err_t HttpServer::on_sent(void* arg, struct tcp_pcb*, u16_t) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return ERR_OK;
  c->since = c->server->clock_->now();  // the client reads: progress
  if (c->tls && !c->tls_open && c->tls_slot >= 0) return c->server->tls_pump(*c) ? ERR_ABRT : ERR_OK;
  if (c->state == State::kResponding && !c->server->push(*c)) return ERR_ABRT;
  return ERR_OK;
}

void HttpServer::on_error(void* arg, err_t) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return;
  c->pcb = nullptr;  // already freed by lwIP
  c->server->abandon_pending(*c);
  c->server->release_buffers(*c);
  c->server->tls_release(*c, false);
  c->state = State::kHead;
  c->buf_len = 0;
}

void HttpServer::abandon_pending(Connection& c) {
  if (c.state == State::kPending && handler_ != nullptr) handler_->abandon(c.ticket);
  c.ticket = 0;
}

int HttpServer::open_connections() const {
  int n = 0;
  for (const Connection& c : connections_) n += c.pcb != nullptr;
  return n;
}

bool HttpServer::streaming_document() const {
  for (const Connection& c : connections_) {
    if (c.pcb != nullptr && c.state == State::kResponding && c.body_kind == BodyKind::kDocument) return true;
  }
  return false;
}

bool HttpServer::has_pending() const {
  for (const Connection& c : connections_) {
    if (c.pcb != nullptr && c.state == State::kPending) return true;
  }
  return false;
}

void HttpServer::release_buffers(Connection& c) {
  // An upload that did not complete is never handled: the handler drops it.
  if (body_owner_ == &c) {
    body_owner_ = nullptr;
    if (handler_ != nullptr) handler_->body_abandoned();
  }
}

void HttpServer::begin_response(Connection& c) {
  SpanText body(scratch_, kSliceBytes);
  HttpResponse response(body);
  if (c.state == State::kPending && clock_->now() - c.pending_since > kPendingTimeoutUs) {
    abandon_pending(c);
    c.early_status = 504;
    c.keep_alive = false;
  }
  if (c.early_status != 0) {
    // 504 is only this server's "pending too long": the client sees 503.
    response.status = c.early_status == 504 ? 503 : c.early_status;
    body.assign(early_message(c.early_status));
    if (response.status == 503) response.headers.append("Retry-After: 1\r\n");
  } else if (!c.tls && redirect_port_ != 0 && !served_over_plain_http(c.request.path)) {
    // HTTPS is on: every page and API call is sent there, the same path.
    FixedText<300> location;
    if (https_location(c.request.host, c.request.path, c.request.query, redirect_port_, c.request.local_ipv4,
                       location) &&
        !location.overflowed()) {
      response.status = 301;
      response.headers.appendf("Location: %s\r\n", location.c_str());
      body.assign("{\"error\":\"use https\"}");
    } else {
      response.status = 400;
      body.assign(early_message(400));
    }
    c.keep_alive = false;
  } else {
    // A small body is where it arrived, after the head; a streamed one is the handler's.
    c.request.body = c.request.content_length > 0 && !c.body_streamed
                         ? std::string_view(c.buf + c.request.head_length, c.body_len)
                         : std::string_view();
    response.ticket = c.ticket;
    handler_->handle(c.request, response);
    if (response.pending) {
      // Not ready: the request stays in the connection's buffer for the next poll.
      if (c.state != State::kPending) c.pending_since = clock_->now();
      c.state = State::kPending;
      c.ticket = response.ticket;
      return;
    }
    // Answered without finishing its work (say its session ended meanwhile): stop it.
    if (c.ticket != 0) handler_->abandon(c.ticket);
    c.ticket = 0;
  }
  release_buffers(c);
  if (body.overflowed() || response.headers.overflowed()) {
    response.reset();
    response.status = 500;
    body.assign("{\"error\":\"response larger than the firmware's buffer\"}");
  }
  if (response.close_connection) c.keep_alive = false;
  c.body_kind = response.static_body != nullptr ? BodyKind::kStatic
                : response.document != 0      ? BodyKind::kDocument
                                               : BodyKind::kInline;
  size_t body_len = body.size();
  if (c.body_kind == BodyKind::kStatic) {
    body_len = response.static_length;
    c.static_body = response.static_body;
  } else if (c.body_kind == BodyKind::kDocument) {
    // Measured first (nothing kept), then sent in slices rendered as the client reads.
    c.document = response.document;
    c.document_mono_us = response.document_mono_us;
    c.document_wall_us = response.document_wall_us;
    SliceText measure(scratch_, 0, static_cast<size_t>(-1));
    handler_->render(c.document, c.document_mono_us, c.document_wall_us, measure);
    body_len = measure.overflowed() ? 0 : measure.total();
    ++documents_streamed_;
    if (measure.overflowed()) {
      response.status = 500;
      c.keep_alive = false;
    }
  }

  // The request has been handled: the connection's buffer now holds the response.
  SpanText head(c.buf, sizeof(c.buf));
  head.appendf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %u\r\nCache-Control: %s\r\n",
               response.status, reason_phrase(response.status), response.content_type,
               static_cast<unsigned>(body_len), response.cache_control);
  if (response.content_encoding != nullptr) head.appendf("Content-Encoding: %s\r\nVary: Accept-Encoding\r\n", response.content_encoding);
  // The page uses only its own script and style files; no framing, no sniffing.
  head.append("X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
              "Content-Security-Policy: default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
              "form-action 'self'; base-uri 'none'\r\n");
  head.append(response.headers.view());
  head.append(c.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  c.out_head_len = head.size();
  c.out_body_len = body_len;
  c.sent = 0;
  c.part = 0;
  c.part_at = 0;
  c.part_hash = kFnv1aBasis;
  c.state = State::kResponding;
  c.since = clock_->now();
  ++served_;
  if (c.body_kind != BodyKind::kInline) return;
  if (c.out_head_len + body_len <= sizeof(c.buf) && !head.overflowed()) {
    std::memcpy(c.buf + c.out_head_len, scratch_, body_len);  // the connection's own copy
    return;
  }
  // Larger than the connection's buffer (the diagnostics; at most kSliceBytes):
  // handed to lwIP whole now, while the scratch still holds it, if the send buffer
  // takes it.
  if (c.tls && c.tls_slot >= 0 && c.pcb != nullptr && !head.overflowed() && c.tls_write_n == 0 &&
      send_room(c) >= c.out_head_len + body_len + 4 * 64) {
    // Through TLS in records of at most 4 KiB (each some 30 bytes longer), while the
    // scratch still holds the body.
    if (tls_write_all(c, c.buf, c.out_head_len) && tls_write_all(c, scratch_, body_len)) {
      c.sent = c.out_head_len + body_len;
      return;
    }
    close(c, true);
    return;
  }
  if (!c.tls && c.pcb != nullptr && !head.overflowed() && send_room(c) >= c.out_head_len + body_len &&
      tcp_write(c.pcb, c.buf, static_cast<u16_t>(c.out_head_len), TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) == ERR_OK) {
    if (tcp_write(c.pcb, scratch_, static_cast<u16_t>(body_len), TCP_WRITE_FLAG_COPY) == ERR_OK) {
      c.sent = c.out_head_len + body_len;
      return;
    }
  }
  // Not now: only a read-only answer larger than the connection's buffer gets
  // here, so "retry" is the truth. Sent from the connection's own buffer like any
  // small answer.
  static constexpr char kBusy[] = "{\"error\":\"the answer does not fit the send buffer now; retry\"}";
  head.clear();
  head.appendf("HTTP/1.1 503 %s\r\nContent-Type: application/json\r\nContent-Length: %u\r\nCache-Control: no-store\r\n"
               "Retry-After: 1\r\nConnection: close\r\n\r\n%s",
               reason_phrase(503), static_cast<unsigned>(sizeof(kBusy) - 1), kBusy);
  c.keep_alive = false;
  c.out_head_len = head.size();
  c.out_body_len = 0;
}

bool HttpServer::push(Connection& c) {
  if (c.pcb == nullptr) return true;
  size_t total = c.out_head_len + c.out_body_len;
  mbedtls_ssl_context* ssl = c.tls && c.tls_slot >= 0 ? &tls_[c.tls_slot] : nullptr;
  if (c.tls && ssl == nullptr) {
    close(c, true);
    return false;
  }
  while (c.sent < total) {
    size_t room = send_room(c);
    bool in_head = c.sent < c.out_head_len;
    size_t n = in_head ? c.out_head_len - c.sent : total - c.sent;
    if (ssl != nullptr) {
      if (c.tls_write_n != 0) {
        n = c.tls_write_n;  // mbedTLS holds this record half-sent: the same bytes again
      } else {
        // One record that the send buffer takes whole.
        int expansion = mbedtls_ssl_get_record_expansion(ssl);
        size_t overhead = expansion > 0 ? static_cast<size_t>(expansion) : 64;
        if (room <= overhead) break;
        if (n > room - overhead) n = room - overhead;
        if (n > MBEDTLS_SSL_OUT_CONTENT_LEN) n = MBEDTLS_SSL_OUT_CONTENT_LEN;
      }
    } else {
      if (room == 0) break;
      if (n > room) n = room;
    }
    if (n > 0xFFFF) n = 0xFFFF;
    const char* src = c.buf + c.sent;  // the head, or an inline body right after it
    u8_t flags = TCP_WRITE_FLAG_COPY;
    size_t offset = 0;  // a document's: where this slice begins, and where the next may resume
    uint32_t next_part = c.part;
    size_t next_part_at = c.part_at;
    if (!in_head && c.body_kind == BodyKind::kStatic) {
      // Static assets stay in flash until acked.
      src = reinterpret_cast<const char*>(c.static_body) + (c.sent - c.out_head_len);
      flags = 0;
    } else if (!in_head && c.body_kind == BodyKind::kDocument) {
      if (n > kSliceBytes) n = kSliceBytes;
      offset = c.sent - c.out_head_len;
      // From the part the last slice ended in, and no further than this one: a
      // slice costs what it sends, not the document up to it. The last slice
      // renders to the end, so the length promised is checked there.
      const bool last = offset + n >= c.out_body_len;
      SliceText slice(scratch_, n, offset, {c.part, c.part_at, !last});
      handler_->render(c.document, c.document_mono_us, c.document_wall_us, slice);
      // The part being sent changed since its first bytes left, or the length
      // promised is not kept: the client sees a cut answer, never a part mixed
      // within (parts already sent stay as they were sent).
      if (slice.overflowed() || slice.prefix_hash() != c.part_hash || slice.size() != n ||
          (last && slice.total() != c.out_body_len)) {
        ++documents_cut_;
        close(c, true);
        return false;
      }
      src = scratch_;
      next_part = slice.checkpoint_part();
      next_part_at = slice.checkpoint_at();
    }
    if (ssl != nullptr) {
      int rc = net::in_tls_pool(net::TlsPool::kServer, [&] {
        return mbedtls_ssl_write(ssl, reinterpret_cast<const unsigned char*>(src), n);
      });
      if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        c.tls_write_n = n;  // try again when something is acked
        break;
      }
      if (rc <= 0) {
        close(c, true);
        return false;
      }
      c.tls_write_n = 0;
      n = static_cast<size_t>(rc);
    } else {
      if (c.sent + n < total) flags |= TCP_WRITE_FLAG_MORE;
      err_t err = tcp_write(c.pcb, src, static_cast<u16_t>(n), flags);
      if (err == ERR_MEM) break;  // try again when something is acked
      if (err != ERR_OK) {
        close(c, true);
        return false;
      }
    }
    if (!in_head && c.body_kind == BodyKind::kDocument) {
      // A later part that began inside what was just queued: the next slice resumes
      // there, hashing from it (what was queued of it is in `src`).
      if (next_part_at > c.part_at && next_part_at >= offset && next_part_at <= offset + n) {
        c.part = next_part;
        c.part_at = next_part_at;
        c.part_hash = fnv1a(kFnv1aBasis, {src + (next_part_at - offset), offset + n - next_part_at});
      } else {
        c.part_hash = fnv1a(c.part_hash, {src, n});
      }
    }
    c.sent += n;
  }
  tcp_output(c.pcb);
  if (c.sent >= total) return !finish(c);
  return true;
}

bool HttpServer::finish(Connection& c) {
  c.answered = true;
  if (c.keep_alive) {
    reset_for_next_request(c);
    return false;
  }
  // Refused before its end was read: the client may still be sending.
  if (c.early_status != 0) return linger(c);
  return close(c, false);
}

namespace {

// A lingering pcb's data: dropped, the window given back. The client's FIN ends it.
err_t drain_recv(void*, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
  if (p == nullptr || err != ERR_OK) {
    if (p != nullptr) pbuf_free(p);
    tcp_recv(pcb, nullptr);
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    return ERR_OK;
  }
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

// The second poll (2-4 s on) ends a client that never stops sending.
err_t drain_poll(void* arg, struct tcp_pcb* pcb) {
  if (arg == nullptr) {
    tcp_arg(pcb, reinterpret_cast<void*>(uintptr_t{1}));
    return ERR_OK;
  }
  tcp_abort(pcb);
  return ERR_ABRT;
}

}  // namespace

bool HttpServer::linger(Connection& c) {
  // Closed at once, lwIP answers the client's next segment with a reset, and a client
  // still sending the body loses the answer too: a browser's fetch shows a network
  // error where the box said 401, curl "connection reset". So the send side ends
  // (FIN after the answer) and the pcb reads and drops what still comes, for 2-4 s at
  // most, on its own: the connection's slot is free at once, and at the lowest
  // priority a probe that needs a pcb takes this one first (tcp_kill_prio).
  if (c.pcb == nullptr) return close(c, false);
  if (c.tls_in != nullptr) tcp_recved(c.pcb, c.tls_in->tot_len);  // dropped with the session
  struct tcp_pcb* pcb = detach(c, true);
  tcp_recv(pcb, drain_recv);
  tcp_poll(pcb, drain_poll, kLingerPollTicks);
  tcp_setprio(pcb, TCP_PRIO_MIN);
  ++lingered_;
  if (tcp_shutdown(pcb, 0, 1) != ERR_OK) {
    tcp_abort(pcb);
    return true;
  }
  return false;
}

struct tcp_pcb* HttpServer::detach(Connection& c, bool notify) {
  if (heap_waiter_ == &c) heap_waiter_ = nullptr;
  abandon_pending(c);
  release_buffers(c);
  tls_release(c, notify);
  struct tcp_pcb* pcb = c.pcb;
  if (pcb != nullptr) {
    tcp_arg(pcb, nullptr);
    tcp_recv(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
  }
  c.pcb = nullptr;
  c.state = State::kHead;
  c.buf_len = 0;
  return pcb;
}

bool HttpServer::close(Connection& c, bool abort) {
  struct tcp_pcb* pcb = detach(c, !abort);
  if (pcb == nullptr) return false;
  if (abort || tcp_close(pcb) != ERR_OK) {
    tcp_abort(pcb);
    return true;
  }
  return false;
}

bool HttpServer::holds_queued(const Connection& c) {
  return c.pcb != nullptr && tcp_sndbuf(c.pcb) < TCP_SND_BUF;
}

size_t HttpServer::send_room(const Connection& c) {
  const size_t buffer = tcp_sndbuf(c.pcb);
  const bool holds = holds_queued(c);
  size_t heap = web_send_room({MEM_SIZE, lwip_stats.mem.used}, kProbeReserveBytes, kWriteOverhead);
  // While a connection with nothing queued waits for the heap, those that hold some
  // add no more: what is freed goes to it, not to a reader that may never read.
  if (heap_waiter_ != nullptr && heap_waiter_ != &c && holds) heap = 0;
  if (heap >= buffer) {
    if (heap_waiter_ == &c) heap_waiter_ = nullptr;
    return buffer;
  }
  if (!heap_wanted_) ++heap_waits_;
  heap_wanted_ = true;
  if (heap > 0 && heap_waiter_ == &c) heap_waiter_ = nullptr;  // it goes now
  if (heap == 0 && !holds && heap_waiter_ == nullptr) heap_waiter_ = &c;
  return heap;
}

bool HttpServer::keep_out_of_the_receive_pool(Connection& c) {
  if (c.pcb == nullptr || c.tls_in == nullptr || pbuf_clen(c.tls_in) <= kHeldFrames) return false;
  if (c.tls_slot < 0) {
    // Waiting for a session: the connection's buffer is unused until its first
    // plaintext, and takes the earliest bytes (a ClientHello) out of the pool.
    const size_t room = sizeof(c.buf) - c.stash_len;
    const size_t want = c.tls_in->tot_len < room ? c.tls_in->tot_len : room;
    const u16_t n = pbuf_copy_partial(c.tls_in, c.buf + c.stash_len, static_cast<u16_t>(want), 0);
    c.stash_len = static_cast<uint16_t>(c.stash_len + n);
    c.tls_in = pbuf_free_header(c.tls_in, n);
    ++receive_stashed_;
    if (c.tls_in == nullptr || pbuf_clen(c.tls_in) <= kHeldFrames) return false;
  }
  // More waits unread than a ClientHello, or than a client sends while its answer
  // goes out: no client needs that.
  return close(c, true);
}

void HttpServer::free_heap_from_a_stalled_reader(int64_t now) {
  Connection* stalled = nullptr;
  for (Connection& c : connections_) {
    if (c.state != State::kResponding || now - c.since < kEvictStalledUs || !holds_queued(c)) continue;
    if (stalled == nullptr || c.since < stalled->since) stalled = &c;
  }
  if (stalled == nullptr) return;
  ++evicted_;
  close(*stalled, true);  // an abort frees its queued segments at once
}

void HttpServer::poll() {
  int64_t now = clock_->now();
  if (heap_wanted_) {
    heap_wanted_ = false;
    free_heap_from_a_stalled_reader(now);
  }
  for (Connection& c : connections_) {
    if (c.pcb == nullptr) continue;
    if (c.tls && c.tls_slot >= 0 && tls_hold_ && c.state == State::kHead && c.buf_len == 0 && c.tls_open &&
        c.tls_in == nullptr) {
      close(c, false);  // a new identity waits for every session to end
      continue;
    }
    // HTTPS: a session to start, a handshake or a request to read on.
    if (c.tls && (c.state == State::kHead || c.state == State::kBody) && tls_pump(c)) continue;
    if (c.pcb == nullptr) continue;
    switch (c.state) {
      case State::kHead:
        if (c.tls && c.tls_slot >= 0 && !c.tls_open && now - c.since > kHeadTimeoutUs) close(c, true);
        else if (c.buf_len == 0 && now - c.since > kIdleTimeoutUs) close(c, false);
        else if (c.buf_len > 0 && now - c.since > kHeadTimeoutUs) close(c, true);
        break;
      case State::kBody:
        if (now - c.since > kBodyTimeoutUs) close(c, true);
        break;
      case State::kReady:
      case State::kPending:
        begin_response(c);
        // Still pending: nothing to send yet (push() would take the empty answer as done).
        if (c.pcb != nullptr && c.state == State::kResponding) push(c);
        break;
      case State::kResponding:
        if (now - c.since > kSendStallUs) close(c, true);
        else push(c);
        break;
    }
  }
}

}  // namespace probebox
