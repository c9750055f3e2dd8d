// The tls_cert cross-check rules against the other checks' and the operator's
// fingerprints (monitor/cert_identity.h).
#include "monitor/cert_identity.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_parser.h"
#include "fake_clock.h"

namespace probebox {
namespace {

const std::string kDev(64, 'a');
const std::string kProd(64, 'b');

class CertIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigErrors errors;
    std::string json = R"({"schema":1,"checks":[
        {"id":"lb","type":"tls_cert","host":"192.0.2.10","distinct_from_sha256":[")" +
                       std::string(64, 'A') + R"("]},
        {"id":"node1","type":"tls_cert","host":"192.0.2.11","same_cert_as":["lb"]}]})";
    ASSERT_TRUE(parse_config(json, *config_, errors).ok());
    health_->load(*config_, clock_);
  }
  ProbeResult judge(uint16_t index, const std::string& sha) {
    ProbeResult r;
    r.outcome = Outcome::kOk;
    r.summary.assign("cert valid");
    TlsCertDetails& d = r.details.set_tls_cert();
    d.examined = true;
    d.sha256 = r.details.add_text(sha);
    apply_cert_identity_rules(*config_, *health_, index, r);
    return r;
  }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
};

// other_environment.cert_sha256 (typed in upper case) equal to the served one.
TEST_F(CertIdentityTest, TheOtherEnvironmentsFingerprintIsCritical) {
  ProbeResult r = judge(0, kDev);
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "same certificate as the other environment: must be distinct");
  EXPECT_EQ(r.reason, FailReason::kCertificate);
  EXPECT_EQ(judge(0, kProd).outcome, Outcome::kOk);
}

TEST_F(CertIdentityTest, ANodeServingAnotherCertificateIsAWarning) {
  ProbeResult lb = judge(0, kProd);
  clock_.advance_ms(1000);
  health_->on_result(0, lb, clock_.now());
  EXPECT_EQ(judge(1, kProd).outcome, Outcome::kOk);
  ProbeResult other = judge(1, std::string(64, 'c'));
  EXPECT_EQ(other.outcome, Outcome::kWarning);
  EXPECT_EQ(other.summary.view(), "certificate differs from lb");
  EXPECT_EQ(other.reason, FailReason::kCertificate);
}

}  // namespace
}  // namespace probebox
