// When results wait for a document being streamed, and for how long at most.
#include "monitor/result_hold.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(ResultHold, NoReaderNoHold) {
  ResultHold hold;
  EXPECT_FALSE(hold.hold(false, false, 0));
  EXPECT_FALSE(hold.hold(false, false, 5'000'000));
  EXPECT_EQ(hold.expired(), 0u);
}

TEST(ResultHold, HoldsWhileAReaderStreamsAndLetsGoWhenItEnds) {
  ResultHold hold;
  EXPECT_TRUE(hold.hold(true, false, 1'000'000));
  EXPECT_TRUE(hold.hold(true, false, 1'500'000));
  EXPECT_FALSE(hold.hold(false, false, 1'600'000));
  // A new reader starts a new hold with its own full allowance.
  EXPECT_TRUE(hold.hold(true, false, 1'700'000));
  EXPECT_TRUE(hold.hold(true, false, 1'700'000 + ResultHold::kMaxHoldUs - 1));
  EXPECT_EQ(hold.expired(), 0u);
}

TEST(ResultHold, NeverLongerThanTheLimitEvenWithReadersBackToBack) {
  ResultHold hold;
  int64_t now = 0;
  int64_t longest_run = 0;
  int64_t run_began = -1;
  int released = 0;
  // A reader is there at every 10 ms step for a minute: results still go out at
  // least every kMaxHoldUs, one step at a time.
  for (; now < 60'000'000; now += 10'000) {
    if (hold.hold(true, false, now)) {
      if (run_began < 0) run_began = now;
      if (now - run_began > longest_run) longest_run = now - run_began;
    } else {
      ++released;
      run_began = -1;
    }
  }
  EXPECT_LT(longest_run, ResultHold::kMaxHoldUs);
  EXPECT_GE(released, 60'000'000 / ResultHold::kMaxHoldUs - 1);
  EXPECT_EQ(hold.expired(), static_cast<uint32_t>(released));
}

TEST(ResultHold, AStartWaitingForAHeldSlotEndsTheHoldSoon) {
  ResultHold hold;
  EXPECT_TRUE(hold.hold(true, false, 0));
  EXPECT_TRUE(hold.hold(true, false, 500'000));
  // A check is due and every slot is held: the hold lasts kMaxBlockedUs more.
  EXPECT_TRUE(hold.hold(true, true, 600'000));
  EXPECT_TRUE(hold.hold(true, true, 600'000 + ResultHold::kMaxBlockedUs - 1));
  EXPECT_FALSE(hold.hold(true, true, 600'000 + ResultHold::kMaxBlockedUs));
  EXPECT_EQ(hold.expired(), 1u);
  // The next hold starts afresh; a start that stops waiting stops the count.
  EXPECT_TRUE(hold.hold(true, true, 900'000));
  EXPECT_TRUE(hold.hold(true, false, 1'000'000));
  EXPECT_TRUE(hold.hold(true, true, 1'100'000));
  EXPECT_TRUE(hold.hold(true, true, 1'100'000 + ResultHold::kMaxBlockedUs - 1));
  EXPECT_EQ(hold.expired(), 1u);
}

}  // namespace
}  // namespace probebox
