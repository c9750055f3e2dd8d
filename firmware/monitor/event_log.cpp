#include "monitor/event_log.h"

namespace probebox {

const Event& EventLog::push(const Event& e) {
  if (size_ == kCapacity) ++overwritten_;
  Event& slot = ring_[head_];
  slot = e;
  slot.sequence = next_sequence_++;
  head_ = (head_ + 1) % kCapacity;
  if (size_ < kCapacity) ++size_;
  return slot;
}

void EventLog::restore(const Event& e) {
  if (size_ == kCapacity) ++overwritten_;
  Event& slot = ring_[head_];
  slot = e;
  slot.previous_boot = true;
  head_ = (head_ + 1) % kCapacity;
  if (size_ < kCapacity) ++size_;
  next_sequence_ = e.sequence + 1;
}

uint32_t EventLog::catch_up(uint32_t& next) const {
  const uint32_t oldest = oldest_kept();
  if (before(next, oldest)) {
    uint32_t missed = oldest - next;
    next = oldest;
    return missed;
  }
  if (before(next_sequence_, next)) next = next_sequence_;  // ahead of the log: nothing to wait for there
  return 0;
}

}  // namespace probebox
