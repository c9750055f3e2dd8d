// The requirements report, keyed to the appliance documentation: a row per documented
// requirement, each "met", "not met" or "not checkable from this box" (with why), a
// certificate row judged on its own fact of the certificate, and all_met only when
// every checkable row is met.
#include "web/report_document.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "config/config_parser.h"
#include "fake_clock.h"
#include "slice_stream.h"

namespace probebox {
namespace {

const std::string kFingerprint(64, 'a');
const std::string kOtherEnvironment(64, 'b');

// issue 19's minimal profile with the other environment's fingerprint and a relay.
std::string profile(const std::string& extra = "") {
  return R"({"schema":1,"defaults":{"confirm":1},
      "network":{"mode":"dhcp","dns":["192.0.2.53"],"ntp":["192.0.2.123"]},
      "appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],
        "smtp":{"host":"192.0.2.25","port":587},
        "other_environment":{"nodes":["198.51.100.20"],"cert_sha256":[")" +
         kOtherEnvironment + R"("]},)" + extra +
         R"("domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
                       "webtask":"webtask.example.com","app_tenants":["app1.example.com"]}}})";
}

class ReportDocumentTest : public ::testing::Test {
 protected:
  void load(const std::string& json) {
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(json, *config_, errors).ok()) << (errors.count() ? errors.at(0).message.view() : "");
    health_->load(*config_, clock_);
  }
  // A healthy result for check i: a certificate that meets every rule for tls_cert.
  ProbeResult good(uint16_t i) {
    ProbeResult r;
    r.outcome = Outcome::kOk;
    r.summary.assign("fine");
    if (config_->checks[i].type == CheckType::kTlsCert) {
      TlsCertDetails& d = r.details.set_tls_cert();
      d.examined = true;
      d.dated = true;
      d.chain_complete = true;
      d.trusted = Tri::kTrue;
      d.days_left = 200;
      d.key_bits = 2048;
      d.key_type = r.details.add_text("RSA");
      d.issuer = r.details.add_text("Lab Public CA");
      d.sha256 = r.details.add_text(kFingerprint);
    }
    return r;
  }
  void feed(uint16_t i, const ProbeResult& r) {
    clock_.advance_ms(10);
    health_->on_result(i, r, clock_.now());
  }
  void feed_all_good() {
    for (uint16_t i = 0; i < config_->check_count; ++i) feed(i, good(i));
  }
  uint16_t index(const std::string& id) {
    for (uint16_t i = 0; i < config_->check_count; ++i) {
      if (config_->text(config_->checks[i].id) == id) return i;
    }
    ADD_FAILURE() << "no check " << id;
    return 0;
  }
  bool judge() { return judge_requirements(*config_, *health_, clock_.wall().valid, rows_); }
  const RequirementRow& row(const std::string& id) {
    for (const RequirementRow& r : rows_) {
      if (id == r.id) return r;
    }
    ADD_FAILURE() << "no row " << id;
    return rows_[0];
  }
  std::string verdict(const std::string& id) { return row_verdict_name(row(id).verdict); }
  std::string report() {
    auto out = std::make_unique<FixedText<65536>>();
    write_report_document(*out, *config_, *health_, clock_.wall(), clock_.now());
    return std::string(out->view());
  }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
  std::array<RequirementRow, kRequirementRows> rows_{};
};

TEST_F(ReportDocumentTest, ARowPerDocumentedRequirementWithWhyForTheUncheckable) {
  load(profile());
  judge();
  std::set<std::string> ids;
  for (const RequirementRow& r : rows_) ids.insert(r.id);
  const std::set<std::string> want = {
      "cert.names", "cert.chain", "cert.public_ca", "cert.rsa", "cert.expiry", "cert.unique", "https_only",
      "dns.records", "dns.plan", "ports.nodes", "ports.lb", "ports.between_nodes", "health.nodes",
      "lb.health_checks", "lb.forwarding", "smtp", "time", "egress", "isolation", "isolation.single_nic"};
  EXPECT_EQ(ids, want);
  // What a client on the LAN cannot see, said so, with why.
  for (const char* id : {"ports.between_nodes", "lb.forwarding", "isolation.single_nic"}) {
    EXPECT_EQ(verdict(id), "not checkable from this box") << id;
  }
  EXPECT_NE(std::string(row("ports.between_nodes").why).find("node-to-node"), std::string::npos);
  EXPECT_NE(std::string(row("lb.forwarding").why).find("X-Forwarded-For"), std::string::npos);
  EXPECT_NE(std::string(row("isolation.single_nic").why).find("single NIC"), std::string::npos);
}

TEST_F(ReportDocumentTest, EveryCheckableRowNeedsEveryGuardsResult) {
  load(profile());
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("cert.names"), "not met");  // nothing has run: nothing is met
  EXPECT_EQ(row("cert.names").guards, 16);       // 4 names x (lb + 3 nodes)
  EXPECT_EQ(row("cert.names").failing, 16);
  EXPECT_EQ(row("ports.nodes").guards, 12);      // 3 nodes x 4 mesh ports
  EXPECT_EQ(row("ports.lb").guards, 1);
  EXPECT_EQ(row("lb.health_checks").guards, 1);  // the load balancer's /testall, by role
  EXPECT_EQ(row("health.nodes").guards, 3);      // each node's /testall
  EXPECT_EQ(row("https_only").guards, 4);
  feed_all_good();
  EXPECT_TRUE(judge());
  for (const RequirementRow& r : rows_) {
    if (r.verdict != RowVerdict::kNotCheckable) EXPECT_EQ(r.verdict, RowVerdict::kMet) << r.id << ": " << r.why;
  }
  std::string doc = report();
  EXPECT_NE(doc.find("\"all_met\":true"), std::string::npos);
  EXPECT_NE(doc.find("\"statement\":\"all met at 2026-01-01T"), std::string::npos) << doc.substr(doc.size() - 300);
}

TEST_F(ReportDocumentTest, ACertificateRowReadsItsOwnFact) {
  load(profile());
  feed_all_good();
  // One node serves a certificate without an intermediate and an EC key: the chain
  // and RSA rows fail, the names, issuer and expiry rows still hold.
  uint16_t i = index("prod.node2.cert.manage");
  ProbeResult r = good(i);
  TlsCertDetails d = *r.details.tls_cert();
  ProbeResult bad;
  bad.outcome = Outcome::kCritical;
  bad.summary.assign("chain incomplete");
  TlsCertDetails& b = bad.details.set_tls_cert();
  b = d;
  b.chain_complete = false;
  b.key_bits = 256;
  b.key_type = bad.details.add_text("EC");
  b.issuer = bad.details.add_text("Lab Public CA");
  b.sha256 = bad.details.add_text(kFingerprint);
  b.missing_names = bad.details.add_text("");
  feed(i, bad);
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("cert.chain"), "not met");
  EXPECT_EQ(row("cert.chain").failing, 1);
  EXPECT_EQ(verdict("cert.rsa"), "not met");
  EXPECT_EQ(verdict("cert.names"), "met");
  EXPECT_EQ(verdict("cert.public_ca"), "met");
  EXPECT_EQ(verdict("cert.expiry"), "met");
  FixedText<160> ev;
  EXPECT_FALSE(row_fact_holds(RowKey::kCertRsa, *config_, *health_, i, ev));
  EXPECT_EQ(ev.view(), "EC 256-bit key");
  EXPECT_FALSE(row_fact_holds(RowKey::kCertChain, *config_, *health_, i, ev));
  EXPECT_EQ(ev.view(), "an intermediate is missing");
  // Back: met again.
  feed(i, good(i));
  EXPECT_TRUE(judge());
}

TEST_F(ReportDocumentTest, NamesExpiryAndIssuerRows) {
  load(profile());
  feed_all_good();
  uint16_t i = index("prod.cert.rta");
  ProbeResult r = good(i);
  TlsCertDetails& d = r.details.set_tls_cert();
  d.examined = true;
  d.dated = true;
  d.chain_complete = true;
  d.trusted = Tri::kFalse;  // self-signed, or a private CA
  d.days_left = 30;         // inside the 30-day notice
  d.key_bits = 4096;
  d.key_type = r.details.add_text("RSA");
  d.issuer = r.details.add_text("Self");
  d.sha256 = r.details.add_text(kFingerprint);
  d.missing_names = r.details.add_text("webtask.example.com\napp1.example.com");
  feed(i, r);
  judge();
  EXPECT_EQ(verdict("cert.names"), "not met");
  EXPECT_EQ(verdict("cert.public_ca"), "not met");
  EXPECT_EQ(verdict("cert.expiry"), "not met");
  EXPECT_EQ(verdict("cert.rsa"), "met");
  FixedText<160> ev;
  row_fact_holds(RowKey::kCertNames, *config_, *health_, i, ev);
  EXPECT_EQ(ev.view(), "missing: webtask.example.com,app1.example.com");
  row_fact_holds(RowKey::kCertExpiry, *config_, *health_, i, ev);
  EXPECT_EQ(ev.view(), "30 days left (notice at 30)");
  // Without the box's time, expiry is unknown: not met, and nor is the time row.
  clock_.set_wall_valid(false);
  feed(i, good(i));
  EXPECT_FALSE(judge_requirements(*config_, *health_, false, rows_));
  EXPECT_EQ(verdict("time"), "not met");
  EXPECT_NE(std::string(row("time").why).find("not synchronised"), std::string::npos);
  EXPECT_NE(report().find("\"generated_at\":null"), std::string::npos);
}

TEST_F(ReportDocumentTest, UniquenessNeedsTheOtherEnvironmentAndOneCertificate) {
  load(profile());
  feed_all_good();
  judge();
  EXPECT_EQ(verdict("cert.unique"), "met");
  // Dev shares prod's certificate: not met.
  uint16_t i = index("prod.node1.cert.manage");
  ProbeResult r = good(i);
  TlsCertDetails d = *r.details.tls_cert();
  ProbeResult same;
  same.outcome = Outcome::kCritical;
  TlsCertDetails& s = same.details.set_tls_cert();
  s = d;
  s.key_type = same.details.add_text("RSA");
  s.issuer = same.details.add_text("Lab Public CA");
  s.sha256 = same.details.add_text(kOtherEnvironment);
  s.missing_names = same.details.add_text("");
  feed(i, same);
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("cert.unique"), "not met");
  // Without the other environment's fingerprint it cannot be judged from here.
  load(R"({"schema":1,"defaults":{"confirm":1},"checks":[{"id":"c","type":"tls_cert","host":"192.0.2.10"}]})");
  feed_all_good();
  judge();
  EXPECT_EQ(verdict("cert.unique"), "not checkable from this box");
  EXPECT_NE(std::string(row("cert.unique").why).find("cert_sha256"), std::string::npos);
}

TEST_F(ReportDocumentTest, ARowWithoutAGuardIsNotMetSoAPartialSetupIsNeverAllMet) {
  load(R"({"schema":1,"defaults":{"confirm":1},"checks":[
    {"id":"p1","type":"tcp","host":"10.0.2.2","port":7777}]})");
  feed_all_good();
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("ports.nodes"), "met");
  EXPECT_EQ(verdict("smtp"), "not met");
  EXPECT_EQ(std::string(row("smtp").why), "no check guards it in this config");
  EXPECT_EQ(verdict("dns.plan"), "not met");  // no profile: no plan to lint
}

TEST_F(ReportDocumentTest, ABadGuardTakesAllMetAwayAndItsRecoveryGivesItBack) {
  load(profile());
  feed_all_good();
  ASSERT_TRUE(judge());
  uint16_t lb = index("prod.lb.testall");
  ProbeResult r = good(lb);
  r.outcome = Outcome::kWarning;
  r.summary.assign("the load balancer still sends users to node2");
  feed(lb, r);
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("lb.health_checks"), "not met");
  EXPECT_EQ(verdict("health.nodes"), "met");
  std::string doc = report();
  EXPECT_NE(doc.find("the load balancer still sends users to node2"), std::string::npos);
  EXPECT_NE(doc.find("\"statement\":\"not all met\""), std::string::npos);
  feed(lb, good(lb));
  EXPECT_TRUE(judge());
}

TEST_F(ReportDocumentTest, TheDnsPlanRowCarriesTheLint) {
  std::string json = profile();
  json.replace(json.find("rta.example.com"), 3, "rta_1");  // an underscore breaks the plan
  load(json);
  feed_all_good();
  EXPECT_FALSE(judge());
  EXPECT_EQ(verdict("dns.plan"), "not met");
  EXPECT_EQ(verdict("dns.records"), "met");
  EXPECT_NE(report().find("underscores"), std::string::npos);
}

// The web server streams the report in slices, each rendered again from its part on
// (web/http_server): the rows' heads and the verdict are parts of their own, so a
// slice judges only what it shows. The slices still make the whole report, the
// verdict at its end included, whatever their size.
TEST_F(ReportDocumentTest, StreamedInSlicesItIsTheWholeReportVerdictsIncluded) {
  load(profile());
  feed_all_good();
  const std::string whole = report();
  ASSERT_NE(whole.find("\"all_met\":true"), std::string::npos);
  for (size_t slice : {13u, 97u, 512u, 2048u}) {
    testing::Streamed s = testing::stream_slices(slice, whole.size(), [&](TextBuffer& out, int) {
      write_report_document(out, *config_, *health_, clock_.wall(), clock_.now());
    });
    EXPECT_FALSE(s.cut) << slice;
    EXPECT_EQ(s.joined, whole) << slice;
  }
  // Not all met: the last slice judges it so.
  uint16_t lb = index("prod.lb.testall");
  ProbeResult r = good(lb);
  r.outcome = Outcome::kCritical;
  r.summary.assign("node2 down");
  feed(lb, r);
  const std::string bad = report();
  ASSERT_NE(bad.find("\"all_met\":false"), std::string::npos);
  testing::Streamed s = testing::stream_slices(512, bad.size(), [&](TextBuffer& out, int) {
    write_report_document(out, *config_, *health_, clock_.wall(), clock_.now());
  });
  EXPECT_EQ(s.joined, bad);
}

}  // namespace
}  // namespace probebox
