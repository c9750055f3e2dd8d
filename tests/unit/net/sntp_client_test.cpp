// The box's own SNTP client over the real lwIP core: it sets an unset clock from a
// good answer, measures and corrects a drifted one, moves on from a silent or
// unsynchronised server, and ignores answers it did not ask for.
#include "net/sntp_client.h"

#include <vector>

#include "lwip_fixture.h"

namespace probebox::test {
namespace {

using Datagram = FakePeer::UdpDatagram;
constexpr uint32_t kOther = 0x0A000209;  // 10.0.2.9: not a configured server

std::vector<uint8_t> answer(const Datagram& request, int64_t server_unix_us, uint8_t stratum = 2, uint8_t leap = 0) {
  std::vector<uint8_t> p(sntp::kPacketBytes, 0);
  p[0] = static_cast<uint8_t>(leap << 6 | 4 << 3 | 4);
  p[1] = stratum;
  for (int i = 0; i < 8; ++i) p[24 + i] = request.payload.at(40 + i);
  sntp::NtpTimestamp t = sntp::from_unix_micros(server_unix_us);
  for (int at : {32, 40}) {
    for (int i = 0; i < 4; ++i) {
      p[at + i] = static_cast<uint8_t>(t.seconds >> (24 - 8 * i));
      p[at + 4 + i] = static_cast<uint8_t>(t.fraction >> (24 - 8 * i));
    }
  }
  return p;
}

class SntpClientTest : public LwipFixture {
 protected:
  void SetUp() override {
    LwipFixture::SetUp();
    peer_.set_udp_responder(123, [this](FakePeer&, const Datagram& d) { asked_.push_back(d); });
    peer_.set_udp_responder(1123, [this](FakePeer&, const Datagram& d) { asked_second_.push_back(d); });
  }
  void TearDown() override {
    client_.stop();
    LwipFixture::TearDown();
  }
  void configure_two_servers() {
    const net::SntpClient::Server servers[] = {{FakePeer::kPeerIp, 123}, {FakePeer::kPeerIp, 1123}};
    client_.configure(servers, clock_.now());
  }
  void step_for_ms(int64_t ms) {
    for (int64_t i = 0; i < ms; ++i) {
      client_.step(clock_, clock_.now());
      run_for_ms(1);
    }
  }

  net::SntpClient client_;
  std::vector<Datagram> asked_, asked_second_;
};

TEST_F(SntpClientTest, AnUnsetClockIsSetFromTheFirstGoodAnswer) {
  clock_.set_wall_valid(false);
  configure_two_servers();
  step_for_ms(5);
  ASSERT_EQ(asked_.size(), 1u);
  const int64_t server_time = 1'800'000'000'000'000;
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], server_time));
  step_for_ms(1);
  EXPECT_TRUE(client_.synced());
  ASSERT_TRUE(clock_.wall().valid);
  EXPECT_NEAR(clock_.wall().unix_micros, server_time, 10'000);
  EXPECT_EQ(client_.stratum(), 2);
  // The next poll is kPollS away: nothing is asked before.
  step_for_ms(2000);
  EXPECT_EQ(asked_.size(), 1u);
}

TEST_F(SntpClientTest, ADriftedClockIsMeasuredAndStepped) {
  configure_two_servers();
  step_for_ms(1);
  ASSERT_EQ(asked_.size(), 1u);
  const int64_t box_time = clock_.wall().unix_micros;
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], box_time + 5'000'000));  // 5 s ahead
  step_for_ms(1);
  EXPECT_TRUE(client_.synced());
  EXPECT_NEAR(client_.offset_us(), 5'000'000, 5'000);
  EXPECT_NEAR(clock_.wall().unix_micros, box_time + 5'000'000, 10'000);
}

TEST_F(SntpClientTest, AReplyThatWaitedInTheBoxIsTimedByItsArrival) {
  // The answer reaches the box (stamped by the driver) and waits 150 ms for the loop.
  // Timed when handled, T4 would be 150 ms late and the 5 s offset read as 4.925 s.
  configure_two_servers();
  step_for_ms(1);
  ASSERT_EQ(asked_.size(), 1u);
  const int64_t box_time = clock_.wall().unix_micros;
  peer_.stamp_arrivals(clock_.now());
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], box_time + 5'000'000));
  clock_.advance_ms(150);
  step_for_ms(1);
  peer_.stamp_arrivals(FakePeer::kUnstamped);
  EXPECT_TRUE(client_.synced());
  EXPECT_NEAR(client_.offset_us(), 5'000'000, 2'000);
  EXPECT_NEAR(clock_.wall().unix_micros, box_time + 5'000'000 + 151'000, 3'000);
}

TEST_F(SntpClientTest, AnUnsetClockIsSetToTheServersTimePlusTheWaitInTheBox) {
  clock_.set_wall_valid(false);
  configure_two_servers();
  step_for_ms(1);
  ASSERT_EQ(asked_.size(), 1u);
  const int64_t server_time = 1'800'000'000'000'000;
  peer_.stamp_arrivals(clock_.now());
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], server_time));
  clock_.advance_ms(150);
  step_for_ms(1);
  peer_.stamp_arrivals(FakePeer::kUnstamped);
  ASSERT_TRUE(clock_.wall().valid);
  EXPECT_NEAR(clock_.wall().unix_micros, server_time + 151'000, 3'000);
}

TEST_F(SntpClientTest, ASmallOffsetIsShownButTheClockIsLeftAlone) {
  configure_two_servers();
  step_for_ms(1);
  const int64_t box_time = clock_.wall().unix_micros;
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], box_time + 20'000));
  step_for_ms(1);
  EXPECT_NEAR(client_.offset_us(), 20'000, 5'000);
  EXPECT_NEAR(clock_.wall().unix_micros, box_time + 2'000, 2'000);  // not stepped
}

TEST_F(SntpClientTest, ASilentServerHandsOverToTheNext) {
  configure_two_servers();
  step_for_ms(net::SntpClient::kReplyTimeoutMs + 10);
  EXPECT_EQ(asked_.size(), 1u);
  ASSERT_EQ(asked_second_.size(), 1u);
  EXPECT_EQ(client_.failures(), 1u);
  peer_.send_udp(1123, asked_second_[0].box_port, answer(asked_second_[0], clock_.wall().unix_micros));
  step_for_ms(1);
  EXPECT_TRUE(client_.synced());
  EXPECT_EQ(client_.current_server()->port, 1123);
}

TEST_F(SntpClientTest, NextDueIsTheRepliesTimeoutThenTheNextPoll) {
  EXPECT_EQ(client_.next_due(), INT64_MAX);  // no server: never
  configure_two_servers();
  const int64_t configured = clock_.now();
  EXPECT_LE(client_.next_due(), configured);  // the first request goes at once
  step_for_ms(1);
  ASSERT_EQ(asked_.size(), 1u);
  const int64_t timeout_at = client_.next_due();
  EXPECT_GT(timeout_at, configured + net::SntpClient::kReplyTimeoutMs * 1000);
  EXPECT_LE(timeout_at, clock_.now() + net::SntpClient::kReplyTimeoutMs * 1000 + 1);
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], clock_.wall().unix_micros));
  step_for_ms(1);
  ASSERT_TRUE(client_.synced());
  // Answered: nothing to do until the next poll, seconds away, and nothing is sent before it.
  const int64_t next_poll = client_.next_due();
  EXPECT_GE(next_poll, clock_.now() + net::SntpClient::kFastPollS * 1'000'000 / 2);
  clock_.advance_us(next_poll - 1 - clock_.now());
  client_.step(clock_, clock_.now());
  run_for_ms(1);
  EXPECT_EQ(asked_.size(), 1u);
  EXPECT_EQ(client_.next_due(), next_poll);
  client_.step(clock_, clock_.now());
  run_for_ms(1);
  EXPECT_EQ(asked_.size(), 2u);
}

TEST_F(SntpClientTest, AnUnsynchronisedServerIsNotBelieved) {
  clock_.set_wall_valid(false);
  configure_two_servers();
  step_for_ms(1);
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], 1'800'000'000'000'000, 16, 3));
  step_for_ms(2);
  EXPECT_FALSE(client_.synced());
  EXPECT_FALSE(clock_.wall().valid);
  EXPECT_EQ(asked_second_.size(), 1u);  // asked the next one at once
}

TEST_F(SntpClientTest, AnswersFromElsewhereOrForAnotherRequestAreIgnored) {
  clock_.set_wall_valid(false);
  configure_two_servers();
  step_for_ms(1);
  peer_.send_udp(123, asked_[0].box_port, answer(asked_[0], 1'800'000'000'000'000), kOther);
  Datagram wrong = asked_[0];
  wrong.payload[47] ^= 1;  // echoes a transmit stamp we never sent
  peer_.send_udp(123, asked_[0].box_port, answer(wrong, 1'800'000'000'000'000));
  step_for_ms(1);
  EXPECT_FALSE(client_.synced());
  EXPECT_FALSE(clock_.wall().valid);
}

TEST_F(SntpClientTest, NoServersMeansNoTraffic) {
  client_.configure({}, clock_.now());
  step_for_ms(100);
  EXPECT_TRUE(asked_.empty());
  EXPECT_EQ(udp_pcbs_in_use(), 0);
}

}  // namespace
}  // namespace probebox::test
