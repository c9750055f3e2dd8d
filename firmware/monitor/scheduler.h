// Runs every check every interval_s with its own deadline, at most
// PROBEBOX_MAX_IN_FLIGHT (and PROBEBOX_MAX_TLS_IN_FLIGHT) at once. After a load,
// checks start kStartGroup at a time, kStartSpacingUs apart; runs stay an interval
// apart start to start, so the groups keep together.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "core/probe_result.h"
#include "core/step_times.h"
#include "hal/clock.h"
#include "probes/probe.h"
#include "probes/probe_registry.h"

namespace probebox {

class ResultSink {
 public:
  virtual void on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) = 0;

 protected:
  ~ResultSink() = default;
};

class Scheduler {
 public:
  enum class Mode { kContinuous, kOnce };
  // A box that boots without a wall clock gives SNTP this long to set it before any
  // certificate is judged (after that, tls_cert says "unknown").
  static constexpr int64_t kWaitForClockUs = 10'000'000;

  // A cycle is a few short bursts: not one start per wake-up (a wake-up costs more
  // than a start), nor every connection at once (what the peers and the simulator's
  // libslirp hold grows with the connections open together). The groups of one burst
  // run back to back: when the last check in flight reports, the next group starts
  // in the same step if it is planned within kStartSpacingUs of the group before,
  // instead of the loop sleeping until its planned time (a wake-up saved per group).
  // Its planned time stays its anchor, so the groups never drift together.
  static constexpr int64_t kStartSpacingUs = 20'000;
  static constexpr uint16_t kStartGroup = 4;
  // An http check due while another to the same server runs (probes/link_reuse.h)
  // waits for that one's connection, up to this long after its due time: a server
  // answers in milliseconds, and a slow one should not make a node's checks queue
  // one behind the other. Past it, the check opens a connection of its own.
  static constexpr int64_t kLinkWaitUs = 1'000'000;

  Scheduler(ProbePool& pool, ResultSink& sink) : pool_(pool), sink_(sink) {}

  // (Re)loads the check list; in-flight probes are cancelled, schedules restart.
  void load(const Config& config, hal::Clock& clock, Mode mode, net::TlsClientConfig* tls = nullptr);
  // The TLS sessions the probes resume (ProbeEnv::sessions); null: none.
  void set_sessions(net::ResumptionStore* sessions) { sessions_ = sessions; }
  const net::ResumptionStore* sessions() const { return sessions_; }
  // Harvests finished probes, enforces deadlines, starts due checks. With
  // `hold_results` a finished probe keeps its result in its slot (reported at the
  // first step without it), so what the sink holds stays still for a reader.
  void step(hal::MonoMicros now, bool hold_results = false);
  // A due check waits for a slot or for a TLS session (held results keep theirs:
  // monitor/result_hold.h bounds how long).
  bool start_blocked(hal::MonoMicros now) const;
  // Makes a check (or all) due at once.
  void run_now(uint16_t check_index);
  void run_all_now();
  void cancel_all();

  // Once mode: every check has reported.
  bool once_complete() const { return mode_ == Mode::kOnce && completed_ == config_->check_count; }
  int in_flight() const { return in_flight_; }
  // The earliest start among the checks not in flight (INT64_MAX: none is waiting),
  // so the loop can sleep until then.
  hal::MonoMicros next_start() const;
  int max_in_flight_seen() const { return max_in_flight_seen_; }
  uint64_t probes_run() const { return probes_run_; }
  uint32_t early_starts() const { return early_starts_; }
  uint32_t start_sweeps() const { return sweeps_; }
  // Longest single step() seen, for the "blocking" warning and the soak figures, and
  // how the steps spread below it.
  int64_t longest_step_us() const { return step_times_.longest_us(); }
  const StepTimes& step_times() const { return step_times_; }
  // Results kept waiting in their slot by hold_results, each counted once.
  uint32_t results_held() const { return results_held_; }

 private:
  struct Entry {
    hal::MonoMicros next_due = 0;
    Probe* probe = nullptr;
    bool done_once : 1 = false;
    bool uses_tls : 1 = false;
    bool held : 1 = false;  // finished, its result waiting (counted once in results_held_)
    bool awaits_link : 1 = false;  // due, waiting for a running check's connection (kLinkWaitUs)
    CheckMemory memory;  // the probe's, across cycles
  };
  bool uses_tls(const CheckConfig& check) const;
  void report(uint16_t index, const ProbeResult& result, hal::MonoMicros now);
  void start(uint16_t index, hal::MonoMicros now);
  // The check starts on `probe` (a new one, or one that keeps a connection for it).
  void launch(uint16_t index, hal::MonoMicros now, Probe* probe);
  // Marks which checks another may follow on their connection (CheckMemory::passes_link).
  void find_shared_links();
  // The due check at `index` waits for a running check's connection (awaits_link).
  bool waits_for_link(uint16_t index, hal::MonoMicros now);
  // `probe` (check `index`, just reported) keeps its connection for a due check that
  // shares it: that check starts on it. False: nothing took it.
  bool pass_link_on(uint16_t index, Probe* probe, hal::MonoMicros now);
  // When a check not in flight may start: its due time, later while it awaits a link.
  static hal::MonoMicros start_time(const Entry& e) { return e.awaits_link ? e.next_due + kLinkWaitUs : e.next_due; }

  ProbePool& pool_;
  ResultSink& sink_;
  const Config* config_ = nullptr;
  hal::Clock* clock_ = nullptr;
  net::TlsClientConfig* tls_ = nullptr;
  net::ResumptionStore* sessions_ = nullptr;
  Mode mode_ = Mode::kContinuous;
  hal::MonoMicros loaded_at_ = 0;
  std::array<Entry, Config::kMaxChecks> entries_{};
  uint16_t cursor_ = 0;  // round-robin start point, so no check starves
  // The planned time of the latest start (its due time, or the time it started when
  // it started late): the next group may start early only when planned close to it.
  hal::MonoMicros last_planned_start_ = 0;
  // No check out of flight is due before this: a step earlier than it has nothing to
  // start and skips the sweep (most of the loop's passes, at 50 Hz on the board).
  // Exact after a whole sweep, lowered as reports bring checks back, and 0 (sweep on
  // the next step) whenever a due time is set from outside the sweep.
  hal::MonoMicros no_start_before_ = 0;
  // Start sweeps made, for the tests.
  uint32_t sweeps_ = 0;
  // Starts made ahead of their planned time (for the tests).
  uint32_t early_starts_ = 0;
  uint16_t completed_ = 0;
  int in_flight_ = 0;
  int tls_in_flight_ = 0;
  int max_in_flight_seen_ = 0;
  uint64_t probes_run_ = 0;
  StepTimes step_times_;
  uint32_t results_held_ = 0;
};

}  // namespace probebox
