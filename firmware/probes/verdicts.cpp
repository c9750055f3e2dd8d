#include "probes/verdicts.h"

#include "protocols/http_response.h"

namespace probebox {
namespace {

bool in_list(std::span<const uint16_t> codes, int status) {
  for (uint16_t c : codes) {
    if (c == status) return true;
  }
  return false;
}

void set(Verdict& v, Outcome o, FailReason r) {
  v.outcome = o;
  v.reason = r;
}

}  // namespace

Verdict judge_tls_cert(const TlsCertFacts& f, const TlsCertRules& rules, TextBuffer& sum) {
  Verdict out;
  sum.clear();
  const int name_len = static_cast<int>(f.subject_name.size());
  const char* name = f.subject_name.data();
  bool rsa_ok = rules.trust_only || (f.key_type == "RSA" && f.key_bits >= 2048);
  if (!f.chain_complete) {
    out.outcome = Outcome::kCritical;
    sum.assign("chain incomplete: an intermediate is missing");
  } else if (f.trusted == x509::Trust::kNo) {
    out.outcome = Outcome::kCritical;
    sum.assign("chain does not verify to the trust anchors");
  } else if (f.missing_count > 0) {
    out.outcome = Outcome::kCritical;
    sum.assign(f.first_missing);
    sum.append(f.missing_count > 1 ? " and others not in the certificate" : " not in the certificate");
  } else if (!rsa_ok) {
    out.outcome = Outcome::kCritical;
    sum.appendf("%.*s %u-bit key: the appliance needs RSA >= 2048", static_cast<int>(f.key_type.size()),
                f.key_type.data(), static_cast<unsigned>(f.key_bits));
  } else if (!f.wall_valid) {
    out.outcome = Outcome::kUnknown;
    sum.assign("box clock not synchronised: expiry cannot be judged");
  } else if (f.now_s < f.not_before) {
    out.outcome = Outcome::kCritical;
    sum.assign("cert not valid yet");
  } else if (f.days_left < 0) {
    out.outcome = Outcome::kCritical;
    sum.appendf("cert %.*s expired %d days ago", name_len, name, static_cast<int>(-f.days_left));
  } else if (!rules.trust_only && (f.days_left <= rules.crit_days || f.days_left <= rules.warn_days)) {
    out.outcome = f.days_left <= rules.crit_days ? Outcome::kCritical : Outcome::kWarning;
    sum.appendf("cert %.*s expires in %d days", name_len, name, static_cast<int>(f.days_left));
  } else if (f.sha1_signature) {
    out.outcome = Outcome::kWarning;
    sum.appendf("cert signed with %.*s", static_cast<int>(f.sig_alg.size()), f.sig_alg.data());
  } else {
    sum.appendf("cert %.*s valid %d more days", name_len, name, static_cast<int>(f.days_left));
  }
  // Every finding is the certificate's, but the one that could not be judged.
  if (out.outcome != Outcome::kOk) out.reason = out.outcome == Outcome::kUnknown ? FailReason::kNoClock : FailReason::kCertificate;
  return out;
}

Verdict judge_http(const HttpFacts& f, const HttpRules& rules, TextBuffer& sum) {
  Verdict out;
  sum.clear();
  if (rules.expect_https_redirect) {
    sum.appendf("HTTP %d", f.status);
    if (!f.location.empty()) {
      sum.append(" -> ");
      sum.append(f.location);
    }
    if (!http::is_https_redirect(f.status, f.location, f.host)) {
      set(out, Outcome::kWarning, FailReason::kExpectation);
      sum.append(f.location.empty() ? ": served in clear, no https redirect" : ": not https on this host");
    }
    return out;
  }
  bool expected_status = rules.expect_status.empty() ? f.status == 200 : in_list(rules.expect_status, f.status);
  bool warn_status = in_list(rules.warn_status, f.status);
  sum.appendf("HTTP %d", f.status);
  if (!expected_status && !warn_status) {
    set(out, Outcome::kCritical, FailReason::kServerReply);
    if (!f.location.empty()) {
      sum.append(" -> ");
      sum.append(f.location);
    } else if (!f.services_down.empty()) {
      sum.append(", down: ");
      sum.append(f.services_down);
    }
  } else if (warn_status) {
    set(out, Outcome::kWarning, FailReason::kServerReply);
  } else if (f.check_body && !f.body_match) {
    set(out, Outcome::kCritical, FailReason::kExpectation);
    sum.append(", body does not match");
  } else if (f.testall && f.status == 200 && !http::is_media_type(f.content_type, "text/plain")) {
    set(out, Outcome::kWarning, FailReason::kExpectation);
    if (f.content_type.empty()) {
      sum.append(" OK without a Content-Type, not text/plain");
    } else {
      sum.appendf(" OK as %.*s, not text/plain", static_cast<int>(f.content_type.size() > 40 ? 40 : f.content_type.size()),
                  f.content_type.data());
    }
  } else if (f.elapsed_us > static_cast<int64_t>(rules.latency_warn_ms) * 1000) {
    set(out, Outcome::kWarning, FailReason::kSlow);
    sum.append(", slow");
  } else if (f.have_skew && (f.skew_s > static_cast<int64_t>(rules.clock_skew_warn_s) ||
                             -f.skew_s > static_cast<int64_t>(rules.clock_skew_warn_s))) {
    set(out, Outcome::kWarning, FailReason::kExpectation);
    sum.appendf(", server clock %+d s off", static_cast<int>(f.skew_s));
  } else {
    sum.append(f.check_body ? " OK" : "");
  }
  return out;
}

}  // namespace probebox
