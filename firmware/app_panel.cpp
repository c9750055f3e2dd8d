// The front panel's side of the wiring: its inputs from the services each step,
// its output to the board's LEDs and LCD, and its document for the web UI.
#include "app.h"

#include "panel/panel_document.h"

namespace probebox {

void App::step_panel(hal::MonoMicros now) {
  // 50 Hz while the buttons are used, else 10 Hz, and at once when a hard state
  // changed (every change is an event: panel/panel_pace.h).
  const uint8_t raw = board_.buttons != nullptr ? board_.buttons->pressed() : 0;
  if (!panel_pace_.due(now, raw, health_.events().total())) return;
  panel::PanelInputs in;
  in.config = &config_;
  in.health = &health_;
  in.link = netif_.link_up();
  in.has_address = netif_.has_address();
  ip4_addr_t a = netif_.address(), g = netif_.gateway();
  in.address = lwip_ntohl(ip4_addr_get_u32(&a));
  in.gateway = lwip_ntohl(ip4_addr_get_u32(&g));
  in.dhcp = netif_.dhcp();
  in.wall = board_.clock.wall();
  in.uptime_us = now - started_at_;
  // The time page shows the box's own clock keeper, not whichever ntp check ran.
  in.has_ntp_offset = sntp_.synced();
  in.ntp_offset_us = sntp_.offset_us();
  in.config_source = board_.config_source;
  in.firmware_version = PROBEBOX_VERSION;
  in.initial_password = initial_password_.empty() ? nullptr : initial_password_.c_str();
  in.tls_fingerprint = tls_fingerprint_hex_.empty() ? nullptr : tls_fingerprint_hex_.c_str();
  panel_.step(now, raw, in, *this);
  if (board_.leds != nullptr && board_.lcd != nullptr) panel_.render(now, *board_.leds, *board_.lcd);
}

int64_t App::panel_wait_us(hal::MonoMicros now) const {
  if (board_.leds == nullptr && board_.lcd == nullptr) return kIdleStepMaxUs;
  const int64_t wait = panel_pace_.next_due(now) - now;
  return wait < 0 ? 0 : wait;
}

bool App::write_panel(TextBuffer& out, int64_t now_us) const {
  write_panel_document(out, panel_, now_us);
  return true;
}

}  // namespace probebox
