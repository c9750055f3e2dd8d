// Cross-check verdicts (`same_cert_as`, `distinct_from`, and the load balancer's
// /testall against every node's: monitor/lb_health) are judged once every check
// of the set has a result of this cycle (spec/checks.md), so the answer does not
// depend on which probe finished first. The gate groups the checks that name each
// other (transitively) into sets, and says when a set's results are all in: until
// then the health model holds each member's result staged, not counted.
//
// A member that stops reporting (a check run by hand, a much longer interval) must
// not hold the others forever: a set that has waited twice its longest interval is
// judged with what it has.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "hal/clock.h"

namespace probebox {

class CrossCheckGate {
 public:
  static constexpr uint16_t kNone = 0xFFFF;

  void load(const Config& config);
  // Whether check i's result waits for a set at all.
  bool gated(uint16_t i) const { return i < count_ && set_of_[i] != kNone; }
  // Check i has staged this cycle's result; true when that completes its set.
  bool arrive(uint16_t i, hal::MonoMicros now);
  bool arrived(uint16_t i) const { return i < count_ && arrived_[i]; }
  bool same_set(uint16_t a, uint16_t b) const { return gated(a) && gated(b) && set_of_[a] == set_of_[b]; }
  // Starts the set's next cycle (after its members were judged).
  void clear_set(uint16_t i);
  // A member of a set that has waited longer than it may, or kNone.
  uint16_t overdue(hal::MonoMicros now) const;
  // When the first waiting set becomes overdue (INT64_MAX: no set waits).
  hal::MonoMicros next_overdue() const;

 private:
  uint16_t count_ = 0;
  std::array<uint16_t, Config::kMaxChecks> set_of_{};        // the set's first member, or kNone
  std::array<bool, Config::kMaxChecks> arrived_{};
  std::array<hal::MonoMicros, Config::kMaxChecks> waiting_since_{};  // per set (its first member); 0: none
  std::array<uint32_t, Config::kMaxChecks> patience_s_{};            // per set
};

}  // namespace probebox
