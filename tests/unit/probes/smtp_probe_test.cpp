// The smtp probe on the real lwIP core against a scripted relay (no network): the
// policy on credentials is asserted from the bytes the relay received.
#include "probes/smtp_probe.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fake_tls_server.h"
#include "net/tls_memory.h"
#include "probe_fixture.h"
#include "shortage_sweep.h"
#include "details_json.h"

namespace probebox::test {
namespace {

using Reply = FakePeer::Reply;

// A relay that sends `banner` on connect (unless empty) and answers each complete
// command line with the reply of the first rule whose prefix it starts with.
struct Rule {
  std::string prefix;
  std::string reply;
};
FakePeer::Conversation relay(std::string banner, std::vector<Rule> rules) {
  return [banner, rules, lines = size_t{0}](std::string_view received) mutable -> Reply {
    if (received.empty()) return {banner};
    Reply out;
    size_t at = 0;
    size_t seen = 0;
    for (size_t eol; (eol = received.find("\r\n", at)) != std::string_view::npos; at = eol + 2) {
      if (seen++ < lines) continue;
      std::string_view line = received.substr(at, eol - at);
      for (const Rule& rule : rules) {
        if (line.substr(0, rule.prefix.size()) == rule.prefix) {
          out.data += rule.reply;
          break;
        }
      }
    }
    lines = seen;
    return out;
  };
}

constexpr const char* kBanner = "220 relay.lab ESMTP ready\r\n";
constexpr const char* kEhloPlain = "250-relay.lab\r\n250-SIZE 10240000\r\n250 AUTH PLAIN LOGIN\r\n";

class SmtpProbeTest : public ProbeFixture {
 protected:
  void TearDown() override {
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    EXPECT_EQ(SmtpProbe::sessions_in_use(), 0);  // every probe gave its dialogue back
    ProbeFixture::TearDown();
  }
};

// The dialogues' pool holds one SmtpSession per TLS probe the scheduler lets run at
// once (every smtp check counts as TLS); a probe started past that (only possible
// around the scheduler) is unknown for the box's shortage, says so, sends nothing,
// and every session comes back when its probe is destroyed.
TEST_F(SmtpProbeTest, NoSessionFreeIsUnknownAndSaysSo) {
  peer_.set_conversation(587, relay(kBanner, {{"EHLO", kEhloPlain}}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"prefer"}])");
  std::vector<std::unique_ptr<SmtpProbe>> holders;
  for (int i = 0; i < SmtpProbe::kSessionPool; ++i) {
    holders.push_back(std::make_unique<SmtpProbe>());
    holders.back()->start(config_->checks[0], ProbeEnv{&clock_, config_.get(), nullptr});
  }
  EXPECT_EQ(SmtpProbe::sessions_in_use(), SmtpProbe::kSessionPool);
  for (auto& h : holders) h->cancel();
  holders.clear();
  run_for_ms(20);  // the cancelled connections' teardown frames go through
  EXPECT_EQ(SmtpProbe::sessions_in_use(), 0);
  for (int i = 0; i < SmtpProbe::kSessionPool; ++i) {
    holders.push_back(std::make_unique<SmtpProbe>());
    holders.back()->start(config_->checks[0], ProbeEnv{&clock_, config_.get(), nullptr});
  }
  SmtpProbe late;
  late.start(config_->checks[0], ProbeEnv{&clock_, config_.get(), nullptr});
  EXPECT_FALSE(late.poll(clock_.now()) == Probe::Poll::kPending);
  const ProbeResult& r = late.result();
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  std::string want = "10.0.2.2: no memory for the SMTP dialogue (all " + std::to_string(SmtpProbe::kSessionPool) + " in use)";
  EXPECT_EQ(r.summary.view(), want);
  EXPECT_EQ(testing::details_json(r), "{}");
  for (auto& h : holders) h->cancel();
  holders.clear();
  run_for_ms(20);  // the cancelled connections' teardown frames go through
  EXPECT_EQ(SmtpProbe::sessions_in_use(), 0);
  // With the pool free again, the next probe runs its dialogue.
  peer_.clear_conversations();
  peer_.set_conversation(587, relay(kBanner, {{"EHLO", kEhloPlain}}));
  ProbeResult again = run_one<SmtpProbe>();
  EXPECT_EQ(again.outcome, Outcome::kWarning) << again.summary.c_str();
  EXPECT_EQ(SmtpProbe::sessions_in_use(), 0);
}

TEST_F(SmtpProbeTest, PlainRelayUnderPreferIsAWarningAndNoCredentialsAreSent) {
  peer_.set_conversation(587, relay(kBanner, {{"EHLO", kEhloPlain}, {"AUTH", "235 ok\r\n"}}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"prefer",)"
       R"("username":"alerts","password":"s3cret"}])");
  ProbeResult r = run_one<SmtpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kWarning) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: STARTTLS not offered: no login, credentials would cross the LAN in clear");
  // The session's facts reach the result: why, the relay's last code, the phases.
  EXPECT_EQ(r.reason, FailReason::kExpectation);
  EXPECT_EQ(r.server_code, 250);
  EXPECT_GE(r.phases.at(Phase::kResolve), 0);
  EXPECT_GE(r.phases.at(Phase::kConnect), r.phases.at(Phase::kResolve));
  EXPECT_GE(r.phases.at(Phase::kFirstByte), r.phases.at(Phase::kConnect));
  EXPECT_EQ(r.phases.at(Phase::kTls), -1);
  EXPECT_EQ(testing::details_json(r), R"({"banner":"relay.lab ESMTP ready","starttls":false,"auth_mechanisms":["PLAIN","LOGIN"],)"
                              R"("auth_plain":true,"auth_ok":null,"tls_days_left":null,"tls_trusted":null,)"
                              R"("tls_subject":null})");
  EXPECT_EQ(peer_.received(587), "EHLO probebox\r\nQUIT\r\n");
  EXPECT_EQ(peer_.resets_from_box(), 0);  // QUIT and a FIN, not an abort
}

TEST_F(SmtpProbeTest, AllowAuthWithoutTlsSendsAuthPlainAndA235IsOk) {
  peer_.set_conversation(587, relay(kBanner, {{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"prefer",)"
       R"("username":"alerts","password":"s3cret","allow_auth_without_tls":true}])");
  ProbeResult r = run_one<SmtpProbe>();
  // Under "prefer" a relay without STARTTLS is still a warning, after a good login.
  EXPECT_EQ(r.outcome, Outcome::kWarning) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: STARTTLS not offered");
  EXPECT_NE(testing::details_json(r).find(R"("auth_ok":true)"), std::string::npos) << testing::details_json(r);
  // base64("\0alerts\0s3cret")
  EXPECT_EQ(peer_.received(587), "EHLO probebox\r\nAUTH PLAIN AGFsZXJ0cwBzM2NyZXQ=\r\nQUIT\r\n");
  EXPECT_EQ(peer_.resets_from_box(), 0);
}

TEST_F(SmtpProbeTest, AllowAuthWithoutTlsUnderNeverIsOk) {
  peer_.set_conversation(25, relay(kBanner, {{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":25,"starttls":"never",)"
       R"("username":"alerts","password":"s3cret","allow_auth_without_tls":true}])");
  ProbeResult r = run_one<SmtpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: login OK");
  EXPECT_EQ(r.reason, FailReason::kNone);
  EXPECT_EQ(r.server_code, 235);
  EXPECT_EQ(peer_.received(25), "EHLO probebox\r\nAUTH PLAIN AGFsZXJ0cwBzM2NyZXQ=\r\nQUIT\r\n");
}

TEST_F(SmtpProbeTest, ABareAuthLineWithNoMechanismIsCritical) {
  peer_.set_conversation(587, relay(kBanner, {{"EHLO", "250-relay.lab\r\n250 AUTH\r\n"}}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"prefer",)"
       R"("username":"alerts","password":"s3cret","allow_auth_without_tls":true}])");
  ProbeResult r = run_one<SmtpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: AUTH PLAIN not offered");
  EXPECT_NE(testing::details_json(r).find(R"("auth_mechanisms":[],"auth_plain":false)"), std::string::npos)
      << testing::details_json(r);
  EXPECT_EQ(peer_.received(587), "EHLO probebox\r\n");
}

TEST_F(SmtpProbeTest, NoBannerTimesOutAtTheDeadline) {
  peer_.set_conversation(587, relay("", {}));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"timeout_ms":600}])");
  ProbeResult r = run_one<SmtpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "no banner within 600 ms");
  EXPECT_EQ(r.reason, FailReason::kTimeout);
  EXPECT_GE(r.phases.at(Phase::kConnect), 0) << "the session's phases survive the timeout";
  EXPECT_EQ(r.phases.at(Phase::kFirstByte), -1);
  EXPECT_GE(r.latency_us, 600'000);
  EXPECT_LT(r.latency_us, 610'000);
  EXPECT_EQ(peer_.received(587), "");
}

TEST_F(SmtpProbeTest, ARelayThatClosesAfterTheBannerIsCritical) {
  peer_.set_conversation(587, [](std::string_view received) -> Reply {
    if (received.empty()) return {kBanner};
    return {"", Reply::Close::kFin};
  });
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587}])");
  ProbeResult r = run_one<SmtpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2: the relay closed the connection");
  EXPECT_EQ(r.reason, FailReason::kReset);
}

// --- STARTTLS: the relay's dialogue goes on inside FakePeer's TLS server ----------

// A relay that offers STARTTLS, then plays `inner` over TLS (the server `make_tls`
// makes: tls_server by default); `plain_inside` collects the decrypted bytes the box
// sent. Each connection starts the dialogue afresh.
using TlsServerMaker = std::function<FakePeer::Conversation(FakePeer::Conversation inner)>;
FakePeer::Conversation starttls_relay(std::vector<Rule> inner, std::shared_ptr<std::string> plain_inside,
                                      TlsServerMaker make_tls = tls_server) {
  auto fresh_clear = [] {
    return relay(kBanner, {{"EHLO", "250-relay.lab\r\n250-STARTTLS\r\n250 SIZE 10240000\r\n"},
                           {"STARTTLS", "220 2.0.0 Ready to start TLS\r\n"}});
  };
  // A fresh script per TLS session (the server hands it all the plaintext so far).
  auto script = std::make_shared<FakePeer::Conversation>();
  auto recorded = [plain_inside, script](std::string_view plain) {
    plain_inside->assign(plain);
    return (*script)(plain);
  };
  auto tls = make_tls(recorded);
  return [fresh_clear, clear = fresh_clear(), tls, script, inner,
          offset = std::string::npos](std::string_view received) mutable -> Reply {
    if (received.empty()) {
      clear = fresh_clear();
      offset = std::string::npos;
    }
    if (offset != std::string::npos) return tls(received.substr(offset));
    Reply reply = clear(received);
    size_t at = received.find("STARTTLS\r\n");
    if (at != std::string::npos) {
      offset = at + 10;
      *script = relay("", inner);
      tls("");  // a fresh server session, waiting for the ClientHello
    }
    return reply;
  };
}

class SmtpStartTlsTest : public SmtpProbeTest {
 protected:
  void SetUp() override {
    SmtpProbeTest::SetUp();
    net::tls_memory_init();
    clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);  // 2030-01-01, inside the lab certificate's dates
  }
  void TearDown() override {
    peer_.clear_conversations();
    tls_->reset();
    EXPECT_EQ(net::tls_memory_stats().in_use, net::tls_memory_stats().crypto_resident);
    EXPECT_EQ(net::TlsSessions::in_use(), 0);  // every probe gave its link's session back
    SmtpProbeTest::TearDown();
  }
  std::unique_ptr<net::TlsClientConfig> tls_ = std::make_unique<net::TlsClientConfig>();
  std::shared_ptr<std::string> plain_inside_ = std::make_shared<std::string>();
};

TEST_F(SmtpStartTlsTest, ATrustedRelayGetsTheLoginOnlyInsideTls) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}},
                                             plain_inside_));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"require",)"
       R"("server_name":"hostile.lab.test","username":"alerts","password":"s3cret"}])");
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: login OK (TLS)");
  EXPECT_GE(r.phases.at(Phase::kTls), r.phases.at(Phase::kFirstByte));
  EXPECT_NE(testing::details_json(r).find(R"("starttls":true)"), std::string::npos) << testing::details_json(r);
  EXPECT_NE(testing::details_json(r).find(R"("auth_ok":true)"), std::string::npos) << testing::details_json(r);
  EXPECT_NE(testing::details_json(r).find(R"("tls_trusted":true)"), std::string::npos) << testing::details_json(r);
  // In clear only EHLO and STARTTLS; the login went inside the TLS session.
  EXPECT_EQ(peer_.received(587).rfind("EHLO probebox\r\nSTARTTLS\r\n\x16\x03", 0), 0u);
  EXPECT_EQ(peer_.received(587).find("AUTH"), std::string::npos);
  EXPECT_EQ(*plain_inside_, "EHLO probebox\r\nAUTH PLAIN AGFsZXJ0cwBzM2NyZXQ=\r\nQUIT\r\n");
  EXPECT_EQ(peer_.resets_from_box(), 0);
}

// No TLS session free for the link (net::TlsSessions all leased: the scheduler's TLS
// limit keeps that from happening) is the box's shortage: unknown, named, not the
// relay's "STARTTLS refused", and nothing is sent in clear after the STARTTLS.
TEST_F(SmtpStartTlsTest, NoTlsSessionFreeIsUnknownNotARefusal) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}},
                                             plain_inside_));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"require",)"
       R"("server_name":"hostile.lab.test","username":"alerts","password":"s3cret"}])");
  net::TlsClientSession* leased[net::TlsSessions::kCount];
  for (auto& l : leased) l = net::TlsSessions::lease();
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  for (auto* l : leased) net::TlsSessions::give_back(l);
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  EXPECT_NE(r.summary.view().find("no TLS session free"), std::string_view::npos) << r.summary.c_str();
  EXPECT_EQ(peer_.received(587).find("AUTH"), std::string::npos);
  EXPECT_EQ(net::TlsSessions::in_use(), 0);
}

// Whatever is left of the client pool or of lwIP's heap, the relay is never blamed
// for the box's own shortage (no memory for the session's set-up was once "STARTTLS
// refused", critical).
TEST_F(SmtpStartTlsTest, AnyShortageOfTheBoxsMemoryIsUnknownNeverTheRelaysFault) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"require",)"
       R"("server_name":"hostile.lab.test","username":"alerts","password":"s3cret"}])");
  auto run = [&] {
    peer_.set_conversation(
        587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}}, plain_inside_));
    ProbeResult r = run_one<SmtpProbe>(tls_.get());
    peer_.clear_conversations();
    tls_->resumption().clear();  // each run a full handshake, as the first
    return r;
  };
  sweep_shortage("TLS client pool", run, [](size_t left) { return std::make_unique<TlsPoolFiller>(net::TlsPool::kClient, left); }, 0, 64 * 1024, 1024,
                 {"10.0.2.2: no memory for a TLS session",
                  "10.0.2.2: STARTTLS handshake not finished: no TLS memory free on the box"});
  sweep_shortage("lwIP heap", run, [](size_t left) { return std::make_unique<test::LwipHeapTaken>(left); }, 0, 2048, 64,
                 {"10.0.2.2: no memory for the SYN (lwIP heap or segment pool exhausted)", net::TcpLink::send_shortage()});
}

TEST_F(SmtpStartTlsTest, ARelayCertificateNotJudgedGoodGetsNoCredentials) {
  ASSERT_TRUE(tls_->setup("").ok());  // no trust anchors: the relay cannot be verified
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}},
                                             plain_inside_));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"prefer",)"
       R"("server_name":"hostile.lab.test","username":"alerts","password":"s3cret"}])");
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kWarning) << r.summary.c_str();
  EXPECT_NE(r.summary.view().find(": credentials not sent (TLS)"), std::string_view::npos) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kCertificate);
  EXPECT_EQ(*plain_inside_, "EHLO probebox\r\nQUIT\r\n");  // no AUTH
}

constexpr const char* kTrustedRelay =
    R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":587,"starttls":"require",)"
    R"("server_name":"hostile.lab.test","username":"alerts","password":"s3cret"}])";
constexpr const char* kLoginInside = "EHLO probebox\r\nAUTH PLAIN AGFsZXJ0cwBzM2NyZXQ=\r\nQUIT\r\n";

// A relay that accepts nothing older than TLS 1.3 (postfix with
// smtpd_tls_protocols = >=TLSv1.3) refuses the 1.2 hello: the dialogue starts again
// over a new connection offering 1.3, within the same deadline, and the next check
// asks in 1.3 at once.
TEST_F(SmtpStartTlsTest, ARelayThatAcceptsOnlyTls13IsAskedAgainInTls13AndRemembered) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}},
                                             plain_inside_, tls13_only_server));
  load(kTrustedRelay);
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "10.0.2.2: login OK (TLS)");
  EXPECT_NE(testing::details_json(r).find(R"("tls_version":"1.3")"), std::string::npos) << testing::details_json(r);
  EXPECT_NE(testing::details_json(r).find(R"("tls_trusted":true)"), std::string::npos) << testing::details_json(r);
  EXPECT_EQ(peer_.syns_seen(), 2) << "the refused 1.2 hello, then 1.3";
  EXPECT_EQ(*plain_inside_, kLoginInside);
  ProbeResult again = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(again.outcome, Outcome::kOk) << again.summary.c_str();
  EXPECT_EQ(peer_.syns_seen(), 3) << "the relay's version is remembered: one connection";
  EXPECT_EQ(*plain_inside_, kLoginInside);
}

// A relay that refuses both versions: one retry, not a loop, and both refusals named.
TEST_F(SmtpStartTlsTest, ARelayThatRefusesBothVersionsIsCriticalAfterOneRetry) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  auto alert_only = [](FakePeer::Conversation) -> FakePeer::Conversation {
    return [](std::string_view received) -> Reply {
      if (received.empty()) return {};
      return {std::string("\x15\x03\x03\x00\x02\x02\x46", 7), Reply::Close::kFin};  // fatal protocol_version
    };
  };
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}}, plain_inside_, alert_only));
  load(kTrustedRelay);
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kTls);
  EXPECT_EQ(peer_.syns_seen(), 2);
  EXPECT_NE(r.summary.view().find("failed: alert protocol_version to TLS 1.2, protocol_version to 1.3"),
            std::string_view::npos) << r.summary.c_str();
  EXPECT_EQ(peer_.received(587).find("AUTH"), std::string::npos);
}

// Some relays (asyncio's, for one) refuse a version by closing, with no alert: that
// too is asked once more in the other version.
TEST_F(SmtpStartTlsTest, ARelayThatClosesOnTheTls12HelloIsAskedInTls13) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  auto closes_then_tls13 = [sessions = std::make_shared<int>(0)](FakePeer::Conversation inner) {
    return [sessions, tls13 = tls13_only_server(std::move(inner))](std::string_view received) mutable -> Reply {
      if (received.empty()) ++*sessions;
      if (*sessions == 1) return received.empty() ? Reply{} : Reply{"", Reply::Close::kFin};
      return tls13(received);
    };
  };
  peer_.set_conversation(587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}},
                                             plain_inside_, closes_then_tls13));
  load(kTrustedRelay);
  ProbeResult r = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_NE(testing::details_json(r).find(R"("tls_version":"1.3")"), std::string::npos) << testing::details_json(r);
  EXPECT_EQ(peer_.syns_seen(), 2);
  EXPECT_EQ(*plain_inside_, kLoginInside);
}

// TLS 1.3 resumption: the relay's ticket arrives after the handshake and is kept with
// what was judged of the certificate (a 1.3 session saves none); the next check
// resumes it (psk_dhe_ke: no certificate, no signature) and judges that certificate
// again, so the details are the first check's.
TEST_F(SmtpStartTlsTest, ATls13RelaysTicketIsResumedAndItsCertificateJudgedAgain) {
  ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  auto tickets = std::make_shared<TicketPolicy>();
  peer_.set_conversation(
      587, starttls_relay({{"EHLO", kEhloPlain}, {"AUTH PLAIN ", "235 2.7.0 accepted\r\n"}}, plain_inside_,
                          [tickets](FakePeer::Conversation inner) {
                            return tls13_only_server_with_tickets(tickets, std::move(inner));
                          }));
  load(kTrustedRelay);
  ProbeResult first = run_one<SmtpProbe>(tls_.get());
  ASSERT_EQ(first.outcome, Outcome::kOk) << first.summary.c_str();
  EXPECT_GE(tickets->issued, 1);
  EXPECT_EQ(tickets->resumed, 0);
  ProbeResult second = run_one<SmtpProbe>(tls_.get());
  ASSERT_EQ(second.outcome, Outcome::kOk) << second.summary.c_str();
  EXPECT_EQ(tickets->resumed, 1) << "the relay took the ticket";
  std::string d1 = testing::details_json(first);
  std::string d2 = testing::details_json(second);
  EXPECT_NE(d1.find(R"("tls_resumed":false)"), std::string::npos) << d1;
  EXPECT_NE(d2.find(R"("tls_resumed":true)"), std::string::npos) << d2;
  EXPECT_NE(d2.find(R"("tls_version":"1.3")"), std::string::npos) << d2;
  EXPECT_NE(d2.find(R"("tls_trusted":true)"), std::string::npos) << d2;
  EXPECT_NE(d2.find("hostile.lab.test"), std::string::npos) << "the subject, from the kept facts: " << d2;
  EXPECT_EQ(*plain_inside_, kLoginInside);
  // A full handshake at least every ten minutes: a relay that took a new certificate
  // and still accepts the old ticket shows it within that time.
  int issued = tickets->issued;
  clock_.advance_ms(601'000);
  ProbeResult renewed = run_one<SmtpProbe>(tls_.get());
  ASSERT_EQ(renewed.outcome, Outcome::kOk) << renewed.summary.c_str();
  EXPECT_EQ(tickets->resumed, 1) << "no ticket offered ten minutes after the full handshake";
  EXPECT_GT(tickets->issued, issued);
  EXPECT_NE(testing::details_json(renewed).find(R"("tls_resumed":false)"), std::string::npos);
  // The dates are judged with the day's clock, not remembered: past the
  // certificate's notAfter (2056-11-15) the resumed session is expired.
  clock_.set_wall(int64_t{2'808'000'000} * 1'000'000);  // 2058-12-02
  ProbeResult late = run_one<SmtpProbe>(tls_.get());
  EXPECT_EQ(tickets->resumed, 2);
  EXPECT_EQ(late.outcome, Outcome::kCritical) << late.summary.c_str();
  EXPECT_NE(late.summary.view().find("expired"), std::string_view::npos) << late.summary.c_str();
  EXPECT_EQ(plain_inside_->find("AUTH"), std::string::npos) << "no credentials to an expired certificate";
}

}  // namespace
}  // namespace probebox::test
