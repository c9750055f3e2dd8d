// The tcp probe on the real lwIP core against a scripted peer (no network).
#include "probes/tcp_probe.h"

#include <cstdio>
#include <memory>
#include <string>
#include <tuple>

#include "config/config_parser.h"
#include "monitor/health_model.h"
#include "monitor/scheduler.h"
#include "lwip/dns.h"
#include "lwip_fixture.h"
#include "details_json.h"
#include "net/net_glue.h"

namespace probebox::test {
namespace {

class TcpProbeTest : public LwipFixture {
 protected:
  void load(const std::string& checks_json) {
    ConfigErrors errors;
    std::string doc = R"({"schema":1,"defaults":{"timeout_ms":1000,"latency_warn_ms":50},"checks":)" +
                      checks_json + "}";
    ASSERT_TRUE(parse_config(doc, *config_, errors).ok()) << errors.at(0).path.c_str();
  }
  // Runs one probe of check 0 to completion (bounded by 5 s of fake time).
  ProbeResult run_one() {
    TcpProbe probe;
    probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
    for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    EXPECT_FALSE(probe.active());
    ProbeResult r = probe.result();
    run_for_ms(10);  // let the close and the peer's RST go through
    return r;
  }

  // A connect to an open port whose SYN-ACK the loop handles `handled_after_ms` after
  // the SYN left, its frame stamped `stamped_after_us` after the SYN (kNoStamp: not).
  static constexpr int64_t kNoStamp = -1;
  ProbeResult connect_with_late_syn_ack(int64_t handled_after_ms, int64_t stamped_after_us) {
    peer_.set_port(443, FakePeer::Port::kOpen);
    peer_.hold_syn_acks(true);
    load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":443}])");
    TcpProbe probe;
    probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
    const hal::MonoMicros sent = clock_.now();
    run_for_ms(handled_after_ms);
    if (stamped_after_us != kNoStamp) peer_.stamp_arrivals(sent + stamped_after_us);
    peer_.release_held();
    for (int i = 0; i < 100 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    peer_.stamp_arrivals(FakePeer::kUnstamped);
    ProbeResult r = probe.result();
    run_for_ms(10);
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    return r;
  }

  // n tcp checks c0, c1, ... to port 7777, each with the JSON members `fields` added.
  static std::string tcp_checks(int n, const std::string& fields) {
    std::string checks = "[";
    for (int i = 0; i < n; ++i) {
      if (i) checks += ",";
      checks += R"({"id":"c)" + std::to_string(i) + R"(","type":"tcp","host":"10.0.2.2","port":7777)" + fields + "}";
    }
    return checks + "]";
  }
  // Checks "a" and "b" on the open port, each with its own interval.
  static std::string two_tcp_checks(int a_interval_s, int b_interval_s) {
    auto check = [](const char* id, int interval_s) {
      return std::string(R"({"id":")") + id + R"(","type":"tcp","host":"10.0.2.2","port":7777,"interval_s":)" +
             std::to_string(interval_s) + "}";
    };
    return "[" + check("a", a_interval_s) + "," + check("b", b_interval_s) + "]";
  }
  // A scheduler over the loaded config, with the pool and the health model it reports to.
  struct Rig {
    std::unique_ptr<ProbePool> pool = std::make_unique<ProbePool>();
    std::unique_ptr<HealthModel> health = std::make_unique<HealthModel>();
    std::unique_ptr<Scheduler> scheduler = std::make_unique<Scheduler>(*pool, *health);
  };
  std::unique_ptr<Rig> rig() {
    auto r = std::make_unique<Rig>();
    r->health->load(*config_, clock_);
    return r;
  }

  std::unique_ptr<Config> config_ = std::make_unique<Config>();
};

TEST_F(TcpProbeTest, OpenPortIsOkAndLeavesNoPcb) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(testing::details_json(r), R"({"state":"open"})");
  EXPECT_EQ(r.reason, FailReason::kNone);
  EXPECT_EQ(r.details.tcp()->state, PortState::kOpen);
  EXPECT_GE(r.phases.at(Phase::kResolve), 0);
  EXPECT_GE(r.phases.at(Phase::kConnect), r.phases.at(Phase::kResolve));
  EXPECT_LE(r.phases.at(Phase::kConnect), r.latency_us);
  EXPECT_EQ(r.phases.at(Phase::kTls), -1);
  EXPECT_EQ(peer_.syns_seen(), 1);
  // Its answer is the SYN-ACK: the probe resets at once, no FIN to wait on, and the
  // handshake is never completed (the service's accept() never sees it).
  EXPECT_EQ(peer_.resets_from_box(), 1);
  EXPECT_EQ(peer_.handshake_acks(), 0);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, RefusedPortIsCritical) {
  peer_.set_port(27017, FakePeer::Port::kClosed);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":27017}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(r), R"({"state":"refused"})");
  EXPECT_EQ(r.reason, FailReason::kRefused);
  EXPECT_EQ(r.lwip_err, ERR_RST);
  EXPECT_EQ(r.phases.at(Phase::kConnect), -1);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, FilteredPortTimesOutAtTheDeadlineAndFreesThePcb) {
  peer_.set_port(8721, FakePeer::Port::kFiltered);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":8721,"timeout_ms":700}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(r), R"({"state":"timeout"})");
  EXPECT_EQ(r.reason, FailReason::kTimeout);
  EXPECT_GE(r.phases.at(Phase::kResolve), 0) << "the phases reached survive the timeout";
  EXPECT_EQ(r.phases.at(Phase::kConnect), -1);
  EXPECT_GE(r.latency_us, 700'000);
  EXPECT_LT(r.latency_us, 710'000);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, ExpectClosedAcceptsRefusedAndFilteredAndReportsThemApart) {
  peer_.set_port(9443, FakePeer::Port::kClosed);
  peer_.set_port(9444, FakePeer::Port::kFiltered);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":9443,"expect":"closed"}])");
  ProbeResult refused = run_one();
  EXPECT_EQ(refused.outcome, Outcome::kOk);
  EXPECT_EQ(refused.reason, FailReason::kNone) << "an OK result has no failure reason";
  EXPECT_EQ(testing::details_json(refused), R"({"state":"refused"})");
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":9444,"expect":"closed"}])");
  ProbeResult filtered = run_one();
  EXPECT_EQ(filtered.outcome, Outcome::kOk);
  EXPECT_EQ(testing::details_json(filtered), R"({"state":"timeout"})");
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, ExpectClosedOnAnOpenPortIsCritical) {
  peer_.set_port(8701, FakePeer::Port::kOpen);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":8701,"expect":"closed"}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(r), R"({"state":"open"})");
}

TEST_F(TcpProbeTest, ExpectUnreachableIsOkOnlyForSilenceOrANoPathIcmp) {
  const char* check = R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":%d,"expect":"unreachable","timeout_ms":700}])";
  auto run_port = [&](int port) {
    char json[200];
    std::snprintf(json, sizeof json, check, port);
    load(json);
    return run_one();
  };
  peer_.set_port_icmp(9001, 13);  // a firewall's "administratively prohibited"
  ProbeResult prohibited = run_port(9001);
  EXPECT_EQ(prohibited.outcome, Outcome::kOk) << prohibited.summary.c_str();
  EXPECT_EQ(testing::details_json(prohibited), R"({"state":"unreachable","icmp":13})");
  EXPECT_EQ(prohibited.reason, FailReason::kNone);
  EXPECT_LT(prohibited.latency_us, 100'000);  // at once, not at the deadline
  EXPECT_EQ(config_->checks[0].group, Group::kIsolation);

  peer_.set_port_icmp(9002, 3);  // port unreachable: the host itself answers
  ProbeResult port_unreachable = run_port(9002);
  EXPECT_EQ(port_unreachable.outcome, Outcome::kWarning);
  EXPECT_EQ(testing::details_json(port_unreachable), R"({"state":"unreachable","icmp":3})");
  EXPECT_EQ(port_unreachable.reason, FailReason::kUnreachable);
  EXPECT_EQ(port_unreachable.lwip_err, ERR_RTE);
  EXPECT_NE(std::string(port_unreachable.summary.view()).find("isolation not proven"), std::string::npos);

  peer_.set_port(9003, FakePeer::Port::kClosed);  // a RST
  ProbeResult refused = run_port(9003);
  EXPECT_EQ(refused.outcome, Outcome::kWarning);
  EXPECT_EQ(testing::details_json(refused), R"({"state":"refused"})");

  peer_.set_port(9004, FakePeer::Port::kFiltered);  // silence
  ProbeResult silent = run_port(9004);
  EXPECT_EQ(silent.outcome, Outcome::kOk);
  EXPECT_EQ(testing::details_json(silent), R"({"state":"timeout"})");

  peer_.set_port(9005, FakePeer::Port::kOpen);
  ProbeResult open = run_port(9005);
  EXPECT_EQ(open.outcome, Outcome::kCritical);
  EXPECT_NE(std::string(open.summary.view()).find("open, expected unreachable"), std::string::npos);
  EXPECT_EQ(open.reason, FailReason::kExpectation);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, AnIcmpUnreachableEndsAnExpectedOpenConnectAtOnce) {
  peer_.set_port_icmp(27017, 1);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":27017}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(r), R"({"state":"unreachable","icmp":1})");
  EXPECT_NE(std::string(r.summary.view()).find("host unreachable"), std::string::npos) << r.summary.c_str();
  EXPECT_LT(r.latency_us, 100'000);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, AForgedIcmpWithAnotherSequenceDoesNotEndTheConnect) {
  peer_.set_port_icmp(8701, 13, /*seq_skew=*/1);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":8701,"expect":"unreachable","timeout_ms":700}])");
  ProbeResult r = run_one();
  EXPECT_EQ(testing::details_json(r), R"({"state":"timeout"})");
  EXPECT_GE(r.latency_us, 700'000);
}

// lwIP's own lwip_strerr() is empty in the firmware's build: a connect that lwIP
// refuses itself must still say why (here no route: the interface is down).
TEST_F(TcpProbeTest, AConnectLwipRefusesNamesTheReason) {
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777}])");
  netif_set_down(netif_.raw());
  ProbeResult r = run_one();
  netif_set_up(netif_.raw());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_STREQ(r.summary.c_str(), "10.0.2.2:7777 unreachable: no route to the host");
}

TEST_F(TcpProbeTest, NoMemoryForTheSynIsUnknownNotUnreachable) {
  // The box's own shortage (every TCP segment held elsewhere) says nothing about the
  // port: unknown, with the reason, never a critical "unreachable".
  peer_.set_port(7777, FakePeer::Port::kOpen);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777}])");
  TcpSegmentsTaken taken;
  TcpProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  taken.give_back();
  for (int i = 0; i < 100 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  const ProbeResult& r = probe.result();
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  EXPECT_STREQ(r.summary.c_str(), "no memory for the SYN (lwIP heap or segment pool exhausted)");
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

TEST_F(TcpProbeTest, SlowConnectIsAWarning) {
  ProbeResult r = connect_with_late_syn_ack(80, kNoStamp);
  EXPECT_EQ(r.outcome, Outcome::kWarning) << r.summary.c_str();
}

TEST_F(TcpProbeTest, ASynAckThatWaitedInTheBoxIsTimedByItsArrival) {
  // The SYN-ACK reached the box 3 ms after the SYN left (the driver stamped it), but
  // the loop got to it 80 ms later: the connect took 3 ms, not 83, and is no warning.
  ProbeResult r = connect_with_late_syn_ack(80, 3'000);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_STREQ(r.summary.c_str(), "10.0.2.2:443 open in 3.0 ms");
  EXPECT_EQ(r.latency_us, 3'000);
  EXPECT_EQ(r.phases.at(Phase::kConnect), 3'000);
}

TEST_F(TcpProbeTest, AStampLaterThanTheClockIsNotBelieved) {
  // A driver's stamp can never be later than the moment the frame is handled: one
  // that is (a wrong clock) is taken as "now", as an unstamped frame is.
  ProbeResult r = connect_with_late_syn_ack(20, 1'000'000);
  EXPECT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.latency_us, 20'000);
}

TEST_F(TcpProbeTest, ANameStillResolvingPastHalfTheTimeoutIsATimeoutNotUnresolvable) {
  // A resolver that never answers: the lookup is pending for the whole timeout. The
  // half-time kRetry is for UDP probes that arm it; the tcp probe must not take it
  // for the resolver's answer.
  peer_.set_udp_responder(5300, [](FakePeer&, const FakePeer::UdpDatagram&) {});
  net::set_dns_server_port(5300);
  ip_addr_t server;
  IP_ADDR4(&server, 10, 0, 2, 2);
  dns_setserver(0, &server);
  load(R"([{"id":"a","type":"tcp","host":"slow.lab.test","port":7777,"timeout_ms":1000}])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "slow.lab.test:7777 no answer in 1000 ms") << r.summary.c_str();
  EXPECT_EQ(testing::details_json(r), R"({"state":"timeout"})");
  EXPECT_GE(peer_.udp_seen(5300), 1);
  // Let lwIP's DNS give the lookup up before the next test (it cannot be cancelled).
  run_for_ms(30'000, 10);
  dns_setserver(0, nullptr);
  net::set_dns_server_port(53);
}

TEST_F(TcpProbeTest, SchedulerFillsTheSlotsAndNeverExceedsThem) {
  peer_.set_port(7777, FakePeer::Port::kFiltered);
  constexpr int kChecks = 100;
  load(tcp_checks(kChecks, R"(,"interval_s":10,"timeout_ms":3000)"));
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  for (int ms = 0; ms < 12'000; ms += 5) {
    scheduler->step(clock_.now());
    run_for_ms(5, 5);
  }
  // 100 checks in groups 20 ms apart, each waiting out a 3 s timeout: the slots
  // fill, and the rest wait for one rather than exceed them.
  EXPECT_EQ(scheduler->max_in_flight_seen(), ProbePool::kSlots);
  for (uint16_t i = 0; i < kChecks; ++i) {
    EXPECT_TRUE(health->check(i).has_result) << i;
    EXPECT_EQ(testing::details_json(health->check(i).last.details()), R"({"state":"timeout"})");
  }
  scheduler->cancel_all();
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

// The loop sleeps until Scheduler::next_start() when nothing is in flight: it must
// name the start step() would make, never later, and ignore checks in flight.
TEST_F(TcpProbeTest, SchedulerNamesTheNextStartTheLoopMaySleepUntil) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  load(two_tcp_checks(10, 30));
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  EXPECT_EQ(scheduler->next_start(), INT64_MAX);  // nothing loaded
  const int64_t loaded = clock_.now();
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  EXPECT_EQ(scheduler->next_start(), loaded);  // both in the first group
  scheduler->step(clock_.now());
  ASSERT_EQ(scheduler->in_flight(), 2);
  EXPECT_EQ(scheduler->next_start(), INT64_MAX);  // both in flight: none waits
  for (int ms = 0; ms < 15 && scheduler->in_flight() > 0; ++ms) {
    run_for_ms(1);
    scheduler->step(clock_.now());
  }
  ASSERT_EQ(scheduler->in_flight(), 0);
  ASSERT_TRUE(health->check(0).has_result);
  ASSERT_TRUE(health->check(1).has_result);
  const int64_t a_due = loaded + 10'000'000;
  EXPECT_EQ(scheduler->next_start(), a_due);
  // Just before it, a step starts nothing; at it, a starts, and b (in 30 s) is next,
  // though a is due again sooner: a is in flight.
  clock_.advance_us(a_due - 1 - clock_.now());
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 0);
  clock_.advance_us(1);
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 1);
  EXPECT_EQ(scheduler->next_start(), loaded + 30'000'000);
  scheduler->cancel_all();
  run_for_ms(10);
}

// While a document streams (monitor/result_hold.h) finished probes keep their
// results in their slots: the health model does not move, nothing new starts in
// those slots, and each result is reported, as it was, at the first step without
// the hold.
TEST_F(TcpProbeTest, SchedulerHoldsFinishedResultsInTheirSlotsUntilLetGo) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  peer_.set_port(27017, FakePeer::Port::kClosed);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777,"interval_s":10},)"
       R"({"id":"b","type":"tcp","host":"10.0.2.2","port":27017,"interval_s":10}])");
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  scheduler->step(clock_.now(), true);
  ASSERT_EQ(scheduler->in_flight(), 2);
  for (int ms = 0; ms < 200; ++ms) {
    run_for_ms(1);
    scheduler->step(clock_.now(), true);
  }
  EXPECT_EQ(scheduler->in_flight(), 2) << "both finished long ago, and wait";
  EXPECT_EQ(scheduler->results_held(), 2u) << "each held result counted once";
  EXPECT_FALSE(health->check(0).has_result);
  EXPECT_FALSE(health->check(1).has_result);
  EXPECT_EQ(scheduler->probes_run(), 0u);
  EXPECT_EQ(tcp_pcbs_in_use(), 0) << "a waiting result holds no connection";
  scheduler->step(clock_.now(), false);
  EXPECT_EQ(scheduler->in_flight(), 0);
  EXPECT_EQ(scheduler->probes_run(), 2u);
  ASSERT_TRUE(health->check(0).has_result);
  ASSERT_TRUE(health->check(1).has_result);
  EXPECT_EQ(health->check(0).last.outcome, Outcome::kOk);
  EXPECT_EQ(health->check(1).last.outcome, Outcome::kCritical);
  EXPECT_EQ(testing::details_json(health->check(1).last.details()), R"({"state":"refused"})");
  EXPECT_EQ(scheduler->results_held(), 2u);
  scheduler->cancel_all();
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

// A held result keeps its slot: the scheduler says when a due check waits for one,
// so the hold can end (monitor/result_hold.h) before the checks are throttled.
TEST_F(TcpProbeTest, SchedulerSaysWhenADueCheckWaitsForAHeldSlot) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  constexpr int kChecks = ProbePool::kSlots + 1;
  load(tcp_checks(kChecks, R"(,"interval_s":10)"));
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  EXPECT_FALSE(scheduler->start_blocked(clock_.now()));  // nothing loaded
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  bool blocked = false;
  for (int ms = 0; ms < 1000 && !blocked; ++ms) {
    scheduler->step(clock_.now(), true);
    run_for_ms(1);
    blocked = scheduler->start_blocked(clock_.now());
  }
  // Every slot holds a finished probe, and the last check is due.
  ASSERT_TRUE(blocked);
  EXPECT_EQ(scheduler->in_flight(), ProbePool::kSlots);
  EXPECT_EQ(scheduler->probes_run(), 0u);
  // Let go: the results are reported, the waiting check starts, nothing waits.
  scheduler->step(clock_.now(), false);
  EXPECT_EQ(scheduler->probes_run(), static_cast<uint64_t>(ProbePool::kSlots));
  for (uint16_t i = 0; i < ProbePool::kSlots; ++i) EXPECT_TRUE(health->check(i).has_result) << i;
  EXPECT_EQ(scheduler->in_flight(), 1);
  EXPECT_FALSE(scheduler->start_blocked(clock_.now()));
  scheduler->cancel_all();
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

// After a load a running box starts kStartGroup checks at a time, kStartSpacingUs
// apart: a few short bursts a cycle, neither one start per wake-up nor every
// connection at once.
TEST_F(TcpProbeTest, SchedulerStartsChecksInSmallGroupsASpacingApart) {
  peer_.set_port(7777, FakePeer::Port::kFiltered);  // each run stays in flight
  // 100 checks at 10 s: 20 ms apart. 250 at 1 s would take 1.25 s at 20 ms: 16 ms apart,
  // so the first cycle fits its interval.
  for (auto [checks, interval_s, spacing_us] : {std::tuple{100, 10, Scheduler::kStartSpacingUs},
                                                std::tuple{250, 1, int64_t{16'000}}}) {
    load(tcp_checks(checks, R"(,"timeout_ms":900,"interval_s":)" + std::to_string(interval_s)));
    auto parts = rig();
    auto& scheduler = parts->scheduler;
    const int64_t loaded = clock_.now();
    scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
    for (int group = 0; group < 3; ++group) {
      const int64_t due = loaded + group * spacing_us;
      EXPECT_EQ(scheduler->next_start(), due) << checks << " checks, group " << group;
      clock_.advance_us(due - clock_.now());
      scheduler->step(clock_.now());
      EXPECT_EQ(scheduler->in_flight(), (group + 1) * Scheduler::kStartGroup) << checks << " checks, group " << group;
    }
    scheduler->cancel_all();
    run_for_ms(10);
  }
}

// The groups of one burst run back to back: when the last check in flight reports,
// the next group starts in that step instead of at its planned time, and the plan
// stays the anchor: the next cycle's groups are planned where they were, so they
// never drift together (a group still in flight holds the next to its plan).
TEST_F(TcpProbeTest, SchedulerRunsABurstsGroupsBackToBackAndKeepsTheirPlan) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  constexpr int kChecks = 3 * Scheduler::kStartGroup;
  load(tcp_checks(kChecks, R"(,"interval_s":10)"));
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  const int64_t loaded = clock_.now();
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  for (int ms = 0; ms < 100 && scheduler->probes_run() < kChecks; ++ms) {
    scheduler->step(clock_.now());
    run_for_ms(1);
  }
  ASSERT_EQ(scheduler->probes_run(), static_cast<uint64_t>(kChecks));
  // All three groups within the first group's spacing: none waited for its plan.
  EXPECT_LT(clock_.now() - loaded, Scheduler::kStartSpacingUs);
  EXPECT_EQ(scheduler->early_starts(), static_cast<uint32_t>(kChecks - Scheduler::kStartGroup));
  EXPECT_LE(scheduler->max_in_flight_seen(), Scheduler::kStartGroup);
  for (uint16_t i = 0; i < kChecks; ++i) EXPECT_TRUE(health->check(i).has_result) << i;
  EXPECT_EQ(scheduler->next_start(), loaded + 10'000'000);

  // Next cycle, the first group hangs: the second starts at its plan, not before.
  peer_.set_port(7777, FakePeer::Port::kFiltered);
  const int64_t second = loaded + 10'000'000 + Scheduler::kStartSpacingUs;
  clock_.advance_us(loaded + 10'000'000 - clock_.now());
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), Scheduler::kStartGroup);
  clock_.advance_us(second - 1 - clock_.now());
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), Scheduler::kStartGroup);
  clock_.advance_us(1);
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 2 * Scheduler::kStartGroup);
  scheduler->cancel_all();
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

// Every check due at once (--once, or the API's run-all) fills every slot in one
// step: the start sweep must not skip a due check for each one it starts.
TEST_F(TcpProbeTest, SchedulerFillsEverySlotInOneStepWhenAllAreDue) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  constexpr int kChecks = 100;
  static_assert(ProbePool::kSlots < kChecks, "the test needs more checks than slots");
  load(tcp_checks(kChecks, ""));
  auto parts = rig();
  auto& health = parts->health;
  auto& scheduler = parts->scheduler;
  scheduler->load(*config_, clock_, Scheduler::Mode::kOnce);
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), ProbePool::kSlots);
  for (int ms = 0; ms < 2000 && !scheduler->once_complete(); ++ms) {
    run_for_ms(1);
    scheduler->step(clock_.now());
  }
  EXPECT_TRUE(scheduler->once_complete());
  for (uint16_t i = 0; i < kChecks; ++i) EXPECT_TRUE(health->check(i).has_result) << i;
  EXPECT_EQ(scheduler->max_in_flight_seen(), ProbePool::kSlots);
  scheduler->cancel_all();
  run_for_ms(10);
}

// A check's runs are an interval apart start to start: one that waits out its
// timeout does not push the next back (detection latency: interval x confirm +
// timeout, not confirm x (interval + timeout)).
TEST_F(TcpProbeTest, SchedulerStartsRunsAnIntervalApartWhateverTheyLast) {
  peer_.set_port(7777, FakePeer::Port::kFiltered);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777,"interval_s":10,"timeout_ms":3000}])");
  auto parts = rig();
  auto& scheduler = parts->scheduler;
  const int64_t loaded = clock_.now();
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  scheduler->step(clock_.now());
  ASSERT_EQ(scheduler->in_flight(), 1);
  for (int ms = 0; ms < 4000 && scheduler->in_flight() > 0; ms += 5) {
    run_for_ms(5, 5);
    scheduler->step(clock_.now());
  }
  ASSERT_EQ(scheduler->in_flight(), 0);
  EXPECT_GE(clock_.now() - loaded, 3'000'000);  // it waited out its timeout
  EXPECT_EQ(scheduler->next_start(), loaded + 10'000'000);
  scheduler->cancel_all();
  run_for_ms(10);
}

// Most of the loop's passes come when no check can start (the board's at 50 Hz): the
// start sweep runs only once a check may be due, and a check brought forward (the
// API's run-now) or back from flight (a report) is never kept waiting by that.
TEST_F(TcpProbeTest, SchedulerSweepsForStartsOnlyWhenACheckMayBeDue) {
  peer_.set_port(7777, FakePeer::Port::kOpen);
  load(two_tcp_checks(10, 3));
  auto parts = rig();
  auto& scheduler = parts->scheduler;
  const int64_t loaded = clock_.now();
  scheduler->load(*config_, clock_, Scheduler::Mode::kContinuous);
  for (int ms = 0; ms < 100 && scheduler->probes_run() < 2; ++ms) {
    scheduler->step(clock_.now());
    run_for_ms(1);
  }
  ASSERT_EQ(scheduler->probes_run(), 2u);
  scheduler->step(clock_.now());
  const uint32_t sweeps = scheduler->start_sweeps();
  for (int i = 0; i < 50; ++i) {
    run_for_ms(20);
    scheduler->step(clock_.now());
  }
  EXPECT_EQ(scheduler->start_sweeps(), sweeps) << "nothing was due for a second";
  EXPECT_EQ(scheduler->in_flight(), 0);

  // Brought forward: it starts at the next step.
  scheduler->run_now(0);
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 1);
  for (int ms = 0; ms < 100 && scheduler->probes_run() < 3; ++ms) {
    run_for_ms(1);
    scheduler->step(clock_.now());
  }
  ASSERT_EQ(scheduler->probes_run(), 3u);

  // b's next run (3 s after its first) is due before a's: a step 1 us early starts
  // nothing and sweeps nothing, the step at it starts b.
  EXPECT_EQ(scheduler->next_start(), loaded + 3'000'000);
  clock_.advance_us(loaded + 3'000'000 - 1 - clock_.now());
  const uint32_t before = scheduler->start_sweeps();
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 0);
  EXPECT_EQ(scheduler->start_sweeps(), before);
  clock_.advance_us(1);
  scheduler->step(clock_.now());
  EXPECT_EQ(scheduler->in_flight(), 1);
  EXPECT_EQ(scheduler->start_sweeps(), before + 1);
  scheduler->cancel_all();
  run_for_ms(10);
}

// The longest step keeps what it spent its time on: here one check's result takes
// 30 ms to report (a sink that stands for a slow flash write), and the anatomy names
// that call, its phase and its check, beside the cheap polls and starts.
TEST_F(TcpProbeTest, SchedulerNamesTheSlowestCallOfItsLongestStep) {
  class SlowSink final : public ResultSink {
   public:
    SlowSink(hal::FakeClock& clock, uint16_t slow) : clock_(clock), slow_(slow) {}
    void on_result(uint16_t check_index, const ProbeResult&, hal::MonoMicros) override {
      if (check_index == slow_) clock_.advance_us(30'000);
      ++results_;
    }
    int results_ = 0;

   private:
    hal::FakeClock& clock_;
    uint16_t slow_;
  };
  peer_.set_port(7777, FakePeer::Port::kOpen);
  load(tcp_checks(3, R"(,"interval_s":10)"));
  auto pool = std::make_unique<ProbePool>();
  SlowSink sink(clock_, 2);
  Scheduler scheduler(*pool, sink);
  scheduler.load(*config_, clock_, Scheduler::Mode::kOnce);
  for (int ms = 0; ms < 100 && !scheduler.once_complete(); ++ms) {
    scheduler.step(clock_.now());
    run_for_ms(1);
  }
  ASSERT_TRUE(scheduler.once_complete());
  ASSERT_EQ(sink.results_, 3);
  const StepAnatomy& worst = scheduler.step_times().longest();
  EXPECT_EQ(worst.total_us, 30'000);
  EXPECT_EQ(scheduler.longest_step_us(), 30'000);
  EXPECT_EQ(worst.slowest_phase, StepAnatomy::Phase::kReport);
  EXPECT_EQ(worst.slowest_check, 2);
  EXPECT_EQ(worst.slowest_type, CheckType::kTcp);
  EXPECT_EQ(worst.slowest_us, 30'000);
  EXPECT_EQ(worst.phase_us[static_cast<size_t>(StepAnatomy::Phase::kReport)], 30'000);
  // The three finished in one step: each was polled, and each result reported.
  EXPECT_EQ(worst.calls[static_cast<size_t>(StepAnatomy::Phase::kPoll)], 3);
  EXPECT_EQ(worst.calls[static_cast<size_t>(StepAnatomy::Phase::kReport)], 3);
  EXPECT_EQ(worst.calls[static_cast<size_t>(StepAnatomy::Phase::kStart)], 0);
  run_for_ms(10);
}

TEST_F(TcpProbeTest, CancelAllEndsEveryProbeWhenTheModelAlreadyHoldsFewerChecks) {
  // App::apply_config parses a new document into the running model before it
  // cancels the probes: the ones past the new check count must end too.
  peer_.set_port(7777, FakePeer::Port::kFiltered);
  constexpr int kChecks = 12;
  load(tcp_checks(kChecks, R"(,"timeout_ms":5000)"));
  auto parts = rig();
  auto& scheduler = parts->scheduler;
  scheduler->load(*config_, clock_, Scheduler::Mode::kOnce);
  for (int ms = 0; ms < 200 && scheduler->in_flight() < kChecks; ms += 5) {
    scheduler->step(clock_.now());
    run_for_ms(5, 5);
  }
  ASSERT_EQ(scheduler->in_flight(), kChecks);
  load(R"([{"id":"a","type":"tcp","host":"10.0.2.2","port":7777}])");  // the same model, one check
  scheduler->cancel_all();
  EXPECT_EQ(scheduler->in_flight(), 0);
  run_for_ms(10);
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
}

}  // namespace
}  // namespace probebox::test
