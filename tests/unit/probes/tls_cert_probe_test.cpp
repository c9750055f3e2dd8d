// The tls_cert probe on the real lwIP core and mbedTLS against FakePeer's TLS server
// (the hostile lab's certificate for hostile.lab.test, 2026-11-23 .. 2056-11-15).
#include "probes/tls_cert_probe.h"

#include <memory>
#include <string>

#include "fake_tls_server.h"
#include "test_roots.h"
#include "net/tls_memory.h"
#include "probe_fixture.h"
#include "details_json.h"

namespace probebox::test {
namespace {

constexpr int64_t k2030 = 1'893'456'000;  // 2030-01-01T00:00:00Z

class TlsCertProbeTest : public ProbeFixture {
 protected:
  void SetUp() override {
    ProbeFixture::SetUp();
    net::tls_memory_init();  // mbedTLS on the firmware's arena, so its usage is checked
    clock_.set_wall(k2030 * 1'000'000);
  }
  void TearDown() override {
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    peer_.clear_conversations();  // frees the server's session
    tls_->reset();
    EXPECT_EQ(net::tls_memory_stats().in_use, net::tls_memory_stats().crypto_resident);  // the probe's TLS session was freed
    ProbeFixture::TearDown();
  }
  void trust_the_lab(bool trust) { ASSERT_TRUE(tls_->setup(trust ? lab_cert_pem() : "").ok()); }

  std::unique_ptr<net::TlsClientConfig> tls_ = std::make_unique<net::TlsClientConfig>();
};

TEST_F(TlsCertProbeTest, TrustedCertificateForTheNameIsOk) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test valid 9815 more days");
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("not_after":"2056-11-15T04:41:02Z")"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("trusted":true,"trusted_by":"anchors")"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("key_type":"RSA","key_bits":2048)"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("missing_names":[],"sans":["hostile.lab.test"])"), std::string::npos) << details;
  EXPECT_EQ(r.measurements.days_left, 9815);
  const TlsCertDetails* d = r.details.tls_cert();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->examined && d->dated);
  EXPECT_EQ(d->days_left, 9815);
  EXPECT_EQ(r.details.text(d->sans), "hostile.lab.test");
  EXPECT_GE(r.phases.at(Phase::kTls), r.phases.at(Phase::kConnect));
  EXPECT_GE(r.phases.at(Phase::kConnect), 0);
}

TEST_F(TlsCertProbeTest, TlsTwelveIsOfferedFirstAndReported) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("tls_version":"1.2")"), std::string::npos) << details;
}

TEST_F(TlsCertProbeTest, AServerThatRefusesTlsTwelveIsCheckedOverTlsThirteen) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls13_only_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test valid 9815 more days");
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("tls_version":"1.3")"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("trusted":true)"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("key_type":"RSA","key_bits":2048)"), std::string::npos) << details;
}

TEST_F(TlsCertProbeTest, ANameTheCertificateDoesNotCoverIsCritical) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test","mail.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "mail.lab.test not in the certificate");
  EXPECT_EQ(r.reason, FailReason::kCertificate);
  EXPECT_NE(testing::details_json(r).find(R"("missing_names":["mail.lab.test"])"), std::string::npos)
      << testing::details_json(r);
}

TEST_F(TlsCertProbeTest, WithoutTrustAnchorsOrPublicRootsTrustIsNotJudged) {
  trust_the_lab(false);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("public_roots":false}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  // With no anchors configured and the public roots off, trust is not judged.
  EXPECT_NE(testing::details_json(r).find(R"("trusted":null,"trusted_by":null)"), std::string::npos)
      << testing::details_json(r);
}

TEST_F(TlsCertProbeTest, WithoutTrustAnchorsTheBuiltInPublicRootsJudge) {
  // The lab's self-signed certificate is in no public set (Debian's): not trusted.
  trust_the_lab(false);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_NE(testing::details_json(r).find(R"("trusted":false,"trusted_by":null)"), std::string::npos)
      << testing::details_json(r);
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
}

TEST_F(TlsCertProbeTest, ALabRootInThePublicSetIsTrustedByIt) {
  // The lab's certificate as if it were a public root (the simulator's test set):
  // verified with no anchors, by the public set.
  trust_the_lab(false);
  sim::TestRoots roots;
  ASSERT_TRUE(roots.add_pem(lab_cert_pem()));
  const x509::RootTable& table = roots.table();
  tls_->use_public_roots(table);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  tls_->use_public_roots(x509::kBuiltInRoots);
  EXPECT_NE(testing::details_json(r).find(R"("trusted":true,"trusted_by":"public")"), std::string::npos)
      << testing::details_json(r);
}

TEST_F(TlsCertProbeTest, ACertificateNotYetValidIsCritical) {
  trust_the_lab(true);
  clock_.set_wall(1'767'225'600'000'000);  // 2026-01-01, before the certificate
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "cert not valid yet");
}

TEST_F(TlsCertProbeTest, AServerThatNeverAnswersTheHelloTimesOut) {
  trust_the_lab(true);
  peer_.set_conversation(443, [](std::string_view) { return FakePeer::Reply{}; });
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"timeout_ms":900}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "no TLS handshake in 900 ms");
  EXPECT_GE(r.latency_us, 900'000);
  EXPECT_LT(r.latency_us, 910'000);
  EXPECT_NE(peer_.received(443).size(), 0u);  // the ClientHello went out
}

// A handshake record whose header announces a message longer than the box's TLS
// input buffer (the first fragment only: the rest would follow in later records).
FakePeer::Conversation announces_handshake_message(uint8_t type, uint32_t length) {
  return [type, length](std::string_view received) {
    FakePeer::Reply reply;
    if (received.empty()) return reply;  // wait for the ClientHello
    std::string body;
    body.push_back(static_cast<char>(type));
    body.push_back(static_cast<char>(length >> 16));
    body.push_back(static_cast<char>(length >> 8));
    body.push_back(static_cast<char>(length));
    body.append(1000, '\x30');
    std::string record = {'\x16', '\x03', '\x03', static_cast<char>(body.size() >> 8), static_cast<char>(body.size())};
    reply.data = record + body;
    return reply;
  };
}

TEST_F(TlsCertProbeTest, AChainOverTheInputBufferIsUnknownWithItsSizeAtOnce) {
  trust_the_lab(true);
  // mbedTLS 3.6 would wait for the other 28 KB until the deadline.
  peer_.set_conversation(443, announces_handshake_message(11, 29635));
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"timeout_ms":5000}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cannot inspect: certificate chain of 29635 bytes, over this box's limit of 16384");
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("chain_bytes":29635,"chain_limit_bytes":16384)"), std::string::npos) << details;
  EXPECT_EQ(r.reason, FailReason::kNoResources) << "the box's limit, not the server's fault";
  EXPECT_LT(r.latency_us, 1'000'000);
}

TEST_F(TlsCertProbeTest, AnyOtherHandshakeMessageOverTheBufferFailsTheHandshakeAtOnce) {
  trust_the_lab(true);
  peer_.set_conversation(443, announces_handshake_message(0x63, 0xABCDEF));
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"timeout_ms":5000}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(),
            "TLS handshake failed: handshake message (type 99) of 11259375 bytes, over this box's limit of 16384");
  EXPECT_LT(r.latency_us, 1'000'000);
}

TEST_F(TlsCertProbeTest, AChainThatFitsIsWaitedForNotRefused) {
  trust_the_lab(true);
  // 16384 is within the limit: the probe waits for the rest (here until the deadline).
  peer_.set_conversation(443, announces_handshake_message(11, 16384));
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"timeout_ms":900}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "no TLS handshake in 900 ms");
}

}  // namespace
}  // namespace probebox::test
