// Monotonic time from SysTick (1 ms interrupts plus the counter for microseconds).
// The wall clock starts unset: there is no RTC; SNTP sets it.
#pragma once
#include "hal/clock.h"

namespace board {

class SysTickClock final : public hal::Clock {
 public:
  void init();
  void on_tick() { millis_ = millis_ + 1; }

 private:
  hal::MonoMicros DoNow() const override;
  hal::WallTime DoWall() const override;
  void DoSetWall(int64_t unix_micros) override;

  volatile uint64_t millis_ = 0;
  int64_t wall_offset_us_ = 0;  // wall = monotonic + offset, once set
  bool wall_valid_ = false;
};

}  // namespace board
