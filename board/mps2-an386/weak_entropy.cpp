#include "weak_entropy.h"

namespace board {
namespace {
volatile uint32_t& syst_cvr = *reinterpret_cast<volatile uint32_t*>(0xE000E018);

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

void WeakEntropy::stir(uint32_t sample) { state_ = mix(state_ ^ sample); }

bool WeakEntropy::DoFill(std::span<uint8_t> out) {
  for (auto& b : out) {
    state_ = mix(state_ + 0x9E3779B97F4A7C15ull + syst_cvr);
    b = static_cast<uint8_t>(state_ >> 56);
  }
  return true;
}

}  // namespace board
