#include "core/wake_slack.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(WakeSlack, DeadlinesWithinTheSlackShareTheLaterWakeUp) {
  EXPECT_EQ(shared_wake(1'000, 4'000, kWakeSlackUs), 4'000);
  EXPECT_EQ(shared_wake(4'000, 1'000, kWakeSlackUs), 4'000);
  EXPECT_EQ(shared_wake(1, kWakeSlackUs + 1, kWakeSlackUs), kWakeSlackUs + 1);
}

TEST(WakeSlack, DeadlinesFartherApartKeepTheEarlierOne) {
  EXPECT_EQ(shared_wake(1'000, 1'000 + kWakeSlackUs + 1, kWakeSlackUs), 1'000);
  EXPECT_EQ(shared_wake(250'000, 50'000, kWakeSlackUs), 50'000);
}

TEST(WakeSlack, WhatIsDueAlreadyIsServedAtOnce) {
  EXPECT_EQ(shared_wake(0, 3'000, kWakeSlackUs), 0);
  EXPECT_EQ(shared_wake(3'000, 0, kWakeSlackUs), 0);
  EXPECT_EQ(shared_wake(0, 1'000'000, kWakeSlackUs), 0);
  EXPECT_EQ(shared_wake(3, 3, kWakeSlackUs), 3);
}

}  // namespace
}  // namespace probebox
