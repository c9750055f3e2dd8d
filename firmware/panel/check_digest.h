// What the panel shows of the checks as a whole: the overall state, the counts on the
// summary page, each group's LED and page, and whether an unacknowledged critical
// blinks. Gathered in one pass over every check, and only when the health model
// changed (HealthModel::revision) or an alarm was acknowledged: the panel steps ten
// times a second between cycles, and with every check scanned on every step the scans
// were most of what a step cost.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "core/bit_set.h"
#include "monitor/health_model.h"

namespace probebox::panel {

struct GroupDigest {
  // The group's LED: its checks with a result, outside maintenance.
  bool lit = false;
  Outcome worst = Outcome::kOk;
  bool unacked_critical = false;
  // The group's page: all of its checks, in maintenance or not.
  uint16_t checks = 0;
  uint16_t bad = 0;          // with a result, hard state not ok
  uint16_t worst_check = 0;  // the first of the most severe; no result counts as ok
};

struct CheckDigest {
  Outcome overall = Outcome::kUnknown;          // HealthModel::overall()
  std::array<uint16_t, 4> counts{};             // by hard state: with a result, outside maintenance
  uint16_t in_maintenance = 0;                  // with a result, in maintenance
  bool unacked_critical = false;
  std::array<GroupDigest, kGroupCount> groups{};
};

// The panel's acknowledged alarms, one flag per check.
using Acknowledged = BitSet<Config::kMaxChecks>;

// A check no longer critical loses its acknowledgement here, so that a new critical
// later blinks again.
void gather_checks(const Config& config, const HealthModel& health, Acknowledged& acked, CheckDigest& out);

}  // namespace probebox::panel
