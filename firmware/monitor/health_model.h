// Results -> stable states. A check turns warning/critical after `confirm` bad
// results in a row (or `confirm` of the last `confirm_window`), recovers on one good
// result; the first result after boot is hard at once. A check whose hard state
// changes too often is marked flapping (shown, not hidden). Every hard change is an
// Event in the log.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "monitor/event_log.h"
#include "core/lazy_array.h"
#include "core/probe_result.h"
#include "monitor/scheduler.h"
#include "hal/clock.h"

namespace probebox {

struct CheckHealth {
  bool has_result = false;
  Outcome hard = Outcome::kUnknown;
  Outcome soft = Outcome::kUnknown;    // the latest result's outcome
  int64_t hard_since_mono_us = 0;
  int64_t hard_since_wall_us = 0;      // 0 when the wall clock was not set
  int64_t last_run_mono_us = 0;
  uint16_t bad_streak = 0;
  uint32_t recent_bad_bits = 0;        // bit 0 = latest result, 1 = bad
  uint32_t counts[4] = {};             // results per Outcome
  uint32_t hard_changes = 0;
  bool flapping = false;
  bool maintenance = false;            // inside a maintenance window at the last result
  std::array<int64_t, 6> change_times{};  // ring of the latest hard changes (mono)
  uint8_t change_head = 0;
  ProbeResult last;
  // A change to bad inside a maintenance window held its alert: if the check is
  // still bad when the window ends, that change is raised then (from where it began).
  bool alert_held = false;
  bool held_first = false;
  Outcome held_from = Outcome::kUnknown;
  bool staged = false;                 // `last` waits for its cross-check set (not counted yet)
};

class HealthModel final : public ResultSink {
 public:
  // Hard changes within this window that make a check "flapping".
  static constexpr int kFlapChanges = 6;
  static constexpr int64_t kFlapWindowUs = 30LL * 60 * 1'000'000;

  void load(const Config& config, hal::Clock& clock);
  void on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) override;
  // on_result in two steps, for results judged with others (monitor/cross_check_gate):
  // stage() keeps the result as the check's latest without counting it; the caller
  // may refine staged() in place; commit() counts it and moves the hard state.
  void stage(uint16_t check_index, const ProbeResult& result);
  ProbeResult& staged(uint16_t check_index) { return checks_[check_index].last; }
  void commit(uint16_t check_index, hal::MonoMicros now);

  const CheckHealth& check(uint16_t i) const { return checks_[i]; }
  uint16_t check_count() const { return count_; }
  // Worst hard state over checks that have a result and are not in maintenance
  // (unknown before any).
  Outcome overall() const;
  // A one-off "suppress for N minutes" (API): every check counts as in maintenance.
  void suppress_for(int64_t minutes, hal::MonoMicros now);
  bool in_maintenance(uint16_t check_index, hal::MonoMicros now) const;
  const EventLog& events() const { return events_; }
  // For restoring the events kept in flash at start-up.
  EventLog& events_to_restore() { return events_; }

 private:
  bool confirmed_bad(const CheckHealth& h, const Tunables& t) const;
  void change_hard(uint16_t index, CheckHealth& h, Outcome to, bool first, hal::MonoMicros now);
  void raise_held_alert(uint16_t index, CheckHealth& h, bool was_in_maintenance, hal::MonoMicros now);
  void push_event(uint16_t index, const CheckHealth& h, Outcome from, Outcome to, bool first, hal::MonoMicros now);

  const Config* config_ = nullptr;
  hal::Clock* clock_ = nullptr;
  LazyArray<CheckHealth, Config::kMaxChecks> checks_;  // rows [0, count_)
  uint16_t count_ = 0;
  hal::MonoMicros suppressed_until_ = 0;
  EventLog events_;
};

}  // namespace probebox
