#include "probes/tls_cert_probe.h"

#include "core/view.h"
#include "probes/verdicts.h"
#include "protocols/x509_summary.h"

namespace probebox {

void TlsCertProbe::DoStart() {
  state_ = State::kResolving;
  version_ = net::TlsVersion::k12;
  if (env().tls == nullptr || !env().tls->ready()) {
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  resolve_then(env().config->text(check().host));
}

void TlsCertProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (event) {
    case E::kUnresolved:
      note_failure(FailReason::kResolve);
      fail(Outcome::kCritical, "cannot resolve the host");
      return;
    case E::kFailed:
      note_failure(link_.error() == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, link_.error());
      fail(Outcome::kCritical, link_.error() == ERR_RST ? "connection refused or reset" : "connection failed");
      return;
    case E::kOverflow:
      note_failure(FailReason::kProtocol);
      fail(Outcome::kCritical, "the server sent more than a handshake needs");
      return;
    default: break;
  }
  switch (state_) {
    case State::kResolving:
      mark(Phase::kResolve);
      connect();
      return;
    case State::kConnecting: {
      mark(Phase::kConnect);
      const Config& cfg = *env().config;
      std::string_view sni = check().server_name.empty() ? std::string_view() : cfg.text(check().server_name);
      state_ = State::kHandshake;
      if (!link_.start_tls(*env().tls, sni, version_).ok()) {
        note_failure(FailReason::kNoResources);
        fail(Outcome::kUnknown, "no memory for a TLS session", true);
      } else {
        drive();
      }
      return;
    }
    case State::kHandshake: drive(); return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void TlsCertProbe::connect() {
  state_ = State::kConnecting;
  switch (connect_to(link_, check().port)) {
    case net::TcpLink::Open::kNoPcb:
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
      return;
    case net::TcpLink::Open::kFailed:
      note_failure(FailReason::kUnreachable, link_.error());
      fail(Outcome::kCritical, "no route to the host");
      return;
    case net::TcpLink::Open::kConnecting: return;
  }
}

void TlsCertProbe::drive() {
  switch (link_.tls().handshake(!check().full_handshake)) {
    case net::TlsClientSession::Progress::kServerProved:
    case net::TlsClientSession::Progress::kEstablished:
      mark(Phase::kTls);
      judge();
      break;
    case net::TlsClientSession::Progress::kFailed:
      if (version_ == net::TlsVersion::k12 && link_.tls().version_refused() && retry_with_tls13()) break;
      if (link_.tls().message_too_big() && link_.tls().oversized_type() == net::TlsClientSession::kCertificateMessage) {
        // Not the server's fault, nor a verdict on the certificate: this box cannot
        // hold the chain (spec/checks.md), and says how big it is against what limit.
        fail_chain_too_big();
      } else {
        note_failure(FailReason::kTls);
        fail(Outcome::kCritical, "TLS handshake failed: ", true);
      }
      break;
    case net::TlsClientSession::Progress::kWantMore:
      break;
  }
}

// The server refused TLS 1.2: the same check again over a new connection offering
// only 1.3, within the same deadline. False when the old connection had to be
// aborted (then the link must not be reused in this callback, and the refusal is
// the verdict).
bool TlsCertProbe::retry_with_tls13() {
  if (link_.close() == ERR_ABRT) return false;
  version_ = net::TlsVersion::k13;
  connect();
  return true;
}

void TlsCertProbe::judge() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  const net::TlsClientSession& tls = link_.tls();
  const mbedtls_x509_crt* chain = tls.peer_chain();
  if (chain == nullptr || chain->raw.p == nullptr) {
    note_failure(FailReason::kCertificate);
    fail(Outcome::kCritical, "the server sent no certificate");
    return;
  }
  x509::CertSummary s;
  x509::summarize(*chain, s);
  hal::WallTime wall = env().clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
  x509::ChainVerdict chain_verdict = x509::judge_chain(
      chain, env().tls->anchors(), tls.verify_flags(), env().tls->public_roots(c.tune.public_roots, wall.valid, now_s));
  int32_t days = x509::days_left(s.not_after, now_s);
  if (wall.valid) {
    r.measurements.has_days_left = true;
    r.measurements.days_left = days;
    r.measurements.not_after_unix = s.not_after;
  }

  // Names the appliance needs that the SAN does not cover.
  FixedText<512> missing;
  int missing_count = 0;
  for (uint16_t i = 0; i < c.names.count; ++i) {
    std::string_view name = cfg.text(cfg.list_item(c.names, i));
    if (x509::covered_by_sans(name, s)) continue;
    if (missing_count++ > 0) missing.append('\n');
    missing.append(name);
  }

  TlsCertDetails& d = r.details.set_tls_cert();
  d.examined = true;
  d.dated = wall.valid;
  d.days_left = days;
  d.not_after = s.not_after;
  d.subject = r.details.add_text(s.subject.view());
  d.issuer = r.details.add_text(s.issuer.view());
  d.chain_complete = chain_verdict.complete;
  d.trusted = chain_verdict.trusted == x509::Trust::kNotJudged ? Tri::kNull : tri(chain_verdict.trusted == x509::Trust::kYes);
  d.trusted_by = x509::trust_set_name(chain_verdict.trusted_by);
  d.key_type = r.details.add_text(s.key_type.view());
  d.key_bits = s.key_bits;
  d.sig_alg = r.details.add_text(s.sig_alg.view());
  d.sha256 = r.details.add_text(s.sha256.view());
  d.tls_version = tls.tls_version();
  d.missing_names = r.details.add_text(missing.view());
  d.sans = r.details.add_text(s.sans.view());
  d.sans_truncated = s.sans_truncated;

  // The verdict: the most severe finding names the summary.
  TlsCertFacts f;
  f.chain_complete = chain_verdict.complete;
  f.trusted = chain_verdict.trusted;
  f.missing_count = missing_count;
  f.first_missing = first(missing.view(), missing.view().find('\n'));
  f.key_type = s.key_type.view();
  f.key_bits = s.key_bits;
  f.wall_valid = wall.valid;
  f.now_s = now_s;
  f.not_before = s.not_before;
  f.days_left = days;
  f.sha1_signature = s.sha1_signature;
  f.sig_alg = s.sig_alg.view();
  f.subject_name = c.server_name.empty() ? cfg.text(c.host) : cfg.text(c.server_name);
  TlsCertRules rules;
  rules.crit_days = c.tune.cert_crit_days;
  rules.warn_days = c.tune.cert_warn_days;
  rules.trust_only = c.trust_only;
  Verdict v = judge_tls_cert(f, rules, r.summary);
  note_failure(v.reason);
  finish(v.outcome);
}

void TlsCertProbe::fail(Outcome outcome, std::string_view why, bool add_tls_reason) {
  ProbeResult& r = out();
  r.summary.assign(why);
  if (add_tls_reason) link_.tls().describe_error(r.summary);
  r.details.set_tls_cert();
  finish(outcome);
}

void TlsCertProbe::fail_chain_too_big() {
  ProbeResult& r = out();
  const net::TlsClientSession& tls = link_.tls();
  r.summary.assign("cannot inspect: ");
  tls.describe_error(r.summary);
  TlsCertDetails& d = r.details.set_tls_cert();
  d.too_big = true;
  d.chain_bytes = tls.oversized_length();
  d.chain_limit_bytes = net::TlsClientSession::kMaxHandshakeMessage;
  d.tls_version = tls.tls_version();
  note_failure(FailReason::kNoResources);
  finish(Outcome::kUnknown);
}

void TlsCertProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.appendf("no TLS handshake in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  r.details.set_tls_cert();
}

void TlsCertProbe::DoRelease() {
  state_ = State::kDone;
  link_.close();
}

}  // namespace probebox
