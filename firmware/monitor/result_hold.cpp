#include "monitor/result_hold.h"

namespace probebox {

void ResultHold::release() {
  since_ = -1;
  blocked_since_ = -1;
  ++expired_;
}

bool ResultHold::hold(bool reader, bool start_blocked, hal::MonoMicros now) {
  if (!reader) {
    since_ = -1;
    blocked_since_ = -1;
    return false;
  }
  if (since_ < 0) since_ = now;
  if (!start_blocked) {
    blocked_since_ = -1;
  } else if (blocked_since_ < 0) {
    blocked_since_ = now;
  }
  // Readers one after another, or checks waiting for the held slots: this step
  // reports, and the next hold begins afresh.
  if (now - since_ >= kMaxHoldUs || (blocked_since_ >= 0 && now - blocked_since_ >= kMaxBlockedUs)) {
    release();
    return false;
  }
  return true;
}

}  // namespace probebox
