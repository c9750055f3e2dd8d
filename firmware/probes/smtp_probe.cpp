#include "probes/smtp_probe.h"

#include "core/lease_pool.h"

namespace probebox {
namespace {

LeasePool<SmtpSession, SmtpProbe::kSessionPool> g_sessions;

}  // namespace

int SmtpProbe::sessions_in_use() { return g_sessions.in_use(); }

SmtpProbe::~SmtpProbe() {
  if (session_ == nullptr) return;
  session_->close();
  session_->give_back_tls();  // its STARTTLS session (net::TlsSessions)
  g_sessions.give_back(session_);
}

void SmtpProbe::DoStart() {
  facts_ = Facts::kNone;
  if (session_ == nullptr) session_ = g_sessions.lease();
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
  d.tls13 = session_->tls13();
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

bool SmtpProbe::DoStarvedForMemory() const { return session_ != nullptr && session_->starved_for_memory(); }

void SmtpProbe::DoDescribeTimeout() {
  if (session_ == nullptr) return;
  take_phases();
  session_->describe_timeout(out().summary, static_cast<unsigned>(check().tune.timeout_ms));
  facts_ = Facts::kTimedOut;
}

}  // namespace probebox
