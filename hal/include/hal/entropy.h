// The board's entropy source. Seeds mbedTLS's CTR-DRBG, lwIP's ISNs and ports, the
// first-boot password and session ids. Its quality is the board's to state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace hal {

class Entropy {
 public:
  // Fills `out` completely or returns false.
  bool fill(std::span<uint8_t> out) { return DoFill(out); }

 protected:
  ~Entropy() = default;

 private:
  virtual bool DoFill(std::span<uint8_t> out) = 0;
};

}  // namespace hal
