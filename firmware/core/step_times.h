// How long the loop's steps take, as a distribution and not only the worst one.
//
// A single longest step cannot tell one pre-empted step from a loop that is slow every
// cycle; the soak and an engineer reading /api/diagnostics need both. Buckets double
// from 1 ms: a step is work between two waits, and what matters on the target is the
// order of magnitude (a probe's timeout is seconds, the panel's pace 100 ms, a delayed
// ACK 40 ms). Eight counters (32 bytes), and the longest step with what it spent its
// time on (StepAnatomy); no clock of its own: the caller measures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/check_types.h"

namespace probebox {

// Where one step's time went: each phase's time and calls, and the single slowest
// call with the check it was for. A worst step is then explained, not only measured:
// one handshake's key exchange, a dozen results reported at once, or (on a host) a
// step that waited for a core, where no call stands out. About 50 bytes.
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
  static constexpr int kBuckets = 8;
  // Upper bounds of every bucket but the last, which is open: [0,1), [1,2), ... [64,inf) ms.
  static constexpr std::array<int64_t, kBuckets - 1> kUpperBoundsMs{1, 2, 4, 8, 16, 32, 64};

  void record(int64_t took_us) {
    StepAnatomy step;
    step.total_us = took_us;
    record(step);
  }
  void record(const StepAnatomy& step) {
    int64_t took_us = step.total_us;
    if (took_us < 0) took_us = 0;  // a clock that stepped back: count it as instant
    if (took_us > longest_.total_us) {
      longest_ = step;
      longest_.total_us = took_us;
    }
    std::size_t b = 0;
    while (b < kUpperBoundsMs.size() && took_us >= kUpperBoundsMs[b] * 1000) ++b;
    // Saturates instead of wrapping: at a thousand steps a second, after 49 days.
    if (counts_[b] != UINT32_MAX) ++counts_[b];
  }
  uint32_t count(int bucket) const { return counts_[static_cast<std::size_t>(bucket)]; }
  int64_t longest_us() const { return longest_.total_us; }
  const StepAnatomy& longest() const { return longest_; }

 private:
  std::array<uint32_t, kBuckets> counts_{};
  StepAnatomy longest_;
};

}  // namespace probebox
