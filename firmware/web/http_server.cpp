#include "web/http_server.h"

#include <cstring>

namespace probebox {
namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
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
    case 411: return "{\"error\":\"a request body needs Content-Length\"}";
    case 413: return "{\"error\":\"request body larger than the box accepts\"}";
    case 431: return "{\"error\":\"request head too large\"}";
    case 503: return "{\"error\":\"another request body is arriving; retry\"}";
    default: return "{\"error\":\"request refused\"}";
  }
}

// Responses may not outlive a client that stops reading: the shared buffer is
// released when this runs out.
constexpr int64_t kResponseTimeoutUs = 30'000'000;

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
}

bool HttpServer::start(uint16_t port, HttpHandler& handler, hal::Clock& clock) {
  handler_ = &handler;
  clock_ = &clock;
  struct tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == nullptr) return false;
  if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
    tcp_close(pcb);
    return false;
  }
  listener_ = tcp_listen_with_backlog(pcb, kConnections);
  if (listener_ == nullptr) {
    tcp_close(pcb);
    return false;
  }
  tcp_arg(listener_, this);
  tcp_accept(listener_, on_accept);
  return true;
}

err_t HttpServer::on_accept(void* arg, struct tcp_pcb* pcb, err_t err) {
  auto* self = static_cast<HttpServer*>(arg);
  if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
  Connection* slot = nullptr;
  Connection* idle = nullptr;
  for (Connection& c : self->connections_) {
    if (c.pcb == nullptr) {
      slot = &c;
      break;
    }
    // Browsers park keep-alive connections; the oldest idle one makes room.
    if (c.state == State::kHead && c.head_len == 0 && (idle == nullptr || c.idle_since < idle->idle_since)) idle = &c;
  }
  if (slot == nullptr && idle != nullptr) {
    self->close(*idle, false);
    slot = idle;
  }
  if (slot == nullptr) {
    ++self->refused_;
    tcp_abort(pcb);  // pool full of live requests: refuse rather than queue unboundedly
    return ERR_ABRT;
  }
  Connection& c = *slot;
  c.pcb = pcb;
  c.server = self;
  self->reset_for_next_request(c);
  c.request_started_at = self->clock_->now();
  tcp_arg(pcb, &c);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_error);
  return ERR_OK;
}

void HttpServer::reset_for_next_request(Connection& c) {
  c.state = State::kHead;
  c.head_len = 0;
  c.early_status = 0;
  c.request = HttpRequest{};
  c.body_len = 0;
  c.keep_alive = false;
  c.out_head_len = 0;
  c.out_body = nullptr;
  c.out_body_len = 0;
  c.out_body_is_static = false;
  c.sent = 0;
  c.idle_since = clock_->now();
  c.request_started_at = c.idle_since;
}

err_t HttpServer::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) {  // already detached
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr || err != ERR_OK) {  // the peer is done sending
    if (p != nullptr) pbuf_free(p);
    c->keep_alive = false;
    if (c->state == State::kHead || c->state == State::kBody) return c->server->close(*c, false) ? ERR_ABRT : ERR_OK;
    return ERR_OK;  // an answer is owed or on its way: finish it, then close
  }
  tcp_recved(pcb, p->tot_len);
  c->server->receive(*c, p);
  pbuf_free(p);
  return ERR_OK;
}

void HttpServer::receive(Connection& c, struct pbuf* p) {
  size_t offset = 0;
  if (c.state == State::kHead) {
    if (c.head_len == 0) c.request_started_at = clock_->now();
    size_t room = kMaxRequestHead - c.head_len;
    size_t n = p->tot_len < room ? p->tot_len : room;
    pbuf_copy_partial(p, c.head + c.head_len, static_cast<u16_t>(n), 0);
    // Search from a little before the new bytes: the blank line may straddle pbufs.
    size_t from = c.head_len > 3 ? c.head_len - 3 : 0;
    c.head_len += n;
    offset = n;
    std::string_view head(c.head, c.head_len);
    if (head.find("\r\n\r\n", from) != std::string_view::npos) {
      head_complete(c);
    } else if (c.head_len == kMaxRequestHead) {
      c.early_status = 431;
      c.keep_alive = false;
      c.state = State::kReady;
      return;
    } else {
      return;
    }
  }
  if (c.state == State::kBody) {
    size_t want = c.request.content_length - c.body_len;
    size_t have = p->tot_len - offset;
    size_t n = have < want ? have : want;
    pbuf_copy_partial(p, body_buf_ + c.body_len, static_cast<u16_t>(n), static_cast<u16_t>(offset));
    c.body_len += n;
    offset += n;
    if (c.body_len == c.request.content_length) c.state = State::kReady;
  }
  // Bytes beyond the request: pipelining is not supported, so the connection closes
  // after this answer and the client retries the rest on a new one.
  if (offset < p->tot_len) c.keep_alive = false;
}

void HttpServer::head_complete(Connection& c) {
  c.state = State::kReady;
  if (!parse_request_head({c.head, c.head_len}, c.request).ok()) {
    c.early_status = 400;
    return;
  }
  c.request.remote_ipv4 = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&c.pcb->remote_ip)));
  c.keep_alive = !c.request.http10 && !c.request.connection_close;
  if (c.request.chunked) {
    c.early_status = 411;
  } else if (c.request.content_length > kMaxRequestBody) {
    c.early_status = 413;
  } else if (c.request.content_length > 0 && body_owner_ != nullptr && body_owner_ != &c) {
    c.early_status = 503;
  }
  if (c.early_status != 0) {
    c.keep_alive = false;
    return;
  }
  size_t leftover = c.head_len - c.request.head_length;
  if (c.request.content_length == 0) {
    if (leftover > 0) c.keep_alive = false;
    return;
  }
  body_owner_ = &c;
  size_t n = leftover < c.request.content_length ? leftover : c.request.content_length;
  std::memcpy(body_buf_, c.head + c.request.head_length, n);
  c.body_len = n;
  if (leftover > n) c.keep_alive = false;
  if (c.body_len < c.request.content_length) c.state = State::kBody;
}

err_t HttpServer::on_sent(void* arg, struct tcp_pcb*, u16_t) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return ERR_OK;
  if (c->state == State::kResponding && !c->server->push(*c)) return ERR_ABRT;
  return ERR_OK;
}

void HttpServer::on_error(void* arg, err_t) {
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return;
  c->pcb = nullptr;  // already freed by lwIP
  c->server->release_buffers(*c);
  c->state = State::kHead;
  c->head_len = 0;
}

void HttpServer::release_buffers(Connection& c) {
  if (body_owner_ == &c) body_owner_ = nullptr;
  if (response_owner_ == &c) response_owner_ = nullptr;
}

void HttpServer::begin_response(Connection& c) {
  response_owner_ = &c;
  SpanText body(response_buf_, sizeof(response_buf_) - 1);
  HttpResponse response(body);
  if (c.early_status != 0) {
    response.status = c.early_status;
    body.assign(early_message(c.early_status));
    if (c.early_status == 503) response.headers.append("Retry-After: 1\r\n");
  } else {
    if (c.request.content_length > 0) c.request.body = std::string_view(body_buf_, c.body_len);
    handler_->handle(c.request, response);
  }
  if (body_owner_ == &c) body_owner_ = nullptr;
  if (body.overflowed() || response.headers.overflowed()) {
    response.reset();
    response.status = 500;
    body.assign("{\"error\":\"response larger than the firmware's buffer\"}");
  }
  if (response.close_connection) c.keep_alive = false;
  bool is_static = response.static_body != nullptr;
  size_t body_len = is_static ? response.static_length : body.size();

  // The request has been handled: its head buffer now holds the response head.
  SpanText head(c.head, sizeof(c.head));
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
  c.out_body = is_static ? response.static_body : reinterpret_cast<const uint8_t*>(response_buf_);
  c.out_body_len = body_len;
  c.out_body_is_static = is_static;
  if (is_static) response_owner_ = nullptr;
  c.sent = 0;
  c.state = State::kResponding;
  ++served_;
}

bool HttpServer::push(Connection& c) {
  if (c.pcb == nullptr) return true;
  size_t total = c.out_head_len + c.out_body_len;
  while (c.sent < total) {
    size_t room = tcp_sndbuf(c.pcb);
    if (room == 0) break;
    bool in_head = c.sent < c.out_head_len;
    const uint8_t* src = in_head ? reinterpret_cast<const uint8_t*>(c.head) + c.sent : c.out_body + (c.sent - c.out_head_len);
    size_t n = in_head ? c.out_head_len - c.sent : total - c.sent;
    if (n > room) n = room;
    if (n > 0xFFFF) n = 0xFFFF;
    // Static assets stay in flash until acked; everything else is copied so the
    // shared buffer can serve the next response at once.
    u8_t flags = (in_head || !c.out_body_is_static) ? TCP_WRITE_FLAG_COPY : 0;
    if (c.sent + n < total) flags |= TCP_WRITE_FLAG_MORE;
    err_t err = tcp_write(c.pcb, src, static_cast<u16_t>(n), flags);
    if (err == ERR_MEM) break;  // try again when something is acked
    if (err != ERR_OK) {
      close(c, true);
      return false;
    }
    c.sent += n;
  }
  tcp_output(c.pcb);
  if (c.sent >= total) return !finish(c);
  return true;
}

bool HttpServer::finish(Connection& c) {
  if (response_owner_ == &c) response_owner_ = nullptr;
  if (c.keep_alive) {
    reset_for_next_request(c);
    return false;
  }
  return close(c, false);
}

bool HttpServer::close(Connection& c, bool abort) {
  release_buffers(c);
  bool aborted = false;
  if (c.pcb != nullptr) {
    tcp_arg(c.pcb, nullptr);
    tcp_recv(c.pcb, nullptr);
    tcp_sent(c.pcb, nullptr);
    tcp_err(c.pcb, nullptr);
    if (abort || tcp_close(c.pcb) != ERR_OK) {
      tcp_abort(c.pcb);
      aborted = true;
    }
  }
  c.pcb = nullptr;
  c.state = State::kHead;
  c.head_len = 0;
  return aborted;
}

void HttpServer::poll() {
  int64_t now = clock_->now();
  for (Connection& c : connections_) {
    if (c.pcb == nullptr) continue;
    switch (c.state) {
      case State::kHead:
        if (c.head_len == 0 && now - c.idle_since > kIdleTimeoutUs) close(c, false);
        else if (c.head_len > 0 && now - c.request_started_at > kRequestTimeoutUs) close(c, true);
        break;
      case State::kBody:
        if (now - c.request_started_at > kRequestTimeoutUs) close(c, true);
        break;
      case State::kReady:
        if (response_owner_ == nullptr) {
          begin_response(c);
          push(c);
        }
        break;
      case State::kResponding:
        if (now - c.request_started_at > kResponseTimeoutUs) close(c, true);
        else push(c);
        break;
    }
  }
}

}  // namespace probebox
