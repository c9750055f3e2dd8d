// One SMTP client dialogue over a TcpLink, shared by the smtp check and the mail
// alerts: banner, EHLO, STARTTLS when offered (or required), EHLO again, the AUTH
// mechanisms, AUTH PLAIN when a username is set, then either QUIT or, with an
// envelope, one message (MAIL FROM, RCPT TO, DATA) and QUIT. Bytes go through one
// reply parser whether they came in clear or out of the TLS session. The
// credentials never go out before the relay's certificate is judged (trusted,
// issued for server_name, in date), and never in clear unless allow_auth_without_tls.
//
// It sits in probes/ because it reads a check's config (config/) and the alerts
// (above probes/) can use it; it neither resolves nor keeps a deadline: its owner
// does both, and reads the verdict (outcome, summary), why it failed (reason(),
// lwip_err(), server_code(), when each phase was reached) and the facts it gathered.
#pragma once
#include <string_view>

#include "config/config_model.h"
#include "core/check_types.h"
#include "core/probe_result.h"
#include "core/text.h"
#include "hal/clock.h"
#include "net/tcp_link.h"
#include "protocols/smtp_reply.h"
#include "protocols/x509_summary.h"

namespace probebox {

// A message written again for each slice it is sent in (SliceText), so that no copy
// of the whole is kept: the same bytes every time while the dialogue runs.
class MailBody {
 public:
  virtual void render(TextBuffer& out) const = 0;

 protected:
  ~MailBody() = default;
};

struct MailEnvelope {
  static constexpr int kMaxRecipients = 8;
  std::string_view from;
  std::string_view to[kMaxRecipients];
  int recipients = 0;
  // The message, headers and body, CRLF lines, dot-stuffed, ending "\r\n.\r\n";
  // small enough for one write (the sender bounds it).
  std::string_view data;
  // Or, when set (then `data` is not read), the same rendered a slice at a time.
  const MailBody* body = nullptr;
};

class SmtpSession final : private net::LinkOwner {
 public:
  enum class State : uint8_t {
    kIdle, kBanner, kEhlo, kStartTls, kHandshake, kEhloTls, kAuth, kMailFrom, kRcptTo, kData, kBody, kDone
  };
  static constexpr size_t kMaxMessageBytes = 3072;
  // A MailBody goes out in slices of this many bytes (each rendered on the stack).
  static constexpr size_t kBodySliceBytes = 512;
  using Done = void (*)(void* owner);

  // What one dialogue reads and where its verdict goes; all of it outlives the run.
  struct Context {
    const CheckConfig* relay = nullptr;  // host, port, starttls, credentials, server_name
    const Config* config = nullptr;      // the texts the relay's fields name
    net::TlsClientConfig* tls = nullptr;
    hal::Clock* clock = nullptr;
    const MailEnvelope* envelope = nullptr;  // null: check the relay, deliver nothing
    TextBuffer* summary = nullptr;           // "<host>: <why>[ (TLS)]", written once, at the end
    void* owner = nullptr;
    Done done = nullptr;  // called once, at the end (may be null: poll state())
  };

  // Forgets the last dialogue and takes the next one's context.
  void begin(const Context& context);
  // Connects to the relay's address and runs the dialogue; nullptr: the relay's
  // name did not resolve (that verdict).
  void connect(const ip_addr_t* address);
  // Ends the dialogue without a verdict (a deadline, a cancel): the one teardown.
  void close();
  // Returns the link's TLS session to net::TlsSessions (a probe's end; the mail
  // alerts keep theirs for the next message).
  void give_back_tls() { link_.give_back_tls(); }
  // Bytes are waiting that lwIP had no memory for (net::TcpLink::starved_for_memory()).
  bool starved_for_memory() const { return link_.starved_for_memory(); }
  // What the dialogue was doing when its owner's deadline passed.
  void describe_timeout(TextBuffer& out, unsigned timeout_ms) const;

  State state() const { return state_; }
  Outcome outcome() const { return outcome_; }
  // What was learnt, for a result's details.
  std::string_view banner() const { return banner_.view(); }
  std::string_view mechanisms() const { return mechanisms_.view(); }  // from the last EHLO reply
  bool auth_plain() const { return auth_plain_; }
  bool tls_used() const { return tls_used_; }
  // The STARTTLS handshake resumed the relay's last session.
  bool tls_resumed() const { return tls_resumed_; }
  // STARTTLS negotiated TLS 1.3 (else 1.2; false without TLS).
  bool tls13() const { return tls13_; }
  int auth_result() const { return auth_result_; }  // -1 not tried, 0 rejected, 1 accepted
  const x509::PeerVerdict& peer() const { return peer_; }
  // Why the outcome is not OK (the first reason found), the lwIP error behind it,
  // the relay's last reply code (0: none), and when a phase was reached (the
  // clock's monotonic time, -1: not reached; resolving is the owner's).
  FailReason reason() const { return reason_; }
  err_t lwip_err() const { return lwip_err_; }
  uint16_t server_code() const { return server_code_; }
  hal::MonoMicros reached(Phase phase) const { return reached_[static_cast<int>(phase)]; }

 private:
  static void on_bytes(net::LinkOwner& self, std::span<const uint8_t> bytes) { static_cast<SmtpSession&>(self).consume(bytes); }

  void process(net::LinkEvent event) override;
  bool handshake();
  void judge_relay_certificate();
  // After a failed handshake: true when the dialogue starts again offering the
  // other version (the relay refused the one offered, for the first time).
  bool retry_in_other_version();
  void keep_new_ticket();
  void send(std::string_view line);
  void send_body();
  size_t message_size() const;
  void consume(std::span<const uint8_t> bytes);
  void on_reply();
  void after_ehlo();
  std::string_view expected_name() const;
  // Why AUTH may not be sent on this connection (false when it may): the policy of checks.md.
  bool credentials_withheld(FixedText<100>& why, Outcome& outcome) const;
  void after_login();
  void conclude(Outcome outcome, std::string_view why);
  // The first reason given wins; none once the dialogue is over.
  void note(FailReason reason, err_t err = ERR_OK);
  void mark(Phase phase);

  Context ctx_{};
  net::TcpLink link_;
  smtp::ReplyParser reply_;
  State state_ = State::kIdle;
  Outcome outcome_ = Outcome::kUnknown;
  FixedText<96> banner_;
  FixedText<96> mechanisms_;
  bool auth_plain_ = false;
  bool starttls_offered_ = false;
  bool tls_used_ = false;
  bool tls_resumed_ = false;
  bool tls13_ = false;  // the STARTTLS session is TLS 1.3
  // The relay's slot: its last session, and the version it speaks.
  net::TlsResumptionCache::Server* resume_ = nullptr;
  // A relay that refused the version offered is asked once more, over a new
  // connection, in the other one; first_refusal_ is how it refused first
  // (TlsClientSession::refusal()).
  bool retried_version_ = false;
  int16_t first_refusal_ = 0;
  ip_addr_t address_{};
  int auth_result_ = -1;
  x509::PeerVerdict peer_{};  // the relay's certificate, judged once the handshake is over
  int next_recipient_ = 0;
  FailReason reason_ = FailReason::kNone;
  err_t lwip_err_ = ERR_OK;
  uint16_t server_code_ = 0;
  hal::MonoMicros reached_[kPhaseCount] = {-1, -1, -1, -1};
};

}  // namespace probebox
