// The details object written from typed facts must be byte for byte what the probes
// used to render and store (plus issue 17's additive chain and legacy_tls fields) (the documents, --once and the integration tests depend
// on it). The tls_cert SAN list is the delicate part: it used to be cut while the
// stored 896-character string had room; the oracle below is that former code.
#include "core/result_details.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/civil_time.h"
#include "core/view.h"

namespace probebox {
namespace {

std::string render(const ProbeResult& r) {
  FixedText<4096> out;
  JsonWriter w(out);
  write_result_details(w, r);
  return std::string(out.view());
}

struct Cert {
  std::string subject = "CN=www.example.com";
  std::string issuer = "CN=Example CA";
  std::string missing;  // '\n'-separated
  std::string sans;     // '\n'-separated
  bool sans_truncated = false;
  const char* tls_version = "1.2";
  uint8_t legacy_tls = kLegacyTlsUnknown;
};

// The former TlsCertProbe::judge() rendering into the stored details string.
std::string legacy(const Cert& c) {
  FixedText<896> details;
  JsonWriter w(details);
  w.begin_object();
  w.field_int("days_left", 42);
  FixedText<24> when;
  append_iso8601(when, 1'900'000'000);
  w.field("not_after", when.view());
  w.field("subject", c.subject).field("issuer", c.issuer);
  w.field_bool("chain_complete", true);
  w.field_bool("trusted", true);
  w.field("trusted_by", "public");  // issue 17 item 5: which set verified it
  w.field("key_type", "RSA").field_int("key_bits", 2048).field("sig_alg", "RSA-SHA256");
  w.field("sha256", std::string(64, 'a'));
  w.field("tls_version", c.tls_version);
  // Issue 17's fields, added after tls_version (before the lists the budget cuts).
  when.clear();
  append_iso8601(when, 1'890'000'000);
  w.field("chain_not_after", when.view());
  w.field_bool("chain_in_order", true).field_bool("self_signed", false).field_bool("weak_sig_in_chain", false);
  if (c.legacy_tls == kLegacyTlsUnknown) {
    w.field_null("legacy_tls");
  } else {
    w.key("legacy_tls").begin_array();
    if ((c.legacy_tls & kLegacyTls10) != 0) w.string("1.0");
    if ((c.legacy_tls & kLegacyTls11) != 0) w.string("1.1");
    w.end_array();
  }
  auto list = [&](std::string_view key, std::string_view lines, bool bounded) {
    w.key(key).begin_array();
    bool cut = false;
    while (!lines.empty()) {
      size_t nl = lines.find('\n');
      std::string_view item = first(lines, nl);
      if (bounded && details.size() + item.size() + 64 > details.capacity()) {
        cut = true;
        break;
      }
      w.string(item);
      lines = nl == std::string_view::npos ? std::string_view() : after(lines, nl + 1);
    }
    w.end_array();
    return cut;
  };
  list("missing_names", c.missing, false);
  bool sans_cut = list("sans", c.sans, true);
  if (sans_cut || c.sans_truncated) w.field_bool("sans_truncated", true);
  w.field_bool("chain_cached", false);
  w.end_object();
  EXPECT_FALSE(details.overflowed());
  return std::string(details.view());
}

std::string typed(const Cert& c) {
  ProbeResult r;
  TlsCertDetails& d = r.details.set_tls_cert();
  d.examined = true;
  d.dated = true;
  d.days_left = 42;
  d.not_after = 1'900'000'000;
  d.subject = r.details.add_text(c.subject);
  d.issuer = r.details.add_text(c.issuer);
  d.chain_complete = true;
  d.trusted = Tri::kTrue;
  d.trusted_by = "public";
  d.key_type = r.details.add_text("RSA");
  d.key_bits = 2048;
  d.sig_alg = r.details.add_text("RSA-SHA256");
  d.sha256 = r.details.add_text(std::string(64, 'a'));
  d.tls_version = c.tls_version;
  d.missing_names = r.details.add_text(c.missing);
  d.sans = r.details.add_text(c.sans);
  d.sans_truncated = c.sans_truncated;
  d.chain_not_after = 1'890'000'000;
  d.chain_in_order = true;
  d.legacy_tls = c.legacy_tls;
  return render(r);
}

TEST(ResultDetails, TlsCertSanListIsCutExactlyWhereTheStoredStringCutIt) {
  // From no SAN to a full certificate's 24 (x509::kMaxSans), names short and long,
  // with and without missing names and escaped characters in the subject.
  int cut_by_budget = 0;
  for (size_t len : {8u, 17u, 30u, 45u, 63u}) {
    for (int count = 0; count <= 24; ++count) {
      for (int variant = 0; variant < 3; ++variant) {
        Cert c;
        if (variant == 1) c.missing = "mail.example.com\nsmtp.example.com";
        if (variant == 2) c.subject = "CN=\"quoted\" \\ name, O=Example\tCorp";
        if (variant == 1) c.tls_version = "1.3";
        if (variant == 1) c.legacy_tls = kLegacyTls10 | kLegacyTls11;
        if (variant == 2) c.legacy_tls = 0;
        std::string sans;
        for (int i = 0; i < count; ++i) {
          if (i > 0) sans += '\n';
          std::string name = std::to_string(i) + ".";
          name += std::string(len > name.size() + 12 ? len - name.size() - 12 : 1, 'h');
          name += ".example.com";
          sans += name;
        }
        if (sans.size() > 1024) sans.resize(sans.rfind('\n'));  // x509 keeps 1024 characters
        c.sans = sans;
        c.sans_truncated = count == 24 && variant == 0;
        std::string want = legacy(c);
        std::string got = typed(c);
        ASSERT_EQ(got, want) << "len " << len << " count " << count << " variant " << variant;
        EXPECT_LE(got.size(), kDetailsBudgetChars);
        if (!c.sans_truncated && want.find("sans_truncated") != std::string::npos) ++cut_by_budget;
      }
    }
  }
  EXPECT_GT(cut_by_budget, 20) << "the budget must actually cut some of these";
}

TEST(ResultDetails, TheCutDoesNotDependOnWhereInTheDocumentTheObjectIs) {
  Cert c;
  for (int i = 0; i < 24; ++i) c.sans += (i > 0 ? "\n" : "") + std::to_string(i) + ".a-rather-long-name.example.com";
  std::string want = legacy(c);
  ProbeResult r;
  TlsCertDetails& d = r.details.set_tls_cert();
  d.examined = d.dated = d.chain_complete = true;
  d.days_left = 42;
  d.not_after = 1'900'000'000;
  d.trusted = Tri::kTrue;
  d.trusted_by = "public";
  d.subject = r.details.add_text(c.subject);
  d.issuer = r.details.add_text(c.issuer);
  d.key_type = r.details.add_text("RSA");
  d.key_bits = 2048;
  d.sig_alg = r.details.add_text("RSA-SHA256");
  d.sha256 = r.details.add_text(std::string(64, 'a'));
  d.tls_version = c.tls_version;
  d.sans = r.details.add_text(c.sans);
  d.chain_not_after = 1'890'000'000;
  d.chain_in_order = true;
  d.legacy_tls = c.legacy_tls;
  FixedText<8192> doc;
  JsonWriter w(doc);
  w.begin_object().field("before", std::string(3000, 'x')).key("details");
  write_result_details(w, r);
  w.end_object();
  std::string s(doc.view());
  EXPECT_NE(s.find(want), std::string::npos);
}

TEST(ResultDetails, EveryKindsNullFormIsTheFormerOne) {
  ProbeResult r;
  EXPECT_EQ(render(r), "{}");
  r.details.set_tls_cert();
  EXPECT_EQ(render(r), R"({"days_left":null,"chain_complete":null})");
  r.details.set_dns();
  EXPECT_EQ(render(r), R"({"rcode":null,"addresses":[],"ttl":null})");
  r.details.set_http();
  EXPECT_EQ(render(r), R"({"http_status":null,"body_match":null})");
  r.details.set_ntp();
  EXPECT_EQ(render(r), R"({"offset_ms":null,"rtt_ms":null,"stratum":null})");
  SmtpDetails& s = r.details.set_smtp();
  s.banner = r.details.add_text("relay \"ESMTP\"");
  EXPECT_EQ(render(r), R"({"banner":"relay \"ESMTP\"","starttls":false,"auth_mechanisms":[],"auth_plain":false,)"
                       R"("auth_ok":null,"tls_days_left":null,"tls_trusted":null,"tls_subject":null})");
  r.details.set_tcp().state = PortState::kTimeout;
  EXPECT_EQ(render(r), R"({"state":"timeout"})");
}

// The keys main's probes added as they rendered them: the ICMP code that ended a
// connect, a chain too big to hold, the HTTPS-only rule's redirect.
TEST(ResultDetails, TheIcmpTheTooBigChainAndTheHttpsRedirectAreTheFormerOnes) {
  ProbeResult r;
  TcpDetails& t = r.details.set_tcp();
  t.state = PortState::kUnreachable;
  t.has_icmp = true;
  t.icmp_code = 13;
  EXPECT_EQ(render(r), R"({"state":"unreachable","icmp":13})");
  t.icmp_code = 0;  // net unreachable is a code too
  EXPECT_EQ(render(r), R"({"state":"unreachable","icmp":0})");

  TlsCertDetails& c = r.details.set_tls_cert();
  c.too_big = true;
  c.chain_bytes = 29635;
  c.chain_limit_bytes = 16384;
  c.tls_version = "1.2";
  EXPECT_EQ(render(r), R"({"days_left":null,"chain_complete":null,"chain_bytes":29635,"chain_limit_bytes":16384,)"
                       R"("tls_version":"1.2"})");
  c.tls_version = nullptr;  // not negotiated yet: the empty name
  EXPECT_EQ(render(r), R"({"days_left":null,"chain_complete":null,"chain_bytes":29635,"chain_limit_bytes":16384,)"
                       R"("tls_version":""})");

  HttpDetails& h = r.details.set_http();
  h.has_status = true;
  h.status = 301;
  h.location = r.details.add_text("https://manage.example.com/");
  EXPECT_EQ(render(r), R"({"http_status":301,"body_match":null,"location":"https://manage.example.com/"})");
  h.location = {};
  h.status = 200;
  EXPECT_EQ(render(r), R"({"http_status":200,"body_match":null})") << "served in clear: no location key";
}

TEST(ResultDetails, TheTextSurvivesACopyOfTheResult) {
  ProbeResult a;
  DnsDetails& d = a.details.set_dns();
  d.rcode = "NOERROR";
  d.address_count = 2;
  d.ttl = 60;
  d.addresses = a.details.add_text("192.0.2.1\n192.0.2.2");
  d.cname = a.details.add_text("alias.example.com");
  ProbeResult b;
  b = a;
  a.details.clear();
  EXPECT_EQ(render(b), R"({"rcode":"NOERROR","addresses":["192.0.2.1","192.0.2.2"],"ttl":60,"cname":"alias.example.com"})");
  EXPECT_EQ(render(a), "{}");
}

TEST(ResultDetails, ThePoolKeepsWhatFitsAndSaysItCut) {
  ProbeResult r;
  TextSpan a = r.details.add_text(std::string(DetailText::kChars - 4, 'a'));
  TextSpan b = r.details.add_text("bcdefgh");
  EXPECT_EQ(a.len, DetailText::kChars - 4);
  EXPECT_EQ(r.details.text(b), "bcde");
  EXPECT_TRUE(r.details.pool().cut());
  EXPECT_EQ(r.details.text(r.details.add_text("more")), "");
}

}  // namespace
}  // namespace probebox
