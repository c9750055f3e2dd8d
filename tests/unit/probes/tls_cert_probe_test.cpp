// The tls_cert probe on the real lwIP core and mbedTLS against FakePeer's TLS server
// (the hostile lab's certificate for hostile.lab.test, 2026-11-23 .. 2056-11-15).
// That certificate is self-signed, which is critical whatever the anchors say (issue
// 17): the tests below read everything else the probe found in the details, and the
// OK verdict of a CA-issued chain is the integration tests' (test_tls_cert.py,
// test_tls_chain.py).
#include "probes/tls_cert_probe.h"

#include <memory>
#include <string>
#include <vector>

#include "fake_tls_server.h"
#include "test_roots.h"
#include "net/tls_memory.h"
#include "probe_fixture.h"
#include "shortage_sweep.h"
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
    EXPECT_EQ(net::TlsSessions::in_use(), 0);  // every probe gave its link's session back
    ProbeFixture::TearDown();
  }
  void trust_the_lab(bool trust) { ASSERT_TRUE(tls_->setup(trust ? lab_cert_pem() : "").ok()); }

  std::unique_ptr<net::TlsClientConfig> tls_ = std::make_unique<net::TlsClientConfig>();
};

TEST_F(TlsCertProbeTest, TrustedCertificateForTheNameIsReadButSelfSignedIsCritical) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("self_signed":true)"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("chain_not_after":"2056-11-15T04:41:02Z","chain_in_order":true)"), std::string::npos)
      << details;
  EXPECT_NE(details.find(R"("weak_sig_in_chain":false,"legacy_tls":null)"), std::string::npos) << details;
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
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();  // self-signed
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("tls_version":"1.2")"), std::string::npos) << details;
}

TEST_F(TlsCertProbeTest, AServerThatRefusesTlsTwelveIsCheckedOverTlsThirteen) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls13_only_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
  std::string details = testing::details_json(r);
  EXPECT_NE(details.find(R"("tls_version":"1.3")"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("trusted":true)"), std::string::npos) << details;
  EXPECT_NE(details.find(R"("key_type":"RSA","key_bits":2048)"), std::string::npos) << details;
}

// Some servers (asyncio's) refuse a version by closing, with no alert: that too is
// asked again in 1.3.
TEST_F(TlsCertProbeTest, AServerThatClosesOnTheTls12HelloIsCheckedOverTlsThirteen) {
  trust_the_lab(true);
  peer_.set_conversation(443, [connections = 0, tls13 = tls13_only_server()](std::string_view received) mutable
                         -> FakePeer::Reply {
    if (received.empty()) ++connections;
    if (connections == 1) return received.empty() ? FakePeer::Reply{} : FakePeer::Reply{"", FakePeer::Reply::Close::kFin};
    return tls13(received);
  });
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
  EXPECT_NE(testing::details_json(r).find(R"("tls_version":"1.3")"), std::string::npos) << testing::details_json(r);
}

// One that closes on every hello: both refusals named, the closes as such.
TEST_F(TlsCertProbeTest, AServerThatClosesOnEveryHelloIsCriticalWithBothNamed) {
  trust_the_lab(true);
  peer_.set_conversation(443, [](std::string_view received) -> FakePeer::Reply {
    return received.empty() ? FakePeer::Reply{} : FakePeer::Reply{"", FakePeer::Reply::Close::kFin};
  });
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.reason, FailReason::kTls);
  EXPECT_EQ(r.summary.view(), "TLS handshake failed: closed to TLS 1.2 (ECDHE, RSA), closed to 1.3 (ECDHE)");
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
  // A self-signed leaf is critical whatever the anchors (it used to pass as OK here).
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
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

// --- the verified-chain cache (issue 17 item 6) -------------------------------

// The same chain again: its verification comes from the cache, and everything the
// check reports is what a full verification reported.
TEST_F(TlsCertProbeTest, TheSameChainAgainIsACacheHitWithTheSameVerdict) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult first = run_one<TlsCertProbe>(tls_.get());
  ProbeResult second = run_one<TlsCertProbe>(tls_.get());
  std::string a = testing::details_json(first), b = testing::details_json(second);
  EXPECT_NE(a.find(R"("chain_cached":false)"), std::string::npos) << a;
  EXPECT_NE(b.find(R"("chain_cached":true)"), std::string::npos) << b;
  EXPECT_EQ(second.outcome, first.outcome);
  EXPECT_EQ(second.summary.view(), first.summary.view());
  // Every other detail the same, to the byte.
  a.replace(a.find(R"("chain_cached":false)"), std::string_view(R"("chain_cached":false)").size(),
            R"("chain_cached":true)");
  EXPECT_EQ(a, b);
  EXPECT_EQ(tls_->verified_chains().hits(), 1u);
}

// The leaf's key seen again: its R² mod N comes from the RSA R² cache (the
// ServerKeyExchange signature is still verified with it, in TLS 1.2 and in 1.3's
// CertificateVerify), and the check reports what it reported the first time.
TEST_F(TlsCertProbeTest, TheSameLeafKeyAgainHasItsR2FromTheCacheWithTheSameVerdict) {
  for (bool tls13 : {false, true}) {
    SCOPED_TRACE(tls13 ? "TLS 1.3" : "TLS 1.2");
    tls_ = std::make_unique<net::TlsClientConfig>();
    trust_the_lab(true);
    peer_.set_conversation(443, tls13 ? tls13_only_server() : tls_server());
    load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
         R"("names":["hostile.lab.test"]}])");
    ProbeResult first = run_one<TlsCertProbe>(tls_.get());
    EXPECT_EQ(tls_->rsa_r2().size(), 1u) << "kept after the first signature";
    EXPECT_EQ(tls_->rsa_r2().hits(), 0u);
    ProbeResult second = run_one<TlsCertProbe>(tls_.get());
    EXPECT_EQ(tls_->rsa_r2().hits(), 1u);
    EXPECT_EQ(second.outcome, first.outcome);
    EXPECT_EQ(second.summary.view(), first.summary.view());
    std::string a = testing::details_json(first), b = testing::details_json(second);
    EXPECT_NE(b.find(tls13 ? R"("tls_version":"1.3")" : R"("tls_version":"1.2")"), std::string::npos) << b;
    EXPECT_NE(b.find(R"("trusted":true)"), std::string::npos) << b;
    peer_.clear_conversations();
    tls_->reset();
  }
}

// A hit judges the dates against today's clock and the names against this check.
TEST_F(TlsCertProbeTest, AHitJudgesDatesAndNamesAgain) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  ProbeResult first = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(first.measurements.days_left, 9815);
  clock_.set_wall((k2030 + 9815LL * 86400) * 1'000'000);  // the last day of the certificate
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test","other.lab.test"]}])");
  ProbeResult second = run_one<TlsCertProbe>(tls_.get());
  std::string b = testing::details_json(second);
  EXPECT_NE(b.find(R"("chain_cached":true)"), std::string::npos) << b;
  EXPECT_EQ(second.measurements.days_left, 0);
  EXPECT_NE(b.find(R"("days_left":0,)"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("missing_names":["other.lab.test"])"), std::string::npos) << b;
}

// The check's public_roots is a trust input: a chain verified with the public roots
// is verified again for a check without them (and the other way round).
TEST_F(TlsCertProbeTest, AnotherTrustSetIsACacheMiss) {
  trust_the_lab(true);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  ProbeResult first = run_one<TlsCertProbe>(tls_.get());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("public_roots":false}])");
  ProbeResult second = run_one<TlsCertProbe>(tls_.get());
  EXPECT_NE(testing::details_json(second).find(R"("chain_cached":false)"), std::string::npos)
      << testing::details_json(second);
  EXPECT_NE(testing::details_json(second).find(R"("trusted":true,"trusted_by":"anchors")"), std::string::npos);
  EXPECT_EQ(second.outcome, first.outcome);
}

// A chain that did not verify is verified every time (a failure may be transient),
// and a configuration applied (TlsClientConfig::setup) forgets every chain.
TEST_F(TlsCertProbeTest, AnUntrustedChainIsNeverCachedAndNewAnchorsFlushTheCache) {
  trust_the_lab(false);
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  (void)run_one<TlsCertProbe>(tls_.get());
  ProbeResult again = run_one<TlsCertProbe>(tls_.get());
  std::string b = testing::details_json(again);
  EXPECT_NE(b.find(R"("trusted":false)"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("chain_cached":false)"), std::string::npos) << b;
  trust_the_lab(true);
  (void)run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(tls_->verified_chains().size(), 1u);
  trust_the_lab(false);  // the anchors removed: the trusted verdict must not survive
  EXPECT_EQ(tls_->verified_chains().size(), 0u);
  ProbeResult untrusted = run_one<TlsCertProbe>(tls_.get());
  EXPECT_NE(testing::details_json(untrusted).find(R"("trusted":false)"), std::string::npos)
      << testing::details_json(untrusted);
}

TEST_F(TlsCertProbeTest, ACertificateNotYetValidIsCriticalTheSelfSignedRungFirst) {
  trust_the_lab(true);
  clock_.set_wall(1'767'225'600'000'000);  // 2026-01-01, before the certificate
  peer_.set_conversation(443, tls_server());
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  // The ladder names the self-signed leaf before the dates (verdicts_test.cpp walks
  // the "not valid yet" rung itself).
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
  EXPECT_NE(testing::details_json(r).find(R"("days_left":11276)"), std::string::npos) << testing::details_json(r);
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

// --- the legacy-protocol floor -------------------------------------------------

// Plays tls_server() for the box's TLS 1.2/1.3 hellos (unless `refuse_modern`: then
// the alert protocol_version to them) and answers a ClientHello offering only TLS
// 1.0 or 1.1 (client_version 0x0301/0x0302) with a ServerHello for that version when
// `accepts` has it, else for 1.0 when `downgrade` (and 1.0 is accepted), else with
// the alert protocol_version. `silent`: legacy hellos get no answer at all.
struct LegacyPeer {
  uint8_t accepts = 0;  // kLegacyTls10/11 bits
  bool refuse_modern = false;
  bool modern_gets_tls10 = false;  // a 1.2 hello answered by a ServerHello for 1.0, as OpenSSL's -tls1 does
  bool silent = false;
  int legacy_hellos = 0;
};

FakePeer::Conversation legacy_aware_server(LegacyPeer* peer) {
  auto inner = std::make_shared<FakePeer::Conversation>(tls_server());
  return [peer, inner](std::string_view received) -> FakePeer::Reply {
    FakePeer::Reply reply;
    if (received.size() >= 11 && received[0] == 0x16 && received[5] == 0x01) {
      size_t record = 5 + (static_cast<uint8_t>(received[3]) << 8 | static_cast<uint8_t>(received[4]));
      if (received.size() != record) return reply;  // answered once, when the hello is whole
      uint16_t offered = static_cast<uint16_t>(static_cast<uint8_t>(received[9]) << 8 | static_cast<uint8_t>(received[10]));
      const std::string alert = {'\x15', '\x03', '\x03', '\x00', '\x02', '\x02', '\x46'};
      auto server_hello = [](uint16_t chosen) {
        std::string body = {'\x02', '\x00', '\x00', '\x26', static_cast<char>(chosen >> 8), static_cast<char>(chosen)};
        body.append(32, '\x5a');                           // random
        body.append({'\x00', '\xc0', '\x13', '\x00'});     // no session id, ECDHE-RSA-AES128-SHA, null compression
        return std::string{'\x16', '\x03', '\x01', '\x00', static_cast<char>(body.size())} + body;
      };
      if (offered == 0x0303) {
        if (peer->modern_gets_tls10) {
          reply.data = server_hello(0x0301);
          return reply;
        }
        if (!peer->refuse_modern) return (*inner)(received);
        reply.data = alert;
        reply.close = FakePeer::Reply::Close::kFin;
        return reply;
      }
      ++peer->legacy_hellos;
      if (peer->silent) return reply;
      uint16_t chosen = 0;
      if (offered == 0x0302 && (peer->accepts & kLegacyTls11) != 0) chosen = 0x0302;
      else if ((peer->accepts & kLegacyTls10) != 0) chosen = 0x0301;
      if (chosen == 0) {
        reply.data = alert;
        reply.close = FakePeer::Reply::Close::kFin;
        return reply;
      }
      reply.data = server_hello(chosen);
      return reply;
    }
    return (*inner)(received);
  };
}

class LegacyTlsTest : public TlsCertProbeTest {
 protected:
  ProbeResult run_cycle() {
    TlsCertProbe probe;
    probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get(), tls_.get(), &memory_});
    for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    EXPECT_FALSE(probe.active());
    ProbeResult r = probe.result();
    run_for_ms(20);
    return r;
  }
  void load_check(int timeout_ms = 1000) {
    load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
         R"("names":["hostile.lab.test"],"timeout_ms":)" + std::to_string(timeout_ms) + "}]");
  }
  CheckMemory memory_;
  LegacyPeer peer_state_;
};

TEST_F(LegacyTlsTest, TheFirstCycleAsksAboutBothVersionsAndEveryTenthAgainCarryingBetween) {
  trust_the_lab(true);
  peer_state_.accepts = kLegacyTls10 | kLegacyTls11;
  peer_.set_conversation(443, legacy_aware_server(&peer_state_));
  load_check();
  ProbeResult first = run_cycle();
  EXPECT_EQ(peer_state_.legacy_hellos, 2);  // 1.1, then 1.0
  EXPECT_NE(testing::details_json(first).find(R"("legacy_tls":["1.0","1.1"])"), std::string::npos)
      << testing::details_json(first);
  EXPECT_EQ(memory_.legacy_tls, kLegacyTls10 | kLegacyTls11);
  EXPECT_EQ(memory_.legacy_due_in, TlsCertProbe::kLegacyTlsEveryCycles - 1);
  // The cycles in between do not ask, and carry what was found.
  for (int cycle = 1; cycle < TlsCertProbe::kLegacyTlsEveryCycles; ++cycle) {
    ProbeResult r = run_cycle();
    EXPECT_NE(testing::details_json(r).find(R"("legacy_tls":["1.0","1.1"])"), std::string::npos) << cycle;
  }
  EXPECT_EQ(peer_state_.legacy_hellos, 2);
  EXPECT_EQ(memory_.legacy_due_in, 0);
  // The server was fixed: the next look finds it.
  peer_state_.accepts = 0;
  ProbeResult fixed = run_cycle();
  EXPECT_EQ(peer_state_.legacy_hellos, 4);
  EXPECT_NE(testing::details_json(fixed).find(R"("legacy_tls":[])"), std::string::npos) << testing::details_json(fixed);
}

TEST_F(LegacyTlsTest, AServerChoosingTls10ForA11HelloIsAskedOnce) {
  trust_the_lab(true);
  peer_state_.accepts = kLegacyTls10;
  peer_.set_conversation(443, legacy_aware_server(&peer_state_));
  load_check();
  ProbeResult r = run_cycle();
  EXPECT_EQ(peer_state_.legacy_hellos, 1);
  EXPECT_NE(testing::details_json(r).find(R"("legacy_tls":["1.0"])"), std::string::npos) << testing::details_json(r);
}

TEST_F(LegacyTlsTest, ASilentLegacyAnswerKeepsTheCertificatesVerdictAndStaysDue) {
  trust_the_lab(true);
  peer_state_.silent = true;
  peer_.set_conversation(443, legacy_aware_server(&peer_state_));
  load_check(900);
  ProbeResult r = run_cycle();
  EXPECT_EQ(peer_state_.legacy_hellos, 1);
  // The certificate's own verdict, not "no TLS handshake in 900 ms".
  EXPECT_EQ(r.summary.view(), "cert hostile.lab.test is self-signed: the appliance needs a public CA");
  EXPECT_EQ(r.reason, FailReason::kCertificate);
  EXPECT_GE(r.latency_us, 900'000);
  EXPECT_NE(testing::details_json(r).find(R"("legacy_tls":null)"), std::string::npos) << testing::details_json(r);
  EXPECT_EQ(memory_.legacy_due_in, 0);  // asked again next cycle
  EXPECT_EQ(memory_.legacy_tls, kLegacyTlsUnknown);
}

TEST_F(LegacyTlsTest, AServerRefusingTls12And13IsNamedByTheLegacyVersionItSpeaks) {
  trust_the_lab(true);
  peer_state_.refuse_modern = true;
  peer_state_.accepts = kLegacyTls10;
  peer_.set_conversation(443, legacy_aware_server(&peer_state_));
  load_check();
  ProbeResult r = run_one<TlsCertProbe>(tls_.get());  // no memory needed: it is the failure's explanation
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.reason, FailReason::kTls);
  EXPECT_EQ(r.summary.view(),
            "TLS handshake failed: the server speaks only TLS 1.0 (alert protocol_version to TLS 1.2, protocol_version to 1.3)");
  EXPECT_NE(testing::details_json(r).find(R"("legacy_tls":["1.0"])"), std::string::npos) << testing::details_json(r);
  // Answering the 1.2 hello with 1.0 (no alert, no 1.3 tried): named the same way.
  peer_state_.refuse_modern = false;
  peer_state_.modern_gets_tls10 = true;
  ProbeResult older = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(older.summary.view(),
            "TLS handshake failed: the server speaks only TLS 1.0 (it answered a TLS 1.2 hello with an older version)");
  peer_state_.modern_gets_tls10 = false;
  peer_state_.refuse_modern = true;
  // Refusing every version: the alerts and what was offered.
  peer_state_.accepts = 0;
  ProbeResult none = run_one<TlsCertProbe>(tls_.get());
  EXPECT_EQ(none.summary.view(),
            "TLS handshake failed: alert protocol_version to TLS 1.2 (ECDHE, RSA), protocol_version to 1.3 (ECDHE)");
}

}  // namespace
}  // namespace probebox::test

namespace probebox::test {
namespace {

// The details pool holds one entry per TLS probe the scheduler lets run at once; a
// probe started past that (only possible around the scheduler) is unknown and says
// why, and every entry comes back when its probe is destroyed.
// Whatever is left of the client pool or of lwIP's heap, the certificate gets no
// verdict from the box's own shortage: the verdict it gets with all of it, or unknown
// for want of memory.
TEST_F(TlsCertProbeTest, AnyShortageOfTheBoxsMemoryIsUnknownNeverAVerdictOnTheCertificate) {
  trust_the_lab(true);
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test",)"
       R"("names":["hostile.lab.test"]}])");
  auto run = [&] {
    peer_.set_conversation(443, tls_server());
    ProbeResult r = run_one<TlsCertProbe>(tls_.get());
    peer_.clear_conversations();
    return r;
  };
  sweep_shortage("TLS client pool", run, [](size_t left) { return std::make_unique<TlsPoolFiller>(net::TlsPool::kClient, left); }, 0, 64 * 1024, 1024,
                 {"no memory for a TLS session", "cannot inspect: no TLS memory free on the box"});
  sweep_shortage("lwIP heap", run, [](size_t left) { return std::make_unique<test::LwipHeapTaken>(left); }, 0, 2048, 64,
                 {net::TcpLink::shortage(net::TcpLink::Open::kNoMemory), net::TcpLink::send_shortage()});
}

TEST_F(TlsCertProbeTest, NoDetailsFreeIsUnknownAndSaysSo) {
  load(R"([{"id":"t","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"hostile.lab.test"}])");
  std::vector<std::unique_ptr<TlsCertProbe>> holders;
  for (int i = 0; i < TlsCertProbe::kDetailsPool; ++i) {
    holders.push_back(std::make_unique<TlsCertProbe>());
    holders.back()->start(config_->checks[0], ProbeEnv{&clock_, config_.get(), nullptr});  // no TLS: ends at once
    ASSERT_EQ(holders.back()->result().summary.view(), "TLS is not set up on this box");
  }
  EXPECT_EQ(TlsCertProbe::details_in_use(), TlsCertProbe::kDetailsPool);
  TlsCertProbe late;
  late.start(config_->checks[0], ProbeEnv{&clock_, config_.get(), nullptr});
  EXPECT_FALSE(late.poll(clock_.now()) == Probe::Poll::kPending);
  const ProbeResult& r = late.result();
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  FixedText<100> want;
  want.appendf("no memory for the certificate's details (all %d in use)", TlsCertProbe::kDetailsPool);
  EXPECT_EQ(r.summary.view(), want.view());
  EXPECT_EQ(testing::details_json(r), R"({"days_left":null,"chain_complete":null})");
  holders.clear();
  EXPECT_EQ(TlsCertProbe::details_in_use(), 0);
}

}  // namespace
}  // namespace probebox::test
