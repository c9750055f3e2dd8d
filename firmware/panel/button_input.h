// Raw button levels -> events: a level must hold kDebounceUs before it counts (a
// bouncing contact or a glitch is ignored), a press is reported on release, and OK
// held for kLongPressUs is reported once as a long press (factory reset).
#pragma once
#include <cstdint>

#include "hal/buttons.h"

namespace probebox::panel {

enum class ButtonEvent : uint8_t { kNone, kUp, kDown, kOk, kBack, kOkLong };

class ButtonInput {
 public:
  static constexpr int64_t kDebounceUs = 30'000;
  static constexpr int64_t kLongPressUs = 5'000'000;

  // Feed the raw level every step; returns at most one event.
  ButtonEvent update(uint8_t raw, int64_t now_us);

 private:
  uint8_t candidate_ = 0;
  int64_t candidate_since_ = 0;
  uint8_t stable_ = 0;
  int64_t pressed_since_ = 0;
  bool long_reported_ = false;
};

}  // namespace probebox::panel
