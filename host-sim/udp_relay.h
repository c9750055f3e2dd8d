// The box's UDP to the host (DNS, NTP, syslog, SNMP traps to 10.0.2.2), relayed by
// the simulator itself instead of libslirp.
//
// libslirp 4.7 keeps the host socket of every guest UDP flow for 240 s after its
// last datagram (SO_EXPIRE; 10 s only for a server on port 53), with no way to ask
// for less. The box sends each DNS and NTP query from a new source port, as it
// should, so at a 10 s interval the demo profile's five UDP checks held about 120
// host sockets, 250 KiB of heap and a walk of them all on every turn of the loop;
// at 1 s, a few UDP checks ran the process out of descriptors. Here a flow's
// socket is closed when its answer has come back, or after 30 s without traffic
// (Linux conntrack's timeout for an unanswered UDP flow), and at most kMaxFlows
// are open at once.
//
// Only the box's own flows are relayed: a reply from a port the host forwards to
// the box (its SNMP agent) goes back through libslirp's forwarding socket. With
// `--lab-net` (lab_reach.h) the box's datagrams to those networks are relayed too,
// each to its own address.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "epoll_watch.h"
#include "lab_reach.h"

namespace probebox::sim {

// A guest frame carrying one UDP datagram to the host, as parsed from the wire.
struct GuestDatagram {
  std::array<uint8_t, 6> guest_mac{};
  std::array<uint8_t, 6> host_mac{};
  uint32_t guest_ip = 0;
  uint32_t host_ip = 0;  // where the guest sent it: 10.0.2.2, or a lab address
  uint16_t guest_port = 0;
  uint16_t host_port = 0;
  std::span<const uint8_t> payload;
};

// Pure: a whole (unfragmented) IPv4 UDP datagram; false for anything else,
// including a length that does not add up. Whose it is to carry, the relay decides.
bool parse_guest_datagram(std::span<const uint8_t> frame, GuestDatagram& out);

// Pure: the frame carrying `payload` back from flow.host_ip:flow.host_port to the
// guest's address and port, with both checksums. 0 when `out` is too small.
size_t build_host_datagram(const GuestDatagram& flow, uint16_t ip_id, std::span<const uint8_t> payload,
                           std::span<uint8_t> out);

class UdpRelay {
 public:
  static constexpr size_t kMaxFlows = 64;
  static constexpr int64_t kIdleMs = 30'000;
  static constexpr size_t kMaxFrame = 1514;

  struct Stats {
    uint64_t flows_opened = 0;
    uint64_t replies = 0;
    uint64_t dropped = 0;  // a reply too large for one frame, or a refused send
  };

  // Called with each reply frame for the guest.
  using Deliver = void (*)(std::span<const uint8_t> frame, void* opaque);

  // `watch` is the loop's: the relay's sockets are watched with libslirp's.
  UdpRelay(uint32_t host_ip, EpollWatch& watch, Deliver deliver, void* opaque)
      : host_ip_(host_ip), watch_(watch), deliver_(deliver), opaque_(opaque) {}
  ~UdpRelay();
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  // A guest port whose datagrams answer a host client through libslirp's forwarding.
  void leave_to_slirp(uint16_t guest_port) { forwarded_port_ = guest_port; }
  // Lab networks whose datagrams the relay carries too, each to its own address
  // (null: none). The caller keeps it alive and has checked it may (lab_reach.h).
  void reach_lab(const LabReach* lab) { lab_ = lab; }

  // True when the frame was the relay's to carry (sent, or dropped as a full
  // network would); false: not a flow of the box's own, for libslirp.
  bool send(std::span<const uint8_t> frame, int64_t now_ms);
  // A turn of the loop: closes idle flows and asks the watch for every open one.
  void watch(int64_t now_ms);
  // After the turn's wait: what came back, delivered to the guest.
  void poll(int64_t now_ms);

  size_t open_flows() const;
  const Stats& stats() const { return stats_; }

 private:
  struct Flow {
    int fd = -1;
    GuestDatagram head;  // addresses only; payload empty
    int64_t last_ms = 0;
  };
  Flow* find(const GuestDatagram& d);
  Flow* open(const GuestDatagram& d, int64_t now_ms);
  void close(Flow& f);

  uint32_t host_ip_;
  EpollWatch& watch_;
  Deliver deliver_;
  void* opaque_;
  const LabReach* lab_ = nullptr;
  uint16_t forwarded_port_ = 0;
  uint16_t next_ip_id_ = 1;
  std::array<Flow, kMaxFlows> flows_{};
  Stats stats_;
};

}  // namespace probebox::sim
