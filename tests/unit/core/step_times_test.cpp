#include "core/step_times.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(StepTimes, EachStepLandsInTheBucketOfItsMilliseconds) {
  StepTimes t;
  t.record(0);
  t.record(999);      // [0,1) ms
  t.record(1'000);    // [1,2)
  t.record(3'999);    // [2,4)
  t.record(4'000);    // [4,8)
  t.record(25'089);   // [16,32)
  t.record(63'999);   // [32,64)
  t.record(64'000);   // [64,inf)
  t.record(9'000'000);
  const uint32_t want[StepTimes::kBuckets] = {2, 1, 1, 1, 0, 1, 1, 2};
  for (int b = 0; b < StepTimes::kBuckets; ++b) EXPECT_EQ(t.count(b), want[b]) << "bucket " << b;
  EXPECT_EQ(t.longest_us(), 9'000'000);
}

TEST(StepTimes, ABackwardClockCountsAsAnInstantStep) {
  StepTimes t;
  t.record(-5);
  EXPECT_EQ(t.count(0), 1u);
  EXPECT_EQ(t.longest_us(), 0);
}

TEST(StepTimes, TheLongestIsTheWorstStepNotTheLast) {
  StepTimes t;
  t.record(7'000);
  t.record(2'000);
  EXPECT_EQ(t.longest_us(), 7'000);
}

}  // namespace
}  // namespace probebox
