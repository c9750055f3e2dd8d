#include "probes/verdicts.h"

#include "core/limits.h"
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
  // The certificate that expires first decides the expiring rungs, whichever it is.
  const int32_t earliest = f.chain_days_left < f.days_left ? f.chain_days_left : f.days_left;
  if (!f.chain_complete) {
    out.outcome = Outcome::kCritical;
    sum.assign("chain incomplete: an intermediate is missing");
  } else if (f.trusted == x509::Trust::kNo && !f.leaf_self_signed) {
    // A self-signed leaf never verifies: its own rung below says what is wrong.
    out.outcome = Outcome::kCritical;
    if (!f.long_exponent_name.empty()) {
      sum.appendf("chain does not verify: %.*s has an RSA public exponent over %u bits, which the box does not "
                  "compute", static_cast<int>(f.long_exponent_name.size()), f.long_exponent_name.data(),
                  static_cast<unsigned>(PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS));
    } else if (f.rsa_work_refused) {
      sum.appendf("chain does not verify: its RSA keys ask more work than the box gives one check (%u units: "
                  "four RSA-8192 signatures)", static_cast<unsigned>(PROBEBOX_TLS_RSA_WORK_PER_SESSION));
    } else {
      sum.assign("chain does not verify to the trust anchors");
    }
  } else if (f.missing_count > 0) {
    out.outcome = Outcome::kCritical;
    sum.assign(f.first_missing);
    sum.append(f.missing_count > 1 ? " and others not in the certificate" : " not in the certificate");
  } else if (!rsa_ok) {
    out.outcome = Outcome::kCritical;
    sum.appendf("%.*s %u-bit key: the appliance needs RSA >= 2048", static_cast<int>(f.key_type.size()),
                f.key_type.data(), static_cast<unsigned>(f.key_bits));
  } else if (f.leaf_self_signed) {
    out.outcome = Outcome::kCritical;
    sum.appendf("cert %.*s is self-signed: the appliance needs a public CA", name_len, name);
  } else if (!f.wall_valid) {
    out.outcome = Outcome::kUnknown;
    sum.assign("box clock not synchronised: expiry cannot be judged");
  } else if (f.now_s < f.not_before) {
    out.outcome = Outcome::kCritical;
    sum.assign("cert not valid yet");
  } else if (f.now_s < f.chain_not_before) {
    out.outcome = Outcome::kCritical;
    sum.appendf("%.*s in the chain not valid yet", static_cast<int>(f.future_name.size()), f.future_name.data());
  } else if (f.days_left < 0) {
    out.outcome = Outcome::kCritical;
    sum.appendf("cert %.*s expired %d days ago", name_len, name, static_cast<int>(-f.days_left));
  } else if (f.chain_days_left < 0) {
    out.outcome = Outcome::kCritical;
    sum.appendf("%.*s in the chain expired %d days ago", static_cast<int>(f.expiry_name.size()),
                f.expiry_name.data(), static_cast<int>(-f.chain_days_left));
  } else if (!rules.trust_only && (earliest <= rules.crit_days || earliest <= rules.warn_days)) {
    out.outcome = earliest <= rules.crit_days ? Outcome::kCritical : Outcome::kWarning;
    if (f.chain_days_left < f.days_left && !f.expiry_name.empty()) {
      sum.appendf("%.*s in the chain expires in %d days", static_cast<int>(f.expiry_name.size()),
                  f.expiry_name.data(), static_cast<int>(earliest));
    } else {
      sum.appendf("cert %.*s expires in %d days", name_len, name, static_cast<int>(f.days_left));
    }
  } else if (!f.chain_in_order) {
    out.outcome = Outcome::kWarning;
    sum.assign("chain out of order: send the leaf first, then each issuer");
  } else if (f.sha1_signature) {
    out.outcome = Outcome::kWarning;
    if (!f.weak_name.empty()) sum.appendf("%.*s in the chain", static_cast<int>(f.weak_name.size()), f.weak_name.data());
    else sum.append("cert");
    sum.appendf(" signed with %.*s", static_cast<int>(f.sig_alg.size()), f.sig_alg.data());
  } else {
    sum.appendf("cert %.*s valid %d more days", name_len, name, static_cast<int>(f.days_left));
  }
  // Every finding is the certificate's, but the one that could not be judged.
  if (out.outcome != Outcome::kOk) out.reason = out.outcome == Outcome::kUnknown ? FailReason::kNoClock : FailReason::kCertificate;
  return out;
}

Verdict judge_legacy_tls(Verdict v, uint8_t accepted, TextBuffer& sum) {
  if (v.outcome != Outcome::kOk || accepted == 0) return v;
  bool v10 = (accepted & kLegacyTls10) != 0;
  bool v11 = (accepted & kLegacyTls11) != 0;
  sum.assign("server still accepts TLS ");
  sum.append(v10 && v11 ? "1.0 and 1.1" : v10 ? "1.0" : "1.1");
  sum.append(" (dashboard: Disable TLSv1/TLSv1.1)");
  v.outcome = Outcome::kWarning;
  v.reason = FailReason::kTls;
  return v;
}

// A cut Content-Type is text/plain only when its media type ended (a ';') within
// what was kept: "text/plain" and blanks cut off before the rest is no judgement.
static bool is_text_plain(const HttpFacts& f) {
  if (f.content_type_cut && f.content_type.find(';') == std::string_view::npos) return false;
  return http::is_media_type(f.content_type, "text/plain");
}

Verdict judge_http(const HttpFacts& f, const HttpRules& rules, TextBuffer& sum) {
  Verdict out;
  sum.clear();
  if (rules.expect_https_redirect) {
    sum.appendf("HTTP %d", f.status);
    if (!f.location.empty()) {
      sum.append(" -> ");
      sum.append(f.location);
      if (f.location_cut) sum.append("...");
    }
    // A cut Location was judged whole as it streamed; the kept prefix may end inside its host.
    bool redirect = f.location_cut ? (f.status == 301 || f.status == 308) && f.location_to_host
                                   : http::is_https_redirect(f.status, f.location, f.host);
    if (!redirect) {
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
      if (f.location_cut) sum.append("...");
    } else if (!f.services_down.empty()) {
      sum.append(", down: ");
      sum.append(f.services_down);
    }
  } else if (warn_status) {
    set(out, Outcome::kWarning, FailReason::kServerReply);
  } else if (f.check_body && !f.body_match) {
    set(out, Outcome::kCritical, FailReason::kExpectation);
    sum.append(", body does not match");
  } else if (f.testall && f.status == 200 && !is_text_plain(f)) {
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
