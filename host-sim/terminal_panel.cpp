#include "terminal_panel.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "panel/panel_document.h"

namespace probebox::sim {
namespace {

termios g_saved{};

const char* ansi_color(hal::LedColor c) {
  switch (c) {
    case hal::LedColor::kGreen: return "\033[1;32m";
    case hal::LedColor::kAmber: return "\033[1;33m";
    case hal::LedColor::kRed: return "\033[1;31m";
    case hal::LedColor::kOff: return "\033[2;37m";
  }
  return "";
}

}  // namespace

bool TerminalButtons::open() {
  if (!isatty(STDIN_FILENO)) return false;
  if (tcgetattr(STDIN_FILENO, &g_saved) != 0) return false;
  termios raw = g_saved;
  raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  raw_ = true;
  return true;
}

TerminalButtons::~TerminalButtons() {
  if (raw_) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
}

void TerminalButtons::poll(int64_t now_us) {
  if (held_ != 0 && now_us >= release_at_) held_ = 0;
  if (!raw_) return;
  char buf[16];
  ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
  for (ssize_t i = 0; i < n; ++i) {
    uint8_t button = 0;
    char c = buf[i];
    if (c == '\033' && i + 2 < n && buf[i + 1] == '[') {  // arrow keys
      if (buf[i + 2] == 'A') button = hal::kUp;
      if (buf[i + 2] == 'B') button = hal::kDown;
      i += 2;
    } else if (c == 'k' || c == 'w') {
      button = hal::kUp;
    } else if (c == 'j' || c == 's') {
      button = hal::kDown;
    } else if (c == '\n' || c == '\r' || c == ' ') {
      button = hal::kOk;
    } else if (c == 127 || c == 8 || c == 'b' || c == '\033') {
      button = hal::kBack;
    } else if (c == 'q') {
      quit_ = true;
    }
    if (button != 0) {
      held_ = button;
      release_at_ = now_us + kHoldUs;
    }
  }
}

void SimLeds::DoSet(hal::LedId led, hal::LedColor color) {
  if (static_cast<int>(led) < hal::kLedCount) colors_[static_cast<size_t>(led)] = color;
}

SimLcd::SimLcd() {
  for (auto& r : rows_) {
    while (r.size() < kColumns) r.append(' ');
  }
}

void SimLcd::DoWriteRow(int row, std::string_view text) {
  if (row < 0 || row >= kRows) return;
  FixedText<kColumns>& r = rows_[static_cast<size_t>(row)];
  r.clear();
  for (char c : text) {
    if (r.size() == kColumns) break;
    r.append(c);
  }
  while (r.size() < kColumns) r.append(' ');
}

void write_panel_json(std::FILE* out, const panel::Panel& p, int64_t now_us) {
  FixedText<1024> line;
  write_panel_document(line, p, now_us);
  line.append('\n');
  std::fputs(line.c_str(), out);
  std::fflush(out);
}

void draw_panel_ansi(std::FILE* out, const panel::Panel& p, const SimLeds& leds, const SimLcd& lcd) {
  std::string s = "\033[H\033[2J probebox front panel\n\n";
  auto led = [&](int i, const char* label) {
    const panel::LedState& state = p.leds()[static_cast<size_t>(i)];
    hal::LedColor c = leds.color(i);
    // A blinking LED's dark phase keeps its colour as a ring, so a still picture shows it too.
    const char* glyph = c != hal::LedColor::kOff ? "\u25cf" : state.blink ? "\u25ce" : "\u25cb";
    s += std::string(" ") + ansi_color(state.blink ? state.color : c) + glyph + "\033[0m " + label;
  };
  led(0, "STATUS   ");
  led(9, "LINK   ");
  led(10, "HEARTBEAT\n");
  led(1, "cert  ");
  led(2, "dns   ");
  led(3, "ports ");
  led(4, "smtp\n");
  led(5, "health");
  led(6, "time  ");
  led(7, "egress");
  led(8, "isolation\n\n");
  s += " +--------------------+\n";
  for (int r = 0; r < hal::Lcd::kRows; ++r) {
    s += " |" + std::string(lcd.row(r)) + "|\n";
  }
  s += " +--------------------+\n\n keys: up/k  down/j  Enter=OK  Backspace=BACK  (hold Enter 5 s: factory reset)  q=quit\n";
  std::fputs(s.c_str(), out);
  std::fflush(out);
}

}  // namespace probebox::sim
