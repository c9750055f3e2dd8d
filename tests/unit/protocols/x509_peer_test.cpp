// x509::judge_peer: the judgement a client makes before it sends credentials (smtp
// AUTH, http Basic), offline over a real certificate (the hostile lab's self-signed
// one for hostile.lab.test, 2026-11-23 .. 2056-11-15).
#include <gtest/gtest.h>

#include <string>

#include "fake_tls_server.h"

#include "mbedtls/x509_crt.h"
#include "protocols/x509_summary.h"

namespace probebox::x509 {
namespace {

constexpr int64_t k2030 = 1893456000;  // 2030-01-01
constexpr int64_t k2020 = 1577836800;  // 2020-01-01
constexpr int64_t k2060 = 2840140800;  // 2060-01-01

class PeerJudgement : public ::testing::Test {
 protected:
  void SetUp() override {
    mbedtls_x509_crt_init(&cert_);
    const std::string pem(test::lab_cert_pem());  // mbedTLS wants the terminating NUL of a PEM
    ASSERT_EQ(mbedtls_x509_crt_parse(&cert_, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1), 0);
  }
  void TearDown() override { mbedtls_x509_crt_free(&cert_); }
  PeerVerdict judge(const mbedtls_x509_crt* anchors, uint32_t flags, std::string_view name, bool clock = true,
                    int64_t now = k2030) {
    PeerVerdict v;
    judge_peer(&cert_, anchors, flags, name, clock, now, v);
    return v;
  }
  mbedtls_x509_crt cert_;
};

TEST_F(PeerJudgement, TrustedForItsNameAndInDateIsSafe) {
  PeerVerdict v = judge(&cert_, 0, "hostile.lab.test");  // pinned: the certificate is its own anchor
  EXPECT_TRUE(v.credentials_safe());
  EXPECT_TRUE(v.trusted);
  EXPECT_TRUE(v.name_ok);
  EXPECT_TRUE(v.dated);
  EXPECT_GT(v.days_left, 9000);
  EXPECT_NE(v.subject.view().find("hostile.lab.test"), std::string_view::npos);
  EXPECT_TRUE(judge(&cert_, 0, "HOSTILE.lab.test.").credentials_safe());
}

TEST_F(PeerJudgement, EachFaultWithholdsTheCredentials) {
  EXPECT_EQ(judge(nullptr, 0, "hostile.lab.test").fault, PeerVerdict::Fault::kUntrusted);  // no anchors
  EXPECT_EQ(judge(&cert_, MBEDTLS_X509_BADCERT_NOT_TRUSTED, "hostile.lab.test").fault, PeerVerdict::Fault::kUntrusted);
  EXPECT_EQ(judge(&cert_, 0, "relay.lab.test").fault, PeerVerdict::Fault::kWrongName);
  EXPECT_EQ(judge(&cert_, 0, "").fault, PeerVerdict::Fault::kNoName);
  EXPECT_EQ(judge(&cert_, 0, "hostile.lab.test", true, k2060).fault, PeerVerdict::Fault::kExpired);
  EXPECT_EQ(judge(&cert_, 0, "hostile.lab.test", true, k2020).fault, PeerVerdict::Fault::kNotYetValid);
  PeerVerdict none;
  judge_peer(nullptr, &cert_, 0, "hostile.lab.test", true, k2030, none);
  EXPECT_EQ(none.fault, PeerVerdict::Fault::kNoCertificate);
  EXPECT_FALSE(none.credentials_safe());
}

TEST_F(PeerJudgement, MbedtlsNameAndDateFlagsAreJudgedByOurOwnRules) {
  // The handshake's own name and date flags do not decide: the SAN and the box clock do.
  uint32_t flags = MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_EXPIRED;
  EXPECT_TRUE(judge(&cert_, flags, "hostile.lab.test").credentials_safe());
}

TEST_F(PeerJudgement, AnUnsetClockLeavesExpiryUnjudged) {
  PeerVerdict v = judge(&cert_, 0, "hostile.lab.test", false, 0);
  EXPECT_TRUE(v.credentials_safe());
  EXPECT_FALSE(v.dated);
}

TEST_F(PeerJudgement, FaultsInWords) {
  FixedText<64> out;
  describe_fault(judge(&cert_, 0, "relay.lab.test"), "relay.lab.test", out);
  EXPECT_EQ(out.view(), "not for relay.lab.test");
  out.clear();
  describe_fault(judge(nullptr, 0, "hostile.lab.test"), "hostile.lab.test", out);
  EXPECT_EQ(out.view(), "not trusted");
}

}  // namespace
}  // namespace probebox::x509
