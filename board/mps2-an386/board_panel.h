// The front panel on mps2-an386 as QEMU models it: ten single-colour LEDs and no
// display. The mapping (a board detail, documented in docs/porting.md):
//   USERLED0 (FPGAIO) = STATUS, lit while anything is not ok (blinks for a new critical)
//   USERLED1 (FPGAIO) = HEARTBEAT
//   SCC LED0..7       = the eight check groups, lit while the group is not ok
// The 20x4 LCD is UART1: each redraw is written as four lines. Keys on UART0 act
// as the buttons (k/j or arrows, Enter = OK, Backspace = BACK).
#pragma once
#include <cstdint>

#include "cmsdk_uart.h"
#include "hal/buttons.h"
#include "hal/clock.h"
#include "hal/lcd.h"
#include "hal/leds.h"

namespace board {

class BoardLeds final : public hal::Leds {
 private:
  void DoSet(hal::LedId led, hal::LedColor color) override;
  uint32_t fpga_ = 0;
  uint32_t scc_ = 0;
};

class UartLcd final : public hal::Lcd {
 public:
  explicit UartLcd(CmsdkUart& uart) : uart_(uart) {}

 private:
  void DoWriteRow(int row, std::string_view text) override;
  CmsdkUart& uart_;
  char rows_[4][21] = {};
};

class UartButtons final : public hal::Buttons {
 public:
  UartButtons(CmsdkUart& uart, hal::Clock& clock) : uart_(uart), clock_(clock) {}
  // A key typed and not yet read: the loop's sleep ends for it.
  bool key_waiting() const { return uart_.byte_waiting(); }

 private:
  uint8_t DoPressed() override;
  CmsdkUart& uart_;
  hal::Clock& clock_;
  uint8_t held_ = 0;
  int64_t release_at_ = 0;
};

}  // namespace board
