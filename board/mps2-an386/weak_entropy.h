// Entropy on mps2-an386: THE BOARD HAS NO TRUE RANDOM NUMBER GENERATOR. This source
// mixes SysTick counter jitter sampled around UART and network events; under QEMU
// that is close to deterministic. It keeps lwIP's port and sequence numbers varied
// and lets TLS run, but it is NOT fit for secrets (session ids, the first-boot
// password, TLS keys). A production board replaces this one class with its TRNG
// driver; nothing else changes (docs/porting.md).
#pragma once
#include "hal/entropy.h"

namespace board {

class WeakEntropy final : public hal::Entropy {
 public:
  // Folds an unpredictable-ish sample (a timer value at an event) into the pool.
  void stir(uint32_t sample);

 private:
  bool DoFill(std::span<uint8_t> out) override;
  uint64_t state_ = 0x6A09E667F3BCC909ull;
};

}  // namespace board
