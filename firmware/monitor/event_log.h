// A bounded ring of hard-state transitions, newest first, for the panel, the web UI
// and alerts. When full, the oldest event is overwritten and counted.
#pragma once
#include <array>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/check_types.h"
#include "core/limits.h"
#include "core/text.h"

#ifndef PROBEBOX_MAX_EVENTS
#define PROBEBOX_MAX_EVENTS 64
#endif
// The bytes of the event ring (EventLog): 96 per event on average. Measured with the
// full 128-check appliance (test_target_limits): 64 events in 3,681 bytes, 58 each;
// the demo's average 49. 96 holds 64 events whose id and summary together average 77
// characters (issue 20: the 2 KiB this saves against 128 is part of fitting 256 KiB).
#ifndef PROBEBOX_EVENT_LOG_BYTES
#define PROBEBOX_EVENT_LOG_BYTES (96 * PROBEBOX_MAX_EVENTS)
#endif

namespace probebox {

// The text of an event, N characters at most: its length and its characters (NUL
// ended, for c_str()), and no more — a ring of them is kept, and FixedText's
// 32-byte TextBuffer header would be a fifth of each event.
template <size_t N>
class EventText {
  static_assert(N < 256, "the length is a byte");

 public:
  std::string_view view() const { return std::string_view(chars_, len_); }
  const char* c_str() const { return chars_; }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  bool overflowed() const { return overflowed_; }
  void clear() {
    len_ = 0;
    chars_[0] = '\0';
    overflowed_ = false;
  }
  void assign(std::string_view s) {
    clear();
    append(s);
  }
  void append(std::string_view s) {
    size_t n = s.size() <= N - len_ ? s.size() : N - len_;
    if (n < s.size()) overflowed_ = true;
    if (n > 0) std::memcpy(chars_ + len_, s.data(), n);
    len_ = static_cast<uint8_t>(len_ + n);
    chars_[len_] = '\0';
  }
  void appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    char buf[N + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    append(std::string_view(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : N));
    if (static_cast<size_t>(n) > N) overflowed_ = true;
  }

 private:
  uint8_t len_ = 0;
  bool overflowed_ = false;
  char chars_[N + 1] = {};
};

struct Event {
  uint32_t sequence = 0;        // increases by one per event, continued across restarts; wraps at 2^32
  int64_t wall_unix_us = 0;     // 0 when the wall clock was not set
  int64_t mono_us = 0;
  EventText<32> check_id;
  Outcome from = Outcome::kUnknown;
  Outcome to = Outcome::kUnknown;
  bool first = false;           // the check's first result after boot
  bool maintenance = false;     // happened inside a maintenance window: alerts held
  bool previous_boot = false;   // restored from flash: mono_us means nothing now
  uint16_t confirmations = 0;   // bad results in a row (or in the window) that made the change
  EventText<120> summary;
};

// The ring keeps each event in the bytes it needs (a 19-byte head, then the check's
// id and the summary as they are, no padding): kBytes shared by at most kCapacity
// events. The newest event always fits (the longest is kMaxRecordBytes); to make
// room, the oldest go first, each counted as overwritten. With the default sizes
// the ring remembers kCapacity events while they average 96 bytes (an id and a
// summary of 77 characters together; the former fixed slots held 152), and at
// least kBytes / kMaxRecordBytes (35) of the longest. Events are read back as values
// (Event), decoded from the ring; the wall time in whole seconds.
class EventLog {
 public:
  static constexpr size_t kCapacity = PROBEBOX_MAX_EVENTS;
  static constexpr size_t kHeadBytes = 19;
  static constexpr size_t kMaxRecordBytes = kHeadBytes + 32 + 120;
  static constexpr size_t kBytes = PROBEBOX_EVENT_LOG_BYTES;
  static_assert(kBytes >= kMaxRecordBytes && kBytes <= 65535, "the ring holds the longest event; offsets are 16-bit");
  static_assert(kCapacity <= 65535);

  // The event as kept (its sequence numbered); an event that must wait for a reader
  // is read again with at_sequence.
  Event push(const Event& e);
  // An event read back from flash after a restart: keeps its sequence, and the
  // numbering continues after it. Call oldest first, before any push.
  void restore(const Event& e);
  size_t size() const { return size_; }
  // 0 is the newest.
  Event newest(size_t i) const;
  uint32_t total() const { return next_sequence_; }
  uint32_t overwritten() const { return overwritten_; }
  size_t bytes_used() const { return used_; }

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
  Event at_sequence(uint32_t s) const { return newest(next_sequence_ - 1 - s); }
  void clear() { size_ = 0; head_ = 0; used_ = 0; }

  // The ring's record format, pure (exposed for tests): the bytes written (at most
  // kMaxRecordBytes), and the event back from a record of `size` bytes (false: not one).
  static size_t encode(const Event& e, uint8_t (&out)[kMaxRecordBytes]);
  static bool decode(const uint8_t* in, size_t size, Event& e);

 private:
  void add(const Event& e);
  size_t record_size(size_t slot) const;
  void copy_out(size_t at, uint8_t* to, size_t n) const;

  uint16_t start_[kCapacity];   // where each event's record begins in bytes_ (ring of slots)
  size_t head_ = 0;             // the slot of the next event
  size_t size_ = 0;
  size_t used_ = 0;             // bytes of the records kept; the oldest begins at start_[oldest]
  uint32_t next_sequence_ = 0;
  uint32_t overwritten_ = 0;
  uint8_t bytes_[kBytes];       // not zeroed: only the kept records are read
};

}  // namespace probebox
