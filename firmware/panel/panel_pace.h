// How often the main loop steps the front panel (App::step_panel): 50 Hz while
// someone uses the buttons (a raw press seen now, or within kBusyUs), so debouncing,
// short taps and the 5 s hold keep their timing; otherwise 10 Hz, still finer than
// anything the panel shows changes (half-second blinks, 400 ms scroll steps, the
// clock's seconds, 5 s page rotation). Building the pages and drawing the rows at
// 50 Hz was 2 M instructions of a 16 M demo cycle on the host (issue 20 item 4).
// A change of what the LEDs show (a hard state: `state_version` moves) steps at
// once: the pace is for idle redraws, never a delay on a verdict (the bench's
// detection latency saw the red LED trail the API by 50 ms at 10 Hz).
#pragma once
#include <cstdint>

namespace probebox::panel {

class PanelPace {
 public:
  static constexpr int64_t kFastUs = 20'000;
  static constexpr int64_t kSlowUs = 100'000;
  static constexpr int64_t kBusyUs = 1'000'000;

  // Called every loop step with the buttons read now and the version of the states
  // the panel shows (e.g. the event log's total): true when the panel steps.
  bool due(int64_t now_us, uint8_t raw_buttons, uint32_t state_version = 0) {
    if (raw_buttons != 0 || raw_buttons != last_raw_) last_activity_us_ = now_us;
    last_raw_ = raw_buttons;
    const bool busy = now_us - last_activity_us_ < kBusyUs;
    const bool changed = state_version != last_version_;
    last_version_ = state_version;
    if (!changed && stepped_ && now_us - last_step_us_ < (busy ? kFastUs : kSlowUs)) return false;
    stepped_ = true;
    last_step_us_ = now_us;
    return true;
  }

  // When due() is next true with no button pressed and no state changed: a loop that
  // sleeps until then (and wakes sooner for a button) steps the panel at its pace
  // without waking at the buttons' 50 Hz in between.
  int64_t next_due(int64_t now_us) const {
    if (!stepped_) return now_us;
    // The fast pace's next step, if the buttons still count as in use by then.
    const int64_t fast = last_step_us_ + kFastUs;
    return fast - last_activity_us_ < kBusyUs ? fast : last_step_us_ + kSlowUs;
  }

 private:
  int64_t last_step_us_ = 0;
  int64_t last_activity_us_ = 0;
  uint32_t last_version_ = 0;
  uint8_t last_raw_ = 0;
  bool stepped_ = false;
};

}  // namespace probebox::panel
