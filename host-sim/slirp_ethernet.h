// The simulator's Ethernet: frames to and from libslirp (user-mode NAT, no root).
// Inside, the host's loopback is 10.0.2.2 and the box gets 10.0.2.15 by DHCP.
// slirp's DNS forwarder is disabled, and an egress guard drops every frame for an
// address other than 10.0.2.2 (and DHCP/ARP), so the simulator can reach nothing
// but the host it runs on (and, with `--lab-net`, a lab's documentation-range
// networks from inside that lab's namespace: lab_reach.h). The box's own UDP flows
// go through udp_relay.h instead of libslirp (that file says why).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "epoll_watch.h"
#include "hal/ethernet_port.h"
#include "lab_reach.h"
#include "udp_relay.h"

struct Slirp;

namespace probebox::sim {

struct EgressStats {
  uint64_t frames_out = 0;
  uint64_t frames_in = 0;
  uint64_t dropped_by_guard = 0;
  uint64_t dropped_rx_full = 0;
};

// Pure: may this guest frame leave the simulator? (ARP, DHCP to slirp, IPv4 to
// 10.0.2.2 and to the lab networks given, nothing else.)
bool egress_allowed(const uint8_t* frame, size_t len, const LabReach& lab = LabReach{});

// libslirp asks to be polled again in 2 ms (its TIMEOUT_FAST) while it holds back an
// ACK for data the box sent, and only for that. A real peer delays such an ACK
// longer (Linux: 40 ms at least) and sends it with its reply when one comes first,
// which for the box's request-and-answer probes it nearly always does. The box
// never waits on that ACK (its sends do not wait for one: no Nagle), so a 2 ms wait
// buys nothing but a host wake-up, most of them a few milliseconds before the
// server's reply. Pure: the wait to use for the wait libslirp asked for.
inline constexpr uint32_t kSlirpDelayedAckAskMs = 2;
inline constexpr uint32_t kGuestDelayedAckMs = 40;
constexpr uint32_t slirp_wait_ms(uint32_t asked) {
  return asked == kSlirpDelayedAckAskMs ? kGuestDelayedAckMs : asked;
}

class SlirpEthernet final : public hal::EthernetPort {
 public:
  static constexpr size_t kRxQueueFrames = 1024;

  // http_port: host TCP port on 127.0.0.1 forwarded to the box's port 80;
  // snmp_port: host UDP port forwarded to the box's SNMP agent (161). 0: none.
  SlirpEthernet();
  bool open(uint16_t http_port, uint16_t snmp_port = 0, uint16_t https_port = 0);
  // Lets the guest reach these lab networks too, each at its own address (TCP
  // through libslirp, UDP through the relay). The caller has checked it may
  // (lab_reach_refusal()).
  void reach_lab(const LabReach& lab) {
    lab_ = lab;
    relay_.reach_lab(&lab_);
  }
  ~SlirpEthernet();

  // One turn of slirp's event loop: poll its sockets up to timeout_ms, fire timers.
  void run_io(int timeout_ms);
  const EgressStats& stats() const { return stats_; }

 private:
  enum class Transport { kTcp, kUdp };
  // 127.0.0.1:host_port forwarded to the box's guest_port; a TCP one gets a deep accept queue.
  bool forward(Transport transport, uint16_t host_port, uint16_t guest_port);
  hal::MacAddress DoMac() const override { return {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}; }
  bool DoLinkUp() const override { return slirp_ != nullptr; }
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;
  hal::MonoMicros DoArrival() const override { return last_arrival_; }

  friend struct SlirpCallbacks;
  // A frame for the box: queued as the NIC's receive FIFO would, dropped when full.
  void queue_for_guest(const uint8_t* bytes, size_t len);
  struct Timer {
    void (*cb)(void*);
    void* opaque;
    int64_t expire_ms;  // -1: not armed
  };

  Slirp* slirp_ = nullptr;
  // Each frame with when libslirp handed it over (the host clock, as the box's): the
  // frames of one poll are handled one after another, as a board's FIFO empties.
  struct QueuedFrame {
    hal::MonoMicros arrived_us = 0;
    std::vector<uint8_t> bytes;
  };
  std::deque<QueuedFrame> rx_;
  hal::MonoMicros last_arrival_ = kUnstamped;
  EpollWatch watch_;
  LabReach lab_;
  UdpRelay relay_;  // after watch_, which it uses
  std::vector<Timer*> timers_;
  EgressStats stats_;
};

}  // namespace probebox::sim
