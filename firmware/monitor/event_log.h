// A bounded ring of hard-state transitions, newest first, for the panel, the web UI
// and alerts. When full, the oldest event is overwritten and counted.
#pragma once
#include <array>
#include <cstdint>

#include "core/check_types.h"
#include "core/limits.h"
#include "core/text.h"

#ifndef PROBEBOX_MAX_EVENTS
#define PROBEBOX_MAX_EVENTS 64
#endif

namespace probebox {

struct Event {
  uint32_t sequence = 0;        // increases by one per event, continued across restarts; wraps at 2^32
  int64_t wall_unix_us = 0;     // 0 when the wall clock was not set
  int64_t mono_us = 0;
  FixedText<32> check_id;
  Outcome from = Outcome::kUnknown;
  Outcome to = Outcome::kUnknown;
  bool first = false;           // the check's first result after boot
  bool maintenance = false;     // happened inside a maintenance window: alerts held
  bool previous_boot = false;   // restored from flash: mono_us means nothing now
  uint16_t confirmations = 0;   // bad results in a row (or in the window) that made the change
  FixedText<120> summary;
};

class EventLog {
 public:
  static constexpr size_t kCapacity = PROBEBOX_MAX_EVENTS;

  const Event& push(const Event& e);
  // An event read back from flash after a restart: keeps its sequence, and the
  // numbering continues after it. Call oldest first, before any push.
  void restore(const Event& e);
  size_t size() const { return size_; }
  // 0 is the newest.
  const Event& newest(size_t i) const { return ring_[(head_ + kCapacity - 1 - i) % kCapacity]; }
  uint32_t total() const { return next_sequence_; }
  uint32_t overwritten() const { return overwritten_; }

  // Sequence numbers wrap at 2^32 (a restored record may sit just below it): they
  // are compared as serial numbers (RFC 1982), by the signed difference, never by
  // `<` on the raw values.
  static bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
  // The sequence of the oldest event still in the ring (total() when empty).
  uint32_t oldest_kept() const { return next_sequence_ - static_cast<uint32_t>(size_); }
  // A reader's cursor (the sequence of the next event it wants): moved up to the
  // oldest event still kept, returning how many it missed, or back to total() if it
  // stands past the newest. After this, `readable` says whether there is an event.
  uint32_t catch_up(uint32_t& next) const;
  bool readable(uint32_t next) const { return before(next, next_sequence_) && !before(next, oldest_kept()); }
  // The event with sequence `s`; only while readable(s).
  const Event& at_sequence(uint32_t s) const { return newest(next_sequence_ - 1 - s); }
  void clear() { size_ = 0; head_ = 0; }

 private:
  std::array<Event, kCapacity> ring_{};
  size_t head_ = 0;  // where the next event goes
  size_t size_ = 0;
  uint32_t next_sequence_ = 0;
  uint32_t overwritten_ = 0;
};

}  // namespace probebox
