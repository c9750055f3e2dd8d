#include "alerts/mail_alerter.h"

#include "config/config_parser.h"

namespace probebox {

void MailAlerter::configure(const Config& config, net::TlsClientConfig* tls) {
  cancel();
  config_ = &config;
  tls_ = tls;
  enabled_ = false;
  relay_ = CheckConfig{};
  const AlertsConfig& a = config.alerts;
  if (a.mail_to.count == 0 || a.mail_from.empty()) return;
  // The relay: alerts.mail.server if named, else the first smtp check's (with its
  // credentials and STARTTLS policy).
  const CheckConfig* smtp = nullptr;
  for (uint16_t i = 0; i < config.check_count && smtp == nullptr; ++i) {
    if (config.checks[i].type == CheckType::kSmtp) smtp = &config.checks[i];
  }
  if (!a.mail_server.empty()) {
    // The parser keeps the host and the port apart (its port was lost here before:
    // every alert went to port 25).
    relay_.type = CheckType::kSmtp;
    relay_.host = a.mail_server;
    relay_.port = a.mail_port;
    relay_.starttls = StartTls::kPrefer;
    relay_.tune.public_roots = config.defaults.public_roots;  // its certificate, judged as the box's
  } else if (smtp != nullptr) {
    relay_ = *smtp;
  } else {
    return;
  }
  relay_.tune.timeout_ms = kSendTimeoutMs;
  envelope_ = MailEnvelope{};
  envelope_.from = config.text(a.mail_from);
  // What goes between < and > in MAIL FROM/RCPT TO must be a plain address: one
  // that is not never reaches the relay (the parser already refuses it).
  if (!is_valid_mail_address(envelope_.from)) return;
  for (uint16_t i = 0; i < a.mail_to.count && i < MailEnvelope::kMaxRecipients; ++i) {
    std::string_view to = config.text(config.list_item(a.mail_to, i));
    if (is_valid_mail_address(to)) envelope_.to[envelope_.recipients++] = to;
  }
  if (envelope_.recipients == 0) return;
  enabled_ = true;
}

void MailAlerter::cancel() {
  if (sending_) {
    resolver_.cancel();
    session_.close();
  }
  sending_ = false;
  batch_end_ = batch_first_;
}

bool MailAlerter::wanted(const Event& e) const {
  // Alerts are held in maintenance; a first result only matters when it is bad.
  if (e.maintenance || e.previous_boot) return false;
  return !(e.first && e.to == Outcome::kOk);
}

bool MailAlerter::rate_allows(int64_t now) const {
  // The oldest of the last kMaxPerHour sends must be over an hour old.
  int64_t oldest = sent_times_[sent_head_];
  return oldest == 0 || now - oldest >= kRateWindowUs;
}

int64_t MailAlerter::next_due(int64_t now) const {
  if (!enabled_) return INT64_MAX;
  if (sending_) return now;
  if (pending_count_ == 0) return INT64_MAX;
  int64_t at = pending_count_ >= kMaxBatch ? now : batch_opened_at_ + kBatchWindowUs;
  if (retry_at_ > at) at = retry_at_;
  const int64_t oldest = sent_times_[sent_head_];
  if (oldest != 0 && oldest + kRateWindowUs > at) at = oldest + kRateWindowUs;
  return at;
}

void MailAlerter::step(const EventLog& log, hal::Clock& clock) {
  int64_t now = clock.now();
  if (!enabled_) {
    next_sequence_ = batch_first_ = batch_end_ = log.total();
    return;
  }
  if (sending_) {
    bool over = session_.state() == SmtpSession::State::kDone;
    if (!over && now < send_deadline_) return;
    sending_ = false;
    Outcome outcome = session_.outcome();
    if (!over) {
      resolver_.cancel();
      session_.close();
      last_error_.clear();
      session_.describe_timeout(last_error_, static_cast<unsigned>(relay_.tune.timeout_ms));
      outcome = Outcome::kCritical;
    }
    // Warning: sent, with a finding (in clear without credentials, a certificate that
    // expires soon). A login the session withheld (no TLS, a certificate that fails) is
    // critical: the message was not sent.
    if (outcome == Outcome::kOk || outcome == Outcome::kWarning) {
      // Changes of the batch the log overwrote during the send were said as lost.
      dropped_ += log.catch_up(batch_first_);
      ++sent_;
      sent_times_[sent_head_] = now;
      sent_head_ = (sent_head_ + 1) % kMaxPerHour;
      batch_first_ = batch_end_;
      dropped_unreported_ = 0;
      backoff_us_ = 0;
      last_error_.clear();
    } else {
      ++failed_;  // last_error_ holds the session's summary
      backoff_us_ = backoff_us_ == 0 ? kFirstRetryUs : (backoff_us_ * 2 > kMaxRetryUs ? kMaxRetryUs : backoff_us_ * 2);
      retry_at_ = now + backoff_us_;
      batch_end_ = batch_first_;  // the same changes go in the next attempt
    }
  }
  // The log moved on before these could be sent: say so, never silently.
  uint32_t lost = log.catch_up(batch_first_);
  dropped_ += lost;
  dropped_unreported_ += lost;
  // Unwanted events at the front are passed over, so a batch starts on a change.
  while (log.readable(batch_first_) && !wanted(log.at_sequence(batch_first_))) ++batch_first_;
  next_sequence_ = log.total();
  uint32_t count = 0;
  for (uint32_t s = batch_first_; log.readable(s); ++s) count += wanted(log.at_sequence(s)) ? 1 : 0;
  pending_count_ = count;
  if (count == 0) {
    batch_open_ = false;
    return;
  }
  if (!batch_open_) {
    batch_open_ = true;
    batch_opened_at_ = now;
  }
  bool window_over = now - batch_opened_at_ >= kBatchWindowUs || count >= kMaxBatch;
  if (!window_over || now < retry_at_ || !rate_allows(now)) return;
  begin_send(log, clock);
}

void MailAlerter::begin_send(const EventLog& log, hal::Clock& clock) {
  // The batch: up to kMaxBatch wanted events from batch_first_; they are read from
  // the log again whenever the message is written.
  size_t n = 0;
  uint32_t s = batch_first_;
  for (; log.readable(s) && n < kMaxBatch; ++s) n += wanted(log.at_sequence(s)) ? 1 : 0;
  batch_end_ = s;
  log_ = &log;
  hal::WallTime wall = clock.wall();
  date_unix_ = wall.valid ? wall.unix_micros / 1'000'000 : 0;
  char none[1];
  SliceText check(none, 0, 0);
  if (!format_check(check)) {
    // The config parser refuses such addresses; this is the last line before MAIL FROM.
    ++failed_;
    last_error_.assign("not sent: an address is not a plain addr-spec");
    batch_end_ = batch_first_;
    batch_open_ = false;
    retry_at_ = clock.now() + kMaxRetryUs;
    return;
  }
  envelope_.data = {};
  envelope_.body = this;
  SmtpSession::Context context;
  context.relay = &relay_;
  context.config = config_;
  context.tls = tls_;
  context.clock = &clock;
  context.envelope = &envelope_;
  context.summary = &last_error_;  // kept on a failure, cleared on success
  session_.begin(context);
  sending_ = true;
  batch_open_ = false;
  send_deadline_ = clock.now() + static_cast<int64_t>(relay_.tune.timeout_ms) * 1000;
  resolver_.resolve_then(config_->text(relay_.host), this, on_resolved);
}

bool MailAlerter::format_check(TextBuffer& out) const {
  // Events of the batch the log overwrote since the send began are said as changes
  // that could not be mailed, as those lost before it.
  uint32_t first = batch_first_;
  const uint32_t lost = log_->catch_up(first);
  render_first_ = first;
  render_count_ = 0;
  for (uint32_t s = first; EventLog::before(s, batch_end_) && log_->readable(s); ++s) render_count_ += wanted(log_->at_sequence(s)) ? 1 : 0;
  cursor_index_ = 0;
  cursor_sequence_ = first;
  return mail::format_message(out, config_->text(config_->device_name), envelope_.from,
                              {envelope_.to, static_cast<size_t>(envelope_.recipients)}, *this, date_unix_,
                              dropped_unreported_ + lost, SmtpSession::kMaxMessageBytes);
}

void MailAlerter::render(TextBuffer& out) const { (void)format_check(out); }

size_t MailAlerter::size() const { return render_count_; }

void MailAlerter::get(size_t i, Event& e, std::string_view& group) const {
  // In order from the last one asked, else from the batch's start.
  if (i < cursor_index_) {
    cursor_index_ = 0;
    cursor_sequence_ = render_first_;
  }
  for (uint32_t s = cursor_sequence_; EventLog::before(s, batch_end_) && log_->readable(s); ++s) {
    e = log_->at_sequence(s);
    if (!wanted(e)) continue;
    if (cursor_index_ == i) {
      cursor_sequence_ = s;  // asked again: found at once
      const CheckConfig* c = config_->find_check(e.check_id.view());
      group = c == nullptr ? std::string_view("-") : group_name(c->group);
      return;
    }
    ++cursor_index_;
  }
  e = Event{};
  group = "-";
}

void MailAlerter::on_resolved(void* self) {
  auto* alerter = static_cast<MailAlerter*>(self);
  if (!alerter->sending_) return;
  alerter->session_.connect(alerter->resolver_.resolved() ? &alerter->resolver_.address() : nullptr);
}

}  // namespace probebox
