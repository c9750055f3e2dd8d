// A clock tests move by hand: hours of schedule run in milliseconds.
#pragma once
#include "hal/clock.h"

namespace hal {

class FakeClock final : public Clock {
 public:
  void advance_ms(int64_t ms) { now_ += ms * 1000; wall_.unix_micros += ms * 1000; }
  void advance_us(int64_t us) { now_ += us; wall_.unix_micros += us; }
  void set_wall_valid(bool valid) { wall_.valid = valid; }

 private:
  MonoMicros DoNow() const override { return now_; }
  WallTime DoWall() const override { return wall_; }
  void DoSetWall(int64_t unix_micros) override { wall_ = {unix_micros, true}; }
  MonoMicros now_ = 1'000'000;
  WallTime wall_{1'767'225'600'000'000, true};  // 2026-01-01T00:00:00Z
};

}  // namespace hal
