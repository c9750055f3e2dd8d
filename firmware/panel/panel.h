// The front panel's logic, identical on every board: LED states from the health
// model, LCD pages (summary, each failing check by severity, per group, network,
// time, about), pages that rotate while nobody touches the buttons, and the buttons:
// UP/DOWN page through, OK acknowledges the alarm on a failing check's page or opens
// the menu elsewhere, BACK returns, OK held 5 s asks to restore factory settings.
// The menu's "Web login code" shows a one-time code that logs in to the web UI
// past every login throttle: whoever stands at the box is the admin.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/text.h"
#include "hal/clock.h"
#include "hal/lcd.h"
#include "hal/leds.h"
#include "panel/button_input.h"
#include "panel/check_digest.h"
#include "panel/led_policy.h"

namespace probebox::panel {

struct PanelInputs {
  const Config* config = nullptr;
  const HealthModel* health = nullptr;
  bool link = false;
  bool has_address = false;
  uint32_t address = 0;  // host byte order
  uint32_t gateway = 0;
  bool dhcp = true;
  hal::WallTime wall{};
  int64_t uptime_us = 0;
  bool has_ntp_offset = false;
  int64_t ntp_offset_us = 0;
  const char* config_source = "flash";
  const char* firmware_version = "";
  // Set while the box has no admin password: shown so the operator can log in once.
  const char* initial_password = nullptr;
  // The web UI's HTTPS certificate, SHA-256 as 64 hex digits (null: no HTTPS).
  const char* tls_fingerprint = nullptr;
};

class PanelActions {
 public:
  virtual void run_all_now() = 0;
  virtual void factory_reset() = 0;
  // A fresh one-time web login code, written for the LCD; false if none could be made.
  virtual bool issue_login_code(TextBuffer& shown) = 0;

 protected:
  ~PanelActions() = default;
};

using LcdRows = std::array<FixedText<hal::Lcd::kColumns>, hal::Lcd::kRows>;

class Panel {
 public:
  static constexpr int64_t kRotateUs = 5'000'000;
  static constexpr int64_t kResumeRotationUs = 60'000'000;  // after the last button press
  static constexpr int64_t kScrollStepUs = 400'000;

  static constexpr int64_t kLoginCodeShownUs = 120'000'000;  // then the LCD forgets it
  static constexpr int kMenuCount = 4;  // network, run all, factory reset, login code

  enum class Mode : uint8_t { kPages, kMenu, kConfirmReset, kLoginCode };

  void step(int64_t now_us, uint8_t raw_buttons, const PanelInputs& in, PanelActions& actions);
  // Drives real LEDs and LCD; rows are only rewritten when they changed.
  void render(int64_t now_us, hal::Leds& leds, hal::Lcd& lcd);

  const LedStates& leds() const { return leds_; }
  const LcdRows& rows() const { return rows_; }
  Mode mode() const { return mode_; }
  bool acknowledged(uint16_t check) const { return acked_.test(check); }
  // True once per change of LED states or LCD rows (the simulator's JSON panel).
  bool take_changed();
  // How many times the checks were gathered (panel/check_digest.h): once per change
  // of the health model or an acknowledgement, not once per step.
  uint32_t digests_gathered() const { return digests_gathered_; }

 private:
  enum class PageKind : uint8_t { kSummary, kFailing, kGroup, kNetwork, kTime, kAbout, kPassword, kLint, kHttps };
  struct Page {
    PageKind kind = PageKind::kSummary;
    uint16_t index = 0;  // the check for kFailing, the group for kGroup
    friend bool operator==(const Page&, const Page&) = default;
  };
  // The config's lint findings shown, one page each (the API and report list all).
  static constexpr size_t kMaxLintPages = 4;
  static constexpr size_t kMaxPages = 7 + kGroupCount + kMaxLintPages + 32;  // failing checks shown: the 32 worst

  // Gathers the checks again if they changed since the last step; true if it did.
  bool refresh_digest(const PanelInputs& in);
  void build_pages(const PanelInputs& in);
  void compute_leds(const PanelInputs& in, int64_t now_us);
  void handle(ButtonEvent e, const PanelInputs& in, PanelActions& actions, int64_t now_us);
  void draw(const PanelInputs& in, int64_t now_us);
  void draw_page(const Page& p, const PanelInputs& in, int64_t now_us);
  void set_row(int row, std::string_view text);
  int page_position() const;

  ButtonInput buttons_;
  std::array<Page, kMaxPages> pages_{};
  size_t page_count_ = 0;
  Page current_{};
  Mode mode_ = Mode::kPages;
  int menu_cursor_ = 0;
  FixedText<16> login_code_;  // shown while in kLoginCode
  int64_t login_code_since_us_ = 0;
  int64_t last_press_us_ = -kResumeRotationUs;
  int64_t last_rotate_us_ = 0;
  int64_t page_since_us_ = 0;
  Acknowledged acked_{};
  CheckDigest digest_{};
  const HealthModel* digest_health_ = nullptr;  // what digest_ was gathered from
  const Config* digest_config_ = nullptr;
  uint32_t digest_revision_ = 0;
  uint32_t digests_gathered_ = 0;
  bool digest_stale_ = true;  // an acknowledgement changed what it says
  bool pages_password_ = false;     // whether pages_ has the first-boot password's page
  bool pages_fingerprint_ = false;  // and the HTTPS fingerprint's
  LedStates leds_{};
  LcdRows rows_{};
  LcdRows drawn_{};
  bool changed_ = true;
  bool heartbeat_ = false;
  bool started_ = false;
};

}  // namespace probebox::panel
