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
// by default 86 bytes per check (sized in docs/reliability.md, issue 20); up to
// 64 of them are each check's guaranteed share.
#ifndef PROBEBOX_RESULT_POOL_BYTES
#define PROBEBOX_RESULT_POOL_BYTES (86 * PROBEBOX_MAX_CHECKS)
#endif

namespace probebox {

// A check's latest result as its record keeps it (32 bytes on the target): the
// verdict, the reason, the latency and the few measurements the documents, metrics
// and SNMP read, narrowed; the summary and the kind's facts in the model's shared
// pool (see HealthModel). What no reader of the record needs (the phase times, the
// lwIP error, the server's code, the certificate's notAfter as a number) stays with
// the probe's result.
class StoredResult {
 public:
  std::string_view summary() const;
  DetailsView details() const;

  int64_t ntp_offset_us = 0;      // as measured (a box clock far off needs the 64 bits)
  int32_t dns_lookup_us = -1;     // -1: none; saturates at INT32_MAX (35 minutes; a lookup ends at its timeout)
  int32_t days_left = 0;
  uint32_t latency_us = 0;        // saturates at UINT32_MAX (71 minutes; a probe ends at its timeout)
  int16_t http_status = 0;
  bool has_days_left = false;
  bool has_ntp_offset = false;
  Outcome outcome = Outcome::kUnknown;
  FailReason reason = FailReason::kNone;

  // The numbers of `head` as the record keeps them, and back (the rest as a fresh result).
  void assign(const ResultHead& head);
  void to_head(ResultHead& head) const;

 private:
  friend class HealthModel;
  uint8_t* entry_ = nullptr;  // in the pool; nullptr: nothing kept
};

// The record kept for every check (72 bytes on the target): fields ordered widest
// first, the small states a byte each, the flags bits.
struct CheckHealth {
  int64_t hard_since_mono_us = 0;
  StoredResult last;
  // Ring of the latest hard changes: monotonic whole seconds modulo 65535, plus one
  // (0: none). Exact while every entry is younger than 65535 s (18 hours): a change
  // more than the flap window after the one before clears the ring (none of its
  // entries can count then), so the entries span at most six windows (3 hours).
  std::array<uint16_t, 6> change_times{};
  uint16_t counts[4] = {};             // results per Outcome; each saturates at 65535
  uint32_t recent_bad_bits = 0;        // bit 0 = latest result, 1 = bad
  uint16_t hard_changes = 0;           // saturates at 65535
  uint16_t bad_streak = 0;             // saturates at 65535 (confirm is at most 32)
  Outcome hard = Outcome::kUnknown;
  Outcome held_from = Outcome::kUnknown;
  uint8_t change_head = 0;
  bool has_result : 1 = false;
  bool flapping : 1 = false;
  bool maintenance : 1 = false;        // inside a maintenance window at the last result
  // A change to bad inside a maintenance window held its alert: if the check is
  // still bad when the window ends, that change is raised then (from where it began).
  bool alert_held : 1 = false;
  bool held_first : 1 = false;
  bool staged : 1 = false;             // `last` waits for its cross-check set (not counted yet)
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
  size_t pool_high_water() const { return pool_high_water_; }  // of pool_live() since load()
  size_t pool_bytes() const { return pool_bytes_; }
  uint32_t truncations() const { return truncations_; }

  const CheckHealth& check(uint16_t i) const { return checks_[i]; }
  uint16_t check_count() const { return count_; }
  // Changes whenever the checks' state may have (a load, a result staged, restaged or
  // counted, a suppression): what a reader derived from them at one revision holds
  // until the next (panel/check_digest.h). Compare for equality only: it wraps.
  uint32_t revision() const { return revision_; }
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
  size_t pool_high_water_ = 0;
  uint32_t truncations_ = 0;
  uint32_t revision_ = 0;
  alignas(8) uint8_t pool_[kPoolBytes];  // not zeroed: only [0, pool_used_) is read
};

}  // namespace probebox
