#include "monitor/result_hold.h"

namespace probebox {

bool ResultHold::hold(bool reader, hal::MonoMicros now) {
  if (!reader) {
    since_ = -1;
    return false;
  }
  if (since_ < 0) since_ = now;
  if (now - since_ < kMaxHoldUs) return true;
  // Readers one after another must not hold results for ever: this step reports.
  since_ = -1;
  ++expired_;
  return false;
}

}  // namespace probebox
