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
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

constexpr size_t kHeadRoom = 256;

}  // namespace

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
  for (Connection& c : self->connections_) {
    if (c.pcb != nullptr) continue;
    c.pcb = pcb;
    c.head_len = 0;
    c.request_complete = false;
    c.responding = false;
    c.sent = 0;
    c.accepted_at = self->clock_->now();
    c.server = self;
    tcp_arg(pcb, &c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_error);
    return ERR_OK;
  }
  tcp_abort(pcb);  // pool full: refuse rather than queue unboundedly
  return ERR_ABRT;
}

err_t HttpServer::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
  auto* c = static_cast<Connection*>(arg);
  if (p == nullptr || err != ERR_OK) {  // peer closed
    if (p != nullptr) pbuf_free(p);
    if (!c->responding) {
      c->server->close(*c, false);
    }
    return ERR_OK;
  }
  tcp_recved(pcb, p->tot_len);
  if (!c->request_complete) {
    size_t room = kMaxRequestHead - c->head_len;
    size_t n = p->tot_len < room ? p->tot_len : room;
    pbuf_copy_partial(p, c->head + c->head_len, static_cast<u16_t>(n), 0);
    c->head_len += n;
    std::string_view head(c->head, c->head_len);
    if (head.find("\r\n\r\n") != std::string_view::npos) {
      c->request_complete = true;
    } else if (c->head_len == kMaxRequestHead) {
      // Too long a head: answer 431 and let the normal path close.
      c->request_complete = true;
      c->head_len = 0;
    }
  }
  pbuf_free(p);
  return ERR_OK;
}

err_t HttpServer::on_sent(void* arg, struct tcp_pcb*, u16_t) {
  auto* c = static_cast<Connection*>(arg);
  if (c->responding && !c->server->push(*c)) return ERR_ABRT;
  return ERR_OK;
}

void HttpServer::on_error(void* arg, err_t) {
  auto* c = static_cast<Connection*>(arg);
  c->pcb = nullptr;  // already freed by lwIP
  if (c->responding) c->server->response_busy_ = false;
  c->responding = false;
}

void HttpServer::begin_response(Connection& c) {
  response_busy_ = true;
  c.responding = true;
  c.sent = 0;
  // The body is rendered after room left for the head, then the head is written in
  // front of it: one contiguous buffer, no second copy of the body.
  struct BodyView : TextBuffer {
    BodyView(char* data, size_t cap) : TextBuffer(data, cap) {}
  };
  char* body_start = response_buf_ + kHeadRoom;
  BodyView body(body_start, sizeof(response_buf_) - kHeadRoom - 1);
  HttpResponse response{200, "application/json", body};

  HttpRequest request;
  if (c.head_len == 0) {
    response.status = 431;
    body.assign("{\"error\":\"request head too large\"}");
  } else if (!parse_request_head({c.head, c.head_len}, request).ok()) {
    response.status = 400;
    body.assign("{\"error\":\"malformed request line\"}");
  } else {
    handler_->handle(request, response);
  }
  if (body.overflowed()) {
    response.status = 500;
    body.assign("{\"error\":\"response larger than the firmware's buffer\"}");
  }
  FixedText<kHeadRoom> http_head;
  http_head.appendf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %u\r\n"
                    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                    response.status, reason_phrase(response.status), response.content_type,
                    static_cast<unsigned>(body.size()));
  // Assemble head + body contiguously at the start of the buffer.
  size_t body_len = body.size();
  std::memmove(response_buf_ + http_head.size(), body_start, body_len);
  std::memcpy(response_buf_, http_head.c_str(), http_head.size());
  response_len_ = http_head.size() + body_len;
  ++served_;
}

bool HttpServer::push(Connection& c) {
  if (c.pcb == nullptr) return true;
  while (c.sent < response_len_) {
    size_t room = tcp_sndbuf(c.pcb);
    if (room == 0) break;
    size_t n = response_len_ - c.sent;
    if (n > room) n = room;
    if (n > 0xFFFF) n = 0xFFFF;
    err_t err = tcp_write(c.pcb, response_buf_ + c.sent, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) break;  // try again when something is acked
    if (err != ERR_OK) {
      close(c, true);
      return false;
    }
    c.sent += n;
  }
  tcp_output(c.pcb);
  if (c.sent >= response_len_) close(c, false);
  return true;
}

void HttpServer::close(Connection& c, bool abort) {
  if (c.responding) response_busy_ = false;
  c.responding = false;
  if (c.pcb != nullptr) {
    tcp_arg(c.pcb, nullptr);
    tcp_recv(c.pcb, nullptr);
    tcp_sent(c.pcb, nullptr);
    tcp_err(c.pcb, nullptr);
    if (abort || tcp_close(c.pcb) != ERR_OK) tcp_abort(c.pcb);
  }
  c.pcb = nullptr;
}

void HttpServer::poll() {
  int64_t now = clock_->now();
  for (Connection& c : connections_) {
    if (c.pcb == nullptr) continue;
    if (c.responding) {
      push(c);
    } else if (c.request_complete && !response_busy_) {
      begin_response(c);
      push(c);
    } else if (!c.request_complete && now - c.accepted_at > kRequestTimeoutUs) {
      close(c, true);
    }
  }
}

}  // namespace probebox
