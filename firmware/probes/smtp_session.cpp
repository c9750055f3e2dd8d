#include "probes/smtp_session.h"

#include "config/config_parser.h"
#include "net/frame_arrival.h"
#include "probes/link_loss.h"

namespace probebox {

void SmtpSession::begin(const Context& context) {
  close();
  ctx_ = context;
  state_ = State::kIdle;
  outcome_ = Outcome::kUnknown;
  reply_.reset();
  banner_.clear();
  mechanisms_.clear();
  auth_plain_ = starttls_offered_ = tls_used_ = tls_resumed_ = tls13_ = false;
  resume_ = nullptr;
  retried_version_ = false;
  first_refusal_ = 0;
  auth_result_ = -1;
  peer_ = x509::PeerVerdict{};
  next_recipient_ = 0;
  reason_ = FailReason::kNone;
  lwip_err_ = ERR_OK;
  server_code_ = 0;
  for (auto& t : reached_) t = -1;
}

void SmtpSession::note(FailReason reason, err_t err) {
  if (state_ == State::kDone || reason_ != FailReason::kNone) return;
  reason_ = reason;
  lwip_err_ = err;
}

void SmtpSession::mark(Phase phase) {
  hal::MonoMicros& at = reached_[static_cast<int>(phase)];
  if (at < 0) at = net::reply_time(ctx_.clock->now());
}

void SmtpSession::connect(const ip_addr_t* address) {
  if (address == nullptr) {
    note(FailReason::kResolve);
    conclude(Outcome::kCritical, "cannot resolve the relay");
    return;
  }
  address_ = *address;
  // The relay speaks first: its banner is the first thing to wait for.
  state_ = State::kBanner;
  switch (const net::TcpLink::Open open = link_.connect(*address, ctx_.relay->port, *this)) {
    case net::TcpLink::Open::kNoPcb:
    case net::TcpLink::Open::kNoMemory:
      note(FailReason::kNoResources);
      conclude(Outcome::kUnknown, net::TcpLink::shortage(open));
      return;
    case net::TcpLink::Open::kFailed:
      note(FailReason::kUnreachable, link_.error());
      conclude(Outcome::kCritical, "no route to the relay");
      return;
    case net::TcpLink::Open::kConnecting: return;
  }
}

void SmtpSession::close() { link_.close(); }

void SmtpSession::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (event) {
    case E::kFailed: {
      LinkLoss loss = link_loss(link_);
      note(loss.reason, link_.error());
      conclude(Outcome::kCritical, loss.why);
      return;
    }
    case E::kOverflow:
      note(FailReason::kProtocol);
      conclude(Outcome::kCritical, "the relay sent too much over TLS");
      return;
    case E::kReceived:
    case E::kPeerClosed:
      // Replies, in clear or out of the TLS session; a STARTTLS handshake first.
      if (state_ != State::kHandshake || handshake()) {
        link_.read(on_bytes);
        keep_new_ticket();
      } else if (state_ == State::kBanner) {
        return;  // dialling again, offering the other version: this connection is gone
      }
      if (event == E::kPeerClosed) {
        note(FailReason::kReset);
        conclude(Outcome::kCritical, "the relay closed the connection");
      }
      return;
    case E::kConnected:  // the relay speaks first
      mark(Phase::kConnect);
      return;
    default:
      return;
  }
}

// Steps the STARTTLS handshake; true once it is over (the certificate judged, EHLO sent).
bool SmtpSession::handshake() {
  switch (link_.tls().handshake(false)) {
    case net::TlsClientSession::Progress::kWantMore:
      if (link_.peer_closed()) {
        note(FailReason::kTls);
        conclude(Outcome::kCritical, "STARTTLS: the relay closed during the handshake");
      }
      return false;
    case net::TlsClientSession::Progress::kFailed: {
      if (resume_ != nullptr) resume_->forget_session();
      if (link_.tls().lacked_memory()) {
        note(FailReason::kNoResources);
        conclude(Outcome::kUnknown, "STARTTLS handshake not finished: no TLS memory free on the box");
        return false;
      }
      if (retry_in_other_version()) return false;
      FixedText<110> why("STARTTLS handshake failed: ");
      const net::TlsClientSession& tls = link_.tls();
      if (retried_version_ && tls.refused_version()) {
        // Both versions refused: both answers, as tls_cert names them.
        bool last12 = tls.offered() == net::TlsVersion::k12;
        int refusal12 = last12 ? tls.refusal() : first_refusal_;
        int refusal13 = last12 ? first_refusal_ : tls.refusal();
        net::describe_refusals(refusal12, refusal13, false, why);
      } else {
        tls.describe_error(why);
      }
      note(FailReason::kTls);
      conclude(Outcome::kCritical, why.view());
      return false;
    }
    default:
      break;
  }
  mark(Phase::kTls);
  tls_used_ = true;
  tls_resumed_ = link_.tls().resumed();
  tls13_ = link_.tls().negotiated_tls13();
  judge_relay_certificate();
  state_ = State::kEhloTls;
  send("EHLO probebox\r\n");
  return true;
}

// The relay's certificate against today's clock: the one sent in this handshake,
// or for a resumed one, the one the session was made with (TLS 1.2 saves it with the
// session; TLS 1.3 does not, and its facts were kept in the relay's slot).
void SmtpSession::judge_relay_certificate() {
  hal::WallTime wall = ctx_.clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
  if (tls13_ && tls_resumed_ && resume_ != nullptr && resume_->has_peer) {
    x509::judge_peer(resume_->peer, expected_name(), wall.valid, now_s, peer_);
    return;
  }
  x509::PeerFacts facts;
  x509::peer_facts(link_.tls().peer_chain(), ctx_.tls->anchors(), link_.tls().verify_flags(), expected_name(), facts,
                   ctx_.tls->public_roots(ctx_.relay->tune.public_roots, wall.valid, now_s));
  x509::judge_peer(facts, expected_name(), wall.valid, now_s, peer_);
  if (resume_ == nullptr) return;
  resume_->version = tls13_ ? net::TlsVersion::k13 : net::TlsVersion::k12;
  if (!tls_resumed_) resume_->full_handshake_us = ctx_.clock->now();
  if (!tls13_) {
    // TLS 1.2: the session, certificate included, is complete now.
    if (!link_.tls().save(resume_->session)) resume_->forget_session();
    return;
  }
  // TLS 1.3: the ticket comes later (keep_new_ticket); what it will resume is this
  // certificate, judged as above.
  resume_->forget_session();
  resume_->peer = facts;
  resume_->has_peer = true;
}

void SmtpSession::keep_new_ticket() {
  if (!tls13_ || resume_ == nullptr || !link_.tls_active() || !link_.tls().take_new_ticket()) return;
  if (!resume_->has_peer || !link_.tls().save(resume_->session)) resume_->forget_session();
}

bool SmtpSession::retry_in_other_version() {
  const net::TlsClientSession& tls = link_.tls();
  if (retried_version_ || resume_ == nullptr || !tls.refused_version()) return false;
  int16_t refusal = static_cast<int16_t>(tls.refusal());
  net::TlsVersion other = tls.offered() == net::TlsVersion::k12 ? net::TlsVersion::k13 : net::TlsVersion::k12;
  // Closed from within the link's callback: an aborted pcb must not be reused here.
  if (link_.close() == ERR_ABRT) return false;
  retried_version_ = true;
  first_refusal_ = refusal;
  resume_->version = other;
  reply_.reset();
  starttls_offered_ = auth_plain_ = false;
  mechanisms_.clear();
  connect(&address_);
  return true;
}

void SmtpSession::send(std::string_view line) {
  if (!link_.send(line)) {
    if (link_.send_lacked_memory()) {
      note(FailReason::kNoResources);
      conclude(Outcome::kUnknown, net::TcpLink::send_shortage());
      return;
    }
    conclude(Outcome::kCritical, tls_used_ ? "could not write to the relay over TLS" : "could not write to the relay");
  }
}

size_t SmtpSession::message_size() const {
  if (ctx_.envelope->body == nullptr) return ctx_.envelope->data.size();
  char none[1];
  SliceText measure(none, 0, 0);
  ctx_.envelope->body->render(measure);
  return measure.total();
}

void SmtpSession::send_body() {
  if (ctx_.envelope->body == nullptr) {
    send(ctx_.envelope->data);
    return;
  }
  // Rendered once per slice, all in this call: the message cannot change between
  // its slices, and the connection's send buffer takes it as it took it whole.
  char slice[kBodySliceBytes + 1];
  for (size_t sent = 0; state_ == State::kBody;) {
    SliceText part(slice, kBodySliceBytes, sent);
    ctx_.envelope->body->render(part);
    if (part.size() == 0) return;
    send(part.view());
    sent += part.size();
    if (sent >= part.total()) return;
  }
}

void SmtpSession::consume(std::span<const uint8_t> bytes) {
  while (!bytes.empty() && state_ != State::kDone) {
    size_t used = 0;
    Status s = reply_.feed(bytes, used);
    if (!s.ok()) {
      // The limits in the words an operator can check against the relay's own log.
      static_assert(smtp::kMaxLine == 512 && smtp::kMaxLines == 64, "the texts below name the limits");
      bool banner = state_ == State::kBanner;
      const char* why = banner ? "malformed banner" : "malformed reply";
      if (s.code() == StatusCode::kResourceExhausted && reply_.too_many_lines()) {
        why = banner ? "banner has too many lines: over 64" : "reply has too many lines: over 64";
      } else if (s.code() == StatusCode::kResourceExhausted) {
        why = banner ? "banner too long: over 512 bytes" : "reply line too long: over 512 bytes";
      }
      note(FailReason::kProtocol);
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

void SmtpSession::on_reply() {
  int code = reply_.code();
  mark(Phase::kFirstByte);
  server_code_ = static_cast<uint16_t>(code);
  switch (state_) {
    case State::kBanner:
      banner_.assign(reply_.first_line());
      if (code != 220) {
        conclude(Outcome::kCritical, "no 220 banner");
        return;
      }
      state_ = State::kEhlo;
      send("EHLO probebox\r\n");
      return;
    case State::kEhlo:
      if (code != 250) {
        conclude(Outcome::kCritical, "EHLO refused");
        return;
      }
      starttls_offered_ = reply_.starttls();
      mechanisms_.assign(reply_.auth_mechanisms());
      auth_plain_ = reply_.auth_plain();
      if (starttls_offered_ && ctx_.relay->starttls != StartTls::kNever) {
        state_ = State::kStartTls;
        send("STARTTLS\r\n");
        return;
      }
      if (ctx_.relay->starttls == StartTls::kRequire) {
        note(FailReason::kExpectation);
        conclude(Outcome::kCritical, "STARTTLS required but not offered");
        return;
      }
      after_ehlo();
      return;
    case State::kStartTls:
      // The relay's last session is offered again: a resumed handshake costs no key
      // exchange and no chain verification.
      resume_ = ctx_.tls != nullptr ? &ctx_.tls->resumption().slot(ctx_.config->text(ctx_.relay->host), ctx_.relay->port)
                                    : nullptr;
      if (resume_ != nullptr && resume_->too_old(ctx_.clock->now())) resume_->forget_session();
      if (code != 220 || ctx_.tls == nullptr || !ctx_.tls->ready()) {
        conclude(Outcome::kCritical, "STARTTLS refused");
        return;
      }
      if (Status s = link_.start_tls(*ctx_.tls, expected_name(), resume_->version, &resume_->session); !s.ok()) {
        // No session object free (net::TlsSessions), or no memory for the session, is
        // the box's shortage, not the relay's.
        if (s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted) {
          note(FailReason::kNoResources);
          conclude(Outcome::kUnknown,
                   s.code() == StatusCode::kUnavailable ? "no TLS session free" : "no memory for a TLS session");
        } else {
          conclude(Outcome::kCritical, "STARTTLS refused");
        }
        return;
      }
      state_ = State::kHandshake;
      if (handshake()) link_.read(on_bytes);
      return;
    case State::kEhloTls:
      if (code != 250) {
        conclude(Outcome::kCritical, "EHLO after STARTTLS refused");
        return;
      }
      mechanisms_.assign(reply_.auth_mechanisms());
      auth_plain_ = reply_.auth_plain();
      after_ehlo();
      return;
    case State::kAuth:
      auth_result_ = code == 235 ? 1 : 0;
      if (auth_result_ == 1) {
        after_login();
      } else {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, "login rejected");
      }
      return;
    case State::kMailFrom:
    case State::kRcptTo:
      if (code != 250 && code != 251) {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, state_ == State::kMailFrom ? "sender refused" : "recipient refused");
        return;
      }
      if (next_recipient_ < ctx_.envelope->recipients) {
        FixedText<300> rcpt("RCPT TO:<");
        rcpt.append(ctx_.envelope->to[next_recipient_++]);
        rcpt.append(">\r\n");
        state_ = State::kRcptTo;
        send(rcpt.view());
        return;
      }
      state_ = State::kData;
      send("DATA\r\n");
      return;
    case State::kData:
      if (code != 354) {
        send("QUIT\r\n");
        conclude(Outcome::kCritical, "DATA refused");
        return;
      }
      state_ = State::kBody;
      send_body();
      return;
    case State::kBody:
      send("QUIT\r\n");
      if (code == 250) conclude(Outcome::kOk, "message accepted");
      else conclude(Outcome::kCritical, "message refused");
      return;
    default:
      return;
  }
}

std::string_view SmtpSession::expected_name() const {
  const Config& cfg = *ctx_.config;
  if (!ctx_.relay->server_name.empty()) return cfg.text(ctx_.relay->server_name);
  // The host itself when it is a name; an address names nothing a certificate carries.
  std::string_view host = cfg.text(ctx_.relay->host);
  uint32_t address;
  return parse_ipv4(host, address) ? std::string_view() : host;
}

bool SmtpSession::credentials_withheld(FixedText<100>& why, Outcome& outcome) const {
  // A message to deliver that cannot be: the alerter must count it unsent and retry.
  outcome = ctx_.envelope != nullptr ? Outcome::kCritical : Outcome::kWarning;
  if (tls_used_ && !peer_.credentials_safe()) {
    why.assign("relay certificate ");
    x509::describe_fault(peer_, expected_name(), why);
    why.append(": credentials not sent");
    return true;
  }
  if (!tls_used_ && !ctx_.relay->allow_auth_without_tls) {
    why.assign(starttls_offered_ ? "no TLS: " : "STARTTLS not offered: ");
    why.append("no login, credentials would cross the LAN in clear");
    return true;
  }
  return false;
}

void SmtpSession::after_ehlo() {
  // `require`: a certificate that fails any rule ends the dialogue, credentials or not.
  if (tls_used_ && !peer_.credentials_safe() && ctx_.relay->starttls == StartTls::kRequire) {
    FixedText<100> why("relay certificate ");
    x509::describe_fault(peer_, expected_name(), why);
    why.append(": no credentials sent");
    note(FailReason::kCertificate);
    send("QUIT\r\n");
    if (state_ != State::kDone) conclude(Outcome::kCritical, why.view());
    return;
  }
  if (!auth_plain_) {
    note(FailReason::kExpectation);
    conclude(Outcome::kCritical, "AUTH PLAIN not offered");
    return;
  }
  if (ctx_.relay->username.empty()) {
    after_login();
    return;
  }
  FixedText<100> withheld;
  Outcome withheld_outcome;
  if (credentials_withheld(withheld, withheld_outcome)) {
    note(tls_used_ ? FailReason::kCertificate : FailReason::kExpectation);
    send("QUIT\r\n");
    if (state_ != State::kDone) conclude(withheld_outcome, withheld.view());
    return;
  }
  FixedText<400> line("AUTH PLAIN ");
  const Config& cfg = *ctx_.config;
  if (!smtp::auth_plain_response(cfg.text(ctx_.relay->username), cfg.text(ctx_.relay->password), line).ok()) {
    conclude(Outcome::kUnknown, "credentials cannot be sent");
    return;
  }
  line.append("\r\n");
  state_ = State::kAuth;
  send(line.view());
}

void SmtpSession::after_login() {
  if (ctx_.envelope == nullptr || ctx_.envelope->recipients == 0) {
    send("QUIT\r\n");
    conclude(Outcome::kOk, "");
    return;
  }
  if (message_size() > kMaxMessageBytes) {
    send("QUIT\r\n");
    conclude(Outcome::kUnknown, "message larger than the sender's bound");
    return;
  }
  next_recipient_ = 0;
  FixedText<300> mail("MAIL FROM:<");
  mail.append(ctx_.envelope->from);
  mail.append(">\r\n");
  state_ = State::kMailFrom;
  send(mail.view());
}

void SmtpSession::conclude(Outcome outcome, std::string_view why) {
  if (state_ == State::kDone) return;
  // A relay that works but only in clear, or behind a certificate that fails a rule
  // or expires soon: the appliance can use it, an operator should know.
  FixedText<100> warn_why;
  if (outcome == Outcome::kOk && !starttls_offered_ && ctx_.relay->starttls == StartTls::kPrefer) {
    outcome = Outcome::kWarning;
    why = "STARTTLS not offered";
    note(FailReason::kExpectation);
  } else if (outcome == Outcome::kOk && tls_used_ && !peer_.credentials_safe()) {
    outcome = Outcome::kWarning;
    warn_why.assign("relay certificate ");
    x509::describe_fault(peer_, expected_name(), warn_why);
    why = warn_why.view();
    note(FailReason::kCertificate);
  } else if (outcome == Outcome::kOk && tls_used_ && peer_.dated && peer_.days_left <= ctx_.relay->tune.cert_warn_days) {
    outcome = Outcome::kWarning;
    warn_why.appendf("relay certificate expires in %d days", static_cast<int>(peer_.days_left));
    why = warn_why.view();
    note(FailReason::kCertificate);
  }
  ctx_.summary->assign(ctx_.config->text(ctx_.relay->host));
  ctx_.summary->append(": ");
  if (why.empty()) ctx_.summary->append(auth_result_ == 1 ? "login OK" : "relay answers");
  else ctx_.summary->append(why);
  if (tls_used_) ctx_.summary->append(" (TLS)");
  // Why it is not OK, when no step above said (a refusal is the server's reply).
  if (outcome != Outcome::kOk) {
    note(server_code_ != 0 ? FailReason::kServerReply : FailReason::kProtocol);
  } else {
    reason_ = FailReason::kNone;
    lwip_err_ = ERR_OK;
  }
  outcome_ = outcome;
  state_ = State::kDone;
  keep_new_ticket();  // a ticket read with the reply that ends the dialogue
  link_.close();
  if (ctx_.done != nullptr) ctx_.done(ctx_.owner);
}

void SmtpSession::describe_timeout(TextBuffer& out, unsigned ms) const {
  if (state_ <= State::kBanner && !reply_.started()) out.appendf("no banner within %u ms", ms);
  else if (state_ <= State::kBanner) out.appendf("no complete banner within %u ms", ms);
  else out.appendf("no complete SMTP dialogue in %u ms", ms);
}

}  // namespace probebox
