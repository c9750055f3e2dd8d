// The requirements report's verdicts: per group "met" only when every guarding
// check has a result and is hard ok, "pending" before, "not met" on any bad one,
// "not checked" with no check; all_met only when every group is met.
#include "web/report_document.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_parser.h"
#include "fake_clock.h"

namespace probebox {
namespace {

class ReportDocumentTest : public ::testing::Test {
 protected:
  void load(const std::string& checks) {
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"({"schema":1,"defaults":{"confirm":1},"checks":)" + checks + "}", *config_, errors).ok());
    health_->load(*config_, clock_);
  }
  void feed(uint16_t i, Outcome o) {
    ProbeResult r;
    r.outcome = o;
    r.summary.assign("s");
    clock_.advance_ms(1000);
    health_->on_result(i, r, clock_.now());
  }
  std::string report() {
    auto out = std::make_unique<FixedText<65536>>();
    write_report_document(*out, *config_, *health_, clock_.wall(), clock_.now());
    return std::string(out->view());
  }
  // The verdict the report gives a group.
  std::string verdict(const std::string& doc, const std::string& group) {
    size_t at = doc.find("\"group\":\"" + group + "\"");
    if (at == std::string::npos) return "?";
    size_t v = doc.find("\"verdict\":\"", at);
    size_t start = v + 11;
    return doc.substr(start, doc.find('"', start) - start);
  }
  bool all_met(const std::string& doc) { return doc.find("\"all_met\":true") != std::string::npos; }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
};

constexpr const char* kTwoGroups = R"([
  {"id":"cert","type":"tls_cert","host":"10.0.2.2"},
  {"id":"p1","type":"tcp","host":"10.0.2.2","port":7777},
  {"id":"p2","type":"tcp","host":"10.0.2.2","port":27017}])";

TEST_F(ReportDocumentTest, AGroupIsPendingUntilEveryGuardHasARun) {
  load(kTwoGroups);
  feed(1, Outcome::kOk);
  std::string doc = report();
  EXPECT_EQ(verdict(doc, "ports"), "pending");
  EXPECT_EQ(verdict(doc, "cert"), "pending");
  EXPECT_EQ(verdict(doc, "dns"), "not checked");
  EXPECT_FALSE(all_met(doc));
}

TEST_F(ReportDocumentTest, OneBadGuardMakesItsGroupNotMet) {
  load(kTwoGroups);
  feed(0, Outcome::kOk);
  feed(1, Outcome::kOk);
  feed(2, Outcome::kWarning);
  std::string doc = report();
  EXPECT_EQ(verdict(doc, "cert"), "met");
  EXPECT_EQ(verdict(doc, "ports"), "not met");
  EXPECT_FALSE(all_met(doc));
}

TEST_F(ReportDocumentTest, AllMetNeedsEveryGroupCheckedAndMet) {
  // Only two of the eight groups are guarded: the others are "not checked", so the
  // report never says "all met" for a partial setup.
  load(kTwoGroups);
  for (uint16_t i = 0; i < 3; ++i) feed(i, Outcome::kOk);
  std::string doc = report();
  EXPECT_EQ(verdict(doc, "cert"), "met");
  EXPECT_EQ(verdict(doc, "ports"), "met");
  EXPECT_FALSE(all_met(doc));

  load(R"([
    {"id":"c","type":"tls_cert","host":"10.0.2.2"},
    {"id":"d","type":"dns","server":"10.0.2.2","name":"a.test"},
    {"id":"p","type":"tcp","host":"10.0.2.2","port":7777},
    {"id":"m","type":"smtp","host":"10.0.2.2"},
    {"id":"h","type":"http","url":"http://10.0.2.2/testall"},
    {"id":"t","type":"ntp","server":"10.0.2.2"},
    {"id":"e","type":"tls_cert","host":"10.0.2.2","group":"egress"},
    {"id":"i","type":"tcp","host":"10.0.2.2","port":9,"expect":"unreachable"}])");
  for (uint16_t i = 0; i < 8; ++i) feed(i, Outcome::kOk);
  doc = report();
  EXPECT_TRUE(all_met(doc)) << doc.substr(0, 400);
  // A recovered check counts as met again; a bad one takes all_met away at once.
  feed(3, Outcome::kCritical);
  EXPECT_FALSE(all_met(report()));
  EXPECT_EQ(verdict(report(), "smtp"), "not met");
  feed(3, Outcome::kOk);
  EXPECT_TRUE(all_met(report()));
}

}  // namespace
}  // namespace probebox
