// HTTPS for the web UI, the pure parts: the redirect from plain HTTP, the session
// cookie's attributes, the box's own certificate and the operator's PEM upload.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fake_clock.h"
#include "fake_entropy.h"
#include "mbedtls/base64.h"
#include "mbedtls/x509_crt.h"
#include "net/net_glue.h"
#include "net/tls_memory.h"
#include "net/tls_server.h"
#include "web/https_redirect.h"

namespace probebox {
namespace {

std::string location(std::string_view host, std::string_view path, std::string_view query = {}, uint16_t port = 443) {
  FixedText<300> out;
  if (!https_location(host, path, query, port, 0x0A00020F, out)) return "(refused)";
  return std::string(out.view());
}

TEST(HttpsRedirect, SamePathOnHttpsAtThePublicPort) {
  EXPECT_EQ(location("probe-01", "/"), "https://probe-01/");
  EXPECT_EQ(location("192.0.2.10:80", "/api/status", "x=1"), "https://192.0.2.10/api/status?x=1");
  EXPECT_EQ(location("127.0.0.1:8080", "/index.html", {}, 8443), "https://127.0.0.1:8443/index.html");
}

TEST(HttpsRedirect, AHostThatIsNotAPlainNameBecomesTheBoxAddress) {
  // Nothing the client sent reaches the Location header unless it is a plain name.
  EXPECT_EQ(location("evil.example\r\nSet-Cookie: a=b", "/"), "https://10.0.2.15/");
  EXPECT_EQ(location("", "/x"), "https://10.0.2.15/x");
  EXPECT_EQ(location("a b", "/x"), "https://10.0.2.15/x");
  EXPECT_EQ(location("user@host", "/x"), "https://10.0.2.15/x");
}

TEST(HttpsRedirect, APathOrQueryWithControlCharactersOrSpacesIsRefused) {
  EXPECT_EQ(location("box", "/a\r\nLocation: x"), "(refused)");
  EXPECT_EQ(location("box", "/a b"), "(refused)");
  EXPECT_EQ(location("box", "relative"), "(refused)");
  EXPECT_EQ(location("box", "/ok", "q=\x7f"), "(refused)");
}

TEST(HttpsRedirect, OnlyTheScrapedEndpointsStayOnPlainHttp) {
  EXPECT_TRUE(served_over_plain_http("/metrics"));
  EXPECT_TRUE(served_over_plain_http("/healthz"));
  EXPECT_FALSE(served_over_plain_http("/"));
  EXPECT_FALSE(served_over_plain_http("/api/login"));
  EXPECT_FALSE(served_over_plain_http("/metrics/"));
}

TEST(SessionCookie, SecureOnlyOverHttps) {
  FixedText<200> out;
  session_cookie_header("pb_session", "abc", true, false, out);
  EXPECT_EQ(out.view(), "Set-Cookie: pb_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure\r\n");
  out.clear();
  session_cookie_header("pb_session", "abc", false, false, out);
  EXPECT_EQ(out.view(), "Set-Cookie: pb_session=abc; Path=/; HttpOnly; SameSite=Strict\r\n");
  out.clear();
  session_cookie_header("pb_session", "", true, true, out);
  EXPECT_EQ(out.view(), "Set-Cookie: pb_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0\r\n");
}

class TlsIdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static hal::FakeClock clock;
    static hal::FakeEntropy entropy;
    net::bind_platform(clock, entropy);
    net::tls_memory_init();
    ASSERT_TRUE(net::tls_crypto_init());
  }

  static std::vector<uint8_t> make(std::string_view name, uint32_t ip) {
    std::vector<uint8_t> record(net::kSelfSignedRecordBytes);
    size_t length = 0;
    EXPECT_TRUE(net::make_self_signed_identity(name, ip, record, length).ok());
    record.resize(length);
    return record;
  }

  static std::string pem(const char* label, std::span<const uint8_t> der) {
    std::vector<unsigned char> b64(der.size() * 2 + 8);
    size_t n = 0;
    EXPECT_EQ(mbedtls_base64_encode(b64.data(), b64.size(), &n, der.data(), der.size()), 0);
    std::string out = std::string("-----BEGIN ") + label + "-----\n";
    for (size_t i = 0; i < n; i += 64) out += std::string(reinterpret_cast<char*>(b64.data()) + i, std::min<size_t>(64, n - i)) + "\n";
    return out + "-----END " + label + "-----\n";
  }

  static std::string upload(std::string_view pem_text, std::vector<uint8_t>* record_out = nullptr) {
    std::vector<uint8_t> record(net::kTlsIdentityRecordBytes);
    net::SpanRecordSink sink(record);
    FixedText<200> error;
    Status s = net::parse_pem_identity(pem_text, sink, error);
    if (s.ok() && record_out != nullptr) {
      record.resize(sink.length());
      *record_out = record;
    }
    return s.ok() ? "ok" : std::string(error.view());
  }
};

TEST_F(TlsIdentityTest, SelfSignedCertificateNamesTheBoxAndItsAddress) {
  std::vector<uint8_t> record = make("probe-01", 0x0A00020F);
  net::TlsIdentityParts parts;
  ASSERT_TRUE(net::split_identity_record(record, parts).ok());
  ASSERT_EQ(parts.cert_count, 1u);
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  ASSERT_EQ(mbedtls_x509_crt_parse_der(&crt, parts.certs[0].data(), parts.certs[0].size()), 0);
  // A P-256 key, self-signed, a DNS name and an IP address in the SAN.
  EXPECT_EQ(mbedtls_pk_get_type(&crt.pk), MBEDTLS_PK_ECKEY);
  EXPECT_EQ(mbedtls_pk_get_bitlen(&crt.pk), 256u);
  bool dns = false, ip = false;
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san != nullptr && san->buf.p != nullptr; san = san->next) {
    std::string value(reinterpret_cast<const char*>(san->buf.p), san->buf.len);
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME)) dns = dns || value == "probe-01";
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS)) ip = ip || value == std::string("\x0a\x00\x02\x0f", 4);
  }
  EXPECT_TRUE(dns);
  EXPECT_TRUE(ip);
  uint32_t flags = 0;
  EXPECT_EQ(mbedtls_x509_crt_verify(&crt, &crt, nullptr, nullptr, &flags, nullptr, nullptr), 0) << flags;
  mbedtls_x509_crt_free(&crt);

  auto identity = std::make_unique<net::TlsServerIdentity>();
  ASSERT_TRUE(identity->load(record).ok());
  EXPECT_EQ(identity->fingerprint().size(), 95u);
  EXPECT_EQ(identity->spki_pin().size(), 44u);
  EXPECT_NE(identity->ssl_config(), nullptr);
  // Two boxes never share a key.
  auto other = std::make_unique<net::TlsServerIdentity>();
  ASSERT_TRUE(other->load(make("probe-01", 0x0A00020F)).ok());
  EXPECT_NE(identity->fingerprint().view(), other->fingerprint().view());
  identity->reset();
  other->reset();
}

TEST_F(TlsIdentityTest, AMatchingUploadIsAcceptedAndLoads) {
  std::vector<uint8_t> made = make("box.example", 0);
  net::TlsIdentityParts parts;
  ASSERT_TRUE(net::split_identity_record(made, parts).ok());
  std::string text = pem("CERTIFICATE", parts.certs[0]) + pem("EC PRIVATE KEY", parts.key);
  std::vector<uint8_t> record;
  ASSERT_EQ(upload(text, &record), "ok");
  auto identity = std::make_unique<net::TlsServerIdentity>();
  ASSERT_TRUE(identity->load(record).ok());
  net::Fingerprint expected;
  net::format_fingerprint(parts.certs[0], expected);
  EXPECT_EQ(identity->fingerprint().view(), expected.view());
  identity->reset();
  // Key first, then the certificate, with text around the blocks: the same.
  EXPECT_EQ(upload("my key:\n" + pem("EC PRIVATE KEY", parts.key) + "my cert:\n" + pem("CERTIFICATE", parts.certs[0])), "ok");
}

// Records what parse_pem_identity hands a flash slot; refuses writes past `fail_after`.
struct RecordingSink final : net::RecordSink {
  size_t announced = 0;
  int begins = 0;
  std::vector<uint8_t> bytes;
  size_t fail_after = SIZE_MAX;
  Status begin(size_t length) override {
    ++begins;
    announced = length;
    return Status();
  }
  Status write(std::span<const uint8_t> more) override {
    if (bytes.size() + more.size() > fail_after) return StatusCode::kUnavailable;
    bytes.insert(bytes.end(), more.begin(), more.end());
    return Status();
  }
};

TEST_F(TlsIdentityTest, AnUploadIsWrittenToItsSinkOnceAtTheLengthItAnnounced) {
  std::vector<uint8_t> made = make("box.example", 0);
  net::TlsIdentityParts parts;
  ASSERT_TRUE(net::split_identity_record(made, parts).ok());
  const std::string text = pem("CERTIFICATE", parts.certs[0]) + pem("EC PRIVATE KEY", parts.key);
  RecordingSink sink;
  FixedText<200> error;
  ASSERT_TRUE(net::parse_pem_identity(text, sink, error).ok()) << error.view();
  EXPECT_EQ(sink.begins, 1);
  EXPECT_EQ(sink.bytes.size(), sink.announced);
  net::TlsIdentityParts written;
  ASSERT_TRUE(net::split_identity_record(sink.bytes, written).ok());
  EXPECT_EQ(written.cert_count, 1u);
  EXPECT_TRUE(std::equal(written.certs[0].begin(), written.certs[0].end(), parts.certs[0].begin(), parts.certs[0].end()));
  // A refused upload never reaches the sink.
  RecordingSink untouched;
  error.clear();
  EXPECT_FALSE(net::parse_pem_identity(pem("CERTIFICATE", parts.certs[0]), untouched, error).ok());
  EXPECT_EQ(untouched.begins, 0);
  // A flash write that fails is the upload's failure, named.
  RecordingSink failing;
  failing.fail_after = 10;
  error.clear();
  EXPECT_EQ(net::parse_pem_identity(text, failing, error).code(), StatusCode::kInternal);
  EXPECT_EQ(error.view(), "the certificate could not be stored in flash");
  // A buffer too small for the record says so, and writes nothing past it.
  std::vector<uint8_t> small(16);
  net::SpanRecordSink too_small(small);
  error.clear();
  EXPECT_FALSE(net::parse_pem_identity(text, too_small, error).ok());
  EXPECT_EQ(too_small.length(), 0u);
}

TEST_F(TlsIdentityTest, AnUploadWhoseKeyIsNotTheCertificatesIsRefused) {
  std::vector<uint8_t> a = make("a", 0), b = make("b", 0);
  net::TlsIdentityParts pa, pb;
  ASSERT_TRUE(net::split_identity_record(a, pa).ok());
  ASSERT_TRUE(net::split_identity_record(b, pb).ok());
  EXPECT_EQ(upload(pem("CERTIFICATE", pa.certs[0]) + pem("EC PRIVATE KEY", pb.key)),
            "the private key does not match the (first) certificate");
}

TEST_F(TlsIdentityTest, IncompleteOrMalformedUploadsAreRefusedWithTheReason) {
  std::vector<uint8_t> a = make("a", 0);
  net::TlsIdentityParts pa;
  ASSERT_TRUE(net::split_identity_record(a, pa).ok());
  EXPECT_EQ(upload(pem("CERTIFICATE", pa.certs[0])), "no private key");
  EXPECT_EQ(upload(pem("EC PRIVATE KEY", pa.key)), "no certificate");
  EXPECT_EQ(upload(""), "no certificate");
  EXPECT_EQ(upload(pem("CERTIFICATE", pa.certs[0]) + pem("EC PRIVATE KEY", pa.key) + pem("EC PRIVATE KEY", pa.key)),
            "more than one private key");
  std::string garbled = pem("CERTIFICATE", pa.certs[0]);
  garbled[40] = garbled[40] == 'A' ? 'B' : 'A';
  EXPECT_EQ(upload(garbled + pem("EC PRIVATE KEY", pa.key)).rfind("certificate 1 does not parse", 0), 0u);
  EXPECT_EQ(upload(pem("CERTIFICATE", pa.certs[0]) + "-----BEGIN EC PRIVATE KEY-----\nAAAA\n"),
            "a PEM block has no END line");
  EXPECT_EQ(upload(pem("CERTIFICATE", pa.certs[0]) + pem("ENCRYPTED PRIVATE KEY", pa.key)).rfind("unexpected PEM block", 0), 0u);
}

TEST_F(TlsIdentityTest, ARecordThatIsCutShortDoesNotLoad) {
  std::vector<uint8_t> a = make("a", 0);
  a.resize(a.size() - 1);
  auto identity = std::make_unique<net::TlsServerIdentity>();
  EXPECT_FALSE(identity->load(a).ok());
  EXPECT_FALSE(identity->ready());
}

}  // namespace
}  // namespace probebox
