// The buttons: UP/DOWN page through, OK acknowledges the alarm on a failing check's
// page or opens the menu elsewhere, BACK returns, OK held asks to restore factory
// settings; in the menu, the login code and the reset dialog.
#include "panel/panel.h"

namespace probebox::panel {

void Panel::handle(ButtonEvent e, const PanelInputs& in, PanelActions& actions, int64_t now_us) {
  if (e == ButtonEvent::kNone) return;
  last_press_us_ = now_us;
  if (e == ButtonEvent::kOkLong) {
    login_code_.clear();
    mode_ = Mode::kConfirmReset;
    return;
  }
  switch (mode_) {
    case Mode::kLoginCode:
      // Any button puts the code away (it stays valid until used or expired).
      mode_ = Mode::kPages;
      login_code_.clear();
      return;
    case Mode::kConfirmReset:
      if (e == ButtonEvent::kOk) actions.factory_reset();
      if (e == ButtonEvent::kOk || e == ButtonEvent::kBack) mode_ = Mode::kPages;
      return;
    case Mode::kMenu:
      if (e == ButtonEvent::kUp) menu_cursor_ = (menu_cursor_ + kMenuCount - 1) % kMenuCount;
      if (e == ButtonEvent::kDown) menu_cursor_ = (menu_cursor_ + 1) % kMenuCount;
      if (e == ButtonEvent::kBack) mode_ = Mode::kPages;
      if (e == ButtonEvent::kOk) {
        mode_ = Mode::kPages;
        if (menu_cursor_ == 0) current_ = {PageKind::kNetwork, 0};
        if (menu_cursor_ == 1) actions.run_all_now();
        if (menu_cursor_ == 2) mode_ = Mode::kConfirmReset;  // OK held is the shortcut
        if (menu_cursor_ == 3) {
          login_code_.clear();
          if (actions.issue_login_code(login_code_)) {
            mode_ = Mode::kLoginCode;
            login_code_since_us_ = now_us;
          }
        }
      }
      return;
    case Mode::kPages: {
      int pos = page_position();
      if (pos < 0) pos = 0;
      if (e == ButtonEvent::kUp) current_ = pages_[static_cast<size_t>((pos + static_cast<int>(page_count_) - 1) % static_cast<int>(page_count_))];
      if (e == ButtonEvent::kDown) current_ = pages_[static_cast<size_t>((pos + 1) % static_cast<int>(page_count_))];
      if (e == ButtonEvent::kBack) current_ = {PageKind::kSummary, 0};
      if (e == ButtonEvent::kOk) {
        if (current_.kind == PageKind::kFailing && in.health->check(current_.index).hard == Outcome::kCritical &&
            !acked_.test(current_.index)) {
          acked_.set(current_.index);
          digest_stale_ = true;
        } else {
          mode_ = Mode::kMenu;
          menu_cursor_ = 0;
        }
      }
      page_since_us_ = now_us;
      return;
    }
  }
}

}  // namespace probebox::panel
