// The ntp probe on the real lwIP core against a scripted SNTP server (no network):
// the server's replies are held and sent at chosen fake times, so T1..T4 are known.
#include "probes/ntp_probe.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "config/config_parser.h"
#include "lwip_fixture.h"
#include "protocols/sntp_packet.h"
#include "details_json.h"

namespace probebox::test {
namespace {

using Datagram = FakePeer::UdpDatagram;

void put_timestamp(uint8_t* p, int64_t unix_micros) {
  sntp::NtpTimestamp t = sntp::from_unix_micros(unix_micros);
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<uint8_t>(t.seconds >> (24 - 8 * i));
    p[4 + i] = static_cast<uint8_t>(t.fraction >> (24 - 8 * i));
  }
}

struct Reply {
  uint8_t leap = 0;
  uint8_t stratum = 2;
  const char* refid = "GPS\0";
  int64_t t2_us = 0;
  int64_t t3_us = 0;
};

// A server reply to `request`: mode 4, version 4, its transmit echoed as originate.
std::vector<uint8_t> reply_to(const std::vector<uint8_t>& request, const Reply& r) {
  std::vector<uint8_t> p(sntp::kPacketBytes, 0);
  p[0] = static_cast<uint8_t>(r.leap << 6 | 4 << 3 | 4);
  p[1] = r.stratum;
  p[2] = 6;
  p[3] = 0xEC;
  for (int i = 0; i < 4; ++i) p[12 + i] = static_cast<uint8_t>(r.refid[i]);
  for (int i = 0; i < 8; ++i) p[24 + i] = request.at(40 + i);
  put_timestamp(&p[32], r.t2_us);
  put_timestamp(&p[40], r.t3_us);
  return p;
}

class NtpProbeTest : public LwipFixture {
 protected:
  void SetUp() override {
    LwipFixture::SetUp();
    peer_.set_udp_responder(123, [this](FakePeer&, const Datagram& d) { held_.push_back(d); });
  }
  void load(const std::string& check_members) {
    ConfigErrors errors;
    std::string doc = R"({"schema":1,"defaults":{"timeout_ms":1000},"checks":[)"
                      R"({"id":"n","type":"ntp","server":"10.0.2.2","ntp_warn_ms":100,"ntp_crit_ms":1000)" +
                      check_members + "}]}";
    ASSERT_TRUE(parse_config(doc, *config_, errors).ok()) << errors.at(0).path.c_str();
  }
  // Starts the probe and lets its request reach the server; w0 is the wall time of T1.
  void start() {
    w0_ = clock_.wall().unix_micros;
    probe_.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
    run_for_ms(0);
    ASSERT_EQ(held_.size(), 1u);
  }
  // Advances `ms`, polling the probe each millisecond.
  void advance(int64_t ms) {
    for (int64_t i = 0; i < ms && probe_.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  }
  void send(const Datagram& request, const Reply& r, uint32_t src_ip = FakePeer::kPeerIp) {
    peer_.send_udp(123, request.box_port, reply_to(request.payload, r), src_ip);
    run_for_ms(0);
  }
  // The server answers the request `which` now, with its clock `offset_us` ahead of
  // the box's: T2 = T1 + offset + d, T3 = T2 + hold, T4 = now.
  ProbeResult answer_now(int64_t offset_us, Reply r = {}, size_t which = 0) {
    int64_t t4 = clock_.wall().unix_micros;
    int64_t hold = 4'000;
    r.t2_us = w0_ + offset_us + (t4 - w0_ - hold) / 2;
    r.t3_us = r.t2_us + hold;
    send(held_.at(which), r);
    return finish();
  }
  ProbeResult finish() {
    advance(5000);
    EXPECT_FALSE(probe_.active());
    ProbeResult r = probe_.result();
    run_for_ms(10);
    EXPECT_EQ(udp_pcbs_in_use(), 0);
    EXPECT_EQ(pbufs_in_use(), 0);
    EXPECT_EQ(heap_bytes_in_use(), 0);
    return r;
  }

  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  NtpProbe probe_;
  std::vector<Datagram> held_;
  int64_t w0_ = 0;
};

TEST_F(NtpProbeTest, GoodReplyGivesOffsetAndRoundTripFromTheFourTimestamps) {
  load("");
  start();
  advance(40);
  // T1 = w0, T2 = w0 + 55 + 18 ms, T3 = T2 + 4 ms, T4 = w0 + 40 ms:
  // offset = ((T2-T1) + (T3-T4)) / 2 = 55 ms, rtt = (T4-T1) - (T3-T2) = 36 ms.
  ProbeResult r = answer_now(55'000);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "offset +55.0 ms, stratum 2");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":55.0,"rtt_ms":36.0,"stratum":2})");
  EXPECT_TRUE(r.measurements.has_ntp_offset);
  EXPECT_NEAR(r.measurements.ntp_offset_us, 55'000, 2);
  EXPECT_EQ(held_.size(), 1u);
}

TEST_F(NtpProbeTest, AReplyThatWaitedInTheBoxIsTimedByItsArrival) {
  // The reply reaches the box at w0 + 40 ms, stamped by the driver, while the loop is
  // busy elsewhere; the box handles it 120 ms later. Timed at its arrival, the offset
  // and the round trip are those of the test before (timed when handled, they would
  // read -5.0 and 156.0 ms).
  load("");
  start();
  advance(40);
  const int64_t t4 = clock_.wall().unix_micros;
  Reply reply;
  reply.t2_us = w0_ + 55'000 + (t4 - w0_ - 4'000) / 2;
  reply.t3_us = reply.t2_us + 4'000;
  peer_.stamp_arrivals(clock_.now());
  peer_.send_udp(123, held_.at(0).box_port, reply_to(held_.at(0).payload, reply));
  clock_.advance_ms(120);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "offset +55.0 ms, stratum 2");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":55.0,"rtt_ms":36.0,"stratum":2})");
  EXPECT_EQ(r.latency_us, 40'000);
}

TEST_F(NtpProbeTest, NegativeOffsetPastWarnIsAWarning) {
  load("");
  start();
  advance(20);
  ProbeResult r = answer_now(-250'000);
  EXPECT_EQ(r.outcome, Outcome::kWarning);
  EXPECT_EQ(r.summary.view(), "offset -250.0 ms, stratum 2");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":-250.0,"rtt_ms":16.0,"stratum":2})");
}

TEST_F(NtpProbeTest, OffsetPastCritIsCritical) {
  load("");
  start();
  advance(20);
  ProbeResult r = answer_now(1'500'000);
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "offset +1500.0 ms, stratum 2");
}

TEST_F(NtpProbeTest, StratumSixteenAndLeapThreeAreUnsynchronised) {
  load("");
  start();
  advance(10);
  Reply s16;
  s16.stratum = 16;
  ProbeResult r = answer_now(30'000, s16);
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2 unsynchronised (stratum 16)");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":30.0,"rtt_ms":6.0,"stratum":16})");

  held_.clear();
  start();
  advance(10);
  Reply li3;
  li3.leap = 3;
  r = answer_now(0, li3);
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2 unsynchronised (stratum 2)");
}

TEST_F(NtpProbeTest, KissOfDeathIsCriticalWithItsCode) {
  load("");
  start();
  advance(10);
  Reply kod;
  kod.stratum = 0;
  kod.refid = "RATE";
  ProbeResult r = answer_now(0, kod);
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2 kiss-o'-death RATE");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":null,"rtt_ms":null,"stratum":0,"kiss_code":"RATE"})");
}

TEST_F(NtpProbeTest, SilenceIsRetriedOnceThenTimesOutAtTheDeadline) {
  load(R"(,"timeout_ms":600)");
  int64_t t0 = clock_.now();
  start();
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "no reply from 10.0.2.2");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":null,"rtt_ms":null,"stratum":null})");
  EXPECT_GE(r.latency_us, 600'000);
  EXPECT_LT(r.latency_us, 610'000);
  EXPECT_EQ(held_.size(), 2u);  // the request and one retry
  EXPECT_GE(clock_.now() - t0, 600'000);
}

TEST_F(NtpProbeTest, ALateAnswerToTheFirstRequestAfterTheRetryIsTakenWithItsOwnT1) {
  load("");
  start();
  advance(600);  // the retry went out at 500 ms
  ASSERT_EQ(held_.size(), 2u);
  // T2 = T3 = w0 + 305 ms, T4 = w0 + 600 ms: offset 5 ms, rtt 600 ms (from the first
  // send: timed from the retry at w0 + 500 ms it would be 100 ms and the offset -245 ms).
  Reply r0;
  r0.t2_us = r0.t3_us = w0_ + 305'000;
  send(held_[0], r0);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":5.0,"rtt_ms":600.0,"stratum":2})");
}

TEST_F(NtpProbeTest, AnAnswerAfterTheDeadlineIsTooLate) {
  load("");
  start();
  ProbeResult r = finish();
  EXPECT_EQ(r.summary.view(), "no reply from 10.0.2.2");
  Reply late;
  late.t2_us = late.t3_us = clock_.wall().unix_micros;
  send(held_[0], late);  // to a port already closed: dropped by lwIP
  run_for_ms(10);
  EXPECT_EQ(probe_.result().outcome, Outcome::kCritical);
  EXPECT_EQ(probe_.result().summary.view(), "no reply from 10.0.2.2");
  EXPECT_EQ(udp_pcbs_in_use(), 0);
}

TEST_F(NtpProbeTest, WrongOriginAndOtherSourcesAreIgnored) {
  load("");
  start();
  advance(10);
  Reply r0;
  r0.t2_us = r0.t3_us = w0_;
  send(held_[0], r0, 0x0A000209);  // from 10.0.2.9, not the server: not weighed at all
  Datagram forged = held_[0];
  forged.payload[47] ^= 1;  // answers a transmit time we never sent
  send(forged, r0);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2: reply with a wrong origin timestamp, no valid reply in 1000 ms");
}

TEST_F(NtpProbeTest, AWallClockSteppedWhileTheRequestIsOutDoesNotBecomeAnOffset) {
  // The box's clock keeper (net/sntp_client) may step the wall clock between this
  // probe's request and its reply: the offset is judged on the clock as it is then.
  load("");
  start();
  advance(10);
  const int64_t stepped = clock_.wall().unix_micros + int64_t{3600} * 1'000'000;
  clock_.set_wall(stepped);
  advance(10);
  Reply r0;
  r0.t2_us = stepped + 10'000;  // a server in step with the corrected clock
  r0.t3_us = r0.t2_us + 1'000;
  send(held_[0], r0);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_LT(std::abs(r.measurements.ntp_offset_us), 20'000) << r.summary.c_str();
}

TEST_F(NtpProbeTest, AnUnsetWallClockIsLeftToTheBoxsOwnClientAndTheOffsetIsUnknown) {
  load("");
  clock_.set_wall_valid(false);
  start();
  advance(20);
  Reply r0;
  r0.t2_us = 1'800'000'000'000'000 + 8'000;
  r0.t3_us = r0.t2_us + 4'000;
  send(held_[0], r0);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "box clock not set yet, stratum 2");
  EXPECT_EQ(r.reason, FailReason::kNoClock);
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":0.0,"rtt_ms":16.0,"stratum":2})");
  // A check never sets the box's clock: net/sntp_client does, from network.ntp.
  EXPECT_FALSE(clock_.wall().valid);
}

TEST_F(NtpProbeTest, AShortReplyIsCriticalWithItsLength) {
  load("");
  start();
  advance(10);
  Reply r0;
  r0.t2_us = r0.t3_us = w0_;
  std::vector<uint8_t> p = reply_to(held_[0].payload, r0);
  p.resize(20);
  peer_.send_udp(123, held_[0].box_port, p);
  run_for_ms(0);
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2: reply too short (20 bytes)");
  EXPECT_EQ(testing::details_json(r), R"({"offset_ms":null,"rtt_ms":null,"stratum":null})");
}

TEST_F(NtpProbeTest, AnEchoedRequestIsIgnoredAndNamedAtTheTimeout) {
  peer_.set_udp_responder(123, [](FakePeer& peer, const Datagram& d) { peer.send_udp(123, d.box_port, d.payload); });
  load("");
  w0_ = clock_.wall().unix_micros;
  probe_.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  ProbeResult r = finish();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "10.0.2.2: not a server reply, no valid reply in 1000 ms");
  EXPECT_EQ(peer_.udp_seen(123), 2);
}

}  // namespace
}  // namespace probebox::test
