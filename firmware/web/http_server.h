// A small HTTP/1.1 server on lwIP's raw TCP API: a fixed pool of connections with
// keep-alive. Each connection owns one bounded buffer: the request head and a small
// body (a login, a password change: at most kConnectionBuffer minus the head) arrive
// in it, then the response head and a small body leave from it. There is no body
// buffer: an upload (a config, a certificate; up to kMaxRequestBody) goes to the
// handler a piece at a time as it arrives (into flash), one upload at a time, and
// only for a request the handler admits on its head (an admin session, before any
// byte of the body). Large documents are never staged: they are rendered again, a
// slice at a time, as the client's TCP send buffer drains, each slice from the part
// the last one ended in (TextBuffer::next_part). The handler renders the same bytes
// for the same state, and the box keeps that state still while one streams
// (monitor/result_hold.h); a part that changed while partly sent, or a length no
// longer kept, ends the connection rather than mix two states. Static assets are
// sent from flash without a copy. Every state has a deadline, and when the pool is
// full a new connection takes the slot of an idle, incomplete or stalled one, the
// oldest first, so a crowd of slow clients cannot lock the admin out.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "core/text.h"
#include "hal/clock.h"
#include "lwip/tcp.h"
#include "mbedtls/ssl.h"
#include "web/handshake_budget.h"
#include "web/http_request.h"

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
  // A document the server renders itself, in slices, instead of `body` (ids are the
  // handler's; 0 is none), as of these times so every slice renders the same bytes.
  uint8_t document = 0;
  int64_t document_mono_us = 0;
  int64_t document_wall_us = -1;  // -1: the wall clock was not set
  // The answer is not ready (a login's password check runs in slices): the server
  // keeps the request and calls handle() again at its next poll, with `ticket` as
  // the handler left it; nothing else of the response is used. If the connection
  // ends first, the server calls HttpHandler::abandon(ticket).
  bool pending = false;
  uint32_t ticket = 0;
};

class HttpHandler {
 public:
  virtual void handle(const HttpRequest& request, HttpResponse& response) = 0;
  // Renders a document named by handle() into `out` (possibly a window of it).
  virtual void render(uint8_t document, int64_t mono_us, int64_t wall_us, TextBuffer& out) = 0;
  // Decided on the head, before any byte of a body: kStreamBody when the body goes
  // to body_piece() as it arrives (an upload; one at a time box-wide), kInlineBody
  // when it arrives in the connection's own buffer (413 when it does not fit), else
  // the status to refuse the request with (401, 403, 400). No side effects.
  static constexpr int kStreamBody = 0;
  static constexpr int kInlineBody = -1;
  virtual int stream_body(const HttpRequest& request) = 0;
  // A streamed body begins (0), or is refused (413, 503: the status); then its
  // pieces, in order (false: they cannot be kept, the request is answered 503); the
  // request is then handled with HttpRequest::body_streamed. A body that never
  // completes (the connection closed or timed out) ends in body_abandoned().
  virtual int begin_body(const HttpRequest& request) = 0;
  virtual bool body_piece(std::string_view bytes) = 0;
  virtual void body_abandoned() {}
  // The connection of a pending request (HttpResponse::pending) ended before its
  // answer: stop the work `ticket` names.
  virtual void abandon(uint32_t /*ticket*/) {}

 protected:
  ~HttpHandler() = default;
};

class HttpServer {
 public:
  // Each connection's own buffer: request head and small body, then response head
  // and small body.
  static constexpr size_t kConnectionBuffer = 1536;
  // The largest streamed body (a config document of the maximum size).
  static constexpr size_t kMaxRequestBody = PROBEBOX_MAX_CONFIG_BYTES;
  static constexpr int kConnections = PROBEBOX_MAX_HTTP_CONNECTIONS;
  // The whole request head must arrive within this of its first byte (slow-loris).
  static constexpr int64_t kHeadTimeoutUs = 5'000'000;
  // A request body must have arrived within this of its head.
  static constexpr int64_t kBodyTimeoutUs = 10'000'000;
  // A connection with nothing asked (fresh or kept alive) is closed after this long.
  static constexpr int64_t kIdleTimeoutUs = 15'000'000;
  // A response the client stops reading is dropped after this long without progress.
  static constexpr int64_t kSendStallUs = 10'000'000;
  // A responding connection that made no progress for this long may give up its slot.
  static constexpr int64_t kEvictStalledUs = 2'000'000;
  // A pending answer (a login waiting for, or in, its password check) that is not
  // ready within this is answered 503 with Retry-After.
  static constexpr int64_t kPendingTimeoutUs = 10'000'000;
  // The slice rendered at a time (and the room of a handler's inline answer): no
  // more than a connection's TCP send buffer.
  static constexpr size_t kSliceBytes = TCP_SND_BUF < 2048 ? TCP_SND_BUF : 2048;
  // What the server leaves of lwIP's heap for the probes, all its connections
  // together (web/send_room.h): it queues bytes only while that stays free after the
  // write. A connection that waits for the heap takes it from one whose client has
  // not read for kEvictStalledUs.
  static constexpr size_t kProbeReserveBytes = PROBEBOX_LWIP_PROBE_RESERVE_BYTES;
  // HTTPS bytes that wait unread (a ClientHello while another connection has the
  // session, a request while an answer goes out) sit in the receive pool's buffers,
  // one per segment however small, and the pool is every frame's, the probes' replies
  // too: 14 buffers on the target, which one client's tiny segments could hold. A
  // connection keeps at most kHeldFrames of them: past that, one waiting for a session
  // moves the earliest bytes into its own buffer (a ClientHello fits), and one that
  // still has more waiting, or that is answering, is dropped.
  static constexpr int kHeldFrames = 3;

  bool start(uint16_t port, HttpHandler& handler, hal::Clock& clock);
  // HTTPS: a second listener whose connections speak TLS (`conf`: the box's identity)
  // through the same connection pool and buffers. At most kTlsSessions at once: a
  // connection beyond them waits, unread (TCP's window holds the client back), until
  // one frees; an idle kept-alive HTTPS connection gives its session up to it.
  static constexpr int kTlsSessions = PROBEBOX_TLS_SERVER_SESSIONS;
  bool start_tls(uint16_t port, mbedtls_ssl_config* conf);
  // Plain-HTTP requests (all but served_over_plain_http()) are answered 301 to the
  // same path on https at this port, as the client sees it (0: no redirect).
  void set_https_redirect(uint16_t public_port) { redirect_port_ = public_port; }
  // A new identity is coming: no new TLS session starts and idle ones are closed
  // until tls_sessions_active() is 0; then set_tls_config() and hold_tls(false).
  void hold_tls(bool hold) { tls_hold_ = hold; }
  int tls_sessions_active() const;
  void set_tls_config(mbedtls_ssl_config* conf) { tls_conf_ = conf; }
  uint32_t tls_handshakes() const { return tls_handshakes_; }
  uint32_t tls_handshakes_failed() const { return tls_failed_; }
  // The most the server pool held while no session was open: anything but 0 is a
  // session's memory that outlived it (a key that grew in a handshake), which the
  // next session's buffers would have to fit around.
  size_t tls_pool_held_idle() const { return tls_pool_held_idle_; }
  // Connections that waited for the processor share full handshakes may take
  // (web/handshake_budget.h) before their session could start.
  uint32_t handshake_budget_waits() const { return handshake_budget_waits_; }
  // Connections refused before their request's end that were read to their end (or 2-4 s).
  uint32_t lingered() const { return lingered_; }
  void poll();
  uint32_t requests_served() const { return served_; }
  uint32_t connections_refused() const { return refused_; }
  uint32_t connections_evicted() const { return evicted_; }
  // Documents begun, and those cut because the state behind them changed mid-stream.
  uint32_t documents_streamed() const { return documents_streamed_; }
  uint32_t documents_cut() const { return documents_cut_; }
  // Times a connection's unread HTTPS bytes were moved out of the receive pool.
  uint32_t receive_stashed() const { return receive_stashed_; }
  // Main-loop passes in which a connection waited because lwIP's heap was down to
  // the probes' reserve.
  uint32_t heap_waits() const { return heap_waits_; }
  // A document is on its way out: each slice is rendered again from the live state,
  // so the caller should keep that state still until it ends (monitor/result_hold.h).
  bool streaming_document() const;
  // A request waits for work done in slices: the board should step again at once
  // rather than sleep until the next packet or timer.
  bool has_pending() const;
  // Connections open (each has deadlines poll() watches).
  int open_connections() const;

 private:
  enum class State : uint8_t { kHead, kBody, kReady, kPending, kResponding };
  enum class BodyKind : uint8_t { kInline, kStatic, kDocument };
  struct Connection {
    struct tcp_pcb* pcb = nullptr;
    State state = State::kHead;
    char buf[kConnectionBuffer];
    size_t buf_len = 0;
    int early_status = 0;         // an answer decided while reading (400, 401, 413, 431, 503, ...)
    HttpRequest request;
    size_t body_len = 0;
    bool body_streamed = false;   // the body goes to the handler (HttpHandler::stream_body)
    bool keep_alive = false;
    // What is being sent: the HTTP head (in `buf`), then the body.
    BodyKind body_kind = BodyKind::kInline;
    size_t out_head_len = 0;
    size_t out_body_len = 0;
    const uint8_t* static_body = nullptr;
    uint8_t document = 0;
    int64_t document_mono_us = 0;
    int64_t document_wall_us = -1;
    // A document's slices resume where the part holding the last one's end began
    // (TextBuffer::next_part): its index, its offset, and the FNV-1a of the bytes
    // queued from there, which the next render must repeat.
    uint32_t part = 0;
    size_t part_at = 0;
    uint64_t part_hash = 0;
    size_t sent = 0;              // bytes of head + body queued to lwIP
    int64_t since = 0;            // accept, first byte of a request, or last progress
    bool answered = false;        // a request was answered on it (it may be parked, idle)
    uint32_t ticket = 0;          // the handler's work for a pending request
    int64_t pending_since = 0;
    HttpServer* server = nullptr;
    // HTTPS: the connection came to the TLS listener. Its TCP data waits in `tls_in`
    // (acknowledged to TCP only as mbedTLS reads it) until it has a session.
    bool tls = false;
    bool tls_open = false;        // handshake done
    bool peer_closed = false;
    int8_t tls_slot = -1;         // its session in tls_, -1 while it has none
    struct pbuf* tls_in = nullptr;
    // Bytes that waited for a session, moved out of the receive pool into `buf` (which
    // holds nothing else until the session's first plaintext): read from stash_at.
    uint16_t stash_at = 0;
    uint16_t stash_len = 0;
    size_t tls_write_n = 0;       // a record mbedTLS holds half-sent: repeat this length
    bool budget_waited = false;   // counted once in handshake_budget_waits()
  };

  // A listening pcb on `port` whose connections go to `on_connection` (nullptr: no pcb).
  struct tcp_pcb* listen(uint16_t port, tcp_accept_fn on_connection);
  static err_t on_accept(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_accept_tls(void* arg, struct tcp_pcb* pcb, err_t err);
  err_t accept(struct tcp_pcb* pcb, bool tls);
  static int bio_send(void* ctx, const unsigned char* buf, size_t len);
  static int bio_recv(void* ctx, unsigned char* buf, size_t len);
  // Runs the handshake and reads what plaintext the request needs; true when the
  // pcb had to be aborted.
  bool tls_pump(Connection& c);
  bool tls_attach(Connection& c);
  // Ends a connection whose request was refused before its end arrived: the answer
  // goes out, then the rest is read and dropped for a while (http_server.cpp).
  bool linger(Connection& c);
  // What close() and linger() share: the connection's buffers, handler work and TLS
  // session let go (close_notify sent when `notify`), its pcb unhooked and returned.
  struct tcp_pcb* detach(Connection& c, bool notify);
  // lwIP's slow timer ticks (500 ms) between a lingering pcb's polls.
  static constexpr u8_t kLingerPollTicks = 4;
  // True when another connection that came earlier already waits for the handshake budget.
  bool waits_behind_another(const Connection& c) const;
  void tls_release(Connection& c, bool notify);
  // Writes through TLS all at once (the send buffer has room); false on failure.
  bool tls_write_all(Connection& c, const char* data, size_t len);
  bool peer_done(Connection& c);  // true when the pcb was aborted
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static err_t on_sent(void* arg, struct tcp_pcb* pcb, u16_t len);
  static void on_error(void* arg, err_t err);

  Connection* slot_for_new(int64_t now);
  void receive(Connection& c, const char* data, size_t len);
  void head_complete(Connection& c);
  // A streamed body that cannot be kept: answered `status` at once, the rest unread.
  void refuse_body(Connection& c, int status);
  void begin_response(Connection& c);
  // Queues what fits; returns false if the connection was aborted.
  bool push(Connection& c);
  // Bytes `c` may queue now: its TCP send buffer, within the heap the probes leave.
  // When the heap is the limit, the wait is noted for poll().
  size_t send_room(const Connection& c);
  // lwIP holds bytes queued on `c` that its client has not acknowledged.
  static bool holds_queued(const Connection& c);
  // Someone waits for the heap: the connection holding queued bytes whose client has
  // read nothing for kEvictStalledUs, the longest stalled, is dropped (its bytes freed).
  void free_heap_from_a_stalled_reader(int64_t now);
  // Moves what waits in tls_in out of the receive pool, or drops the connection
  // (kHeldFrames); true when the pcb was aborted.
  bool keep_out_of_the_receive_pool(Connection& c);
  // TLS bytes wait to be read, in the pool or in the connection's buffer.
  static bool tls_waiting(const Connection& c);
  bool finish(Connection& c);
  // Returns true when the pcb had to be aborted (a callback must then return ERR_ABRT).
  bool close(Connection& c, bool abort);
  void release_buffers(Connection& c);
  void reset_for_next_request(Connection& c);
  void abandon_pending(Connection& c);

  struct tcp_pcb* listener_ = nullptr;
  struct tcp_pcb* tls_listener_ = nullptr;
  mbedtls_ssl_config* tls_conf_ = nullptr;
  mbedtls_ssl_context tls_[kTlsSessions];
  Connection* tls_owner_[kTlsSessions] = {};
  bool tls_hold_ = false;
  uint16_t redirect_port_ = 0;
  uint32_t tls_handshakes_ = 0;
  uint32_t tls_failed_ = 0;
  size_t tls_pool_held_idle_ = 0;
  HandshakeBudget handshake_budget_;
  uint32_t handshake_budget_waits_ = 0;
  uint32_t lingered_ = 0;
  HttpHandler* handler_ = nullptr;
  hal::Clock* clock_ = nullptr;
  Connection connections_[kConnections];
  Connection* body_owner_ = nullptr;  // the connection whose body streams to the handler
  // Scratch for one handler call or one rendered slice, never held between calls.
  char scratch_[kSliceBytes + 1];
  uint32_t served_ = 0;
  uint32_t refused_ = 0;
  uint32_t evicted_ = 0;
  uint32_t documents_streamed_ = 0;
  uint32_t documents_cut_ = 0;
  uint32_t heap_waits_ = 0;
  uint32_t receive_stashed_ = 0;
  bool heap_wanted_ = false;  // a connection waited for the heap since the last poll()
  // The connection with nothing queued that waits for the heap: served first.
  const Connection* heap_waiter_ = nullptr;
};

}  // namespace probebox
