// The simulator's hal objects: the host's clocks, the kernel's entropy, stderr.
#pragma once
#include "hal/clock.h"
#include "hal/entropy.h"

namespace probebox::sim {

class HostClock final : public hal::Clock {
 private:
  hal::MonoMicros DoNow() const override;
  hal::WallTime DoWall() const override;
  void DoSetWall(int64_t) override {}  // the host keeps its own time
};

class HostEntropy final : public hal::Entropy {
 private:
  bool DoFill(std::span<uint8_t> out) override;
};

}  // namespace probebox::sim
