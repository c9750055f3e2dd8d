#include "systick_clock.h"

#include "board_config.h"

namespace board {
namespace {
volatile uint32_t& syst_csr = *reinterpret_cast<volatile uint32_t*>(0xE000E010);
volatile uint32_t& syst_rvr = *reinterpret_cast<volatile uint32_t*>(0xE000E014);
volatile uint32_t& syst_cvr = *reinterpret_cast<volatile uint32_t*>(0xE000E018);
constexpr uint32_t kTicksPerMs = kSystemClockHz / 1000;
}  // namespace

void SysTickClock::init() {
  syst_rvr = kTicksPerMs - 1;
  syst_cvr = 0;
  syst_csr = 0x7;  // processor clock, interrupt, enable
}

hal::MonoMicros SysTickClock::DoNow() const {
  // Read the counter between two reads of the millisecond count, so a tick in
  // between cannot make time jump backwards.
  uint64_t ms;
  uint32_t counter;
  do {
    ms = millis_;
    counter = syst_cvr;
  } while (ms != millis_);
  uint32_t elapsed_ticks = (kTicksPerMs - 1) - counter;
  return static_cast<hal::MonoMicros>(ms * 1000 + elapsed_ticks / (kTicksPerMs / 1000));
}

static hal::WallTime DoWallImpl(bool valid, int64_t offset, hal::MonoMicros now) {
  return {valid ? now + offset : 0, valid};
}

hal::WallTime SysTickClock::DoWall() const { return DoWallImpl(wall_valid_, wall_offset_us_, DoNow()); }

void SysTickClock::DoSetWall(int64_t unix_micros) {
  wall_offset_us_ = unix_micros - DoNow();
  wall_valid_ = true;
}

}  // namespace board
