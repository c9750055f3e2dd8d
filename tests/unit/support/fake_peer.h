// A scripted peer on a fake Ethernet: it answers ARP for 10.0.2.2 and plays one TCP
// host whose ports are open (SYN-ACK), closed (RST) or filtered (silence), so probe
// tests run the real lwIP core deterministically, with no network at all.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "hal/ethernet_port.h"

namespace probebox::test {

class FakePeer final : public hal::EthernetPort {
 public:
  enum class Port { kOpen, kClosed, kFiltered };
  static constexpr uint32_t kPeerIp = 0x0A000202;  // 10.0.2.2
  static constexpr uint32_t kBoxIp = 0x0A00020F;   // 10.0.2.15

  void set_port(uint16_t port, Port behaviour) { ports_[port] = behaviour; }
  // SYN-ACKs are held back until release_held() (to make connects slow).
  void hold_syn_acks(bool hold) { hold_ = hold; }
  void release_held();
  int syns_seen() const { return syns_; }

 private:
  hal::MacAddress DoMac() const override { return {0x02, 0, 0, 0, 0, 0x15}; }
  bool DoLinkUp() const override { return true; }
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;

  void answer_arp(const uint8_t* f, size_t len);
  void answer_tcp(const uint8_t* ip, size_t ip_len);
  void send_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, bool hold);

  std::map<uint16_t, Port> ports_;
  std::deque<std::vector<uint8_t>> to_box_;
  std::vector<std::vector<uint8_t>> held_;
  bool hold_ = false;
  int syns_ = 0;
};

}  // namespace probebox::test
