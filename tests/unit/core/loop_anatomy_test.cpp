#include "core/loop_anatomy.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

using Phase = LoopAnatomy::Phase;

TEST(LoopAnatomy, APassIsTimedPhaseByPhaseFromTheEndOfTheOneBefore) {
  LoopAnatomy longest;
  LoopPass pass(1'000);
  pass.end_phase(Phase::kNetwork, 1'400);  // 400
  pass.end_phase(Phase::kTimers, 1'400);   // nothing
  pass.end_phase(Phase::kChecks, 1'450);   // 50
  pass.end_phase(Phase::kWeb, 1'440);      // a clock that stepped back: no time
  pass.end_phase(Phase::kPanel, 1'500);    // 60
  pass.keep_if_longer(longest);
  EXPECT_EQ(longest.total_us, 500);
  EXPECT_EQ(longest.phase_us, (std::array<int64_t, LoopAnatomy::kPhases>{400, 0, 50, 0, 0, 0, 0, 60}));
  EXPECT_EQ(longest.slowest(), Phase::kNetwork);
  EXPECT_EQ(LoopAnatomy::phase_name(longest.slowest()), "network");
}

TEST(LoopAnatomy, OnlyALongerPassReplacesTheLongest) {
  LoopAnatomy longest;
  LoopPass slow(0);
  slow.end_phase(Phase::kHttps, 9'000);
  slow.keep_if_longer(longest);
  LoopPass quick(10'000);
  quick.end_phase(Phase::kNetwork, 10'100);
  quick.keep_if_longer(longest);
  LoopPass as_long(20'000);
  as_long.end_phase(Phase::kEvents, 29'000);
  as_long.keep_if_longer(longest);
  EXPECT_EQ(longest.total_us, 9'000);
  EXPECT_EQ(longest.slowest(), Phase::kHttps);
  EXPECT_EQ(longest.phase_us[static_cast<size_t>(Phase::kEvents)], 0);
}

TEST(LoopAnatomy, EveryPhaseHasItsName) {
  for (int p = 0; p < LoopAnatomy::kPhases; ++p) {
    EXPECT_FALSE(LoopAnatomy::phase_name(static_cast<Phase>(p)).empty()) << p;
  }
  EXPECT_EQ(LoopAnatomy::phase_name(Phase::kPanel), "panel");
}

}  // namespace
}  // namespace probebox
