// A small HTTP/1.1 server on lwIP's raw TCP API: fixed connection pool, bounded
// request head, one shared response buffer (responses are produced one at a time;
// a connection whose turn has not come waits with its request parsed).
#pragma once
#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "core/text.h"
#include "hal/clock.h"
#include "lwip/tcp.h"
#include "web/http_request.h"

#ifndef PROBEBOX_RESPONSE_BYTES
#define PROBEBOX_RESPONSE_BYTES (96 * 1024)
#endif

namespace probebox {

struct HttpResponse {
  int status = 200;
  const char* content_type = "application/json";
  TextBuffer& body;
};

class HttpHandler {
 public:
  virtual void handle(const HttpRequest& request, HttpResponse& response) = 0;

 protected:
  ~HttpHandler() = default;
};

class HttpServer {
 public:
  static constexpr size_t kMaxRequestHead = 2048;
  static constexpr int kConnections = PROBEBOX_MAX_HTTP_CONNECTIONS;
  // A connection that has not sent a whole request by then is dropped (slow-loris).
  static constexpr int64_t kRequestTimeoutUs = 10'000'000;

  bool start(uint16_t port, HttpHandler& handler, hal::Clock& clock);
  void poll();
  uint32_t requests_served() const { return served_; }

 private:
  struct Connection {
    struct tcp_pcb* pcb = nullptr;
    char head[kMaxRequestHead];
    size_t head_len = 0;
    bool request_complete = false;
    bool responding = false;  // owns the shared response buffer
    size_t sent = 0;          // bytes of the response queued to lwIP
    int64_t accepted_at = 0;
    HttpServer* server = nullptr;
  };

  static err_t on_accept(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static err_t on_sent(void* arg, struct tcp_pcb* pcb, u16_t len);
  static void on_error(void* arg, err_t err);

  void begin_response(Connection& c);
  // Queues what fits; returns false if the connection was aborted.
  bool push(Connection& c);
  void close(Connection& c, bool abort);

  struct tcp_pcb* listener_ = nullptr;
  HttpHandler* handler_ = nullptr;
  hal::Clock* clock_ = nullptr;
  Connection connections_[kConnections];
  char response_buf_[PROBEBOX_RESPONSE_BYTES];
  size_t response_len_ = 0;
  bool response_busy_ = false;
  uint32_t served_ = 0;
};

}  // namespace probebox
