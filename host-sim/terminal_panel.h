// The simulator's front panel. Its LEDs and LCD are hal implementations that the
// firmware drives through Panel::render(), as on a board, in every mode (so render()
// runs in every simulator test). `--panel ansi` draws the picture from them: the LEDs
// as coloured glyphs as driven, the LCD as a framed 20x4 box of the rows written.
// `--panel json` writes one JSON line per change of the panel's state (its LED
// colours and blink flags, which no LED driver receives, and its rows): the panel
// document, the same as GET /api/panel. Keys become buttons.
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>

#include "core/text.h"
#include "hal/buttons.h"
#include "hal/lcd.h"
#include "hal/leds.h"
#include "panel/panel.h"

namespace probebox::sim {

enum class PanelMode { kNone, kAnsi, kJson };

class TerminalButtons final : public hal::Buttons {
 public:
  // Puts the terminal into raw, non-blocking mode (restored on destruction).
  bool open();
  ~TerminalButtons();
  // Reads pending keys; a key holds its button down for kHoldUs.
  void poll(int64_t now_us);
  bool quit_requested() const { return quit_; }

 private:
  static constexpr int64_t kHoldUs = 80'000;
  uint8_t DoPressed() override { return held_; }
  uint8_t held_ = 0;
  int64_t release_at_ = 0;
  bool raw_ = false;
  bool quit_ = false;
};

// The LEDs as driven: the colour each shows now (a blinking LED is off in its dark phase).
class SimLeds final : public hal::Leds {
 public:
  hal::LedColor color(int led) const { return colors_[static_cast<size_t>(led)]; }

 private:
  void DoSet(hal::LedId led, hal::LedColor color) override;
  std::array<hal::LedColor, hal::kLedCount> colors_{};
};

// The LCD as written: four rows of 20 characters, blank until the firmware writes them.
class SimLcd final : public hal::Lcd {
 public:
  SimLcd();
  std::string_view row(int r) const { return rows_[static_cast<size_t>(r)].view(); }

 private:
  void DoWriteRow(int row, std::string_view text) override;
  std::array<FixedText<kColumns>, kRows> rows_;
};

void write_panel_json(std::FILE* out, const panel::Panel& p, int64_t now_us);
// The picture: LCD and LED colours from the hal; the panel's state only tells a
// blinking LED's dark phase (drawn as a ring in its colour) from an LED that is off.
void draw_panel_ansi(std::FILE* out, const panel::Panel& p, const SimLeds& leds, const SimLcd& lcd);

}  // namespace probebox::sim
