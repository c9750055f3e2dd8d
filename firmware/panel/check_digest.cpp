#include "panel/check_digest.h"

#include "panel/led_policy.h"

namespace probebox::panel {

void gather_checks(const Config& config, const HealthModel& health, Acknowledged& acked, CheckDigest& out) {
  out = CheckDigest{};
  out.overall = health.overall();
  std::array<int, kGroupCount> worst_severity;
  worst_severity.fill(-1);
  const uint16_t n = health.check_count() < config.check_count ? health.check_count() : config.check_count;
  for (uint16_t i = 0; i < n; ++i) {
    const CheckHealth& c = health.check(i);
    if (c.hard != Outcome::kCritical) acked.reset(i);
    const size_t group = static_cast<size_t>(config.checks[i].group);
    GroupDigest& g = out.groups[group];
    ++g.checks;
    if (c.has_result && c.hard != Outcome::kOk) ++g.bad;
    const int severity = c.has_result ? panel_severity(c.hard) : 0;
    if (severity > worst_severity[group]) {
      worst_severity[group] = severity;
      g.worst_check = i;
    }
    if (!c.has_result) continue;
    if (c.maintenance) {
      ++out.in_maintenance;
      continue;
    }
    ++out.counts[static_cast<size_t>(c.hard)];
    if (!g.lit || panel_severity(c.hard) > panel_severity(g.worst)) g.worst = c.hard;
    g.lit = true;
    if (c.hard == Outcome::kCritical && !acked.test(i)) {
      g.unacked_critical = true;
      out.unacked_critical = true;
    }
  }
}

}  // namespace probebox::panel
