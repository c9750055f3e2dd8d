#include "board_panel.h"

#include <cstring>

#include "board_config.h"
#include "hal/clock.h"

namespace board {

void BoardLeds::DoSet(hal::LedId led, hal::LedColor color) {
  bool on = color != hal::LedColor::kOff;
  if (led == hal::LedId::kStatus) {
    // A single-colour LED can only say "look at me": lit for anything but green.
    bool alarm = color == hal::LedColor::kAmber || color == hal::LedColor::kRed;
    fpga_ = alarm ? (fpga_ | 1u) : (fpga_ & ~1u);
  } else if (led == hal::LedId::kHeartbeat) {
    fpga_ = on ? (fpga_ | 2u) : (fpga_ & ~2u);
  } else if (led >= hal::LedId::kCert && led <= hal::LedId::kIsolation) {
    uint32_t bit = 1u << (static_cast<int>(led) - static_cast<int>(hal::LedId::kCert));
    bool alarm = color == hal::LedColor::kAmber || color == hal::LedColor::kRed;
    scc_ = alarm ? (scc_ | bit) : (scc_ & ~bit);
  } else {
    return;  // LINK has no LED on this board; the network page shows it
  }
  *reinterpret_cast<volatile uint32_t*>(kFpgaIoLeds) = fpga_;
  *reinterpret_cast<volatile uint32_t*>(kSccCfg1) = scc_;
}

void UartLcd::DoWriteRow(int row, std::string_view text) {
  if (row < 0 || row > 3) return;
  size_t n = text.size() < 20 ? text.size() : 20;
  std::memcpy(rows_[row], text.data(), n);
  rows_[row][n] = '\0';
  // The panel writes changed rows only; the terminal shows the whole display again.
  uart_.write("+--------------------+\n");
  for (auto& r : rows_) {
    uart_.write("|");
    uart_.write(r);
    for (size_t pad = std::strlen(r); pad < 20; ++pad) uart_.write(" ");
    uart_.write("|\n");
  }
}

uint8_t UartButtons::DoPressed() {
  int64_t now = clock_.now();
  if (held_ != 0 && now >= release_at_) held_ = 0;
  for (int guard = 0; guard < 8; ++guard) {
    int c = uart_.get();
    if (c < 0) break;
    uint8_t button = 0;
    if (c == 'k' || c == 'w') button = hal::kUp;
    if (c == 'j' || c == 's') button = hal::kDown;
    if (c == '\r' || c == '\n' || c == ' ') button = hal::kOk;
    if (c == 127 || c == 8 || c == 'b') button = hal::kBack;
    if (button != 0) {
      held_ = button;
      release_at_ = now + 80'000;  // a key is a short press
    }
  }
  return held_;
}

}  // namespace board
