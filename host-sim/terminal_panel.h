// The simulator's front panel: `--panel json` writes one JSON line per change of the
// LEDs or LCD (for tests and other programs), `--panel ansi` draws the LEDs as
// coloured glyphs and the LCD as a framed 20x4 box, and turns keys into buttons.
#pragma once
#include <cstdint>
#include <cstdio>

#include "hal/buttons.h"
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

void write_panel_json(std::FILE* out, const panel::Panel& p, int64_t now_us);
void draw_panel_ansi(std::FILE* out, const panel::Panel& p, int64_t now_us);

}  // namespace probebox::sim
