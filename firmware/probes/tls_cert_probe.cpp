#include "probes/tls_cert_probe.h"

#include "core/json_writer.h"
#include "core/view.h"
#include "protocols/x509_summary.h"

namespace probebox {

void TlsCertProbe::DoStart() {
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  version_ = net::TlsVersion::k12;
  if (env().tls == nullptr || !env().tls->ready()) {
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: fail(Outcome::kCritical, "cannot resolve the host"); break;
  }
}

void TlsCertProbe::on_resolved(void* self) {
  auto* probe = static_cast<TlsCertProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) probe->connect();
  else probe->fail(Outcome::kCritical, "cannot resolve the host");
}

void TlsCertProbe::connect() {
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_recv);
  if (tcp_connect(pcb_, &resolver_.address(), check().port, on_connected) != ERR_OK) {
    fail(Outcome::kCritical, "no route to the host");
  }
}

err_t TlsCertProbe::on_connected(void* arg, struct tcp_pcb* pcb, err_t) {
  auto* probe = static_cast<TlsCertProbe*>(arg);
  if (probe == nullptr || probe->finished()) return ERR_OK;
  const Config& cfg = *probe->env().config;
  std::string_view sni = probe->check().server_name.empty() ? std::string_view() : cfg.text(probe->check().server_name);
  if (!probe->tls_.begin(*probe->env().tls, pcb, sni, probe->version_).ok()) {
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
    probe->fail(Outcome::kCritical, err == ERR_RST ? "connection refused or reset" : "connection failed");
  }
}

void TlsCertProbe::drive() {
  switch (tls_.handshake(!check().full_handshake)) {
    case net::TlsClientSession::Progress::kServerProved:
    case net::TlsClientSession::Progress::kEstablished:
      judge();
      break;
    case net::TlsClientSession::Progress::kFailed:
      if (version_ == net::TlsVersion::k12 && tls_.version_refused() && retry_with_tls13()) break;
      if (tls_.message_too_big() && tls_.oversized_type() == net::TlsClientSession::kCertificateMessage) {
        // Not the server's fault, nor a verdict on the certificate: this box cannot
        // hold the chain (spec/checks.md), and says how big it is against what limit.
        fail_chain_too_big();
      } else {
        fail(Outcome::kCritical, "TLS handshake failed: ", true);
      }
      break;
    case net::TlsClientSession::Progress::kWantMore:
      break;
  }
}

// The server refused TLS 1.2: the same check again over a new connection offering
// only 1.3, within the same deadline. False when the old connection could not be
// closed cleanly (then the refusal is the verdict).
bool TlsCertProbe::retry_with_tls13() {
  tls_.end();
  if (pcb_ != nullptr) {
    tcp_arg(pcb_, nullptr);
    tcp_err(pcb_, nullptr);
    tcp_recv(pcb_, nullptr);
    if (tcp_close(pcb_) != ERR_OK) {
      tcp_abort(pcb_);
      pcb_ = nullptr;
      aborted_in_callback_ = true;
      return false;
    }
    pcb_ = nullptr;
  }
  version_ = net::TlsVersion::k13;
  connect();
  return true;
}

void TlsCertProbe::judge() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  const mbedtls_x509_crt* chain = tls_.peer_chain();
  if (chain == nullptr || chain->raw.p == nullptr) {
    fail(Outcome::kCritical, "the server sent no certificate");
    return;
  }
  x509::CertSummary s;
  x509::summarize(*chain, s);
  x509::ChainVerdict chain_verdict = x509::judge_chain(chain, env().tls->anchors(), tls_.verify_flags());
  hal::WallTime wall = env().clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
  int32_t days = x509::days_left(s.not_after, now_s);
  r.measurements.cert_sha256 = s.sha256;
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

  JsonWriter w(r.details);
  w.begin_object();
  if (wall.valid) w.field_int("days_left", days);
  else w.key("days_left").null();
  FixedText<24> when;
  x509::append_iso8601(when, s.not_after);
  w.field("not_after", when.view());
  w.field("subject", s.subject.view()).field("issuer", s.issuer.view());
  w.field_bool("chain_complete", chain_verdict.complete);
  if (chain_verdict.trusted == x509::Trust::kNotJudged) w.key("trusted").null();
  else w.field_bool("trusted", chain_verdict.trusted == x509::Trust::kYes);
  w.field("key_type", s.key_type.view()).field_int("key_bits", s.key_bits).field("sig_alg", s.sig_alg.view());
  w.field("sha256", s.sha256.view());
  w.field("tls_version", tls_.tls_version());
  auto list = [&](std::string_view key, std::string_view lines, bool bounded) {
    w.key(key).begin_array();
    bool cut = false;
    while (!lines.empty()) {
      size_t nl = lines.find('\n');
      std::string_view item = first(lines, nl);
      // Leave room to close the document: the list is cut, and says so, first.
      if (bounded && r.details.size() + item.size() + 64 > r.details.capacity()) {
        cut = true;
        break;
      }
      w.string(item);
      lines = nl == std::string_view::npos ? std::string_view() : after(lines, nl + 1);
    }
    w.end_array();
    return cut;
  };
  list("missing_names", missing.view(), false);
  bool sans_cut = list("sans", s.sans.view(), true);
  if (sans_cut || s.sans_truncated) w.field_bool("sans_truncated", true);
  w.end_object();

  // The verdict: the most severe finding names the summary.
  Outcome outcome = Outcome::kOk;
  FixedText<120>& sum = r.summary;
  std::string_view subject_name = c.server_name.empty() ? cfg.text(c.host) : cfg.text(c.server_name);
  bool rsa_ok = s.key_type == "RSA" && s.key_bits >= 2048;
  if (!chain_verdict.complete) {
    outcome = Outcome::kCritical;
    sum.assign("chain incomplete: an intermediate is missing");
  } else if (chain_verdict.trusted == x509::Trust::kNo) {
    outcome = Outcome::kCritical;
    sum.assign("chain does not verify to the trust anchors");
  } else if (missing_count > 0) {
    outcome = Outcome::kCritical;
    sum.assign(first(missing.view(), missing.view().find('\n')));
    sum.append(missing_count > 1 ? " and others not in the certificate" : " not in the certificate");
  } else if (!rsa_ok) {
    outcome = Outcome::kCritical;
    sum.appendf("%s %u-bit key: the appliance needs RSA >= 2048", s.key_type.c_str(), static_cast<unsigned>(s.key_bits));
  } else if (!wall.valid) {
    outcome = Outcome::kUnknown;
    sum.assign("box clock not synchronised: expiry cannot be judged");
  } else if (now_s < s.not_before) {
    outcome = Outcome::kCritical;
    sum.assign("cert not valid yet");
  } else if (days < 0) {
    outcome = Outcome::kCritical;
    sum.appendf("cert %.*s expired %d days ago", static_cast<int>(subject_name.size()), subject_name.data(), static_cast<int>(-days));
  } else if (days <= c.tune.cert_crit_days || days <= c.tune.cert_warn_days) {
    outcome = days <= c.tune.cert_crit_days ? Outcome::kCritical : Outcome::kWarning;
    sum.appendf("cert %.*s expires in %d days", static_cast<int>(subject_name.size()), subject_name.data(), static_cast<int>(days));
  } else if (s.sha1_signature) {
    outcome = Outcome::kWarning;
    sum.appendf("cert signed with %s", s.sig_alg.c_str());
  } else {
    sum.appendf("cert %.*s valid %d more days", static_cast<int>(subject_name.size()), subject_name.data(), static_cast<int>(days));
  }
  finish(outcome);
}

void TlsCertProbe::fail(Outcome outcome, std::string_view why, bool add_tls_reason) {
  ProbeResult& r = out();
  r.summary.assign(why);
  if (add_tls_reason) tls_.describe_error(r.summary);
  JsonWriter(r.details).begin_object().key("days_left").null().key("chain_complete").null().end_object();
  finish(outcome);
}

void TlsCertProbe::fail_chain_too_big() {
  ProbeResult& r = out();
  r.summary.assign("cannot inspect: ");
  tls_.describe_error(r.summary);
  JsonWriter w(r.details);
  w.begin_object().key("days_left").null().key("chain_complete").null();
  w.field_int("chain_bytes", tls_.oversized_length()).field_int("chain_limit_bytes", net::TlsClientSession::kMaxHandshakeMessage);
  w.field("tls_version", tls_.tls_version());
  w.end_object();
  finish(Outcome::kUnknown);
}

void TlsCertProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.appendf("no TLS handshake in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  JsonWriter(r.details).begin_object().key("days_left").null().key("chain_complete").null().end_object();
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
