// One wake-up for two deadlines that fall close together.
//
// The loop sleeps until the earliest of its timer sources: lwIP's next timer, the
// box's own next deadline, and in the simulator libslirp's (a delayed ACK's 40 ms,
// else a poll at most 499 ms after the last). Their periods differ (lwIP's 250 ms
// TCP timer and 500 ms and 1 s timers, the scheduler's start groups 20 ms apart, the
// 1 s idle step), so they often fall a few milliseconds apart and the loop wakes twice
// where once would do.
// Every deadline here tolerates a few milliseconds of lateness: TCP's timers are
// hundreds of milliseconds, a probe measures its latency from its own start and its
// timeout is seconds. Each wake-up costs a Cortex-M a clock ramp and an exit from
// WFI, and a host process a context switch (27-55 us on the build machines), so two
// deadlines within the slack share the later one's wake-up, as Linux's timer slack
// does for its own timers.
#pragma once

#include <cstdint>

namespace probebox {

// How late a deadline may be served so that it shares another's wake-up.
inline constexpr int64_t kWakeSlackUs = 5'000;

// The wait to sleep before serving deadlines `a` and `b` (waits from now, same unit):
// the earlier, unless the later is within `slack` of it. What is due already is
// served at once.
constexpr int64_t shared_wake(int64_t a, int64_t b, int64_t slack) {
  const int64_t early = a < b ? a : b;
  const int64_t late = a < b ? b : a;
  return early > 0 && late - early <= slack ? late : early;
}

}  // namespace probebox
