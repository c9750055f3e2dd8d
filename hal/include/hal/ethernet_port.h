// A minimal Ethernet driver interface (in the spirit of embassy-net-driver): whole
// frames in and out, the MAC address and the link state. The lwIP netif glue in
// firmware/net is written once against it; boards and the simulator implement it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/clock.h"

namespace hal {

using MacAddress = std::array<uint8_t, 6>;

class EthernetPort {
 public:
  static constexpr size_t kMaxFrameBytes = 1518;

  MacAddress mac() const { return DoMac(); }
  bool link_up() const { return DoLinkUp(); }
  // Queues one frame (without FCS). False when the driver had no room: lwIP
  // treats that as a lost frame, as on a wire.
  bool transmit(std::span<const uint8_t> frame) { return DoTransmit(frame); }
  // Copies the next received frame into `buffer`; returns its length, 0 if none.
  size_t receive(std::span<uint8_t> buffer) { return DoReceive(buffer); }
  // When the frame the last receive() returned reached the port, if the driver knows
  // it (stamped in its receive interrupt), else kUnstamped. A frame can wait in the
  // controller while the main loop is busy elsewhere; its stamp lets the probe time
  // the reply when it came, not when the loop got to it.
  static constexpr MonoMicros kUnstamped = -1;
  MonoMicros arrival() const { return DoArrival(); }

 protected:
  ~EthernetPort() = default;

 private:
  virtual MacAddress DoMac() const = 0;
  virtual bool DoLinkUp() const = 0;
  virtual bool DoTransmit(std::span<const uint8_t> frame) = 0;
  virtual size_t DoReceive(std::span<uint8_t> buffer) = 0;
  virtual MonoMicros DoArrival() const { return kUnstamped; }
};

}  // namespace hal
