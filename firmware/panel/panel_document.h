// The front panel as JSON: every LED's colour and blink, and the LCD rows. The web
// UI mirrors the panel from it (GET /api/panel) and the simulator prints the same
// line on every change with --panel json.
#pragma once
#include <cstdint>

#include "core/text.h"
#include "panel/panel.h"

namespace probebox {

void write_panel_document(TextBuffer& out, const panel::Panel& panel, int64_t now_us);

}  // namespace probebox
