// The verdict ladders of tls_cert and http, rung by rung, offline: each test starts
// from facts that pass every rung and breaks exactly the one it names, so a rung
// moved above another, or a threshold off by one, fails here.
#include "probes/verdicts.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace probebox {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TlsCertFacts good_cert() {
  TlsCertFacts f;
  f.chain_complete = true;
  f.trusted = x509::Trust::kYes;
  f.key_type = "RSA";
  f.key_bits = 2048;
  f.wall_valid = true;
  f.now_s = kNow;
  f.not_before = kNow - 86400;
  f.days_left = 90;
  f.sig_alg = "RSA-SHA256";
  f.subject_name = "www.example.com";
  return f;
}

struct Judged {
  Verdict v;
  std::string summary;
};

Judged judge(const TlsCertFacts& f, TlsCertRules rules = {}) {
  FixedText<ResultCore::kSummaryChars> summary("left over");
  Verdict v = judge_tls_cert(f, rules, summary);
  return {v, std::string(summary.view())};
}

void expect(const Judged& j, Outcome o, FailReason r, const std::string& summary) {
  EXPECT_EQ(j.v.outcome, o) << j.summary;
  EXPECT_EQ(j.v.reason, r) << j.summary;
  EXPECT_EQ(j.summary, summary);
}

TEST(JudgeTlsCert, AllGoodIsOkWithTheDaysLeft) {
  expect(judge(good_cert()), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 90 more days");
}

TEST(JudgeTlsCert, AnIncompleteChainComesFirst) {
  TlsCertFacts f = good_cert();
  f.chain_complete = false;
  f.trusted = x509::Trust::kNo;  // every later rung broken too
  f.missing_count = 1;
  f.first_missing = "a.example.com";
  f.days_left = -3;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "chain incomplete: an intermediate is missing");
}

TEST(JudgeTlsCert, AnUntrustedChainBeforeNames) {
  TlsCertFacts f = good_cert();
  f.trusted = x509::Trust::kNo;
  f.missing_count = 2;
  f.first_missing = "a.example.com";
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "chain does not verify to the trust anchors");
  f.trusted = x509::Trust::kNotJudged;  // no anchors: not a finding
  f.missing_count = 0;
  expect(judge(f), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 90 more days");
}

TEST(JudgeTlsCert, AnExponentTheBoxWillNotComputeIsNamed) {
  TlsCertFacts f = good_cert();
  f.trusted = x509::Trust::kNo;
  f.long_exponent_name = "Operator Issuing CA";
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "chain does not verify: Operator Issuing CA has an RSA public exponent over 64 bits, which the box does "
         "not compute");
}

TEST(JudgeTlsCert, AChainOverTheRsaWorkBudgetSaysSo) {
  TlsCertFacts f = good_cert();
  f.trusted = x509::Trust::kNo;
  f.rsa_work_refused = true;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "chain does not verify: its RSA keys ask more work than the box gives one check (4980736 units: four "
         "RSA-8192 signatures)");
}

TEST(JudgeTlsCert, MissingNamesAreNamedBeforeTheKey) {
  TlsCertFacts f = good_cert();
  f.missing_count = 1;
  f.first_missing = "mail.example.com";
  f.key_bits = 1024;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "mail.example.com not in the certificate");
  f.missing_count = 3;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "mail.example.com and others not in the certificate");
}

TEST(JudgeTlsCert, TheAppliancesKeyRuleIsRsa2048OrMore) {
  TlsCertFacts f = good_cert();
  f.key_bits = 2047;
  f.wall_valid = false;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "RSA 2047-bit key: the appliance needs RSA >= 2048");
  f.key_type = "EC";
  f.key_bits = 384;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "EC 384-bit key: the appliance needs RSA >= 2048");
  f = good_cert();
  f.key_bits = 4096;
  expect(judge(f), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 90 more days");
}

TEST(JudgeTlsCert, WithoutAClockExpiryIsUnknown) {
  TlsCertFacts f = good_cert();
  f.wall_valid = false;
  f.days_left = -5;
  expect(judge(f), Outcome::kUnknown, FailReason::kNoClock, "box clock not synchronised: expiry cannot be judged");
}

TEST(JudgeTlsCert, NotYetValidBeforeExpired) {
  TlsCertFacts f = good_cert();
  f.not_before = kNow + 1;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "cert not valid yet");
  f.not_before = kNow;  // valid from this second
  expect(judge(f), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 90 more days");
}

TEST(JudgeTlsCert, ExpiredCountsTheDaysAgo) {
  TlsCertFacts f = good_cert();
  f.days_left = -1;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expired 1 days ago");
}

TEST(JudgeTlsCert, ExpiringIsCriticalThenWarningAtTheThresholdsInclusive) {
  TlsCertFacts f = good_cert();
  TlsCertRules rules{14, 30};
  f.days_left = 0;
  expect(judge(f, rules), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expires in 0 days");
  f.days_left = 14;
  expect(judge(f, rules), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expires in 14 days");
  f.days_left = 15;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kCertificate, "cert www.example.com expires in 15 days");
  f.days_left = 30;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kCertificate, "cert www.example.com expires in 30 days");
  f.days_left = 31;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 31 more days");
  // A critical threshold above the warning one still ranks critical first.
  f.days_left = 20;
  expect(judge(f, TlsCertRules{25, 10}), Outcome::kCritical, FailReason::kCertificate,
         "cert www.example.com expires in 20 days");
}

TEST(JudgeTlsCert, Sha1SignedIsAWarningAfterExpiry) {
  TlsCertFacts f = good_cert();
  f.sha1_signature = true;
  f.sig_alg = "RSA-SHA1";
  expect(judge(f), Outcome::kWarning, FailReason::kCertificate, "cert signed with RSA-SHA1");
  f.days_left = 10;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expires in 10 days");
}

// trust_only (the appliance's egress): another party's key and renewal are not
// findings; everything about trust, names and dates still is.
TEST(JudgeTlsCert, TrustOnlySkipsTheKeyAndTheExpiringRungsOnly) {
  TlsCertRules rules{14, 30, true};
  TlsCertFacts f = good_cert();
  f.key_type = "EC";
  f.key_bits = 256;
  f.days_left = 3;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 3 more days");
  f.sha1_signature = true;
  f.sig_alg = "RSA-SHA1";
  expect(judge(f, rules), Outcome::kWarning, FailReason::kCertificate, "cert signed with RSA-SHA1");
  f.days_left = -1;
  expect(judge(f, rules), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expired 1 days ago");
  f.days_left = 3;
  f.trusted = x509::Trust::kNo;
  expect(judge(f, rules), Outcome::kCritical, FailReason::kCertificate, "chain does not verify to the trust anchors");
  f.trusted = x509::Trust::kYes;
  f.wall_valid = false;
  expect(judge(f, rules), Outcome::kUnknown, FailReason::kNoClock, "box clock not synchronised: expiry cannot be judged");
  // The same facts without trust_only: the key rung names the result.
  f.wall_valid = true;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "EC 256-bit key: the appliance needs RSA >= 2048");
}

// The chain certificate by certificate (issue 17): each rung broken alone, then
// against its neighbours in the ladder.
TEST(JudgeTlsCert, ASelfSignedLeafIsCriticalAfterTheKeyAndBeforeTheClock) {
  TlsCertFacts f = good_cert();
  f.leaf_self_signed = true;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "cert www.example.com is self-signed: the appliance needs a public CA");
  f.wall_valid = false;  // critical outranks unknown
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "cert www.example.com is self-signed: the appliance needs a public CA");
  // Not verified (the public roots are on by default, and never hold it): still named
  // for what it is, not "does not verify".
  f.trusted = x509::Trust::kNo;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate,
         "cert www.example.com is self-signed: the appliance needs a public CA");
}

TEST(JudgeTlsCert, AnIntermediateThatExpiresFirstDecidesTheExpiringRungs) {
  TlsCertFacts f = good_cert();
  f.chain_days_left = 20;
  f.expiry_name = "Lab Intermediate";
  expect(judge(f), Outcome::kWarning, FailReason::kCertificate, "Lab Intermediate in the chain expires in 20 days");
  f.chain_days_left = 5;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "Lab Intermediate in the chain expires in 5 days");
  f.chain_days_left = -2;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "Lab Intermediate in the chain expired 2 days ago");
  // The leaf's own expiry comes first when both are past.
  f.days_left = -1;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expired 1 days ago");
  // trust_only: expired counts, expiring does not.
  f = good_cert();
  f.chain_days_left = 5;
  f.expiry_name = "Lab Intermediate";
  expect(judge(f, TlsCertRules{14, 30, true}), Outcome::kOk, FailReason::kNone, "cert www.example.com valid 90 more days");
}

TEST(JudgeTlsCert, AChainCertificateNotYetValidIsCritical) {
  TlsCertFacts f = good_cert();
  f.chain_not_before = kNow + 3600;
  f.future_name = "Lab Intermediate";
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "Lab Intermediate in the chain not valid yet");
}

TEST(JudgeTlsCert, OutOfOrderIsAWarningAfterExpiringAndBeforeSha1) {
  TlsCertFacts f = good_cert();
  f.chain_in_order = false;
  expect(judge(f), Outcome::kWarning, FailReason::kCertificate,
         "chain out of order: send the leaf first, then each issuer");
  f.sha1_signature = true;
  f.sig_alg = "sha1WithRSAEncryption";
  expect(judge(f), Outcome::kWarning, FailReason::kCertificate,
         "chain out of order: send the leaf first, then each issuer");
  f.days_left = 10;
  expect(judge(f), Outcome::kCritical, FailReason::kCertificate, "cert www.example.com expires in 10 days");
}

TEST(JudgeTlsCert, AWeakSignatureUpTheChainNamesTheCertificate) {
  TlsCertFacts f = good_cert();
  f.sha1_signature = true;
  f.sig_alg = "sha1WithRSAEncryption";
  f.weak_name = "Lab SHA1 Intermediate";
  expect(judge(f), Outcome::kWarning, FailReason::kCertificate,
         "Lab SHA1 Intermediate in the chain signed with sha1WithRSAEncryption");
}

TEST(JudgeLegacyTls, AcceptedLegacyVersionsTurnOkIntoAWarningAndNothingElse) {
  FixedText<ResultCore::kSummaryChars> sum("cert www.example.com valid 90 more days");
  Verdict ok{};
  Verdict v = judge_legacy_tls(ok, 0, sum);
  EXPECT_EQ(v.outcome, Outcome::kOk);
  EXPECT_EQ(sum.view(), "cert www.example.com valid 90 more days");
  v = judge_legacy_tls(ok, kLegacyTls10 | kLegacyTls11, sum);
  EXPECT_EQ(v.outcome, Outcome::kWarning);
  EXPECT_EQ(v.reason, FailReason::kTls);
  EXPECT_EQ(sum.view(), "server still accepts TLS 1.0 and 1.1 (dashboard: Disable TLSv1/TLSv1.1)");
  judge_legacy_tls(ok, kLegacyTls11, sum);
  EXPECT_EQ(sum.view(), "server still accepts TLS 1.1 (dashboard: Disable TLSv1/TLSv1.1)");
  judge_legacy_tls(ok, kLegacyTls10, sum);
  EXPECT_EQ(sum.view(), "server still accepts TLS 1.0 (dashboard: Disable TLSv1/TLSv1.1)");
  // A worse verdict keeps its words: the most severe finding names the result.
  FixedText<ResultCore::kSummaryChars> crit("cert www.example.com expires in 3 days");
  Verdict c = judge_legacy_tls(Verdict{Outcome::kCritical, FailReason::kCertificate}, kLegacyTls10, crit);
  EXPECT_EQ(c.outcome, Outcome::kCritical);
  EXPECT_EQ(crit.view(), "cert www.example.com expires in 3 days");
  Verdict w = judge_legacy_tls(Verdict{Outcome::kWarning, FailReason::kCertificate}, kLegacyTls10, crit);
  EXPECT_EQ(w.outcome, Outcome::kWarning);
  EXPECT_EQ(w.reason, FailReason::kCertificate);
}

TEST(JudgeTlsCert, ALongNameIsCutToTheSummary) {
  TlsCertFacts f = good_cert();
  std::string name(200, 'a');
  f.subject_name = name;
  Judged j = judge(f);
  EXPECT_EQ(j.summary.size(), ResultCore::kSummaryChars);
  EXPECT_EQ(j.v.outcome, Outcome::kOk);
}

HttpFacts good_http() {
  HttpFacts f;
  f.status = 200;
  f.elapsed_us = 1000;
  return f;
}

Judged judge(const HttpFacts& f, const HttpRules& rules = {}) {
  FixedText<ResultCore::kSummaryChars> summary("left over");
  Verdict v = judge_http(f, rules, summary);
  return {v, std::string(summary.view())};
}

TEST(JudgeHttp, TwoHundredIsOkAndSaysOkOnlyWhenTheBodyWasChecked) {
  expect(judge(good_http()), Outcome::kOk, FailReason::kNone, "HTTP 200");
  HttpFacts f = good_http();
  f.check_body = true;
  f.body_match = true;
  expect(judge(f), Outcome::kOk, FailReason::kNone, "HTTP 200 OK");
}

TEST(JudgeHttp, AnUnexpectedStatusNamesTheRedirectOrTheServicesDown) {
  HttpFacts f = good_http();
  f.status = 302;
  f.location = "https://example.com/login";
  f.services_down = "mysql";
  f.check_body = true;  // later rungs broken too
  expect(judge(f), Outcome::kCritical, FailReason::kServerReply, "HTTP 302 -> https://example.com/login");
  f.status = 503;
  f.location = "";
  expect(judge(f), Outcome::kCritical, FailReason::kServerReply, "HTTP 503, down: mysql");
  f.services_down = "";
  expect(judge(f), Outcome::kCritical, FailReason::kServerReply, "HTTP 503");
}

TEST(JudgeHttp, TheExpectedListReplaces200) {
  std::array<uint16_t, 2> expect_codes{204, 301};
  HttpRules rules;
  rules.expect_status = expect_codes;
  HttpFacts f = good_http();
  expect(judge(f, rules), Outcome::kCritical, FailReason::kServerReply, "HTTP 200");
  f.status = 301;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 301");
}

TEST(JudgeHttp, AWarningStatusIsAWarningEvenWhenExpected) {
  std::array<uint16_t, 1> warn{429};
  HttpRules rules;
  rules.warn_status = warn;
  HttpFacts f = good_http();
  f.status = 429;
  f.check_body = true;  // not weighed: the status names the result
  expect(judge(f, rules), Outcome::kWarning, FailReason::kServerReply, "HTTP 429");
  std::array<uint16_t, 1> expect_codes{429};
  rules.expect_status = expect_codes;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kServerReply, "HTTP 429");
}

TEST(JudgeHttp, ABodyThatDoesNotMatchIsCriticalBeforeSlow) {
  HttpFacts f = good_http();
  f.check_body = true;
  f.body_match = false;
  f.elapsed_us = 10'000'000;
  expect(judge(f), Outcome::kCritical, FailReason::kExpectation, "HTTP 200, body does not match");
}

TEST(JudgeHttp, SlowIsAWarningPastTheThresholdOnly) {
  HttpRules rules;
  rules.latency_warn_ms = 2000;
  HttpFacts f = good_http();
  f.elapsed_us = 2'000'000;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 200");
  f.elapsed_us = 2'000'001;
  f.have_skew = true;
  f.skew_s = 100;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kSlow, "HTTP 200, slow");
}

TEST(JudgeHttp, AServerClockOffIsAWarningEitherWay) {
  HttpRules rules;
  rules.clock_skew_warn_s = 5;
  HttpFacts f = good_http();
  f.have_skew = true;
  f.skew_s = 5;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 200");
  f.skew_s = 6;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kExpectation, "HTTP 200, server clock +6 s off");
  f.skew_s = -6;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kExpectation, "HTTP 200, server clock -6 s off");
  f.have_skew = false;  // no Date header or no box clock: nothing to compare
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 200");
}

// expect_https_redirect (the HTTPS-only rule on the plain-HTTP port): the redirect
// is the whole verdict, no other rung applies.
TEST(JudgeHttp, TheHttpsOnlyRuleWantsA301Or308ToHttpsOnTheSameHost) {
  HttpRules rules;
  rules.expect_https_redirect = true;
  HttpFacts f = good_http();
  f.host = "manage.example.com";
  f.status = 301;
  f.location = "https://manage.example.com/";
  f.elapsed_us = 60'000'000;  // slow does not count here
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 301 -> https://manage.example.com/");
  f.status = 308;
  f.location = "HTTPS://Manage.Example.com:8443/x";
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 308 -> HTTPS://Manage.Example.com:8443/x");
  f.status = 302;
  expect(judge(f, rules), Outcome::kWarning, FailReason::kExpectation,
         "HTTP 302 -> HTTPS://Manage.Example.com:8443/x: not https on this host");
  f.status = 301;
  f.location = "https://evil.example.net/";
  expect(judge(f, rules), Outcome::kWarning, FailReason::kExpectation,
         "HTTP 301 -> https://evil.example.net/: not https on this host");
  f.status = 200;
  f.location = {};
  expect(judge(f, rules), Outcome::kWarning, FailReason::kExpectation, "HTTP 200: served in clear, no https redirect");
  rules.expect_https_redirect = false;  // the same answer under the ordinary ladder: slow counts
  expect(judge(f, rules), Outcome::kWarning, FailReason::kSlow, "HTTP 200, slow");
}

// appliance-requirements A1: a healthy /testall is 200, text/plain, "OK". The same
// 200 "OK" in another media type is not the health endpoint answering (a portal or an
// error page in front of it): a warning, after the body rung and before slow.
TEST(JudgeHttp, TestallInAnotherContentTypeIsAWarning) {
  HttpFacts f = good_http();
  f.testall = true;
  f.check_body = true;
  f.body_match = true;
  f.content_type = "text/plain";
  expect(judge(f), Outcome::kOk, FailReason::kNone, "HTTP 200 OK");
  f.content_type = "Text/Plain; charset=utf-8";  // parameters and case do not matter
  expect(judge(f), Outcome::kOk, FailReason::kNone, "HTTP 200 OK");
  f.content_type = "text/html; charset=utf-8";
  expect(judge(f), Outcome::kWarning, FailReason::kExpectation, "HTTP 200 OK as text/html; charset=utf-8, not text/plain");
  f.content_type = {};
  expect(judge(f), Outcome::kWarning, FailReason::kExpectation, "HTTP 200 OK without a Content-Type, not text/plain");
  f.content_type = "application/json";
  f.elapsed_us = 60'000'000;  // slow comes after
  expect(judge(f), Outcome::kWarning, FailReason::kExpectation, "HTTP 200 OK as application/json, not text/plain");
  f.body_match = false;  // a body that is not OK is critical first
  expect(judge(f), Outcome::kCritical, FailReason::kExpectation, "HTTP 200, body does not match");
}

TEST(JudgeHttp, TheContentTypeRuleIsTestallsAndTwoHundredsOnly) {
  HttpFacts f = good_http();
  f.content_type = "text/html";
  expect(judge(f), Outcome::kOk, FailReason::kNone, "HTTP 200");  // any other URL
  f.testall = true;
  f.status = 500;  // the failure page is text/html by design; judged by its status
  f.services_down = "manage";
  expect(judge(f), Outcome::kCritical, FailReason::kServerReply, "HTTP 500, down: manage");
  f.status = 204;
  f.services_down = {};
  HttpRules rules;
  const uint16_t ok[] = {204};
  rules.expect_status = ok;
  expect(judge(f, rules), Outcome::kOk, FailReason::kNone, "HTTP 204");
}

}  // namespace
}  // namespace probebox
