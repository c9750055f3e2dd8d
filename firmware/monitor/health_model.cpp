#include "monitor/health_model.h"

namespace probebox {

void HealthModel::load(const Config& config, hal::Clock& clock) {
  config_ = &config;
  clock_ = &clock;
  count_ = config.check_count;
  for (uint16_t i = 0; i < count_; ++i) checks_.reset(i);
}

Outcome HealthModel::overall() const {
  // For an operator a failing check outranks one that could not run, so the hard
  // overall orders critical > warning > unknown > ok (--once keeps the Nagios order).
  auto rank = [](Outcome o) { return o == Outcome::kCritical ? 3 : o == Outcome::kWarning ? 2 : o == Outcome::kUnknown ? 1 : 0; };
  Outcome worst = Outcome::kOk;
  bool any = false;
  for (uint16_t i = 0; i < count_; ++i) {
    if (!checks_[i].has_result || checks_[i].maintenance) continue;
    any = true;
    if (rank(checks_[i].hard) > rank(worst)) worst = checks_[i].hard;
  }
  return any ? worst : Outcome::kUnknown;
}

void HealthModel::suppress_for(int64_t minutes, hal::MonoMicros now) {
  suppressed_until_ = minutes <= 0 ? 0 : now + minutes * 60 * 1'000'000;
}

bool HealthModel::in_maintenance(uint16_t index, hal::MonoMicros now) const {
  if (now < suppressed_until_) return true;
  hal::WallTime wall = clock_->wall();
  if (!wall.valid) return false;  // planned windows need the time of day
  int64_t t = wall.unix_micros / 1'000'000;
  std::string_view id = config_->text(config_->checks[index].id);
  for (uint16_t w = 0; w < config_->maintenance_count; ++w) {
    const MaintenanceWindow& window = config_->maintenance[w];
    if (t < window.start_unix || t >= window.end_unix) continue;
    if (window.checks.count == 0) return true;
    for (uint16_t k = 0; k < window.checks.count; ++k) {
      if (config_->text(config_->list_item(window.checks, k)) == id) return true;
    }
  }
  return false;
}

bool HealthModel::confirmed_bad(const CheckHealth& h, const Tunables& t) const {
  if (t.confirm_window == 0) return h.bad_streak >= t.confirm;
  uint32_t mask = t.confirm_window >= 32 ? 0xFFFFFFFFu : ((1u << t.confirm_window) - 1);
  return __builtin_popcount(h.recent_bad_bits & mask) >= t.confirm;
}

void HealthModel::push_event(uint16_t index, const CheckHealth& h, Outcome from, Outcome to, bool first,
                             hal::MonoMicros now) {
  Event e;
  e.check_id.assign(config_->text(config_->checks[index].id));
  e.from = from;
  e.to = to;
  e.first = first;
  e.mono_us = now;
  hal::WallTime wall = clock_->wall();
  e.wall_unix_us = wall.valid ? wall.unix_micros : 0;
  e.summary.assign(h.last.summary.view());
  e.maintenance = h.maintenance;
  e.confirmations = to == Outcome::kOk ? 0 : h.bad_streak;
  events_.push(e);
}

void HealthModel::change_hard(uint16_t index, CheckHealth& h, Outcome to, bool first, hal::MonoMicros now) {
  push_event(index, h, h.hard, to, first, now);
  if (to == Outcome::kOk || !h.maintenance) {
    h.alert_held = false;
  } else if (!h.alert_held) {
    h.alert_held = true;
    h.held_first = first;
    h.held_from = h.hard;
  }
  hal::WallTime wall = clock_->wall();
  h.hard = to;
  h.hard_since_mono_us = now;
  h.hard_since_wall_us = wall.valid ? wall.unix_micros : 0;
  if (first) return;
  ++h.hard_changes;
  h.change_times[h.change_head] = now;
  h.change_head = static_cast<uint8_t>((h.change_head + 1) % h.change_times.size());
  int recent = 0;
  for (int64_t t : h.change_times) {
    if (t != 0 && now - t <= kFlapWindowUs) ++recent;
  }
  h.flapping = recent >= kFlapChanges;
}

void HealthModel::on_result(uint16_t index, const ProbeResult& result, hal::MonoMicros now) {
  stage(index, result);
  commit(index, now);
}

void HealthModel::stage(uint16_t index, const ProbeResult& result) {
  if (index >= count_) return;
  checks_[index].last = result;
  checks_[index].staged = true;
}

void HealthModel::commit(uint16_t index, hal::MonoMicros now) {
  if (index >= count_ || !checks_[index].staged) return;
  CheckHealth& h = checks_[index];
  h.staged = false;
  const ProbeResult& result = h.last;
  const Tunables& t = config_->checks[index].tune;
  bool first = !h.has_result;
  bool bad = result.outcome != Outcome::kOk;
  h.soft = result.outcome;
  h.last_run_mono_us = now;
  h.has_result = true;
  const bool was_in_maintenance = h.maintenance;
  h.maintenance = in_maintenance(index, now);
  ++h.counts[static_cast<int>(result.outcome)];
  h.recent_bad_bits = (h.recent_bad_bits << 1) | (bad ? 1u : 0u);
  h.bad_streak = bad ? static_cast<uint16_t>(h.bad_streak + 1) : 0;
  if (first) {
    change_hard(index, h, result.outcome, true, now);
    return;
  }
  if (!bad) {
    if (h.hard != Outcome::kOk) change_hard(index, h, Outcome::kOk, false, now);
    // Flapping clears once the check has been quiet for a whole window.
  } else if (h.hard != result.outcome && confirmed_bad(h, t)) {
    change_hard(index, h, result.outcome, false, now);
  }
  if (h.flapping && now - h.hard_since_mono_us > kFlapWindowUs) h.flapping = false;
  raise_held_alert(index, h, was_in_maintenance, now);
}

void HealthModel::raise_held_alert(uint16_t index, CheckHealth& h, bool was_in_maintenance, hal::MonoMicros now) {
  if (!was_in_maintenance || h.maintenance || !h.alert_held) return;
  h.alert_held = false;
  if (h.hard != Outcome::kOk) push_event(index, h, h.held_from, h.hard, h.held_first, now);
}

}  // namespace probebox
