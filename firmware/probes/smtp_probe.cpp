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
  ProbeResult& r = out();
  const x509::PeerVerdict& peer = session_.peer();
  take_phases();
  note_failure(session_.reason(), session_.lwip_err());
  r.server_code = session_.server_code();
  SmtpDetails& d = r.details.set_smtp();
  d.banner = r.details.add_text(session_.banner());
  d.starttls = session_.tls_used();
  d.tls_resumed = session_.tls_resumed();
  d.mechanisms = r.details.add_text(session_.mechanisms());
  d.auth_plain = session_.auth_plain();
  d.auth_ok = session_.auth_result() < 0 ? Tri::kNull : tri(session_.auth_result() == 1);
  d.tls_dated = session_.tls_used() && peer.dated;
  d.tls_days_left = peer.days_left;
  d.tls_trusted = session_.tls_used() ? tri(peer.trusted) : Tri::kNull;
  d.tls_subject = r.details.add_text(session_.tls_used() ? peer.subject.view() : std::string_view());
  finish(session_.outcome());
}

void SmtpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  take_phases();
  session_.describe_timeout(r.summary, static_cast<unsigned>(check().tune.timeout_ms));
  SmtpDetails& d = r.details.set_smtp();
  d.banner = r.details.add_text(session_.banner());
  d.starttls = session_.tls_used();
}

}  // namespace probebox
