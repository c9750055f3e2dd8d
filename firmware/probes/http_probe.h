// `http` check: an HTTP/1.1 GET of the URL over lwIP's altcp (plain TCP now, TLS
// underneath with the TLS issue), the response parsed incrementally and bounded,
// redirects reported and never followed; the verdict rules of spec/checks.md.
#pragma once
#include "lwip/altcp.h"
#include "probes/host_resolver.h"
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
  void conclude();
  void fail(Outcome outcome, std::string_view why);

  static void on_resolved(void* self);
  static err_t on_connected(void* arg, struct altcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct altcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_error(void* arg, err_t err);

  http::Url url_;
  HostResolver resolver_;
  struct altcp_pcb* pcb_ = nullptr;
  http::ResponseParser parser_;
  bool aborted_in_callback_ = false;
};

}  // namespace probebox
