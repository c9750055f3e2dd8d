// `smtp` check: banner, EHLO, STARTTLS when offered (or required), EHLO again, the
// AUTH mechanisms, AUTH PLAIN when a username is set, QUIT (spec/checks.md). Bytes
// go through one reply parser whether they came in clear or out of the TLS session.
// The credentials never go out before the relay's certificate is judged (trusted,
// issued for server_name, in date), and never in clear unless allow_auth_without_tls.
// With an envelope set, the same dialogue goes on to deliver one message (MAIL
// FROM, RCPT TO, DATA): the mail alerts use the check's own connection code.
#pragma once
#include "lwip/tcp.h"
#include "net/host_resolver.h"
#include "probes/probe.h"
#include "protocols/smtp_reply.h"
#include "protocols/x509_summary.h"

namespace probebox {

struct MailEnvelope {
  static constexpr int kMaxRecipients = 8;
  std::string_view from;
  std::string_view to[kMaxRecipients];
  int recipients = 0;
  // The message, headers and body, CRLF lines, dot-stuffed, ending "\r\n.\r\n";
  // small enough for one write (the sender bounds it).
  std::string_view data;
};

class SmtpProbe final : public Probe {
 public:
  enum class Step { kBanner, kEhlo, kStartTls, kHandshake, kEhloTls, kAuth, kMailFrom, kRcptTo, kData, kBody, kDone };
  static constexpr size_t kMaxMessageBytes = 3072;

  // Before start(): deliver this message instead of only checking the relay.
  void set_envelope(const MailEnvelope* envelope) { envelope_ = envelope; }

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void connect();
  void send(std::string_view line);
  void consume(std::span<const uint8_t> bytes);
  void on_reply();
  void after_ehlo();
  void judge_relay_certificate();
  std::string_view expected_name() const;
  // Why AUTH may not be sent on this connection ("" when it may): the policy of checks.md.
  bool credentials_withheld(FixedText<100>& why, Outcome& outcome) const;
  void after_login();
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
  x509::PeerVerdict peer_{};  // the relay's certificate, judged once the handshake is over
  bool aborted_in_callback_ = false;
  const MailEnvelope* envelope_ = nullptr;
  int next_recipient_ = 0;
};

}  // namespace probebox
