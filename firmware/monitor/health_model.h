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

// The shared pool of the per-check summaries and facts (HealthModel::kPoolBytes):
// by default 96 bytes per check; 64 of them are each check's guaranteed share.
#ifndef PROBEBOX_RESULT_POOL_BYTES
#define PROBEBOX_RESULT_POOL_BYTES (96 * PROBEBOX_MAX_CHECKS)
#endif

namespace probebox {

// A check's latest result as its record keeps it: the numbers as they are, the
// summary and the kind's facts in the model's shared pool (see HealthModel).
class StoredResult : public ResultHead {
 public:
  std::string_view summary() const;
  DetailsView details() const;

 private:
  friend class HealthModel;
  uint8_t* entry_ = nullptr;  // in the pool; nullptr: nothing kept
};

// Fields ordered widest first: the record is kept for every check.
struct CheckHealth {
  int64_t hard_since_mono_us = 0;
  int64_t hard_since_wall_us = 0;      // 0 when the wall clock was not set
  int64_t last_run_mono_us = 0;
  StoredResult last;
  // Ring of the latest hard changes: monotonic whole seconds plus one (0: none),
  // enough for a 30-minute flap window at a quarter of the bytes of microseconds.
  std::array<uint32_t, 6> change_times{};
  uint32_t recent_bad_bits = 0;        // bit 0 = latest result, 1 = bad
  uint32_t counts[4] = {};             // results per Outcome
  uint32_t hard_changes = 0;
  uint16_t bad_streak = 0;
  bool has_result = false;
  Outcome hard = Outcome::kUnknown;
  Outcome soft = Outcome::kUnknown;    // the latest result's outcome
  bool flapping = false;
  bool maintenance = false;            // inside a maintenance window at the last result
  uint8_t change_head = 0;
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

  // `pool_bytes`: how much of the pool to use (at most kPoolBytes; tests use less).
  void load(const Config& config, hal::Clock& clock, size_t pool_bytes = kPoolBytes);
  void on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) override;
  // on_result in two steps, for results judged with others (monitor/cross_check_gate):
  // stage() keeps the result as the check's latest without counting it; the caller
  // may refine it (staged_core, restage); commit() counts it and moves the hard state.
  void stage(uint16_t check_index, const ProbeResult& result);
  // A staged result as a whole, to be refined and staged again (restage: same facts).
  void staged_core(uint16_t check_index, ResultCore& out) const;
  void restage(uint16_t check_index, const ResultCore& core);
  void commit(uint16_t check_index, hal::MonoMicros now);

  // The shared pool of summaries and facts: every check is entitled to fair_share()
  // bytes of it and may use more while the others leave room (HealthModel::keep).
  static constexpr size_t kPoolBytes = PROBEBOX_RESULT_POOL_BYTES;
  static constexpr size_t kShareBytes = 64;
  size_t fair_share() const { return fair_share_; }
  size_t pool_live() const { return pool_live_; }
  uint32_t truncations() const { return truncations_; }

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

  // Keeps a result's summary and facts for check `index` in the pool (its old entry
  // freed), cut to what its share allows. Returns the entry (nullptr: none).
  uint8_t* keep(uint16_t index, std::string_view summary, const DetailsView& details);
  void free_entry(uint16_t index);
  size_t allowance(uint16_t index) const;
  void compact();

  const Config* config_ = nullptr;
  hal::Clock* clock_ = nullptr;
  LazyArray<CheckHealth, Config::kMaxChecks> checks_;  // rows [0, count_)
  uint16_t count_ = 0;
  hal::MonoMicros suppressed_until_ = 0;
  EventLog events_;
  size_t pool_bytes_ = kPoolBytes;
  size_t fair_share_ = 0;
  size_t held_ = 0;        // sum over the checks of max(fair share, entry size)
  size_t pool_used_ = 0;   // entries (live and freed) lie in [0, pool_used_)
  size_t pool_live_ = 0;   // bytes of live entries
  uint32_t truncations_ = 0;
  alignas(8) uint8_t pool_[kPoolBytes];  // not zeroed: only [0, pool_used_) is read
};

}  // namespace probebox
