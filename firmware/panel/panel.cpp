// The panel's step (buttons in, pages and LEDs computed, rows drawn) and its output
// to the hal. The pages are panel_pages.cpp, the buttons panel_navigation.cpp, the
// LEDs led_policy.cpp.
#include "panel/panel.h"

namespace probebox::panel {

bool Panel::take_changed() {
  bool c = changed_;
  changed_ = false;
  return c;
}

bool Panel::refresh_digest(const PanelInputs& in) {
  const uint32_t revision = in.health->revision();
  if (!digest_stale_ && digest_health_ == in.health && digest_config_ == in.config && digest_revision_ == revision) {
    return false;
  }
  gather_checks(*in.config, *in.health, acked_, digest_);
  digest_health_ = in.health;
  digest_config_ = in.config;
  digest_revision_ = revision;
  digest_stale_ = false;
  ++digests_gathered_;
  return true;
}

void Panel::step(int64_t now_us, uint8_t raw_buttons, const PanelInputs& in, PanelActions& actions) {
  const bool checks_changed = refresh_digest(in);
  if (checks_changed || page_count_ == 0 || pages_password_ != (in.initial_password != nullptr) ||
      pages_fingerprint_ != (in.tls_fingerprint != nullptr)) {
    build_pages(in);
  }
  if (!started_) {
    current_ = pages_[0];  // the first-boot password, when there is one, comes first
    started_ = true;
  }
  handle(buttons_.update(raw_buttons, now_us), in, actions, now_us);
  if (mode_ == Mode::kLoginCode && now_us - login_code_since_us_ >= kLoginCodeShownUs) {
    mode_ = Mode::kPages;
    login_code_.clear();
  }
  if (page_position() < 0) current_ = pages_[0];  // its check recovered: back to the summary
  bool idle = now_us - last_press_us_ >= kResumeRotationUs;
  if (mode_ == Mode::kPages && idle && now_us - last_rotate_us_ >= kRotateUs) {
    last_rotate_us_ = now_us;
    current_ = pages_[static_cast<size_t>((page_position() + 1) % static_cast<int>(page_count_))];
    page_since_us_ = now_us;
  }
  (void)refresh_digest(in);  // an acknowledgement just now shows at once
  compute_leds(in, now_us);
  draw(in, now_us);
}

void Panel::render(int64_t now_us, hal::Leds& leds, hal::Lcd& lcd) {
  for (int i = 0; i < hal::kLedCount; ++i) leds.set(static_cast<hal::LedId>(i), shown(leds_[static_cast<size_t>(i)], now_us));
  for (int r = 0; r < hal::Lcd::kRows; ++r) {
    if (!(drawn_[static_cast<size_t>(r)].view() == rows_[static_cast<size_t>(r)].view())) {
      lcd.write_row(r, rows_[static_cast<size_t>(r)].view());
      drawn_[static_cast<size_t>(r)] = rows_[static_cast<size_t>(r)];
    }
  }
}

}  // namespace probebox::panel
