// The four front-panel buttons, read raw (bounce and all): the panel logic debounces.
#pragma once
#include <cstdint>

namespace hal {

enum Button : uint8_t { kUp = 1 << 0, kDown = 1 << 1, kOk = 1 << 2, kBack = 1 << 3 };

class Buttons {
 public:
  // Bitmask of Button values held down right now.
  uint8_t pressed() { return DoPressed(); }

 protected:
  ~Buttons() = default;

 private:
  virtual uint8_t DoPressed() = 0;
};

}  // namespace hal
