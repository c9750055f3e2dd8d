#include "net/frame_arrival.h"

#include "hal/ethernet_port.h"

namespace probebox::net {
namespace {

// lwIP runs in the main loop only (NO_SYS): one frame is handled at a time.
hal::MonoMicros g_arrived = hal::EthernetPort::kUnstamped;

}  // namespace

FrameArrival::FrameArrival(hal::MonoMicros arrived) { g_arrived = arrived < 0 ? hal::EthernetPort::kUnstamped : arrived; }

FrameArrival::~FrameArrival() { g_arrived = hal::EthernetPort::kUnstamped; }

hal::MonoMicros reply_time(hal::MonoMicros now) {
  if (g_arrived == hal::EthernetPort::kUnstamped || g_arrived > now) return now;
  return g_arrived;
}

}  // namespace probebox::net
