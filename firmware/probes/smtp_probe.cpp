#include "probes/smtp_probe.h"

namespace probebox {
namespace {

struct PooledSession {
  SmtpSession session;
  bool leased;
};
PooledSession g_sessions[SmtpProbe::kSessionPool];

SmtpSession* lease_session() {
  for (PooledSession& p : g_sessions) {
    if (p.leased) continue;
    p.leased = true;
    return &p.session;
  }
  return nullptr;
}

}  // namespace

int SmtpProbe::sessions_in_use() {
  int n = 0;
  for (const PooledSession& p : g_sessions) n += p.leased ? 1 : 0;
  return n;
}

SmtpProbe::~SmtpProbe() {
  if (session_ == nullptr) return;
  session_->close();
  session_->give_back_tls();  // its STARTTLS session (net::TlsSessions)
  for (PooledSession& p : g_sessions) {
    if (&p.session == session_) p.leased = false;
  }
}

void SmtpProbe::DoStart() {
  facts_ = Facts::kNone;
  if (session_ == nullptr) session_ = lease_session();
  if (session_ == nullptr) {
    // Only possible around the scheduler's TLS limit: the box's shortage, not the relay's.
    FixedText<120> why;
    why.appendf("%.*s: no memory for the SMTP dialogue (all %d in use)",
                static_cast<int>(env().config->text(check().host).size()),
                env().config->text(check().host).data(), kSessionPool);
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, why.view());
    return;
  }
  SmtpSession::Context context;
  context.relay = &check();
  context.config = env().config;
  context.tls = env().tls;
  context.clock = env().clock;
  context.summary = &out().summary;
  context.owner = this;
  context.done = on_done;
  session_->begin(context);
  resolve_then(env().config->text(check().host));
}

void SmtpProbe::DoResolved(bool resolved) {
  if (resolved) mark(Phase::kResolve);
  else note_failure(FailReason::kResolve);
  session_->connect(resolved ? &address() : nullptr);
}

void SmtpProbe::take_phases() {
  for (Phase p : {Phase::kConnect, Phase::kTls, Phase::kFirstByte}) {
    if (session_->reached(p) >= 0) mark_at(p, session_->reached(p));
  }
}

void SmtpProbe::report() {
  take_phases();
  note_failure(session_->reason(), session_->lwip_err());
  out().server_code = session_->server_code();
  facts_ = Facts::kReported;
  finish(session_->outcome());
}

void SmtpProbe::DoDetails(ProbeDetails& details) const {
  if (facts_ == Facts::kNone || session_ == nullptr) return;
  SmtpDetails& d = details.set_smtp();
  d.banner = details.add_text(session_->banner());
  d.starttls = session_->tls_used();
  if (facts_ == Facts::kTimedOut) return;
  const x509::PeerVerdict& peer = session_->peer();
  d.tls_resumed = session_->tls_resumed();
  d.mechanisms = details.add_text(session_->mechanisms());
  d.auth_plain = session_->auth_plain();
  d.auth_ok = session_->auth_result() < 0 ? Tri::kNull : tri(session_->auth_result() == 1);
  d.tls_dated = session_->tls_used() && peer.dated;
  d.tls_days_left = peer.days_left;
  d.tls_trusted = session_->tls_used() ? tri(peer.trusted) : Tri::kNull;
  d.tls_subject = details.add_text(session_->tls_used() ? peer.subject.view() : std::string_view());
}

void SmtpProbe::DoDescribeTimeout() {
  if (session_ == nullptr) return;
  take_phases();
  session_->describe_timeout(out().summary, static_cast<unsigned>(check().tune.timeout_ms));
  facts_ = Facts::kTimedOut;
}

}  // namespace probebox
