// Deterministic "entropy" for tests (xorshift): reproducible, and never secure.
#pragma once
#include "hal/entropy.h"

namespace hal {

class FakeEntropy final : public Entropy {
 public:
  explicit FakeEntropy(uint64_t seed = 0x9E3779B97F4A7C15ull) : state_(seed | 1) {}

 private:
  bool DoFill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      b = static_cast<uint8_t>(state_);
    }
    return true;
  }
  uint64_t state_;
};

}  // namespace hal
