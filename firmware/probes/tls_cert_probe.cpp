#include "probes/tls_cert_probe.h"

#include "core/json_writer.h"
#include "core/view.h"
#include "protocols/x509_summary.h"

namespace probebox {

void TlsCertProbe::DoStart() {
  state_ = State::kResolving;
  version_ = net::TlsVersion::k12;
  if (env().tls == nullptr || !env().tls->ready()) {
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  resolve_then(env().config->text(check().host));
}

void TlsCertProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (event) {
    case E::kUnresolved: fail(Outcome::kCritical, "cannot resolve the host"); return;
    case E::kFailed:
      fail(Outcome::kCritical, link_.error() == ERR_RST ? "connection refused or reset" : "connection failed");
      return;
    case E::kOverflow: fail(Outcome::kCritical, "the server sent more than a handshake needs"); return;
    default: break;
  }
  switch (state_) {
    case State::kResolving: connect(); return;
    case State::kConnecting: {
      const Config& cfg = *env().config;
      std::string_view sni = check().server_name.empty() ? std::string_view() : cfg.text(check().server_name);
      state_ = State::kHandshake;
      if (!link_.start_tls(*env().tls, sni, version_).ok()) fail(Outcome::kUnknown, "no memory for a TLS session", true);
      else drive();
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
    case net::TcpLink::Open::kNoPcb: fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)"); return;
    case net::TcpLink::Open::kFailed: fail(Outcome::kCritical, "no route to the host"); return;
    case net::TcpLink::Open::kConnecting: return;
  }
}

void TlsCertProbe::drive() {
  switch (link_.tls().handshake(!check().full_handshake)) {
    case net::TlsClientSession::Progress::kServerProved:
    case net::TlsClientSession::Progress::kEstablished:
      judge();
      break;
    case net::TlsClientSession::Progress::kFailed:
      if (version_ == net::TlsVersion::k12 && link_.tls().version_refused() && retry_with_tls13()) break;
      if (link_.tls().message_too_big() && link_.tls().oversized_type() == net::TlsClientSession::kCertificateMessage) {
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
    fail(Outcome::kCritical, "the server sent no certificate");
    return;
  }
  x509::CertSummary s;
  x509::summarize(*chain, s);
  x509::ChainVerdict chain_verdict = x509::judge_chain(chain, env().tls->anchors(), tls.verify_flags());
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
  w.field("tls_version", tls.tls_version());
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
  bool rsa_ok = c.trust_only || (s.key_type == "RSA" && s.key_bits >= 2048);
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
  } else if (!c.trust_only && (days <= c.tune.cert_crit_days || days <= c.tune.cert_warn_days)) {
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
  if (add_tls_reason) link_.tls().describe_error(r.summary);
  JsonWriter(r.details).begin_object().key("days_left").null().key("chain_complete").null().end_object();
  finish(outcome);
}

void TlsCertProbe::fail_chain_too_big() {
  ProbeResult& r = out();
  const net::TlsClientSession& tls = link_.tls();
  r.summary.assign("cannot inspect: ");
  tls.describe_error(r.summary);
  JsonWriter w(r.details);
  w.begin_object().key("days_left").null().key("chain_complete").null();
  w.field_int("chain_bytes", tls.oversized_length()).field_int("chain_limit_bytes", net::TlsClientSession::kMaxHandshakeMessage);
  w.field("tls_version", tls.tls_version());
  w.end_object();
  finish(Outcome::kUnknown);
}

void TlsCertProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.appendf("no TLS handshake in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  JsonWriter(r.details).begin_object().key("days_left").null().key("chain_complete").null().end_object();
}

void TlsCertProbe::DoRelease() {
  state_ = State::kDone;
  link_.close();
}

}  // namespace probebox
