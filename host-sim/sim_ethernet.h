// The simulator's one Ethernet port, chosen on the command line (`--net`): libslirp
// (the default: no privileges, the host's loopback as 10.0.2.2, egress guard) or a
// TAP device of a lab. The firmware sees one hal::EthernetPort either way; the App
// is built before the options are read, so this forwards to the chosen backend.
#pragma once
#include <cstdint>
#include <string>

#include "hal/ethernet_port.h"
#include "slirp_ethernet.h"
#include "tap_ethernet.h"

namespace probebox::sim {

class SimEthernet final : public hal::EthernetPort {
 public:
  // "slirp" or "tap:IFNAME". False (with the reason on stderr) when malformed.
  bool select(const std::string& spec);
  bool is_tap() const { return tap_mode_; }
  const std::string& tap_name() const { return tap_name_; }

  // slirp: the host ports forwarded to the box's web UI and SNMP agent (0: none);
  // a TAP has no forwarding: the box answers on its own address in the lab.
  bool open(uint16_t http_port, uint16_t snmp_port, uint16_t https_port = 0);
  void run_io(int timeout_ms);
  // slirp only: the lab networks the guest may reach too (slirp_ethernet.h).
  void reach_lab(const LabReach& lab) { slirp_.reach_lab(lab); }

  uint64_t frames_in() const;
  uint64_t frames_out() const;
  uint64_t dropped_rx_full() const;
  uint64_t dropped_by_guard() const;

 private:
  hal::MacAddress DoMac() const override { return tap_mode_ ? tap_.mac() : slirp_.mac(); }
  bool DoLinkUp() const override { return tap_mode_ ? tap_.link_up() : slirp_.link_up(); }
  bool DoTransmit(std::span<const uint8_t> frame) override {
    return tap_mode_ ? tap_.transmit(frame) : slirp_.transmit(frame);
  }
  size_t DoReceive(std::span<uint8_t> buffer) override {
    return tap_mode_ ? tap_.receive(buffer) : slirp_.receive(buffer);
  }
  hal::MonoMicros DoArrival() const override { return tap_mode_ ? tap_.arrival() : slirp_.arrival(); }

  bool tap_mode_ = false;
  std::string tap_name_;
  SlirpEthernet slirp_;
  TapEthernet tap_;
};

}  // namespace probebox::sim
