// How long the scheduler's steps take: their distribution (core/duration_buckets.h)
// and the longest step with what it spent its time on (StepAnatomy). No clock of its
// own: the caller measures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/check_types.h"
#include "core/duration_buckets.h"

namespace probebox {

// Where one step's time went: each phase's time and calls, and the single slowest
// call with the check it was for. A worst step is then explained, not only measured:
// a slow start, a dozen results reported at once, or (on a host) a step that waited
// for a core, where no call stands out. (A probe's TLS handshake runs in lwIP's
// receive callbacks, outside the step: core/loop_anatomy.h.) About 50 bytes.
struct StepAnatomy {
  enum class Phase : uint8_t { kPoll, kStart, kReport };
  static constexpr int kPhases = 3;

  void add(Phase phase, uint16_t check, CheckType type, int64_t took_us) {
    if (took_us < 0) took_us = 0;
    const auto p = static_cast<std::size_t>(phase);
    phase_us[p] += took_us;
    if (calls[p] != UINT16_MAX) ++calls[p];
    if (took_us > slowest_us) {
      slowest_us = took_us;
      slowest_check = check;
      slowest_type = type;
      slowest_phase = phase;
    }
  }

  static constexpr std::string_view phase_name(Phase phase) {
    constexpr std::string_view kNames[kPhases] = {"poll", "start", "report"};
    return kNames[static_cast<std::size_t>(phase)];
  }

  int64_t total_us = 0;  // the whole step, the scheduler's own bookkeeping included
  std::array<int64_t, kPhases> phase_us{};
  std::array<uint16_t, kPhases> calls{};
  int64_t slowest_us = 0;  // 0: the step made no call
  uint16_t slowest_check = 0;
  CheckType slowest_type = CheckType::kTcp;
  Phase slowest_phase = Phase::kPoll;
};

class StepTimes {
 public:
  void record(int64_t took_us) {
    StepAnatomy step;
    step.total_us = took_us;
    record(step);
  }
  void record(const StepAnatomy& step) {
    const int64_t took_us = step.total_us < 0 ? 0 : step.total_us;  // a clock that stepped back
    if (took_us > longest_.total_us) {
      longest_ = step;
      longest_.total_us = took_us;
    }
    buckets_.record(took_us);
  }
  const DurationBuckets& buckets() const { return buckets_; }
  int64_t longest_us() const { return longest_.total_us; }
  const StepAnatomy& longest() const { return longest_; }

 private:
  DurationBuckets buckets_;
  StepAnatomy longest_;
};

}  // namespace probebox
