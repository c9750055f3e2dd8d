// The CMSDK APB UART: polled transmit, non-blocking receive. UART0 is the console,
// UART1 the virtual LCD.
#pragma once
#include <cstdint>
#include <string_view>

#include "hal/console.h"

namespace board {

class CmsdkUart final : public hal::Console {
 public:
  explicit CmsdkUart(uintptr_t base) : base_(base) {}
  void init();
  void put(char c);
  // -1 when no byte is waiting.
  int get();
  bool byte_waiting() const;

 private:
  void DoWrite(std::string_view text) override;
  volatile uint32_t& reg(uint32_t offset) const { return *reinterpret_cast<volatile uint32_t*>(base_ + offset); }
  uintptr_t base_;
};

}  // namespace board
