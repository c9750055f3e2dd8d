#include "monitor/health_model.h"

#include <gtest/gtest.h>

#include <memory>

#include <string>

#include "config/config_parser.h"
#include "details_json.h"
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

TEST_F(HealthModelTest, TheRevisionMovesWithEveryChangeAReaderCouldSee) {
  load(kOneCheck);
  uint32_t seen = health_->revision();
  auto moved = [&] {
    const bool m = health_->revision() != seen;
    seen = health_->revision();
    return m;
  };
  // Reading moves nothing.
  (void)health_->overall();
  (void)health_->check(0);
  EXPECT_FALSE(moved());
  feed(Outcome::kOk);
  EXPECT_TRUE(moved());
  feed(Outcome::kOk);  // the same state again is still a new result (summary, counts)
  EXPECT_TRUE(moved());
  ProbeResult r;
  r.outcome = Outcome::kWarning;
  health_->stage(0, r);
  EXPECT_TRUE(moved());
  ResultCore core;
  health_->staged_core(0, core);
  EXPECT_FALSE(moved());
  core.summary.assign("refined");
  health_->restage(0, core);
  EXPECT_TRUE(moved());
  health_->commit(0, clock_.now());
  EXPECT_TRUE(moved());
  health_->commit(0, clock_.now());  // nothing staged: nothing changed
  EXPECT_FALSE(moved());
  health_->suppress_for(10, clock_.now());
  EXPECT_TRUE(moved());
  health_->load(*config_, clock_);
  EXPECT_TRUE(moved());
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

TEST_F(HealthModelTest, FlappingCountsOnlyTheChangesInsideTheWindow) {
  // Six hard changes; flapping when the six fall within 30 minutes (the ring keeps whole seconds).
  for (int64_t gap_s : {359, 361}) {
    load(R"({"schema":1,"defaults":{"confirm":1},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
    ProbeResult r;
    r.outcome = Outcome::kOk;
    health_->on_result(0, r, clock_.now());  // the first result: hard at once, not a change
    for (int i = 0; i < HealthModel::kFlapChanges; ++i) {
      clock_.advance_ms(gap_s * 1000);
      r.outcome = i % 2 == 0 ? Outcome::kCritical : Outcome::kOk;
      health_->on_result(0, r, clock_.now());
    }
    EXPECT_EQ(health_->check(0).hard_changes, static_cast<uint32_t>(HealthModel::kFlapChanges));
    EXPECT_EQ(health_->check(0).flapping, gap_s * (HealthModel::kFlapChanges - 1) <= 30 * 60) << gap_s;
  }
}

// The ring keeps 16-bit stamps (issue 20): past 65535 s of uptime, and after changes
// so far apart that a stamp would alias into the window, it counts as the 32-bit
// ring did. Would have failed without the clearing: a change 65,535 s before the
// burst aliases to "now".
TEST_F(HealthModelTest, FlappingIsCountedRightPastTheSixteenBitStamps) {
  load(R"({"schema":1,"defaults":{"confirm":1},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
  ProbeResult r;
  r.outcome = Outcome::kOk;
  clock_.advance_ms(70'000LL * 1000);  // past 65535 s of uptime
  health_->on_result(0, r, clock_.now());
  // One change, then a quiet 65,535 s, then five more within the window: five recent, not six.
  r.outcome = Outcome::kCritical;
  health_->on_result(0, r, clock_.now());
  clock_.advance_ms(65'535LL * 1000 - 30'000);
  for (int i = 0; i < HealthModel::kFlapChanges - 1; ++i) {
    r.outcome = i % 2 == 0 ? Outcome::kOk : Outcome::kCritical;
    health_->on_result(0, r, clock_.now());
    clock_.advance_ms(60'000);
  }
  EXPECT_FALSE(health_->check(0).flapping) << "the old change aliased into the window";
  // A sixth change inside the window: now it is flapping.
  r.outcome = r.outcome == Outcome::kOk ? Outcome::kCritical : Outcome::kOk;
  health_->on_result(0, r, clock_.now());
  EXPECT_TRUE(health_->check(0).flapping);
}

TEST_F(HealthModelTest, CountsSaturateInsteadOfWrapping) {
  load(R"({"schema":1,"defaults":{"confirm":1},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})");
  ProbeResult r;
  r.outcome = Outcome::kCritical;
  for (int i = 0; i < 65'540; ++i) health_->on_result(0, r, clock_.now());
  EXPECT_EQ(health_->check(0).counts[static_cast<int>(Outcome::kCritical)], 65'535);
  EXPECT_EQ(health_->check(0).bad_streak, 65'535);
  EXPECT_EQ(health_->check(0).hard, Outcome::kCritical) << "a streak that wrapped to 0 would not stay confirmed";
}

// The compact record: summary and facts in the shared pool (issue 20).

std::string checks_json(int n) {
  std::string json = R"({"schema":1,"checks":[)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) json += ",";
    json += R"({"id":"c)" + std::to_string(i) + R"(","type":"tls_cert","host":"example.com"})";
  }
  return json + "]}";
}

// A tls_cert result with `sans` SANs of 20 characters each.
ProbeResult cert_result(int sans, const std::string& summary) {
  ProbeResult r;
  r.outcome = Outcome::kOk;
  r.summary.assign(summary);
  r.latency_us = 12'345;
  TlsCertDetails& d = r.details.set_tls_cert();
  d.examined = true;
  d.dated = true;
  d.days_left = 42;
  d.chain_complete = true;
  d.trusted = Tri::kTrue;
  d.trusted_by = "anchors";
  d.key_bits = 256;
  d.tls_version = "1.3";
  d.not_after = 1'800'000'000;
  d.chain_not_after = 1'800'000'000;
  d.subject = r.details.add_text("CN=www.example.com");
  d.issuer = r.details.add_text("CN=Example CA");
  d.key_type = r.details.add_text("EC");
  d.sig_alg = r.details.add_text("ECDSA-SHA256");
  d.sha256 = r.details.add_text("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  std::string list;
  for (int i = 0; i < sans; ++i) {
    if (i > 0) list += "\n";
    char name[32];
    std::snprintf(name, sizeof name, "host%03d.example.test", i);
    list += name;
  }
  d.sans = r.details.add_text(list);
  d.legacy_tls = kLegacyTlsUnknown;
  return r;
}

TEST_F(HealthModelTest, TheRecordServesTheResultsDetailsAsTheProbeGaveThem) {
  load(checks_json(3).c_str());
  ProbeResult r = cert_result(5, "cert www.example.com valid 42 more days");
  r.measurements.has_days_left = true;
  r.measurements.days_left = 42;
  health_->on_result(1, r, clock_.now());
  const StoredResult& kept = health_->check(1).last;
  EXPECT_EQ(kept.summary(), r.summary.view());
  EXPECT_EQ(kept.latency_us, 12'345);
  EXPECT_EQ(kept.days_left, 42);
  EXPECT_EQ(testing::details_json(kept.details()), testing::details_json(r));
  EXPECT_EQ(kept.details().cert_sha256(), r.details.cert_sha256());
  EXPECT_EQ(testing::details_json(kept.details()).find("details_truncated"), std::string::npos);
  EXPECT_EQ(health_->truncations(), 0u);
}

TEST_F(HealthModelTest, FactsThatDoNotFitAreCutVisiblyAndTheSummaryIsKept) {
  load(checks_json(2).c_str());
  health_->load(*config_, clock_, 256);  // 64 guaranteed to each, 128 to whoever comes first
  ASSERT_EQ(health_->fair_share(), 64u);
  ProbeResult big = cert_result(20, "cert www.example.com valid 42 more days");
  health_->on_result(0, big, clock_.now());
  const StoredResult& kept = health_->check(0).last;
  EXPECT_EQ(kept.summary(), big.summary.view());
  std::string json = testing::details_json(kept.details());
  EXPECT_NE(json.find(R"("details_truncated":true)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("days_left":42)"), std::string::npos) << "the facts struct fits, its strings do not: " << json;
  EXPECT_NE(json.find(R"("subject":"CN=www.example.com")"), std::string::npos) << "the first strings fit: " << json;
  EXPECT_NE(json.find(R"("sans":[])"), std::string::npos) << "the SAN list did not fit: " << json;
  EXPECT_EQ(health_->truncations(), 1u);
  // The other check still gets its share: a summary of 40 characters and a tcp-sized fact set.
  ProbeResult small;
  small.outcome = Outcome::kCritical;
  small.summary.assign(std::string(40, 'x'));
  small.details.set_tcp().state = PortState::kRefused;
  health_->on_result(1, small, clock_.now());
  EXPECT_EQ(health_->check(1).last.summary(), small.summary.view());
  EXPECT_EQ(testing::details_json(health_->check(1).last.details()), R"({"state":"refused"})");
}

TEST_F(HealthModelTest, ABigResultUsesTheRoomOthersLeaveAndGivesItBack) {
  load(checks_json(4).c_str());
  health_->load(*config_, clock_, 4 * 64 + 2048);
  ProbeResult big = cert_result(20, "big");
  health_->on_result(0, big, clock_.now());  // the pool less 3 guaranteed shares
  EXPECT_EQ(testing::details_json(health_->check(0).last.details()), testing::details_json(big));
  // The others' results fit their shares, whatever check 0 took.
  for (uint16_t i = 1; i < 4; ++i) {
    ProbeResult r;
    r.summary.assign("small " + std::to_string(i));
    r.details.set_tcp().state = PortState::kOpen;
    health_->on_result(i, r, clock_.now());
    EXPECT_EQ(testing::details_json(health_->check(i).last.details()), testing::details_json(r)) << i;
    EXPECT_EQ(health_->check(i).last.summary(), r.summary.view());
  }
  EXPECT_EQ(testing::details_json(health_->check(0).last.details()), testing::details_json(big));
  // Check 0's next, smaller result gives the room back: another check's big one fits.
  health_->on_result(0, cert_result(0, "smaller"), clock_.now());
  ProbeResult big3 = cert_result(20, "big three");
  health_->on_result(3, big3, clock_.now());
  EXPECT_EQ(testing::details_json(health_->check(3).last.details()), testing::details_json(big3));
}

TEST_F(HealthModelTest, ThePoolCompactsUnderChurnAndEveryCheckReadsItsOwnLatestResult) {
  constexpr int kChecks = 12;
  load(checks_json(kChecks).c_str());
  health_->load(*config_, clock_, kChecks * 200);  // room for about half of them whole
  std::string expected[kChecks];
  std::string summaries[kChecks];
  uint32_t seed = 7;
  for (int round = 0; round < 2000; ++round) {
    seed = seed * 1103515245u + 12345u;
    uint16_t i = static_cast<uint16_t>((seed >> 16) % kChecks);
    int sans = static_cast<int>((seed >> 8) % 9);
    ProbeResult r = cert_result(sans, "round " + std::to_string(round));
    health_->on_result(i, r, clock_.now());
    expected[i] = testing::details_json(health_->check(i).last.details());
    summaries[i] = r.summary.view();
    ASSERT_LE(health_->pool_live(), static_cast<size_t>(kChecks * 200));
    for (uint16_t j = 0; j < kChecks; ++j) {
      if (!health_->check(j).has_result) continue;
      ASSERT_EQ(health_->check(j).last.summary(), summaries[j]) << round << " " << j;
      ASSERT_EQ(testing::details_json(health_->check(j).last.details()), expected[j]) << round << " " << j;
    }
  }  EXPECT_GT(health_->truncations(), 0u) << "the pool was under pressure";
}

TEST_F(HealthModelTest, ARestagedResultKeepsItsFactsWithTheNewSummary) {
  load(checks_json(3).c_str());
  ProbeResult a = cert_result(3, "a");
  ProbeResult b = cert_result(4, "b");
  health_->stage(0, a);
  health_->stage(1, b);
  ResultCore core;
  health_->staged_core(0, core);
  EXPECT_EQ(core.summary.view(), "a");
  core.outcome = Outcome::kCritical;
  core.summary.assign("same certificate as c1: must be distinct, and a longer summary than before");
  health_->restage(0, core);
  EXPECT_EQ(health_->check(0).last.summary(), core.summary.view());
  EXPECT_EQ(health_->check(0).last.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(health_->check(0).last.details()), testing::details_json(a));
  EXPECT_EQ(testing::details_json(health_->check(1).last.details()), testing::details_json(b));
  EXPECT_EQ(health_->check(1).last.summary(), "b");
  health_->commit(0, clock_.now());
  EXPECT_EQ(health_->check(0).hard, Outcome::kCritical);
}

}  // namespace
}  // namespace probebox
