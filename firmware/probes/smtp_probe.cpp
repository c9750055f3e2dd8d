#include "probes/smtp_probe.h"

namespace probebox {

void SmtpProbe::DoStart() {
  SmtpSession::Context context;
  context.relay = &check();
  context.config = env().config;
  context.tls = env().tls;
  context.clock = env().clock;
  context.summary = &out().summary;
  context.owner = this;
  facts_ = Facts::kNone;
  context.done = on_done;
  session_.begin(context);
  resolve_then(env().config->text(check().host));
}

void SmtpProbe::DoResolved(bool resolved) {
  if (resolved) mark(Phase::kResolve);
  else note_failure(FailReason::kResolve);
  session_.connect(resolved ? &address() : nullptr);
}

void SmtpProbe::take_phases() {
  for (Phase p : {Phase::kConnect, Phase::kTls, Phase::kFirstByte}) {
    if (session_.reached(p) >= 0) mark_at(p, session_.reached(p));
  }
}

void SmtpProbe::report() {
  take_phases();
  note_failure(session_.reason(), session_.lwip_err());
  out().server_code = session_.server_code();
  facts_ = Facts::kReported;
  finish(session_.outcome());
}

void SmtpProbe::DoDetails(ProbeDetails& details) const {
  if (facts_ == Facts::kNone) return;
  SmtpDetails& d = details.set_smtp();
  d.banner = details.add_text(session_.banner());
  d.starttls = session_.tls_used();
  if (facts_ == Facts::kTimedOut) return;
  const x509::PeerVerdict& peer = session_.peer();
  d.tls_resumed = session_.tls_resumed();
  d.mechanisms = details.add_text(session_.mechanisms());
  d.auth_plain = session_.auth_plain();
  d.auth_ok = session_.auth_result() < 0 ? Tri::kNull : tri(session_.auth_result() == 1);
  d.tls_dated = session_.tls_used() && peer.dated;
  d.tls_days_left = peer.days_left;
  d.tls_trusted = session_.tls_used() ? tri(peer.trusted) : Tri::kNull;
  d.tls_subject = details.add_text(session_.tls_used() ? peer.subject.view() : std::string_view());
}

void SmtpProbe::DoDescribeTimeout() {
  take_phases();
  session_.describe_timeout(out().summary, static_cast<unsigned>(check().tune.timeout_ms));
  facts_ = Facts::kTimedOut;
}

}  // namespace probebox
