// How long something took, counted in buckets that double from 1 ms: a distribution,
// not only a worst case. One worst figure cannot tell a single pre-empted pass from a
// loop that is slow every cycle. What matters on the target is the order of magnitude
// (a probe's timeout is seconds, the panel's pace 100 ms, a delayed ACK 40 ms, a full
// TLS handshake's pass on the Cortex-M4 171 ms). Ten counters, 40 bytes; no clock of
// its own: the caller measures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace probebox {

class DurationBuckets {
 public:
  static constexpr int kBuckets = 10;
  // Upper bounds of every bucket but the last, which is open: [0,1), [1,2), ... [256,inf) ms.
  static constexpr std::array<int64_t, kBuckets - 1> kUpperBoundsMs{1, 2, 4, 8, 16, 32, 64, 128, 256};

  void record(int64_t took_us) {
    if (took_us < 0) took_us = 0;  // a clock that stepped back: count it as instant
    std::size_t b = 0;
    while (b < kUpperBoundsMs.size() && took_us >= kUpperBoundsMs[b] * 1000) ++b;
    // Saturates instead of wrapping: at a thousand a second, after 49 days.
    if (counts_[b] != UINT32_MAX) ++counts_[b];
  }
  uint32_t count(int bucket) const { return counts_[static_cast<std::size_t>(bucket)]; }

 private:
  std::array<uint32_t, kBuckets> counts_{};
};

}  // namespace probebox
