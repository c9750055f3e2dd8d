// probes/smtp_session on the real lwIP core against a scripted relay, driven the way
// the mail alerter drives it (no Probe around it): the envelope's dialogue, the
// verdict and its summary, the one report, the timeout words.
#include "probes/smtp_session.h"

#include <string>
#include <vector>

#include "probe_fixture.h"

namespace probebox::test {
namespace {

using Reply = FakePeer::Reply;

struct Rule {
  std::string prefix;
  std::string reply;
};
// Banner on connect, then for each complete command line the reply of the first rule it starts with.
FakePeer::Conversation relay(std::vector<Rule> rules) {
  return [rules, lines = size_t{0}](std::string_view received) mutable -> Reply {
    if (received.empty()) return {"220 relay.lab ESMTP\r\n"};
    Reply out;
    size_t seen = 0;
    for (size_t at = 0, eol; (eol = received.find("\r\n", at)) != std::string_view::npos; at = eol + 2) {
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

const std::vector<Rule> kDelivering = {{"EHLO", "250-relay.lab\r\n250 AUTH PLAIN\r\n"},
                                       {"MAIL FROM:", "250 ok\r\n"},
                                       {"RCPT TO:", "250 ok\r\n"},
                                       {"DATA", "354 go on\r\n"},
                                       {".", "250 queued\r\n"}};

class SmtpSessionTest : public ProbeFixture {
 protected:
  void TearDown() override {
    run_for_ms(20);
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    ProbeFixture::TearDown();
  }
  void begin(const MailEnvelope* envelope) {
    SmtpSession::Context c;
    c.relay = &config_->checks[0];
    c.config = config_.get();
    c.clock = &clock_;
    c.envelope = envelope;
    c.summary = &summary_;
    c.owner = this;
    c.done = [](void* self) { ++static_cast<SmtpSessionTest*>(self)->reports_; };
    session_.begin(c);
  }
  void run_to_end() {
    for (int i = 0; i < 2000 && session_.state() != SmtpSession::State::kDone; ++i) run_for_ms(1);
  }
  ip_addr_t relay_address() {
    ip_addr_t a;
    IP_ADDR4(&a, 10, 0, 2, 2);
    return a;
  }

  SmtpSession session_;
  FixedText<120> summary_;
  int reports_ = 0;
};

TEST_F(SmtpSessionTest, DeliversTheEnvelopeAndReportsOnce) {
  peer_.set_conversation(2525, relay(kDelivering));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":2525,"starttls":"never"}])");
  MailEnvelope envelope;
  envelope.from = "box@lab.test";
  envelope.to[0] = "ops@lab.test";
  envelope.to[1] = "oncall@lab.test";
  envelope.recipients = 2;
  envelope.data = "Subject: x\r\n\r\nbody\r\n.\r\n";
  begin(&envelope);
  ip_addr_t address = relay_address();
  session_.connect(&address);
  run_to_end();
  EXPECT_EQ(session_.state(), SmtpSession::State::kDone);
  EXPECT_EQ(session_.outcome(), Outcome::kOk);
  EXPECT_EQ(summary_.view(), "10.0.2.2: message accepted");
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(session_.banner(), "relay.lab ESMTP");
  EXPECT_EQ(peer_.received(2525), "EHLO probebox\r\nMAIL FROM:<box@lab.test>\r\nRCPT TO:<ops@lab.test>\r\n"
                                  "RCPT TO:<oncall@lab.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(peer_.resets_from_box(), 0);
}

TEST_F(SmtpSessionTest, ARefusedRecipientIsCriticalAfterAQuit) {
  std::vector<Rule> rules = kDelivering;
  rules.insert(rules.begin(), {"RCPT TO:<nobody", "550 no such user\r\n"});
  peer_.set_conversation(2525, relay(rules));
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":2525,"starttls":"never"}])");
  MailEnvelope envelope;
  envelope.from = "box@lab.test";
  envelope.to[0] = "nobody@lab.test";
  envelope.recipients = 1;
  envelope.data = "x\r\n.\r\n";
  begin(&envelope);
  ip_addr_t address = relay_address();
  session_.connect(&address);
  run_to_end();
  EXPECT_EQ(session_.outcome(), Outcome::kCritical);
  EXPECT_EQ(summary_.view(), "10.0.2.2: recipient refused");
  EXPECT_EQ(peer_.received(2525), "EHLO probebox\r\nMAIL FROM:<box@lab.test>\r\nRCPT TO:<nobody@lab.test>\r\nQUIT\r\n");
  EXPECT_EQ(reports_, 1);
}

TEST_F(SmtpSessionTest, AnUnresolvedRelayIsItsOwnVerdictWithNoConnection) {
  load(R"([{"id":"m","type":"smtp","host":"relay.lab.test","port":2525}])");
  begin(nullptr);
  session_.connect(nullptr);
  EXPECT_EQ(session_.state(), SmtpSession::State::kDone);
  EXPECT_EQ(session_.outcome(), Outcome::kCritical);
  EXPECT_EQ(summary_.view(), "relay.lab.test: cannot resolve the relay");
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(peer_.syns_seen(), 0);
}

TEST_F(SmtpSessionTest, ARelayThatResetsIsConnectionRefusedOrReset) {
  peer_.set_port(2526, FakePeer::Port::kClosed);
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":2526}])");
  begin(nullptr);
  ip_addr_t address = relay_address();
  session_.connect(&address);
  run_to_end();
  EXPECT_EQ(session_.outcome(), Outcome::kCritical);
  EXPECT_EQ(summary_.view(), "10.0.2.2: connection refused or reset");
  EXPECT_EQ(reports_, 1);
}

TEST_F(SmtpSessionTest, TheOwnersDeadlineClosesWithoutAReportAndSaysWhere) {
  peer_.set_conversation(2525, [](std::string_view) -> Reply { return {}; });  // never a banner
  load(R"([{"id":"m","type":"smtp","host":"10.0.2.2","port":2525}])");
  begin(nullptr);
  ip_addr_t address = relay_address();
  session_.connect(&address);
  run_for_ms(100);
  EXPECT_EQ(session_.state(), SmtpSession::State::kBanner);
  session_.close();
  FixedText<120> why;
  session_.describe_timeout(why, 100);
  EXPECT_EQ(why.view(), "no banner within 100 ms");
  EXPECT_EQ(reports_, 0);
  EXPECT_TRUE(summary_.empty());
}

}  // namespace
}  // namespace probebox::test
