#include "monitor/scheduler.h"

#include "core/view.h"
#include "probes/link_reuse.h"

namespace probebox {
namespace {

int64_t interval_us(const CheckConfig& check) { return static_cast<int64_t>(check.tune.interval_s) * 1'000'000; }

}  // namespace

void Scheduler::load(const Config& config, hal::Clock& clock, Mode mode, net::TlsClientConfig* tls) {
  cancel_all();
  tls_ = tls;
  config_ = &config;
  clock_ = &clock;
  mode_ = mode;
  completed_ = 0;
  cursor_ = 0;
  hal::MonoMicros now = clock.now();
  loaded_at_ = now;
  last_planned_start_ = now;
  uint16_t n = config.check_count;
  for (uint16_t i = 0; i < n; ++i) {
    // --once starts everything it may; a running box starts groups (scheduler.h says
    // why), closer than kStartSpacingUs when that would not fit the check's interval.
    Entry& e = entries_[i];
    e = Entry{};
    if (mode == Mode::kOnce) {
      e.next_due = now;
    } else {
      const int64_t fitting = interval_us(config.checks[i]) * kStartGroup / n;
      e.next_due = now + (fitting < kStartSpacingUs ? fitting : kStartSpacingUs) * (i / kStartGroup);
    }
  }
  find_shared_links();
  no_start_before_ = 0;
}

void Scheduler::find_shared_links() {
  const uint16_t n = config_->check_count;
  for (uint16_t i = 0; i < n; ++i) {
    const CheckConfig& check = config_->checks[i];
    if (check.type != CheckType::kHttp) continue;
    for (uint16_t j = 0; j < n && !entries_[i].memory.passes_link; ++j) {
      entries_[i].memory.passes_link = j != i && http_shares_connection(*config_, check, config_->checks[j]);
    }
  }
}

bool Scheduler::waits_for_link(uint16_t index, hal::MonoMicros now) {
  Entry& e = entries_[index];
  const CheckConfig& check = config_->checks[index];
  if (!e.memory.passes_link || now - e.next_due >= kLinkWaitUs) return false;
  for (uint16_t k = 0; k < config_->check_count; ++k) {
    if (entries_[k].probe != nullptr && http_shares_connection(*config_, config_->checks[k], check)) {
      e.awaits_link = true;
      return true;
    }
  }
  return false;
}

bool Scheduler::pass_link_on(uint16_t index, Probe* probe, hal::MonoMicros now) {
  if (!entries_[index].memory.passes_link) return false;
  const uint16_t n = config_->check_count;
  for (uint16_t k = 1; k < n; ++k) {
    const uint16_t j = static_cast<uint16_t>((index + k) % n);
    const Entry& e = entries_[j];
    if (e.probe != nullptr || e.next_due > now || !probe->keeps_link_for(config_->checks[j])) continue;
    launch(j, now, probe);
    return true;
  }
  return false;
}

bool Scheduler::uses_tls(const CheckConfig& check) const {
  switch (check_kind(check.type).tls) {
    case TlsUse::kNever: return false;
    case TlsUse::kAlways: return true;
    case TlsUse::kHttpsUrl: return check.https;
  }
  return false;
}

void Scheduler::cancel_all() {
  if (config_ == nullptr) return;
  // Every entry, not the config's check count: the model may already hold a new
  // config with fewer checks (App::apply_config parses in place).
  for (Entry& e : entries_) {
    if (e.probe != nullptr) {
      e.probe->cancel();
      pool_.release(e.probe);
      e.probe = nullptr;
      e.held = false;
      --in_flight_;
      if (e.uses_tls) --tls_in_flight_;
    }
  }
  no_start_before_ = 0;
}

void Scheduler::run_now(uint16_t check_index) {
  if (config_ != nullptr && check_index < config_->check_count) entries_[check_index].next_due = 0;
  no_start_before_ = 0;
}

void Scheduler::run_all_now() {
  if (config_ == nullptr) return;
  for (uint16_t i = 0; i < config_->check_count; ++i) entries_[i].next_due = 0;
  no_start_before_ = 0;
}

void Scheduler::report(uint16_t index, const ProbeResult& result, hal::MonoMicros now) {
  Entry& e = entries_[index];
  ++probes_run_;
  if (mode_ == Mode::kOnce) {
    if (!e.done_once) {
      e.done_once = true;
      ++completed_;
    }
    e.next_due = INT64_MAX;
  } else if (e.next_due <= now) {
    // Not set by start() (a placeholder's answer), or a run longer than its interval.
    e.next_due = now + interval_us(config_->checks[index]);
  }
  // Back out of flight (or never in it: a placeholder): its due time joins the bound.
  if (e.next_due < no_start_before_) no_start_before_ = e.next_due;
  sink_.on_result(index, result, now);
}

void Scheduler::start(uint16_t index, hal::MonoMicros now) {
  const CheckConfig& check = config_->checks[index];
  if (!ProbePool::type_available(check.type)) {
    // A placeholder must fail loudly: the check is listed, and says why it cannot run.
    ProbeResult& r = shared_probe_result();
    r.reset();
    r.summary.assign(check_type_name(check.type));
    r.summary.append(" checks are not built into this firmware yet");
    r.reason = FailReason::kNoResources;
    report(index, r, now);
    return;
  }
  if (check_kind(check.type).needs_wall_clock && !clock_->wall().valid && now - loaded_at_ < kWaitForClockUs) {
    return;  // stays due: an ntp check may set the clock first
  }
  if (waits_for_link(index, now)) return;  // stays due: a connection may come its way
  if (uses_tls(check) && tls_in_flight_ >= PROBEBOX_MAX_TLS_IN_FLIGHT) return;  // the arena is full: stays due
  Probe* probe = pool_.acquire(check.type);
  if (probe == nullptr) return;  // every slot busy: stays due, retried next step
  launch(index, now, probe);
}

void Scheduler::launch(uint16_t index, hal::MonoMicros now, Probe* probe) {
  const CheckConfig& check = config_->checks[index];
  Entry& e = entries_[index];
  const bool tls = uses_tls(check);
  // A check that waited for a link keeps its due time as its anchor: it stays due
  // when the check it follows starts, cycle after cycle, and never drifts past it.
  const bool waited = e.awaits_link;
  e.probe = probe;
  e.awaits_link = false;
  e.uses_tls = tls;
  if (tls) ++tls_in_flight_;
  ++in_flight_;
  if (mode_ == Mode::kContinuous) {
    // Start to start: a run that waits out its timeout does not push the next one
    // back, so a fault is confirmed within interval x confirm + timeout. A run begun
    // early (a burst's groups back to back) keeps its planned time as the anchor.
    const hal::MonoMicros planned = e.next_due > now || waited ? e.next_due : now;
    if (e.next_due > now) ++early_starts_;
    if (!waited) last_planned_start_ = planned;
    e.next_due = planned + interval_us(check);
  }
  if (in_flight_ > max_in_flight_seen_) max_in_flight_seen_ = in_flight_;
  probe->start(check, ProbeEnv{clock_, config_, tls_, &e.memory, sessions_});
}

hal::MonoMicros Scheduler::next_start() const {
  hal::MonoMicros earliest = INT64_MAX;
  if (config_ == nullptr) return earliest;
  for (uint16_t i = 0; i < config_->check_count; ++i) {
    const Entry& e = entries_[i];
    if (e.probe == nullptr && start_time(e) < earliest) earliest = start_time(e);
  }
  return earliest;
}

bool Scheduler::start_blocked(hal::MonoMicros now) const {
  if (config_ == nullptr) return false;
  for (uint16_t i = 0; i < config_->check_count; ++i) {
    const Entry& e = entries_[i];
    if (e.probe != nullptr || e.next_due > now) continue;
    if (in_flight_ >= ProbePool::kSlots) return true;
    if (tls_in_flight_ >= PROBEBOX_MAX_TLS_IN_FLIGHT && uses_tls(config_->checks[i])) return true;
  }
  return false;
}

void Scheduler::step(hal::MonoMicros now, bool hold_results) {
  if (config_ == nullptr) return;
  // Every call is timed from the end of the one before (one clock read each), so the
  // longest step keeps what it spent its time on.
  StepAnatomy anatomy;
  const hal::MonoMicros step_began = clock_->now();
  hal::MonoMicros mark = step_began;
  auto lap = [&](StepAnatomy::Phase phase, uint16_t index) {
    const hal::MonoMicros t = clock_->now();
    anatomy.add(phase, index, config_->checks[index].type, t - mark);
    mark = t;
  };
  uint16_t n = config_->check_count;
  int reported = 0;
  for (uint16_t i = 0; i < n && in_flight_ > 0; ++i) {
    Entry& e = entries_[i];
    if (e.probe == nullptr) continue;
    // Once ready a probe stays ready: its result can wait in the slot.
    const Probe::Poll poll = e.probe->poll(now);
    lap(StepAnatomy::Phase::kPoll, i);
    if (poll == Probe::Poll::kPending) continue;
    if (hold_results) {
      if (!e.held) ++results_held_;
      e.held = true;
      continue;
    }
    e.held = false;
    Probe* probe = e.probe;
    e.probe = nullptr;
    --in_flight_;
    if (e.uses_tls) --tls_in_flight_;
    report(i, probe->result(), now);
    if (!pass_link_on(i, probe, now)) pool_.release(probe);
    ++reported;
    lap(StepAnatomy::Phase::kReport, i);
  }
  // The last check in flight has just reported: the next group of the same burst
  // starts now rather than after a sleep (scheduler.h).
  hal::MonoMicros start_until = now;
  if (mode_ == Mode::kContinuous && reported > 0 && in_flight_ == 0) {
    const hal::MonoMicros next = next_start();
    if (next > now && next != INT64_MAX && next - last_planned_start_ <= kStartSpacingUs) start_until = next;
  }
  // From where the last step's starts ended, so no check starves when the slots are
  // full; the sweep's own starting point stays put while starts move the cursor.
  if (start_until >= no_start_before_ && in_flight_ < ProbePool::kSlots) {
    ++sweeps_;
    const uint16_t sweep_from = cursor_;
    hal::MonoMicros lowest = INT64_MAX;
    uint16_t k = 0;
    for (; k < n && in_flight_ < ProbePool::kSlots; ++k) {
      uint16_t i = static_cast<uint16_t>((sweep_from + k) % n);
      Entry& e = entries_[i];
      if (e.probe == nullptr && e.next_due <= start_until) {
        start(i, now);
        lap(StepAnatomy::Phase::kStart, i);
        cursor_ = static_cast<uint16_t>((i + 1) % n);
      }
      // Not started (or it stays due: no slot, no clock yet): it counts for the bound.
      if (e.probe == nullptr && e.next_due < lowest) lowest = e.next_due;
    }
    // Stopped by full slots: the entries not looked at are unknown, so sweep again.
    no_start_before_ = k == n ? lowest : 0;
  }
  anatomy.total_us = clock_->now() - step_began;
  step_times_.record(anatomy);
}

}  // namespace probebox
