// The LED policy: the states the panel's LEDs show (from the health model, the
// acknowledgements and the link) and how a state is driven.
#include "panel/led_policy.h"

#include "panel/panel.h"

namespace probebox::panel {
namespace {

constexpr hal::LedId kGroupLeds[kGroupCount] = {hal::LedId::kCert,   hal::LedId::kDns,  hal::LedId::kPorts,
                                                hal::LedId::kSmtp,   hal::LedId::kHealth, hal::LedId::kTime,
                                                hal::LedId::kEgress, hal::LedId::kIsolation};

}  // namespace

int panel_severity(Outcome o) {
  switch (o) {
    case Outcome::kCritical: return 3;
    case Outcome::kWarning: return 2;
    case Outcome::kUnknown: return 1;
    case Outcome::kOk: return 0;
  }
  return 0;
}

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

void Panel::compute_leds(const PanelInputs& in, int64_t now_us) {
  LedStates next{};
  next[static_cast<int>(hal::LedId::kStatus)] = {color_for(digest_.overall), digest_.unacked_critical};
  for (int g = 0; g < kGroupCount; ++g) {
    const GroupDigest& d = digest_.groups[static_cast<size_t>(g)];
    next[static_cast<int>(kGroupLeds[g])] = d.lit ? LedState{color_for(d.worst), d.unacked_critical} : LedState{};
  }
  next[static_cast<int>(hal::LedId::kLink)] = {in.link && in.has_address ? hal::LedColor::kGreen : hal::LedColor::kOff,
                                               false};
  heartbeat_ = (now_us / 500'000) % 2 == 0;
  // The heartbeat is driven in render(); as a state it is "on", not a change per beat.
  next[static_cast<int>(hal::LedId::kHeartbeat)] = {hal::LedColor::kGreen, true};
  if (!(next == leds_)) changed_ = true;
  leds_ = next;
}

}  // namespace probebox::panel
