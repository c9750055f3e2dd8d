#include "core/step_times.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(StepTimes, EachStepLandsInTheBucketOfItsMilliseconds) {
  StepTimes t;
  t.record(0);
  t.record(999);        // [0,1) ms
  t.record(1'000);      // [1,2)
  t.record(3'999);      // [2,4)
  t.record(4'000);      // [4,8)
  t.record(25'089);     // [16,32)
  t.record(63'999);     // [32,64)
  t.record(64'000);     // [64,128)
  t.record(175'400);    // [128,256): a full handshake's crypto on the Cortex-M4
  t.record(255'999);    // [128,256)
  t.record(256'000);    // [256,inf)
  t.record(9'000'000);
  const uint32_t want[DurationBuckets::kBuckets] = {2, 1, 1, 1, 0, 1, 1, 1, 2, 2};
  for (int b = 0; b < DurationBuckets::kBuckets; ++b) EXPECT_EQ(t.buckets().count(b), want[b]) << "bucket " << b;
  EXPECT_EQ(t.longest_us(), 9'000'000);
}

TEST(StepTimes, ABackwardClockCountsAsAnInstantStep) {
  StepTimes t;
  t.record(-5);
  EXPECT_EQ(t.buckets().count(0), 1u);
  EXPECT_EQ(t.longest_us(), 0);
}

TEST(StepTimes, TheLongestIsTheWorstStepNotTheLast) {
  StepTimes t;
  t.record(7'000);
  t.record(2'000);
  EXPECT_EQ(t.longest_us(), 7'000);
}

TEST(StepTimes, TheLongestStepKeepsItsAnatomy) {
  using Phase = StepAnatomy::Phase;
  StepAnatomy slow;
  slow.add(Phase::kPoll, 3, CheckType::kTcp, 200);
  slow.add(Phase::kPoll, 5, CheckType::kTlsCert, 9'000);
  slow.add(Phase::kReport, 5, CheckType::kTlsCert, 700);
  slow.add(Phase::kStart, 9, CheckType::kHttp, -4);  // a clock that stepped back: no time
  slow.total_us = 10'100;
  StepAnatomy quick;
  quick.add(Phase::kStart, 1, CheckType::kDns, 50);
  quick.total_us = 60;
  StepTimes t;
  t.record(slow);
  t.record(quick);
  const StepAnatomy& worst = t.longest();
  EXPECT_EQ(t.longest_us(), 10'100);
  EXPECT_EQ(worst.slowest_phase, Phase::kPoll);
  EXPECT_EQ(worst.slowest_check, 5);
  EXPECT_EQ(worst.slowest_type, CheckType::kTlsCert);
  EXPECT_EQ(worst.slowest_us, 9'000);
  EXPECT_EQ(worst.phase_us, (std::array<int64_t, 3>{9'200, 0, 700}));
  EXPECT_EQ(worst.calls, (std::array<uint16_t, 3>{2, 1, 1}));
}

}  // namespace
}  // namespace probebox
