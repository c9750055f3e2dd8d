#include "panel/button_input.h"

namespace probebox::panel {

ButtonEvent ButtonInput::update(uint8_t raw, int64_t now) {
  if (raw != candidate_) {
    candidate_ = raw;
    candidate_since_ = now;
  }
  ButtonEvent event = ButtonEvent::kNone;
  if (candidate_ != stable_ && now - candidate_since_ >= kDebounceUs) {
    uint8_t released = stable_ & ~candidate_;
    uint8_t pressed = candidate_ & ~stable_;
    if (pressed) {
      pressed_since_ = now;
      long_reported_ = false;
    }
    // A press counts when it ends, unless it already counted as a long press.
    if (released && !long_reported_) {
      if (released & hal::kUp) event = ButtonEvent::kUp;
      else if (released & hal::kDown) event = ButtonEvent::kDown;
      else if (released & hal::kOk) event = ButtonEvent::kOk;
      else if (released & hal::kBack) event = ButtonEvent::kBack;
    }
    stable_ = candidate_;
  }
  if ((stable_ & hal::kOk) && !long_reported_ && now - pressed_since_ >= kLongPressUs) {
    long_reported_ = true;
    event = ButtonEvent::kOkLong;
  }
  return event;
}

}  // namespace probebox::panel
