// The simulator's Ethernet on a Linux TAP device (`--net tap:IFNAME`): whole frames
// to and from a real L2 segment, normally a bridge inside network namespaces a lab
// built. The caller creates the device (`ip tuntap add dev IFNAME mode tap`); the
// simulator only attaches to it, so a misspelled name is an error instead of a new,
// unbridged TAP. Non-blocking: frames are read as the netif polls, and run_io()
// sleeps in poll() until one arrives.
//
// An egress guard keeps the box on the documentation ranges the labs use
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) plus ARP and DHCP: even on a TAP
// that someone bridged to a real network, nothing else leaves the simulator.
#pragma once
#include <cstdint>
#include <string>

#include "hal/ethernet_port.h"

namespace probebox::sim {

struct TapStats {
  uint64_t frames_out = 0;
  uint64_t frames_in = 0;
  uint64_t dropped_by_guard = 0;
  uint64_t tx_errors = 0;
};

// Pure: may this frame leave through the TAP? ARP; IPv4 to an address in one of the
// three documentation ranges (their broadcasts included); DHCP to 255.255.255.255.
bool tap_egress_allowed(const uint8_t* frame, size_t len);

// A locally administered, stable MAC for this interface name (52:54:00 is QEMU's and
// slirp's; two simulators on one bridge must differ).
hal::MacAddress tap_mac_for(const std::string& ifname);

class TapEthernet final : public hal::EthernetPort {
 public:
  // Attaches to the existing TAP device `ifname` in this network namespace and sets it
  // up. Prints the reason and returns false when it cannot.
  bool open(const std::string& ifname);
  ~TapEthernet();

  // Sleeps until a frame is readable or timeout_ms passed.
  void run_io(int timeout_ms);
  const TapStats& stats() const { return stats_; }

 private:
  hal::MacAddress DoMac() const override { return mac_; }
  bool DoLinkUp() const override { return fd_ >= 0; }
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;

  int fd_ = -1;
  hal::MacAddress mac_{};
  TapStats stats_;
};

}  // namespace probebox::sim
