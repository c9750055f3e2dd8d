#include "panel/led_policy.h"

namespace probebox::panel {

hal::LedColor color_for(Outcome o) {
  switch (o) {
    case Outcome::kOk: return hal::LedColor::kGreen;
    case Outcome::kWarning: return hal::LedColor::kAmber;
    case Outcome::kCritical: return hal::LedColor::kRed;
    case Outcome::kUnknown: return hal::LedColor::kOff;
  }
  return hal::LedColor::kOff;
}

hal::LedColor shown(const LedState& s, int64_t now_us) {
  if (!s.blink) return s.color;
  return (now_us / 500'000) % 2 == 0 ? s.color : hal::LedColor::kOff;
}

}  // namespace probebox::panel
