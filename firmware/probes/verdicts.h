// The verdict ladders of the tls_cert and http checks (spec/checks.md), pure: the
// facts a probe gathered and the check's thresholds in, the outcome, the one-line
// summary and the reason out. The first rung that matches names the result, so the
// order of the rungs is the contract; tests/unit/probes/verdicts_test.cpp walks it.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/probe_result.h"
#include "protocols/x509_summary.h"

namespace probebox {

// The summary is written to the caller's buffer (a result's, 120 characters).
struct Verdict {
  Outcome outcome = Outcome::kOk;
  FailReason reason = FailReason::kNone;
};

struct TlsCertFacts {
  bool chain_complete = false;
  x509::Trust trusted = x509::Trust::kNotJudged;
  int missing_count = 0;                 // names the check needs that the SANs do not cover
  std::string_view first_missing;
  std::string_view key_type;             // "RSA", "EC", "other"
  uint32_t key_bits = 0;
  bool wall_valid = false;               // the box clock is set
  int64_t now_s = 0;
  int64_t not_before = 0;
  int32_t days_left = 0;
  bool sha1_signature = false;           // SHA-1/MD5 on any certificate sent (a root's self-signature aside)
  std::string_view sig_alg;              // that signature's algorithm
  std::string_view weak_name;            // which certificate, when not the leaf
  std::string_view long_exponent_name;   // a certificate whose RSA exponent the box will not compute
  bool rsa_work_refused = false;         // the chain's RSA keys asked more work than one check is given
  std::string_view subject_name;         // the name the summary calls the certificate by
  // The chain certificate by certificate (x509::judge_chain).
  bool chain_in_order = true;            // leaf first, then each issuer
  bool leaf_self_signed = false;
  int64_t chain_not_before = 0;          // the latest notBefore of every certificate sent
  std::string_view future_name;          // which one, when not the leaf
  int32_t chain_days_left = INT32_MAX;   // days to the earliest notAfter of every certificate sent
  std::string_view expiry_name;          // which one, when not the leaf
};

struct TlsCertRules {
  int32_t crit_days = 14;
  int32_t warn_days = 30;
  // Judged for trust only (another party's certificate, e.g. the appliance's egress):
  // its key and a late renewal are not the appliance's to fix.
  bool trust_only = false;
};

// Chain incomplete, untrusted, a name missing, a weak key (not for trust_only), a
// self-signed leaf, no clock, not yet valid (the leaf, then any certificate sent),
// expired (the same), expiring (the earliest of every certificate sent: critical,
// then warning; not for trust_only), out of order, SHA-1/MD5 signed, else valid.
Verdict judge_tls_cert(const TlsCertFacts& f, const TlsCertRules& rules, TextBuffer& summary);

// The legacy-protocol floor, the ladder's last rung, applied after judge_tls_cert
// (the legacy ClientHello runs after the main handshake, on its own connection):
// a server that still accepts TLS 1.0 or 1.1 turns an OK into a warning that says
// which; any other verdict stands. `accepted`: kLegacyTls10/11 bits.
Verdict judge_legacy_tls(Verdict v, uint8_t accepted, TextBuffer& summary);

struct HttpFacts {
  int status = 0;
  bool check_body = false;               // the body is held to an expectation
  bool body_match = false;
  std::string_view location;             // a redirect's target (as far as it was kept)
  bool location_cut = false;             // the Location was longer than `location`
  // The whole Location is https:// on `host` (the parser judged it as it streamed):
  // what the HTTPS-only rule reads when the Location was cut.
  bool location_to_host = false;
  std::string_view host;                 // the name the request asked for (Host)
  std::string_view services_down;        // from /testall's failure page, ','-separated
  bool testall = false;                  // the URL ends in /testall
  std::string_view content_type;         // the reply's Content-Type header, as sent (as far as kept)
  bool content_type_cut = false;         // it was longer than `content_type`
  int64_t elapsed_us = 0;
  bool have_skew = false;                // the Date header and the box clock are both known
  int64_t skew_s = 0;
};

struct HttpRules {
  std::span<const uint16_t> expect_status;  // empty: 200 only
  std::span<const uint16_t> warn_status;
  uint32_t latency_warn_ms = 2000;
  uint32_t clock_skew_warn_s = 5;
  // The HTTPS-only rule: a 301/308 to https:// on `host` is OK, anything else a
  // warning, and no other rung applies.
  bool expect_https_redirect = false;
};

// With expect_https_redirect: a redirect to https on the same host, else a warning
// (served in clear, or redirected elsewhere). Otherwise: a status neither expected
// nor a warning (naming the redirect or the services down), a warning status, a body
// that does not match, /testall's 200 in another Content-Type than the appliance's
// text/plain (appliance-requirements A1: a page that is not the health endpoint), slow,
// a server clock off, else OK.
Verdict judge_http(const HttpFacts& f, const HttpRules& rules, TextBuffer& summary);

}  // namespace probebox
