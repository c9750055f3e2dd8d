// FakePeer's UDP side: datagrams the box sends to the peer go to the responder
// scripted for their port; replies (or ICMP errors) are queued as frames to the box.
#include <algorithm>
#include <cstring>

#include "fake_peer.h"
#include "wire_bytes.h"

namespace probebox::test {
using namespace wire;

int FakePeer::udp_seen(uint16_t port) const {
  auto it = udp_seen_.find(port);
  return it == udp_seen_.end() ? 0 : it->second;
}

void FakePeer::answer_udp(const uint8_t* ip, size_t ip_len) {
  size_t ihl = static_cast<size_t>(ip[0] & 0x0F) * 4;
  if (ip[9] != 17 || rd32(ip + 16) != kPeerIp || ip_len < ihl + 8) return;
  size_t total = rd16(ip + 2);
  if (total > ip_len || total < ihl + 8) return;
  const uint8_t* udp = ip + ihl;
  size_t udp_len = rd16(udp + 4);
  if (udp_len < 8 || ihl + udp_len > total) return;
  UdpDatagram d;
  d.box_port = rd16(udp);
  d.peer_port = rd16(udp + 2);
  d.payload.assign(udp + 8, udp + udp_len);
  d.ip_packet.assign(ip, ip + total);
  ++udp_seen_[d.peer_port];
  auto it = udp_.find(d.peer_port);
  if (it != udp_.end() && it->second) it->second(*this, d);
}

void FakePeer::send_udp(uint16_t peer_port, uint16_t box_port, std::span<const uint8_t> payload, uint32_t src_ip) {
  std::vector<uint8_t> udp(8 + payload.size());
  wr16(udp.data(), peer_port);
  wr16(udp.data() + 2, box_port);
  wr16(udp.data() + 4, static_cast<uint16_t>(udp.size()));
  if (!payload.empty()) std::memcpy(udp.data() + 8, payload.data(), payload.size());
  uint8_t pseudo[12];
  wr32(pseudo, src_ip);
  wr32(pseudo + 4, kBoxIp);
  pseudo[8] = 0;
  pseudo[9] = 17;
  wr16(pseudo + 10, static_cast<uint16_t>(udp.size()));
  uint16_t sum = fold(sum16(udp.data(), udp.size(), sum16(pseudo, 12)));
  wr16(udp.data() + 6, sum == 0 ? 0xFFFF : sum);
  send_ip(17, src_ip, udp);
}

void FakePeer::send_icmp_port_unreachable(const UdpDatagram& d) {
  // Type 3 code 3, quoting the IP header and the first 8 bytes of the datagram.
  size_t ihl = d.ip_packet.empty() ? 0 : static_cast<size_t>(d.ip_packet[0] & 0x0F) * 4;
  size_t quoted = std::min(d.ip_packet.size(), ihl + 8);
  std::vector<uint8_t> icmp(8 + quoted, 0);
  icmp[0] = 3;
  icmp[1] = 3;
  std::memcpy(icmp.data() + 8, d.ip_packet.data(), quoted);
  wr16(icmp.data() + 2, fold(sum16(icmp.data(), icmp.size())));
  send_ip(1, kPeerIp, icmp);
}

void FakePeer::send_ip(uint8_t protocol, uint32_t src_ip, std::span<const uint8_t> l4) {
  std::vector<uint8_t> f(14 + 20 + l4.size(), 0);
  std::memcpy(f.data(), DoMac().data(), 6);
  std::memcpy(f.data() + 6, kPeerMac, 6);
  wr16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  wr16(ip + 2, static_cast<uint16_t>(20 + l4.size()));
  ip[8] = 64;
  ip[9] = protocol;
  wr32(ip + 12, src_ip);
  wr32(ip + 16, kBoxIp);
  wr16(ip + 10, fold(sum16(ip, 20)));
  std::memcpy(ip + 20, l4.data(), l4.size());
  to_box_.push_back(std::move(f));
}

}  // namespace probebox::test
