// The CMSDK APB watchdog (ARM DDI 0479, at 0x40008000 on the MPS2 boards): restarts a
// box whose main loop stopped coming back. The counter runs down from the load value
// at the system clock; at zero it raises WDOGINT, which the board wires to the NMI,
// and the NMI handler reports where the loop was stuck and stops the box (startup.cpp).
// Should the handler itself hang, the second run to zero asserts the reset line.
// The main loop feeds it on every pass.
#pragma once
#include <cstdint>

namespace board {

class CmsdkWatchdog {
 public:
  explicit CmsdkWatchdog(uintptr_t base) : base_(base) {}
  // Starts counting: WDOGINT after timeout_ms without a feed, reset after twice that.
  // Nothing else may write to it afterwards: its registers are locked between feeds.
  void start(uint32_t timeout_ms, uint32_t clock_hz);
  void feed();
  // Clock ticks left before WDOGINT.
  uint32_t remaining() const { return reg(kValueRegister); }

 private:
  static constexpr uint32_t kValueRegister = 0x004;
  volatile uint32_t& reg(uint32_t offset) const { return *reinterpret_cast<volatile uint32_t*>(base_ + offset); }
  void unlock();
  void lock();
  uintptr_t base_;
  bool running_ = false;
};

}  // namespace board
