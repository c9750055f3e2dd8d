// The share of the processor the web UI's full TLS handshakes may take.
#include "web/handshake_budget.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

constexpr int64_t kMs = 1000;

TEST(HandshakeBudget, ABrowsersBurstStartsAtOnce) {
  HandshakeBudget b;
  int started = 0;
  // Handshakes of 160 ms back to back (the P-256 key on the Cortex-M4), no time between.
  while (b.may_start(0) && started < 100) {
    b.spend(160 * kMs);
    ++started;
  }
  EXPECT_EQ(started, 7);  // 1 s of burst: the seventh overdraws it
}

TEST(HandshakeBudget, AFloodGetsAQuarterOfTheProcessor) {
  HandshakeBudget b;
  int64_t now = 0, busy = 0;
  // A client that starts a handshake whenever it may, for 60 s of wall time.
  while (now < 60'000 * kMs) {
    if (b.may_start(now)) {
      b.spend(300 * kMs);  // a P-384 handshake
      busy += 300 * kMs;
      now += 300 * kMs;
    } else {
      now += 10 * kMs;
    }
  }
  // A quarter of 60 s, plus the burst, plus at most one handshake's overdraft.
  EXPECT_GE(busy, 15'000 * kMs);
  EXPECT_LE(busy, 15'000 * kMs + HandshakeBudget::kBurstUs + 300 * kMs);
}

TEST(HandshakeBudget, AnIdleBoxEarnsNoMoreThanTheBurst) {
  HandshakeBudget b;
  ASSERT_TRUE(b.may_start(0));
  b.spend(900 * kMs);
  EXPECT_TRUE(b.may_start(3'600'000 * kMs));  // an hour later
  EXPECT_EQ(b.balance_us(), HandshakeBudget::kBurstUs);
}

TEST(HandshakeBudget, AnOverdraftIsPaidBackBeforeTheNextStart) {
  HandshakeBudget b;
  ASSERT_TRUE(b.may_start(0));
  b.spend(HandshakeBudget::kBurstUs + 400 * kMs);  // one long handshake: 1.4 s
  EXPECT_FALSE(b.may_start(0));
  EXPECT_FALSE(b.may_start(1'600 * kMs));  // 400 ms earned back, balance 0
  EXPECT_TRUE(b.may_start(1'604 * kMs));
}

TEST(HandshakeBudget, AClockThatStepsBackEarnsNothing) {
  HandshakeBudget b;
  ASSERT_TRUE(b.may_start(10'000 * kMs));
  b.spend(HandshakeBudget::kBurstUs);
  EXPECT_FALSE(b.may_start(5'000 * kMs));
  EXPECT_FALSE(b.may_start(5'000 * kMs + 3));  // less than one quarter-microsecond earned
  EXPECT_TRUE(b.may_start(5'000 * kMs + 4));
}

}  // namespace
}  // namespace probebox
