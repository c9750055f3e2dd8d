// Which colour each LED shows, and whether it blinks: STATUS is the worst hard state
// outside maintenance (dark while unknown), each group LED the worst of its group, a
// critical nobody has acknowledged blinks red, LINK is on with an address, and the
// heartbeat alternates every half second while the main loop runs.
#pragma once
#include <array>
#include <cstdint>

#include "core/check_types.h"
#include "hal/leds.h"

namespace probebox::panel {

struct LedState {
  hal::LedColor color = hal::LedColor::kOff;
  bool blink = false;
  friend bool operator==(const LedState&, const LedState&) = default;
};

using LedStates = std::array<LedState, hal::kLedCount>;

hal::LedColor color_for(Outcome o);
// Most severe first on the panel (3 critical .. 0 ok): a check that failed outranks
// one that could not run. Orders the group LEDs and the failing checks' pages.
int panel_severity(Outcome o);
// The colour to drive now: blinking LEDs are dark in the second half of each second.
hal::LedColor shown(const LedState& s, int64_t now_us);

}  // namespace probebox::panel
