// The front panel's pace (panel/panel_pace.h): 10 Hz while nobody touches the
// buttons, 50 Hz from a press until a second after the last one.
#include "panel/panel_pace.h"

#include <gtest/gtest.h>

#include "hal/buttons.h"

namespace probebox::panel {
namespace {

constexpr int64_t kMs = 1000;

// Steps over `ms` milliseconds, asked every 5 ms (a busy main loop) with `raw`
// held: how many the panel ran.
int steps_over(PanelPace& pace, int64_t& now, int64_t ms, uint8_t raw, uint32_t version = 0) {
  int n = 0;
  for (int64_t end = now + ms * kMs; now < end; now += 5 * kMs) n += pace.due(now, raw, version) ? 1 : 0;
  return n;
}

TEST(PanelPace, TenHertzWhileNobodyTouchesTheButtons) {
  PanelPace pace;
  int64_t now = 5'000'000 * kMs;
  EXPECT_TRUE(pace.due(now, 0)) << "the first step runs at once";
  now += 5 * kMs;
  EXPECT_EQ(steps_over(pace, now, 1000, 0), 10);
  EXPECT_EQ(steps_over(pace, now, 10'000, 0), 100);
}

TEST(PanelPace, FiftyHertzFromAPressUntilASecondAfterTheLast) {
  PanelPace pace;
  int64_t now = 5'000'000 * kMs;
  (void)steps_over(pace, now, 1000, 0);
  // A press is seen at the next loop step, however recent the last panel step was
  // (the 20 ms floor of the fast pace aside): debouncing starts on time.
  now += 20 * kMs;
  EXPECT_TRUE(pace.due(now, hal::kUp));
  now += 5 * kMs;
  EXPECT_EQ(steps_over(pace, now, 200, hal::kUp), 10) << "held: 50 Hz";
  EXPECT_EQ(steps_over(pace, now, 1000, 0), 50) << "released: still 50 Hz for a second";
  EXPECT_EQ(steps_over(pace, now, 1000, 0), 10) << "then back to 10 Hz";
  // 30 ms after a slow step: not due, unless a button went down meanwhile.
  while (!pace.due(now, 0)) now += 5 * kMs;
  now += 30 * kMs;
  PanelPace same = pace;
  EXPECT_FALSE(same.due(now, 0));
  EXPECT_TRUE(pace.due(now, hal::kOk));
}

TEST(PanelPace, AChangedStateStepsAtOnceWhateverThePace) {
  PanelPace pace;
  int64_t now = 5'000'000 * kMs;
  EXPECT_TRUE(pace.due(now, 0, 7));
  now += 5 * kMs;
  EXPECT_FALSE(pace.due(now, 0, 7)) << "nothing changed: the 10 Hz pace holds";
  now += 5 * kMs;
  EXPECT_TRUE(pace.due(now, 0, 8)) << "a hard change is drawn at the next loop step";
  now += 5 * kMs;
  EXPECT_FALSE(pace.due(now, 0, 8)) << "once";
  // The pace then counts from that step.
  now += 5 * kMs;
  EXPECT_EQ(steps_over(pace, now, 1000, 0, 8), 10);
}

// A loop that sleeps until next_due() (and wakes at once for a press) steps the panel
// at the pace of one asking every 5 ms, with no wake-up in between.
TEST(PanelPace, ALoopSleepingUntilNextDueKeepsThePace) {
  PanelPace pace;
  int64_t now = 5'000'000 * kMs;
  int steps = 0, wakes = 0;
  auto sleep_and_step = [&](uint8_t raw) {
    const int64_t next = pace.next_due(now);
    ASSERT_GE(next, now - 20 * kMs);
    now = next > now ? next : now;
    ++wakes;
    steps += pace.due(now, raw) ? 1 : 0;
  };
  EXPECT_EQ(pace.next_due(now), now) << "never stepped: due now";
  for (int i = 0; i < 101; ++i) sleep_and_step(0);
  EXPECT_EQ(steps, 101);
  EXPECT_EQ(wakes, 101) << "every wake-up a step: 10 Hz and nothing between";
  EXPECT_EQ(now - 5'000'000 * kMs, 10'000 * kMs);
  // A press (the board wakes for it at once): 50 Hz for the second after it.
  now += 37 * kMs;
  EXPECT_TRUE(pace.due(now, hal::kOk));
  const int64_t pressed = now;
  steps = wakes = 0;
  while (now - pressed < 1000 * kMs) sleep_and_step(0);
  EXPECT_EQ(steps, 50);
  EXPECT_EQ(wakes, 50);
  EXPECT_EQ(pace.next_due(now) - now, 100 * kMs) << "then 10 Hz again, with no wake-up wasted between";
}

}  // namespace
}  // namespace probebox::panel
