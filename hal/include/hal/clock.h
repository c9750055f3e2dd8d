// Time, injected everywhere: a monotonic clock for deadlines and latencies, and a
// wall clock that may be unset (a board without an RTC boots unsynchronised; SNTP
// sets it). Nothing in firmware/ reads a global clock.
#pragma once
#include <cstdint>

namespace hal {

// Microseconds since boot; never goes backwards.
using MonoMicros = int64_t;

struct WallTime {
  int64_t unix_micros = 0;
  bool valid = false;  // false until synchronised: certificate dates cannot be judged
};

class Clock {
 public:
  MonoMicros now() const { return DoNow(); }
  WallTime wall() const { return DoWall(); }
  // Steps the wall clock (SNTP); boards whose wall clock is the host's may ignore it.
  void set_wall(int64_t unix_micros) { DoSetWall(unix_micros); }

 protected:
  ~Clock() = default;

 private:
  virtual MonoMicros DoNow() const = 0;
  virtual WallTime DoWall() const = 0;
  virtual void DoSetWall(int64_t unix_micros) = 0;
};

}  // namespace hal
