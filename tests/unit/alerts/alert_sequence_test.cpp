// The alerters read the event log by sequence number. One event restored from
// flash with sequence 0xFFFFFFFE used to silence them for good: every later event
// numbered past the wrap compared "older" than their cursor. Driven here as a box
// booting on such a record, on the real lwIP core (no network).
#include <memory>
#include <string>

#include "alerts/mail_alerter.h"
#include "alerts/syslog_sender.h"
#include "config/config_parser.h"
#include "monitor/event_log.h"
#include "lwip_fixture.h"

namespace probebox::test {
namespace {

class AlertSequenceTest : public LwipFixture {
 protected:
  void SetUp() override {
    LwipFixture::SetUp();
    ConfigErrors errors;
    std::string doc = R"({"schema":1,"device":{"name":"probe-wrap"},)"
                      R"("checks":[{"id":"svc","type":"tcp","host":"10.0.2.2","port":7777},)"
                      R"({"id":"relay","type":"smtp","host":"10.0.2.2","port":2525}],)"
                      R"("alerts":{"syslog":{"server":"10.0.2.2:5514"},)"
                      R"("mail":{"to":["ops@example.com"],"from":"probe@example.com"}}})";
    ASSERT_TRUE(parse_config(doc, *config_, errors).ok()) << errors.at(0).path.c_str();
    Event planted;
    planted.sequence = 0xFFFFFFFEu;
    planted.check_id.assign("svc");
    planted.to = Outcome::kCritical;
    log_.restore(planted);
  }

  Event change(Outcome to) {
    Event e;
    e.check_id.assign("svc");
    e.from = Outcome::kOk;
    e.to = to;
    e.summary.assign("10.0.2.2:7777 refused");
    return e;
  }

  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  EventLog log_;
};

TEST_F(AlertSequenceTest, SyslogKeepsSendingAfterTheWrap) {
  SyslogSender syslog;
  syslog.configure(*config_);
  syslog.skip_to(log_.total());  // as App::start does after restoring
  run_for_ms(5);
  for (Outcome to : {Outcome::kCritical, Outcome::kOk, Outcome::kCritical}) log_.push(change(to));
  syslog.step(log_);
  EXPECT_EQ(syslog.sent(), 3u) << "events 0xFFFFFFFF, 0 and 1 each go out once";
  EXPECT_EQ(syslog.missed(), 0u);
  syslog.step(log_);
  EXPECT_EQ(syslog.sent(), 3u) << "nothing twice";
  log_.push(change(Outcome::kOk));
  syslog.step(log_);
  EXPECT_EQ(syslog.sent(), 4u);
  run_for_ms(5);
}

TEST_F(AlertSequenceTest, MailSeesTheChangesAfterTheWrap) {
  MailAlerter mail;
  mail.configure(*config_, nullptr);
  ASSERT_TRUE(mail.enabled());
  mail.skip_to(log_.total());
  for (Outcome to : {Outcome::kCritical, Outcome::kOk, Outcome::kCritical}) log_.push(change(to));
  // Within the batch window nothing is sent yet, but all three are waiting.
  mail.step(log_, clock_);
  EXPECT_EQ(mail.pending(), 3u);
  EXPECT_EQ(mail.dropped(), 0u);
  mail.cancel();
}

// What the loop may sleep to (App::idle_wait_us): mail names the end of its batch
// window, syslog whether it has caught up with the log.
TEST_F(AlertSequenceTest, MailNamesWhenItsBatchMayGoAndSyslogWhetherItCaughtUp) {
  MailAlerter mail;
  mail.configure(*config_, nullptr);
  mail.skip_to(log_.total());
  SyslogSender syslog;
  syslog.configure(*config_);
  syslog.skip_to(log_.total());
  run_for_ms(5);
  EXPECT_EQ(mail.next_due(clock_.now()), INT64_MAX);  // nothing waits
  EXPECT_TRUE(syslog.caught_up(log_));
  log_.push(change(Outcome::kCritical));
  EXPECT_FALSE(syslog.caught_up(log_));
  const int64_t opened = clock_.now();
  mail.step(log_, clock_);
  EXPECT_EQ(mail.next_due(clock_.now()), opened + MailAlerter::kBatchWindowUs);
  // Nothing is sent before then, and the attempt starts when it comes.
  clock_.advance_us(MailAlerter::kBatchWindowUs - 1);
  mail.step(log_, clock_);
  EXPECT_EQ(mail.next_due(clock_.now()), opened + MailAlerter::kBatchWindowUs);
  clock_.advance_us(1);
  mail.step(log_, clock_);
  EXPECT_EQ(mail.next_due(clock_.now()), clock_.now());  // sending: step at the busy pace
  syslog.step(log_);
  EXPECT_TRUE(syslog.caught_up(log_));
  EXPECT_EQ(syslog.sent(), 1u);
  mail.cancel();
  run_for_ms(5);
}

}  // namespace
}  // namespace probebox::test
