#include "core/loop_anatomy.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

using Phase = LoopAnatomy::Phase;

TEST(LoopAnatomy, APassIsTimedPhaseByPhaseFromTheEndOfTheOneBefore) {
  LoopTimes times;
  LoopPass pass(1'000);
  pass.end_phase(Phase::kNetwork, 1'400);  // 400
  pass.end_phase(Phase::kTimers, 1'400);   // nothing
  pass.end_phase(Phase::kChecks, 1'450);   // 50
  pass.end_phase(Phase::kWeb, 1'440);      // a clock that stepped back: no time
  pass.end_phase(Phase::kPanel, 1'500);    // 60
  pass.record(times);
  const LoopAnatomy& longest = times.longest;
  EXPECT_EQ(longest.total_us, 500);
  EXPECT_EQ(longest.phase_us, (std::array<int64_t, LoopAnatomy::kPhases>{400, 0, 50, 0, 0, 0, 0, 60}));
  EXPECT_EQ(longest.slowest(), Phase::kNetwork);
  EXPECT_EQ(LoopAnatomy::phase_name(longest.slowest()), "network");
}

TEST(LoopAnatomy, EveryPassIsCountedAndOnlyALongerOneReplacesTheLongest) {
  LoopTimes times;
  LoopPass slow(0);
  slow.end_phase(Phase::kHttps, 9'000);
  slow.record(times);
  LoopPass quick(10'000);
  quick.end_phase(Phase::kNetwork, 10'100);
  quick.record(times);
  LoopPass as_long(20'000);
  as_long.end_phase(Phase::kEvents, 29'000);
  as_long.record(times);
  const LoopAnatomy& longest = times.longest;
  EXPECT_EQ(longest.total_us, 9'000);
  EXPECT_EQ(longest.slowest(), Phase::kHttps);
  EXPECT_EQ(longest.phase_us[static_cast<size_t>(Phase::kEvents)], 0);
  EXPECT_EQ(times.passes.count(0), 1u);  // 100 us
  EXPECT_EQ(times.passes.count(4), 2u);  // [8,16) ms: 9 ms twice
}

TEST(LoopAnatomy, EveryPhaseHasItsName) {
  for (int p = 0; p < LoopAnatomy::kPhases; ++p) {
    EXPECT_FALSE(LoopAnatomy::phase_name(static_cast<Phase>(p)).empty()) << p;
  }
  EXPECT_EQ(LoopAnatomy::phase_name(Phase::kPanel), "panel");
}

}  // namespace
}  // namespace probebox
