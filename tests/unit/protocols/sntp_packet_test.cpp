#include "protocols/sntp_packet.h"

#include <gtest/gtest.h>

#include <array>

namespace probebox::sntp {
namespace {

std::array<uint8_t, 48> reply(uint8_t li_vn_mode, uint8_t stratum, NtpTimestamp originate, NtpTimestamp t2,
                              NtpTimestamp t3, const char* refid = "LOCL") {
  std::array<uint8_t, 48> p{};
  p[0] = li_vn_mode;
  p[1] = stratum;
  for (int i = 0; i < 4; ++i) p[12 + i] = static_cast<uint8_t>(refid[i]);
  auto put = [&](int at, NtpTimestamp t) {
    for (int i = 0; i < 4; ++i) {
      p[at + i] = static_cast<uint8_t>(t.seconds >> (24 - 8 * i));
      p[at + 4 + i] = static_cast<uint8_t>(t.fraction >> (24 - 8 * i));
    }
  };
  put(24, originate);
  put(32, t2);
  put(40, t3);
  return p;
}

constexpr uint8_t kServerV4 = (4 << 3) | 4;

TEST(Sntp, RequestIsClientModeVersion4WithOurTransmitTime) {
  std::array<uint8_t, 48> p{};
  NtpTimestamp t = from_unix_micros(1'700'000'000'500'000);
  build_request(p, t);
  EXPECT_EQ(p[0], (4 << 3) | 3);
  EXPECT_EQ(p[40], t.seconds >> 24);
  EXPECT_EQ(p[47], t.fraction & 0xFF);
}

TEST(Sntp, UnixRoundTripAndEra2036) {
  int64_t t = 1'795'341'845'250'000;  // 2026-11-22
  EXPECT_NEAR(static_cast<double>(to_unix_micros(from_unix_micros(t))), static_cast<double>(t), 1.0);
  // 2040-01-01: past the 2036 rollover, the seconds field has wrapped (top bit clear).
  int64_t later = 2'208'988'800'000'000;
  NtpTimestamp wrapped = from_unix_micros(later);
  EXPECT_EQ(wrapped.seconds & 0x80000000u, 0u);
  EXPECT_EQ(to_unix_micros(wrapped), later);
}

TEST(Sntp, GoodReply) {
  NtpTimestamp sent = from_unix_micros(1'000'000'000'000'000);
  auto p = reply(kServerV4, 2, sent, from_unix_micros(1'000'000'000'100'000), from_unix_micros(1'000'000'000'100'100));
  SntpReply r;
  ASSERT_TRUE(parse_response(p, sent, r).ok());
  EXPECT_EQ(r.stratum, 2);
  EXPECT_FALSE(r.kiss_of_death);
  EXPECT_FALSE(r.unsynchronised);
}

TEST(Sntp, KissOfDeathCarriesItsCode) {
  NtpTimestamp sent{1, 2};
  auto p = reply(kServerV4, 0, sent, {}, {}, "RATE");
  SntpReply r;
  ASSERT_TRUE(parse_response(p, sent, r).ok());
  EXPECT_TRUE(r.kiss_of_death);
  EXPECT_STREQ(r.kiss_code.data(), "RATE");
}

TEST(Sntp, UnsynchronisedByStratumOrLeap) {
  NtpTimestamp sent{1, 2};
  SntpReply r;
  ASSERT_TRUE(parse_response(reply(kServerV4, 16, sent, {5, 0}, {5, 1}), sent, r).ok());
  EXPECT_TRUE(r.unsynchronised);
  ASSERT_TRUE(parse_response(reply((3 << 6) | kServerV4, 3, sent, {5, 0}, {5, 1}), sent, r).ok());
  EXPECT_TRUE(r.unsynchronised);
}

TEST(Sntp, NotOursIsRejected) {
  NtpTimestamp sent{1, 2};
  SntpReply r;
  EXPECT_EQ(parse_response(reply(kServerV4, 2, {1, 3}, {5, 0}, {5, 1}), sent, r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_response(reply((4 << 3) | 3, 2, sent, {5, 0}, {5, 1}), sent, r).code(),
            StatusCode::kInvalidArgument);  // a client packet
  EXPECT_EQ(parse_response(reply((7 << 3) | 4, 2, sent, {5, 0}, {5, 1}), sent, r).code(),
            StatusCode::kInvalidArgument);  // version 7
}

TEST(Sntp, EveryTruncationIsRejected) {
  NtpTimestamp sent{1, 2};
  auto p = reply(kServerV4, 2, sent, {5, 0}, {5, 1});
  SntpReply r;
  for (size_t n = 0; n < p.size(); ++n) EXPECT_EQ(parse_response({p.data(), n}, sent, r).code(), StatusCode::kDataLoss);
}

TEST(Sntp, OffsetAndDelay) {
  // Server 250 ms ahead, 20 ms each way, 1 ms inside the server.
  OffsetDelay od = compute(1'000'000, 1'270'000, 1'271'000, 1'041'000);
  EXPECT_EQ(od.offset_us, 250'000);
  EXPECT_EQ(od.delay_us, 40'000);
  OffsetDelay behind = compute(1'000'000, 770'000, 771'000, 1'041'000);
  EXPECT_EQ(behind.offset_us, -250'000);
}

// Hostile servers (tests/lab/hostile_lab.py): each refusal carries its reason, which
// the probe reports when no good reply follows.
TEST(Sntp, EveryRefusalSaysWhy) {
  NtpTimestamp sent{0xE0000000u, 42};
  NtpTimestamp t{0xE0000001u, 0};
  SntpReply r;
  auto good = reply(kServerV4, 2, sent, t, t);
  ASSERT_TRUE(parse_response(good, sent, r).ok());
  EXPECT_STREQ(r.problem, "");
  EXPECT_EQ(parse_response({good.data(), 20}, sent, r).code(), StatusCode::kDataLoss);
  EXPECT_STREQ(r.problem, "reply too short");
  EXPECT_EQ(parse_response(reply((4 << 3) | 3, 2, sent, t, t), sent, r).code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(r.problem, "not a server reply");
  EXPECT_EQ(parse_response(reply(kServerV4, 2, NtpTimestamp{sent.seconds + 1, 42}, t, t), sent, r).code(),
            StatusCode::kInvalidArgument);
  EXPECT_STREQ(r.problem, "reply with a wrong origin timestamp");
  EXPECT_EQ(parse_response(reply(kServerV4, 2, sent, t, NtpTimestamp{}), sent, r).code(), StatusCode::kDataLoss);
  EXPECT_STREQ(r.problem, "reply without a transmit timestamp");
}

// After the retry a slow server's answer to the first request arrives: it is a valid
// answer (to that request) and must not be ignored as foreign.
TEST(Sntp, AReplyToAnEarlierRequestMatchesThatRequest) {
  const NtpTimestamp sent[] = {{0xE0000000u, 1}, {0xE0000000u, 2}};
  NtpTimestamp t{0xE0000001u, 0};
  SntpReply r;
  size_t which = 9;
  ASSERT_TRUE(parse_response(reply(kServerV4, 2, sent[0], t, t), sent, r, which).ok());
  EXPECT_EQ(which, 0u);
  ASSERT_TRUE(parse_response(reply(kServerV4, 2, sent[1], t, t), sent, r, which).ok());
  EXPECT_EQ(which, 1u);
  EXPECT_EQ(parse_response(reply(kServerV4, 2, NtpTimestamp{7, 7}, t, t), sent, r, which).code(),
            StatusCode::kInvalidArgument);
  EXPECT_STREQ(r.problem, "reply with a wrong origin timestamp");
  EXPECT_EQ(parse_response(reply((4 << 3) | 3, 2, sent[0], t, t), sent, r, which).code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(r.problem, "not a server reply");
}

}  // namespace
}  // namespace probebox::sntp
