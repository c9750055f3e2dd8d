#include "panel/panel_document.h"

#include "core/json_writer.h"

namespace probebox {
namespace {

constexpr const char* kLedNames[hal::kLedCount] = {"status", "cert", "dns",       "ports", "smtp",     "health",
                                                   "time",   "egress", "isolation", "link",  "heartbeat"};

const char* color_name(hal::LedColor c) {
  switch (c) {
    case hal::LedColor::kGreen: return "green";
    case hal::LedColor::kAmber: return "amber";
    case hal::LedColor::kRed: return "red";
    case hal::LedColor::kOff: return "off";
  }
  return "off";
}

}  // namespace

void write_panel_document(TextBuffer& out, const panel::Panel& p, int64_t now_us) {
  JsonWriter w(out);
  w.begin_object();
  w.key("t_ms").integer(now_us / 1000);
  w.key("leds").begin_object();
  for (int i = 0; i < hal::kLedCount; ++i) {
    const panel::LedState& s = p.leds()[static_cast<size_t>(i)];
    w.key(kLedNames[i]).begin_object().field("color", color_name(s.color)).field_bool("blink", s.blink).end_object();
  }
  w.end_object();
  w.key("lcd").begin_array();
  for (int r = 0; r < hal::Lcd::kRows; ++r) w.string(p.rows()[static_cast<size_t>(r)].view());
  w.end_array();
  w.end_object();
}

}  // namespace probebox
