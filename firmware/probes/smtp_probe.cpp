#include "probes/smtp_probe.h"

#include "config/config_parser.h"
#include "core/view.h"

namespace probebox {
namespace {
// The relay speaks first: its banner arrives through on_recv, nothing to do on connect.
err_t ignore_connected(void*, struct tcp_pcb*, err_t) { return ERR_OK; }
}  // namespace

void SmtpProbe::DoStart() {
  pcb_ = nullptr;
  step_ = Step::kBanner;
  reply_.reset();
  banner_.clear();
  mechanisms_.clear();
  auth_plain_ = false;
  starttls_offered_ = tls_used_ = peer_closed_ = aborted_in_callback_ = false;
  auth_result_ = -1;
  peer_ = x509::PeerVerdict{};
  next_recipient_ = 0;
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); conclude(Outcome::kCritical, "cannot resolve the relay"); break;
  }
}

void SmtpProbe::on_resolved(void* self) {
  auto* probe = static_cast<SmtpProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->connect();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->conclude(Outcome::kCritical, "cannot resolve the relay");
  }
}

void SmtpProbe::connect() {
  mark(Phase::kResolve);
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    note_failure(FailReason::kNoResources);
    conclude(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_recv);
  if (tcp_connect(pcb_, &resolver_.address(), check().port, ignore_connected) != ERR_OK) {
    note_failure(FailReason::kUnreachable);
    conclude(Outcome::kCritical, "no route to the relay");
  }
}


void SmtpProbe::send(std::string_view line) {
  if (tls_used_) {
    if (tls_.write(reinterpret_cast<const uint8_t*>(line.data()), line.size()) != static_cast<int>(line.size())) {
      conclude(Outcome::kCritical, "could not write to the relay over TLS");
    }
    return;
  }
  if (pcb_ == nullptr || tcp_write(pcb_, line.data(), static_cast<u16_t>(line.size()), TCP_WRITE_FLAG_COPY) != ERR_OK) {
    conclude(Outcome::kCritical, "could not write to the relay");
    return;
  }
  tcp_output(pcb_);
}

err_t SmtpProbe::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
  auto* probe = static_cast<SmtpProbe*>(arg);
  if (probe == nullptr || probe->finished()) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr) {
    probe->peer_closed_ = true;
    if (probe->tls_.active()) {
      probe->tls_.peer_closed();
      probe->drive_tls();
    }
    if (!probe->finished()) {
      probe->note_failure(FailReason::kReset);
      probe->conclude(Outcome::kCritical, "the relay closed the connection");
    }
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  if (probe->tls_.active()) {
    if (!probe->tls_.push(p)) {
      probe->note_failure(FailReason::kProtocol);
      probe->conclude(Outcome::kCritical, "the relay sent too much over TLS");
    } else {
      probe->drive_tls();
    }
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  // Taken in before it is read: a reply that ends the dialogue closes the pcb from
  // here, and lwIP aborts a close with unreceived data (a RST that drops our QUIT).
  tcp_recved(pcb, p->tot_len);
  for (struct pbuf* q = p; q != nullptr && !probe->finished(); q = q->next) {
    probe->consume({static_cast<const uint8_t*>(q->payload), q->len});
  }
  pbuf_free(p);
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void SmtpProbe::on_error(void* arg, err_t err) {
  auto* probe = static_cast<SmtpProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;
  if (!probe->finished()) {
    probe->note_failure(err == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, err);
    probe->conclude(Outcome::kCritical, err == ERR_RST ? "connection refused or reset" : "connection failed");
  }
}

void SmtpProbe::consume(std::span<const uint8_t> bytes) {
  while (!bytes.empty() && !finished()) {
    size_t used = 0;
    Status s = reply_.feed(bytes, used);
    if (!s.ok()) {
      // The limits in the words an operator can check against the relay's own log.
      static_assert(smtp::kMaxLine == 512 && smtp::kMaxLines == 64, "the texts below name the limits");
      bool banner = step_ == Step::kBanner;
      const char* why = banner ? "malformed banner" : "malformed reply";
      if (s.code() == StatusCode::kResourceExhausted && reply_.too_many_lines()) {
        why = banner ? "banner has too many lines: over 64" : "reply has too many lines: over 64";
      } else if (s.code() == StatusCode::kResourceExhausted) {
        why = banner ? "banner too long: over 512 bytes" : "reply line too long: over 512 bytes";
      }
      note_failure(FailReason::kProtocol);
      conclude(Outcome::kCritical, why);
      return;
    }
    bytes = bytes.subspan(used);
    if (reply_.done()) {
      on_reply();
      reply_.reset();
    }
  }
}

void SmtpProbe::drive_tls() {
  if (step_ == Step::kHandshake) {
    switch (tls_.handshake(false)) {
      case net::TlsClientSession::Progress::kWantMore:
        if (peer_closed_) {
          note_failure(FailReason::kTls);
          conclude(Outcome::kCritical, "STARTTLS: the relay closed during the handshake");
        }
        return;
      case net::TlsClientSession::Progress::kFailed: {
        FixedText<110> why("STARTTLS handshake failed: ");
        tls_.describe_error(why);
        note_failure(FailReason::kTls);
        conclude(Outcome::kCritical, why.view());
        return;
      }
      default:
        mark(Phase::kTls);
        tls_used_ = true;
        judge_relay_certificate();
        step_ = Step::kEhloTls;
        send("EHLO probebox\r\n");
        break;
    }
  }
  uint8_t plain[512];
  for (int rounds = 0; rounds < 64 && !finished(); ++rounds) {
    int n = tls_.read(plain, sizeof(plain));
    if (n <= 0) return;
    consume({plain, static_cast<size_t>(n)});
  }
}

void SmtpProbe::on_reply() {
  int code = reply_.code();
  mark(Phase::kFirstByte);
  out().server_code = static_cast<uint16_t>(code);
  switch (step_) {
    case Step::kBanner:
      banner_.assign(reply_.first_line());
      if (code != 220) {
        conclude(Outcome::kCritical, "no 220 banner");
        return;
      }
      step_ = Step::kEhlo;
      send("EHLO probebox\r\n");
      return;
    case Step::kEhlo:
      if (code != 250) {
        conclude(Outcome::kCritical, "EHLO refused");
        return;
      }
      starttls_offered_ = reply_.starttls();
      mechanisms_.assign(reply_.auth_mechanisms());
      auth_plain_ = reply_.auth_plain();
      if (starttls_offered_ && check().starttls != StartTls::kNever) {
        step_ = Step::kStartTls;
        send("STARTTLS\r\n");
        return;
      }
      if (check().starttls == StartTls::kRequire) {
        note_failure(FailReason::kExpectation);
        conclude(Outcome::kCritical, "STARTTLS required but not offered");
        return;
      }
      after_ehlo();
      return;
    case Step::kStartTls:
      if (code != 220 || env().tls == nullptr || !env().tls->ready() ||
          !tls_.begin(*env().tls, pcb_, expected_name()).ok()) {
        conclude(Outcome::kCritical, "STARTTLS refused");
        return;
      }
      step_ = Step::kHandshake;
      drive_tls();
      return;
    case Step::kEhloTls:
      if (code != 250) {
        conclude(Outcome::kCritical, "EHLO after STARTTLS refused");
        return;
      }
      mechanisms_.assign(reply_.auth_mechanisms());
      auth_plain_ = reply_.auth_plain();
      after_ehlo();
      return;
    case Step::kAuth:
      auth_result_ = code == 235 ? 1 : 0;
      if (auth_result_ == 1) {
        after_login();
      } else {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, "login rejected");
      }
      return;
    case Step::kMailFrom:
    case Step::kRcptTo:
      if (code != 250 && code != 251) {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, step_ == Step::kMailFrom ? "sender refused" : "recipient refused");
        return;
      }
      if (next_recipient_ < envelope_->recipients) {
        FixedText<300> rcpt("RCPT TO:<");
        rcpt.append(envelope_->to[next_recipient_++]);
        rcpt.append(">\r\n");
        step_ = Step::kRcptTo;
        send(rcpt.view());
        return;
      }
      step_ = Step::kData;
      send("DATA\r\n");
      return;
    case Step::kData:
      if (code != 354) {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, "DATA refused");
        return;
      }
      step_ = Step::kBody;
      send(envelope_->data);
      return;
    case Step::kBody:
      send("QUIT\r\n");
      if (code == 250) conclude(Outcome::kOk, "message accepted");
      else conclude(Outcome::kCritical, "message refused");
      return;
    default:
      return;
  }
}

std::string_view SmtpProbe::expected_name() const {
  const Config& cfg = *env().config;
  if (!check().server_name.empty()) return cfg.text(check().server_name);
  // The host itself when it is a name; an address names nothing a certificate carries.
  std::string_view host = cfg.text(check().host);
  uint32_t address;
  return parse_ipv4(host, address) ? std::string_view() : host;
}

void SmtpProbe::judge_relay_certificate() {
  hal::WallTime wall = env().clock->wall();
  x509::judge_peer(tls_.peer_chain(), env().tls->anchors(), tls_.verify_flags(), expected_name(), wall.valid,
                   wall.unix_micros / 1'000'000, peer_);
}

bool SmtpProbe::credentials_withheld(FixedText<100>& why, Outcome& outcome) const {
  // A message to deliver that cannot be: the alerter must count it unsent and retry.
  outcome = envelope_ != nullptr ? Outcome::kCritical : Outcome::kWarning;
  if (tls_used_ && !peer_.credentials_safe()) {
    why.assign("relay certificate ");
    x509::describe_fault(peer_, expected_name(), why);
    why.append(": credentials not sent");
    return true;
  }
  if (!tls_used_ && !check().allow_auth_without_tls) {
    why.assign(starttls_offered_ ? "no TLS: " : "STARTTLS not offered: ");
    why.append("no login, credentials would cross the LAN in clear");
    return true;
  }
  return false;
}

void SmtpProbe::after_ehlo() {
  // `require`: a certificate that fails any rule ends the dialogue, credentials or not.
  if (tls_used_ && !peer_.credentials_safe() && check().starttls == StartTls::kRequire) {
    FixedText<100> why("relay certificate ");
    x509::describe_fault(peer_, expected_name(), why);
    why.append(": no credentials sent");
    send("QUIT\r\n");
    note_failure(FailReason::kCertificate);
    if (!finished()) conclude(Outcome::kCritical, why.view());
    return;
  }
  if (!auth_plain_) {
    note_failure(FailReason::kExpectation);
    conclude(Outcome::kCritical, "AUTH PLAIN not offered");
    return;
  }
  if (check().username.empty()) {
    after_login();
    return;
  }
  FixedText<100> withheld;
  Outcome withheld_outcome;
  if (credentials_withheld(withheld, withheld_outcome)) {
    send("QUIT\r\n");
    note_failure(FailReason::kCertificate);
    if (!finished()) conclude(withheld_outcome, withheld.view());
    return;
  }
  FixedText<400> line("AUTH PLAIN ");
  const Config& cfg = *env().config;
  if (!smtp::auth_plain_response(cfg.text(check().username), cfg.text(check().password), line).ok()) {
    conclude(Outcome::kUnknown, "credentials cannot be sent");
    return;
  }
  line.append("\r\n");
  step_ = Step::kAuth;
  send(line.view());
}

void SmtpProbe::after_login() {
  if (envelope_ == nullptr || envelope_->recipients == 0) {
    send("QUIT\r\n");
    conclude(Outcome::kOk, "");
    return;
  }
  if (envelope_->data.size() > kMaxMessageBytes) {
    send("QUIT\r\n");
    conclude(Outcome::kUnknown, "message larger than the sender's bound");
    return;
  }
  next_recipient_ = 0;
  FixedText<300> mail("MAIL FROM:<");
  mail.append(envelope_->from);
  mail.append(">\r\n");
  step_ = Step::kMailFrom;
  send(mail.view());
}

void SmtpProbe::conclude(Outcome outcome, std::string_view why) {
  if (finished()) return;
  ProbeResult& r = out();
  // A relay that works but only in clear, or behind a certificate that fails a rule
  // or expires soon: the appliance can use it, an operator should know.
  FixedText<100> warn_why;
  if (outcome == Outcome::kOk && !starttls_offered_ && check().starttls == StartTls::kPrefer) {
    outcome = Outcome::kWarning;
    why = "STARTTLS not offered";
    note_failure(FailReason::kExpectation);
  } else if (outcome == Outcome::kOk && tls_used_ && !peer_.credentials_safe()) {
    outcome = Outcome::kWarning;
    warn_why.assign("relay certificate ");
    x509::describe_fault(peer_, expected_name(), warn_why);
    why = warn_why.view();
    note_failure(FailReason::kCertificate);
  } else if (outcome == Outcome::kOk && tls_used_ && peer_.dated && peer_.days_left <= check().tune.cert_warn_days) {
    outcome = Outcome::kWarning;
    warn_why.appendf("relay certificate expires in %d days", static_cast<int>(peer_.days_left));
    why = warn_why.view();
    note_failure(FailReason::kCertificate);
  }
  r.summary.assign(env().config->text(check().host));
  r.summary.append(": ");
  if (why.empty()) r.summary.append(auth_result_ == 1 ? "login OK" : "relay answers");
  else r.summary.append(why);
  if (tls_used_) r.summary.append(" (TLS)");
  SmtpDetails& d = r.details.set_smtp();
  d.banner = r.details.add_text(banner_.view());
  d.starttls = tls_used_;
  d.mechanisms = r.details.add_text(mechanisms_.view());
  d.auth_plain = auth_plain_;
  d.auth_ok = auth_result_ < 0 ? Tri::kNull : tri(auth_result_ == 1);
  d.tls_dated = tls_used_ && peer_.dated;
  d.tls_days_left = peer_.days_left;
  d.tls_trusted = tls_used_ ? tri(peer_.trusted) : Tri::kNull;
  d.tls_subject = r.details.add_text(tls_used_ ? peer_.subject.view() : std::string_view());
  // Why it is not OK, when no step above said (a refusal is the server's reply).
  if (outcome != Outcome::kOk) note_failure(r.server_code != 0 ? FailReason::kServerReply : FailReason::kProtocol);
  step_ = Step::kDone;
  finish(outcome);
}

void SmtpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  unsigned ms = static_cast<unsigned>(check().tune.timeout_ms);
  if (step_ == Step::kBanner && !reply_.started()) r.summary.appendf("no banner within %u ms", ms);
  else if (step_ == Step::kBanner) r.summary.appendf("no complete banner within %u ms", ms);
  else r.summary.appendf("no complete SMTP dialogue in %u ms", ms);
  SmtpDetails& d = r.details.set_smtp();
  d.banner = r.details.add_text(banner_.view());
  d.starttls = tls_used_;
}

void SmtpProbe::DoRelease() {
  resolver_.cancel();
  tls_.end();
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  tcp_setprio(pcb_, TCP_PRIO_MIN);
  if (tcp_close(pcb_) != ERR_OK) {
    tcp_abort(pcb_);
    aborted_in_callback_ = true;
  }
  pcb_ = nullptr;
}

}  // namespace probebox
