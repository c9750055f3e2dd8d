// How long the loop's steps take, as a distribution and not only the worst one.
//
// A single longest step cannot tell one pre-empted step from a loop that is slow every
// cycle; the soak and an engineer reading /api/diagnostics need both. Buckets double
// from 1 ms: a step is work between two waits, and what matters on the target is the
// order of magnitude (a probe's timeout is seconds, the panel's pace 100 ms, a delayed
// ACK 40 ms). Eight counters (32 bytes) and the longest step; no clock of its own:
// the caller measures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace probebox {

class StepTimes {
 public:
  static constexpr int kBuckets = 8;
  // Upper bounds of every bucket but the last, which is open: [0,1), [1,2), ... [64,inf) ms.
  static constexpr std::array<int64_t, kBuckets - 1> kUpperBoundsMs{1, 2, 4, 8, 16, 32, 64};

  void record(int64_t took_us) {
    if (took_us < 0) took_us = 0;  // a clock that stepped back: count it as instant
    if (took_us > longest_us_) longest_us_ = took_us;
    std::size_t b = 0;
    while (b < kUpperBoundsMs.size() && took_us >= kUpperBoundsMs[b] * 1000) ++b;
    // Saturates instead of wrapping: at a thousand steps a second, after 49 days.
    if (counts_[b] != UINT32_MAX) ++counts_[b];
  }
  uint32_t count(int bucket) const { return counts_[static_cast<std::size_t>(bucket)]; }
  int64_t longest_us() const { return longest_us_; }

 private:
  std::array<uint32_t, kBuckets> counts_{};
  int64_t longest_us_ = 0;
};

}  // namespace probebox
