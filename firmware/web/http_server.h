// A small HTTP/1.1 server on lwIP's raw TCP API: a fixed pool of connections with
// keep-alive, a bounded request head per connection, one shared request-body
// buffer (bodies are config documents: one arrives at a time, a second gets 503)
// and one shared response buffer (responses are rendered one at a time; a
// connection whose turn has not come waits with its request parsed). Static assets
// are sent from flash without a copy.
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
  explicit HttpResponse(TextBuffer& out) : body(out) {}
  // Back to a fresh 200 with an empty body (headers dropped too).
  void reset();

  int status = 200;
  const char* content_type = "application/json";
  TextBuffer& body;
  // Extra header lines, each ending in CRLF (Set-Cookie, Retry-After, ...). Only
  // the handler writes them, from values it produced itself.
  FixedText<384> headers;
  // A body in read-only memory (a static asset) instead of `body`.
  const uint8_t* static_body = nullptr;
  size_t static_length = 0;
  const char* content_encoding = nullptr;
  const char* cache_control = "no-store";
  bool close_connection = false;
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
  // A config document of the maximum size, with room for JSON escaping slack.
  static constexpr size_t kMaxRequestBody = PROBEBOX_MAX_CONFIG_BYTES;
  static constexpr int kConnections = PROBEBOX_MAX_HTTP_CONNECTIONS;
  // A request that has not fully arrived by then is dropped (slow-loris).
  static constexpr int64_t kRequestTimeoutUs = 10'000'000;
  // An idle keep-alive connection is closed after this long.
  static constexpr int64_t kIdleTimeoutUs = 15'000'000;

  bool start(uint16_t port, HttpHandler& handler, hal::Clock& clock);
  void poll();
  uint32_t requests_served() const { return served_; }
  uint32_t connections_refused() const { return refused_; }

 private:
  enum class State : uint8_t { kHead, kBody, kReady, kResponding };
  struct Connection {
    struct tcp_pcb* pcb = nullptr;
    State state = State::kHead;
    char head[kMaxRequestHead];
    size_t head_len = 0;
    int early_status = 0;         // an answer decided while reading (400, 413, 431, 503)
    HttpRequest request;
    size_t body_len = 0;
    bool keep_alive = false;
    // What is being sent: the HTTP head (in `head`, reused), then the body.
    size_t out_head_len = 0;
    const uint8_t* out_body = nullptr;
    size_t out_body_len = 0;
    bool out_body_is_static = false;
    size_t sent = 0;              // bytes of head + body queued to lwIP
    int64_t request_started_at = 0;
    int64_t idle_since = 0;
    HttpServer* server = nullptr;
  };

  static err_t on_accept(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static err_t on_sent(void* arg, struct tcp_pcb* pcb, u16_t len);
  static void on_error(void* arg, err_t err);

  void receive(Connection& c, struct pbuf* p);
  void head_complete(Connection& c);
  void begin_response(Connection& c);
  // Queues what fits; returns false if the connection was aborted.
  bool push(Connection& c);
  bool finish(Connection& c);
  // Returns true when the pcb had to be aborted (a callback must then return ERR_ABRT).
  bool close(Connection& c, bool abort);
  void release_buffers(Connection& c);
  void reset_for_next_request(Connection& c);

  struct tcp_pcb* listener_ = nullptr;
  HttpHandler* handler_ = nullptr;
  hal::Clock* clock_ = nullptr;
  Connection connections_[kConnections];
  char body_buf_[kMaxRequestBody];
  Connection* body_owner_ = nullptr;
  char response_buf_[PROBEBOX_RESPONSE_BYTES];
  Connection* response_owner_ = nullptr;
  uint32_t served_ = 0;
  uint32_t refused_ = 0;
};

}  // namespace probebox
