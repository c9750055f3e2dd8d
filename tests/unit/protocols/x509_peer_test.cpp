// x509::judge_peer: the judgement a client makes before it sends credentials (smtp
// AUTH, http Basic), offline over a real certificate (the hostile lab's self-signed
// one for hostile.lab.test, 2026-11-23 .. 2056-11-15).
#include <gtest/gtest.h>

#include "mbedtls/x509_crt.h"
#include "protocols/x509_summary.h"

namespace probebox::x509 {
namespace {

constexpr char kCertPem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDZDCCAkygAwIBAgIUU4h2xP7FuTUBEJLODr9G7PuwPnswDQYJKoZIhvcNAQEL\n"
    "BQAwMjEVMBMGA1UECgwMcHJvYmVib3ggbGFiMRkwFwYDVQQDDBBob3N0aWxlLmxh\n"
    "Yi50ZXN0MCAXDTI2MTEyMzA0NDEwMloYDzIwNTYxMTE1MDQ0MTAyWjAyMRUwEwYD\n"
    "VQQKDAxwcm9iZWJveCBsYWIxGTAXBgNVBAMMEGhvc3RpbGUubGFiLnRlc3QwggEi\n"
    "MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDBdWJSm5jA780BcmgY72VTmXFy\n"
    "DLmhLPUhWv+3sBSHQPTyL2e8pXLdBwlxcYkZWH+4qmJvCOsdmPyL6XuMSEfVEIH3\n"
    "v3Yyp1uGVvk1NdwdRwDAJN+6xOiZgb5sLgEvdM0lOC72XJX9h/aOSVM2QHFMwSG4\n"
    "q4FdC6R6FT5DcgDefwUUI/Z5i4AJPR3jbQjpARALVClT8HEzY21kBbFWvquriECo\n"
    "iJPdLVU2Q7k4FkjO5Lo6WxWLOeph3m6IWHv1H9t3Q6dJG4Fv0vjr8c9gbeugQMfB\n"
    "JzSdbMf5FMqCHyYgjsg1RDjyZAINLMiwHdg/JtaIppQrEs/3s6khWHmTGEmtAgMB\n"
    "AAGjcDBuMB0GA1UdDgQWBBTgWDUJhVb0XTHKltUWs1Q7F29yhDAfBgNVHSMEGDAW\n"
    "gBTgWDUJhVb0XTHKltUWs1Q7F29yhDAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQU\n"
    "MBKCEGhvc3RpbGUubGFiLnRlc3QwDQYJKoZIhvcNAQELBQADggEBAJAUEfwGzEWK\n"
    "JJMJyUDof1i9gp/W3PFbWC6KM702pntupM+ZYNW4CalnQb7wYyE7fxLxwlFJOdsl\n"
    "66JhHH0CTsVst7BsJ9lHx84PBzBdGpXveNcv4jM5eIaSgsOCMemmBCV/c1UyGAUI\n"
    "cPkAo3m4YcMZ0OX2/s49gInwZB30qHehvqfWibN0TbpqTKSe2P8gYEErrZTraLhm\n"
    "FS+uShkHHHDP+yNtKGwBaiDCmkgr2Mtn7nbHnPCzTBU4EUOzaZxGMNxHqbjAslXY\n"
    "Nt0LQyC6P+CB9LSD4PYMECVvnO2ep2sm5XT8p5xk+5JqHtMOhqSpO6/sjJivprZu\n"
    "kLrK+UauOpg=\n"
    "-----END CERTIFICATE-----\n";

constexpr int64_t k2030 = 1893456000;  // 2030-01-01
constexpr int64_t k2020 = 1577836800;  // 2020-01-01
constexpr int64_t k2060 = 2840140800;  // 2060-01-01

class PeerJudgement : public ::testing::Test {
 protected:
  void SetUp() override {
    mbedtls_x509_crt_init(&cert_);
    ASSERT_EQ(mbedtls_x509_crt_parse(&cert_, reinterpret_cast<const unsigned char*>(kCertPem), sizeof(kCertPem)), 0);
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
