// `http` check: an HTTP/1.1 GET of the URL over TCP, or over TLS for https (the
// same trust anchors as tls_cert, the host name checked), the response parsed
// incrementally and bounded, redirects reported and never followed; the verdict
// rules of spec/checks.md. Basic credentials go only over https, after the server's
// certificate is judged good (trusted, for the name, in date), never before.
#pragma once
#include "lwip/tcp.h"
#include "net/host_resolver.h"
#include "probes/probe.h"
#include "protocols/http_response.h"

namespace probebox {

class HttpProbe final : public Probe {
 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void connect();
  void send_request();
  void drive_tls();
  std::string_view tls_name() const;
  std::string_view path() const;  // the request target from the check's url
  void consume(std::span<const uint8_t> bytes);
  void conclude();
  void fail(Outcome outcome, std::string_view why);

  static void on_resolved(void* self);
  static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_error(void* arg, err_t err);

  HostResolver resolver_;
  struct tcp_pcb* pcb_ = nullptr;
  net::TlsClientSession tls_;
  bool request_sent_ = false;
  bool peer_closed_ = false;
  bool connected_ = false;  // a reset before this is a refusal, after it a broken reply
  http::ResponseParser parser_;
  bool aborted_in_callback_ = false;
};

}  // namespace probebox
