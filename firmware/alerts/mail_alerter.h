// Mail on hard state changes through the configured relay, with the smtp check's
// dialogue (probes/smtp_session.h: STARTTLS, AUTH PLAIN). Changes that come close together are
// batched into one message; messages are rate-limited; a relay that is down is
// retried with growing backoff, the changes kept until sent. What could not be
// sent — the event log moved on first — is counted and said in the next message,
// never dropped silently. It runs beside the scheduler on its own connection, so a
// dead relay costs no probe its slot or its deadline.
#pragma once
#include <cstdint>

#include "alerts/mail_message.h"
#include "config/config_model.h"
#include "monitor/event_log.h"
#include "hal/clock.h"
#include "net/host_resolver.h"
#include "probes/smtp_session.h"

namespace probebox {

class MailAlerter final : private MailBody, private mail::AlertItems {
 public:
  // Changes within this window after the first go out together.
  static constexpr int64_t kBatchWindowUs = 10'000'000;
  static constexpr size_t kMaxBatch = 24;
  // At most this many messages per rolling hour; then changes wait and batch up.
  static constexpr int kMaxPerHour = 12;
  static constexpr int64_t kRateWindowUs = 3600LL * 1'000'000;
  static constexpr int64_t kFirstRetryUs = 30'000'000;
  static constexpr int64_t kMaxRetryUs = 15LL * 60 * 1'000'000;
  static constexpr uint32_t kSendTimeoutMs = 20'000;

  void configure(const Config& config, net::TlsClientConfig* tls);
  // Events up to `sequence` were dealt with before a restart.
  void skip_to(uint32_t sequence) { next_sequence_ = batch_first_ = batch_end_ = sequence; }
  void step(const EventLog& log, hal::Clock& clock);
  void cancel();

  bool enabled() const { return enabled_; }
  uint32_t sent() const { return sent_; }            // messages accepted by the relay
  uint32_t failed_attempts() const { return failed_; }
  uint32_t dropped() const { return dropped_; }      // changes never mailed (log overwrote them)
  uint32_t pending() const { return pending_count_; }
  // When step() next has something to do: `now` while a message is being sent (its
  // session is stepped), the time the batch may go (window, backoff and hourly rate
  // all allow it) while changes wait, INT64_MAX when nothing waits.
  int64_t next_due(int64_t now) const;
  std::string_view last_error() const { return last_error_.view(); }

 private:
  // The message is not composed ahead: SmtpSession renders it from the event log
  // (the batch [batch_first_, batch_end_)) slice by slice as the relay takes it.
  void render(TextBuffer& out) const override;
  // The message into `out` (a window of it); false: an address is not a plain one.
  bool format_check(TextBuffer& out) const;
  size_t size() const override;
  void get(size_t i, Event& e, std::string_view& group) const override;
  bool wanted(const Event& e) const;
  void begin_send(const EventLog& log, hal::Clock& clock);
  bool rate_allows(int64_t now) const;
  static void on_resolved(void* self);

  const Config* config_ = nullptr;
  net::TlsClientConfig* tls_ = nullptr;
  bool enabled_ = false;
  CheckConfig relay_{};
  MailEnvelope envelope_{};
  SmtpSession session_;
  HostResolver resolver_;
  bool sending_ = false;
  int64_t send_deadline_ = 0;
  uint32_t next_sequence_ = 0;     // first event not yet looked at
  uint32_t batch_first_ = 0;       // events [batch_first_, batch_end_) are in the message being sent
  uint32_t batch_end_ = 0;
  uint32_t pending_count_ = 0;
  uint32_t dropped_unreported_ = 0;
  int64_t batch_opened_at_ = 0;
  bool batch_open_ = false;
  int64_t retry_at_ = 0;
  int64_t backoff_us_ = 0;
  int64_t sent_times_[kMaxPerHour] = {};
  int sent_head_ = 0;
  uint32_t sent_ = 0;
  uint32_t failed_ = 0;
  uint32_t dropped_ = 0;
  FixedText<120> last_error_;
  const EventLog* log_ = nullptr;  // the log the batch is read from while it is sent
  int64_t date_unix_ = 0;          // the message's Date (0: none), fixed when the send begins
  // The batch's readable wanted events, counted at the start of each rendering, and
  // where the last get() stood, so that reading them in order is one pass.
  mutable uint32_t render_first_ = 0;
  mutable uint32_t render_count_ = 0;
  mutable uint32_t cursor_index_ = 0;
  mutable uint32_t cursor_sequence_ = 0;
};

}  // namespace probebox
