#include "probes/tls_cert_probe.h"

#include "core/view.h"
#include "probes/verdicts.h"
#include "protocols/x509_summary.h"

namespace probebox {

void TlsCertProbe::DoStart() {
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  if (env().tls == nullptr || !env().tls->ready()) {
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); fail(Outcome::kCritical, "cannot resolve the host"); break;
  }
}

void TlsCertProbe::on_resolved(void* self) {
  auto* probe = static_cast<TlsCertProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->connect();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->fail(Outcome::kCritical, "cannot resolve the host");
  }
}

void TlsCertProbe::connect() {
  mark(Phase::kResolve);
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_recv);
  if (tcp_connect(pcb_, &resolver_.address(), check().port, on_connected) != ERR_OK) {
    note_failure(FailReason::kUnreachable);
    fail(Outcome::kCritical, "no route to the host");
  }
}

err_t TlsCertProbe::on_connected(void* arg, struct tcp_pcb* pcb, err_t) {
  auto* probe = static_cast<TlsCertProbe*>(arg);
  if (probe == nullptr || probe->finished()) return ERR_OK;
  probe->mark(Phase::kConnect);
  const Config& cfg = *probe->env().config;
  std::string_view sni = probe->check().server_name.empty() ? std::string_view() : cfg.text(probe->check().server_name);
  if (!probe->tls_.begin(*probe->env().tls, pcb, sni).ok()) {
    probe->note_failure(FailReason::kNoResources);
    probe->fail(Outcome::kUnknown, "no memory for a TLS session", true);
  } else {
    probe->drive();
  }
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

err_t TlsCertProbe::on_recv(void* arg, struct tcp_pcb*, struct pbuf* p, err_t) {
  auto* probe = static_cast<TlsCertProbe*>(arg);
  if (probe == nullptr || probe->finished()) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr) {
    probe->tls_.peer_closed();
  } else if (!probe->tls_.push(p)) {
    probe->note_failure(FailReason::kProtocol);
    probe->fail(Outcome::kCritical, "the server sent more than a handshake needs");
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  probe->drive();
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void TlsCertProbe::on_error(void* arg, err_t err) {
  auto* probe = static_cast<TlsCertProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;  // freed by lwIP
  if (!probe->finished()) {
    probe->note_failure(err == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, err);
    probe->fail(Outcome::kCritical, err == ERR_RST ? "connection refused or reset" : "connection failed");
  }
}

void TlsCertProbe::drive() {
  switch (tls_.handshake(!check().full_handshake)) {
    case net::TlsClientSession::Progress::kServerProved:
    case net::TlsClientSession::Progress::kEstablished:
      mark(Phase::kTls);
      judge();
      break;
    case net::TlsClientSession::Progress::kFailed:
      note_failure(FailReason::kTls);
      fail(Outcome::kCritical, "TLS handshake failed: ", true);
      break;
    case net::TlsClientSession::Progress::kWantMore:
      break;
  }
}

void TlsCertProbe::judge() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  const mbedtls_x509_crt* chain = tls_.peer_chain();
  if (chain == nullptr || chain->raw.p == nullptr) {
    note_failure(FailReason::kCertificate);
    fail(Outcome::kCritical, "the server sent no certificate");
    return;
  }
  x509::CertSummary s;
  x509::summarize(*chain, s);
  x509::ChainVerdict chain_verdict = x509::judge_chain(chain, env().tls->anchors(), tls_.verify_flags());
  hal::WallTime wall = env().clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
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
  d.key_type = r.details.add_text(s.key_type.view());
  d.key_bits = s.key_bits;
  d.sig_alg = r.details.add_text(s.sig_alg.view());
  d.sha256 = r.details.add_text(s.sha256.view());
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
  Verdict v = judge_tls_cert(f, TlsCertRules{c.tune.cert_crit_days, c.tune.cert_warn_days}, r.summary);
  note_failure(v.reason);
  finish(v.outcome);
}

void TlsCertProbe::fail(Outcome outcome, std::string_view why, bool add_tls_reason) {
  ProbeResult& r = out();
  r.summary.assign(why);
  if (add_tls_reason) tls_.describe_error(r.summary);
  r.details.set_tls_cert();
  finish(outcome);
}

void TlsCertProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.appendf("no TLS handshake in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  r.details.set_tls_cert();
}

void TlsCertProbe::DoRelease() {
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
