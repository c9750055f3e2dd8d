#include "monitor/health_model.h"

#include <gtest/gtest.h>

#include <memory>

#include "config/config_parser.h"
#include "fake_clock.h"

namespace probebox {
namespace {

class HealthModelTest : public ::testing::Test {
 protected:
  void load(const char* json) {
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(json, *config_, errors).ok());
    health_->load(*config_, clock_);
  }
  void feed(Outcome o, const char* summary = "s") {
    ProbeResult r;
    r.outcome = o;
    r.summary.assign(summary);
    clock_.advance_ms(30'000);
    health_->on_result(0, r, clock_.now());
  }
  Outcome hard() const { return health_->check(0).hard; }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
};

constexpr const char* kOneCheck =
    R"({"schema":1,"defaults":{"confirm":3},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})";

TEST_F(HealthModelTest, FirstResultIsHardAtOnce) {
  load(kOneCheck);
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kCritical);
  ASSERT_EQ(health_->events().size(), 1u);
  EXPECT_TRUE(health_->events().newest(0).first);
}

TEST_F(HealthModelTest, TurnsBadAfterExactlyConfirmResultsAndRecoversOnOneGood) {
  load(kOneCheck);
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kOk);
  feed(Outcome::kCritical, "down");
  EXPECT_EQ(hard(), Outcome::kCritical);
  EXPECT_EQ(health_->events().size(), 2u);
  EXPECT_EQ(health_->events().newest(0).to, Outcome::kCritical);
  EXPECT_EQ(health_->events().newest(0).from, Outcome::kOk);
  EXPECT_EQ(health_->events().newest(0).summary.view(), "down");
  EXPECT_EQ(health_->events().newest(0).confirmations, 3);
  feed(Outcome::kOk);
  EXPECT_EQ(hard(), Outcome::kOk);
  EXPECT_EQ(health_->events().size(), 3u);
}

TEST_F(HealthModelTest, AnInterruptedStreakStartsOver) {
  load(kOneCheck);
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  feed(Outcome::kCritical);
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kOk);
}

TEST_F(HealthModelTest, ConfirmWindowCountsBadOfTheLastN) {
  load(R"({"schema":1,"defaults":{"confirm":3,"confirm_window":5},
           "checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kOk);
  // A good result recovers at once, so a flapping service never reaches 3 of 5 unless
  // the window rule holds at the bad result itself.
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kCritical);
}

TEST_F(HealthModelTest, FrequentChangesMarkFlapping) {
  load(R"({"schema":1,"defaults":{"confirm":1},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
  feed(Outcome::kOk);
  for (int i = 0; i < HealthModel::kFlapChanges / 2; ++i) {
    EXPECT_FALSE(health_->check(0).flapping);
    feed(Outcome::kCritical);
    feed(Outcome::kOk);
  }
  EXPECT_TRUE(health_->check(0).flapping);
}

TEST_F(HealthModelTest, OverallIsTheWorstHardState) {
  load(R"({"schema":1,"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1},
                                {"id":"b","type":"tcp","host":"10.0.2.2","port":2}]})");
  EXPECT_EQ(health_->overall(), Outcome::kUnknown);
  ProbeResult r;
  r.outcome = Outcome::kOk;
  health_->on_result(0, r, clock_.now());
  EXPECT_EQ(health_->overall(), Outcome::kOk);
  r.outcome = Outcome::kWarning;
  health_->on_result(1, r, clock_.now());
  EXPECT_EQ(health_->overall(), Outcome::kWarning);
}

TEST_F(HealthModelTest, MaintenanceKeepsProbingButLeavesTheOverallAlone) {
  // FakeClock's wall clock starts at 2026-01-01T00:00:00Z; each feed adds 30 s.
  load(R"({"schema":1,"defaults":{"confirm":1},
           "maintenance":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:02:00Z","checks":["a"]}],
           "checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
  feed(Outcome::kCritical);
  EXPECT_EQ(hard(), Outcome::kCritical);  // still judged and logged...
  EXPECT_TRUE(health_->check(0).maintenance);
  EXPECT_TRUE(health_->events().newest(0).maintenance);
  EXPECT_EQ(health_->overall(), Outcome::kUnknown);  // ...but not counted
  for (int i = 0; i < 4; ++i) feed(Outcome::kCritical);  // past the window's end
  EXPECT_FALSE(health_->check(0).maintenance);
  EXPECT_EQ(health_->overall(), Outcome::kCritical);
}

constexpr const char* kWindowed = R"({"schema":1,"defaults":{"confirm":2},
  "maintenance":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:02:00Z","checks":["a"]}],
  "checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})";

// Events an alerter sends: outside maintenance, and not a first result that is ok.
int alertable(const EventLog& log) {
  int n = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    const Event& e = log.newest(i);
    n += !e.maintenance && !(e.first && e.to == Outcome::kOk) ? 1 : 0;
  }
  return n;
}

TEST_F(HealthModelTest, AFaultThatOutlastsItsMaintenanceWindowIsRaisedOnceWhenTheWindowEnds) {
  load(kWindowed);
  feed(Outcome::kOk);        // 00:00:30, in the window
  feed(Outcome::kCritical);  // 00:01:00
  feed(Outcome::kCritical);  // 00:01:30: hard critical, alert held
  EXPECT_EQ(hard(), Outcome::kCritical);
  EXPECT_EQ(alertable(health_->events()), 0);
  feed(Outcome::kCritical);  // 00:02:00: the window has ended, still critical
  ASSERT_EQ(alertable(health_->events()), 1);
  const Event& raised = health_->events().newest(0);
  EXPECT_FALSE(raised.maintenance);
  EXPECT_EQ(raised.from, Outcome::kOk);  // the change that was held
  EXPECT_EQ(raised.to, Outcome::kCritical);
  for (int i = 0; i < 3; ++i) feed(Outcome::kCritical);
  EXPECT_EQ(alertable(health_->events()), 1);  // once
  feed(Outcome::kOk);
  EXPECT_EQ(alertable(health_->events()), 2);  // the recovery is news as usual
}

TEST_F(HealthModelTest, AFaultThatRecoversInsideItsWindowRaisesNothing) {
  load(kWindowed);
  feed(Outcome::kOk);
  feed(Outcome::kCritical);
  feed(Outcome::kCritical);  // hard critical in the window
  feed(Outcome::kOk);        // 00:02:00 recovered... at the window's end: outside it, news as usual
  EXPECT_EQ(health_->events().newest(0).to, Outcome::kOk);
  int before = alertable(health_->events());
  feed(Outcome::kOk);
  feed(Outcome::kOk);
  EXPECT_EQ(alertable(health_->events()), before);
}

TEST_F(HealthModelTest, AFirstResultBadInsideTheWindowIsRaisedAsAFirstResultAtItsEnd) {
  load(kWindowed);
  for (int i = 0; i < 3; ++i) feed(Outcome::kWarning);  // 00:00:30 .. 00:01:30
  EXPECT_EQ(alertable(health_->events()), 0);
  feed(Outcome::kWarning);
  ASSERT_EQ(alertable(health_->events()), 1);
  EXPECT_TRUE(health_->events().newest(0).first);
  EXPECT_EQ(health_->events().newest(0).to, Outcome::kWarning);
}

TEST_F(HealthModelTest, SuppressForMinutes) {
  load(kOneCheck);
  health_->suppress_for(2, clock_.now());
  feed(Outcome::kCritical);
  EXPECT_TRUE(health_->check(0).maintenance);
  for (int i = 0; i < 4; ++i) feed(Outcome::kCritical);
  EXPECT_FALSE(health_->check(0).maintenance);
}

TEST(EventLog, RingKeepsNewestFirstAndCountsOverwrites) {
  auto log = std::make_unique<EventLog>();
  for (size_t i = 0; i < EventLog::kCapacity + 3; ++i) {
    Event e;
    e.mono_us = static_cast<int64_t>(i);
    log->push(e);
  }
  EXPECT_EQ(log->size(), EventLog::kCapacity);
  EXPECT_EQ(log->overwritten(), 3u);
  EXPECT_EQ(log->newest(0).mono_us, static_cast<int64_t>(EventLog::kCapacity + 2));
  EXPECT_EQ(log->newest(EventLog::kCapacity - 1).mono_us, 3);
}

}  // namespace
}  // namespace probebox
