// When the frame lwIP is handling reached the box. The main loop can be busy for a
// while (on the Cortex-M4 one full TLS handshake holds a pass for about 170 ms); a
// reply that lands meanwhile waits in the Ethernet controller until the next pass.
// The driver stamps each frame in its receive interrupt, the netif holds the stamp
// while lwIP handles the frame, and a probe times its reply by it: the latency the
// box reports is the network's, not the network's plus the box's own backlog.
#pragma once
#include "hal/clock.h"

namespace probebox::net {

// Holds `arrived` (or nothing, for hal::EthernetPort::kUnstamped) as the arrival of
// the frame being handled, for as long as it lives. Single-threaded, not nested: the
// netif makes one around each frame it hands to lwIP.
class FrameArrival {
 public:
  explicit FrameArrival(hal::MonoMicros arrived);
  ~FrameArrival();
  FrameArrival(const FrameArrival&) = delete;
  FrameArrival& operator=(const FrameArrival&) = delete;
};

// The moment a reply handled now came: the arrival of the frame being handled when
// it is stamped and not later than `now`, else `now` (outside any frame: a timer, a
// poll; or a driver that cannot stamp).
hal::MonoMicros reply_time(hal::MonoMicros now);

}  // namespace probebox::net
