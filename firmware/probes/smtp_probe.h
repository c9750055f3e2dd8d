// `smtp` check: banner, EHLO, STARTTLS when offered (or required), EHLO again, the
// AUTH mechanisms, AUTH PLAIN when a username is set, QUIT (spec/checks.md). Bytes
// go through one reply parser whether they came in clear or out of the TLS session.
#pragma once
#include "lwip/tcp.h"
#include "probes/host_resolver.h"
#include "probes/probe.h"
#include "protocols/smtp_reply.h"

namespace probebox {

class SmtpProbe final : public Probe {
 public:
  enum class Step { kBanner, kEhlo, kStartTls, kHandshake, kEhloTls, kAuth, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void connect();
  void send(std::string_view line);
  void consume(std::span<const uint8_t> bytes);
  void on_reply();
  void after_ehlo();
  void conclude(Outcome outcome, std::string_view why);
  void drive_tls();

  static void on_resolved(void* self);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_error(void* arg, err_t err);

  HostResolver resolver_;
  struct tcp_pcb* pcb_ = nullptr;
  net::TlsClientSession tls_;
  smtp::ReplyParser reply_;
  Step step_ = Step::kBanner;
  FixedText<96> banner_;
  FixedText<96> mechanisms_;  // from the last EHLO reply
  bool auth_plain_ = false;
  bool starttls_offered_ = false;
  bool tls_used_ = false;
  bool peer_closed_ = false;
  int auth_result_ = -1;  // -1 not tried, 0 rejected, 1 accepted
  bool aborted_in_callback_ = false;
};

}  // namespace probebox
