// How much of the box's processor full TLS handshakes of its web UI may take. A
// handshake signs and runs a key exchange in one pass of the main loop: 27 M
// instructions with the box's P-256 key, 50 M with P-384 (160-300 ms on a 168 MHz
// Cortex-M4). One client with no password, replaying a recorded ClientHello as fast as
// the box answered, held the image at 99.8 % load for as long as it liked.
//
// The budget is processor time, earned at a quarter of the wall clock up to a burst
// (a browser opening the UI makes a few handshakes at once) and spent by every
// handshake step at what it took. A new session starts only while some is left; a
// handshake under way always finishes. Pure: the clock is the caller's.
#pragma once
#include <cstdint>

namespace probebox {

class HandshakeBudget {
 public:
  static constexpr int64_t kShareDivisor = 4;         // a quarter of the processor
  static constexpr int64_t kBurstUs = 1'000'000;      // a browser's few handshakes at once

  // True when a new session may start its handshake at `now_us` (monotonic).
  bool may_start(int64_t now_us);
  // A handshake step took `busy_us` of the processor.
  void spend(int64_t busy_us) { balance_us_ -= busy_us; }
  int64_t balance_us() const { return balance_us_; }

 private:
  void earn(int64_t now_us);

  int64_t balance_us_ = kBurstUs;
  int64_t earned_at_us_ = -1;
};

}  // namespace probebox
