// RFC 6125 name matching as the firmware does it (x509::name_covered and
// covered_by_sans), offline: the rules a tls_cert check's names and the credential
// checks of smtp and http rely on.
#include <gtest/gtest.h>

#include "protocols/x509_summary.h"

namespace probebox::x509 {
namespace {

TEST(X509Names, ExactNamesMatchIgnoringAsciiCase) {
  EXPECT_TRUE(name_covered("www.example.com", "www.example.com"));
  EXPECT_TRUE(name_covered("WWW.Example.COM", "www.example.com"));
  EXPECT_TRUE(name_covered("www.example.com", "WWW.EXAMPLE.COM"));
  EXPECT_FALSE(name_covered("www.example.com", "www.example.org"));
  EXPECT_FALSE(name_covered("www.example.com", "ww.example.com"));
  EXPECT_FALSE(name_covered("www.example.com", "www.example.com.evil.test"));
  EXPECT_FALSE(name_covered("example.com", "www.example.com"));
}

TEST(X509Names, ATrailingDotOnEitherSideIsTheSameName) {
  EXPECT_TRUE(name_covered("www.example.com.", "www.example.com"));
  EXPECT_TRUE(name_covered("www.example.com", "www.example.com."));
  EXPECT_TRUE(name_covered("www.example.com.", "www.example.com."));
  EXPECT_TRUE(name_covered("a.example.com.", "*.example.com"));
  EXPECT_TRUE(name_covered("a.example.com", "*.example.com."));
  // Only one dot is a root: two are not the same name.
  EXPECT_FALSE(name_covered("www.example.com..", "www.example.com"));
}

TEST(X509Names, AWildcardCoversExactlyOneLeftMostLabel) {
  EXPECT_TRUE(name_covered("www.example.com", "*.example.com"));
  EXPECT_TRUE(name_covered("MAIL.Example.com", "*.EXAMPLE.COM"));
  EXPECT_FALSE(name_covered("example.com", "*.example.com")) << "no label for the wildcard";
  EXPECT_FALSE(name_covered(".example.com", "*.example.com")) << "an empty label is not a label";
  EXPECT_FALSE(name_covered("a.b.example.com", "*.example.com")) << "one label only";
  EXPECT_FALSE(name_covered("www.example.org", "*.example.com"));
}

TEST(X509Names, WildcardsOnlyAsTheWholeLeftMostLabel) {
  EXPECT_FALSE(name_covered("www.example.com", "w*.example.com"));
  EXPECT_FALSE(name_covered("www.example.com", "*w.example.com"));
  EXPECT_FALSE(name_covered("www.example.com", "www.*.com"));
  EXPECT_FALSE(name_covered("a.b.example.com", "*.*.example.com"));
  EXPECT_FALSE(name_covered("www.example.com", "*"));
  EXPECT_FALSE(name_covered("www.example.com", "*."));
}

TEST(X509Names, NoWildcardDirectlyUnderASingleLabel) {
  EXPECT_FALSE(name_covered("example.com", "*.com"));
  EXPECT_FALSE(name_covered("host.test", "*.test"));
  EXPECT_FALSE(name_covered("host.test.", "*.test."));
}

TEST(X509Names, IdnaLabelsAreComparedAsTheirALabels) {
  // A-labels are ASCII and compared as such; a wildcard covers one whole A-label.
  EXPECT_TRUE(name_covered("xn--bcher-kva.example", "XN--BCHER-KVA.example"));
  EXPECT_TRUE(name_covered("xn--bcher-kva.example.com", "*.example.com"));
  // A wildcard inside an A-label is not a wildcard (RFC 6125 6.4.3).
  EXPECT_FALSE(name_covered("xn--bcher-kva.example.com", "xn--*.example.com"));
  // No Unicode mapping: a U-label never equals its A-label, and case folding is
  // ASCII only (no byte of a UTF-8 sequence is folded).
  EXPECT_FALSE(name_covered("b\xC3\xBC" "cher.example", "xn--bcher-kva.example"));
  EXPECT_FALSE(name_covered("\xC3\x9C" "ber.example", "\xC3\xBC" "ber.example"));
  EXPECT_TRUE(name_covered("\xC3\xBC" "ber.example", "\xC3\xBC" "BER.example"));
}

TEST(X509Names, OnlyTheSansCountNeverTheCommonName) {
  CertSummary s;
  s.subject.assign("CN=www.example.com, O=Example");
  EXPECT_FALSE(covered_by_sans("www.example.com", s)) << "no SAN: the CN must not stand in";
  s.sans.assign("mail.example.com\n*.example.org");
  s.san_count = 2;
  EXPECT_FALSE(covered_by_sans("www.example.com", s));
  EXPECT_TRUE(covered_by_sans("mail.example.com", s));
  EXPECT_TRUE(covered_by_sans("WWW.example.org.", s));
  EXPECT_FALSE(covered_by_sans("example.org", s));
}

}  // namespace
}  // namespace probebox::x509
