#include "fake_peer.h"

#include <cstring>

namespace probebox::test {
namespace {

const uint8_t kPeerMac[6] = {0x02, 0, 0, 0, 0, 0x02};

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
void wr16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8); p[1] = static_cast<uint8_t>(v); }
void wr32(uint8_t* p, uint32_t v) { wr16(p, static_cast<uint16_t>(v >> 16)); wr16(p + 2, static_cast<uint16_t>(v)); }

uint32_t sum16(const uint8_t* p, size_t len, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) acc += rd16(p + i);
  if (len & 1) acc += static_cast<uint32_t>(p[len - 1]) << 8;
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

}  // namespace

bool FakePeer::DoTransmit(std::span<const uint8_t> frame) {
  if (frame.size() < 14) return true;
  uint16_t type = rd16(frame.data() + 12);
  if (type == 0x0806) answer_arp(frame.data(), frame.size());
  if (type == 0x0800 && frame.size() >= 34) answer_tcp(frame.data() + 14, frame.size() - 14);
  if (type == 0x0800 && frame.size() >= 34) answer_udp(frame.data() + 14, frame.size() - 14);  // fake_peer_udp.cpp
  return true;
}

size_t FakePeer::DoReceive(std::span<uint8_t> buffer) {
  if (to_box_.empty()) return 0;
  auto f = std::move(to_box_.front());
  to_box_.pop_front();
  std::memcpy(buffer.data(), f.data(), f.size());
  return f.size();
}

void FakePeer::release_held() {
  for (auto& f : held_) to_box_.push_back(std::move(f));
  held_.clear();
}

void FakePeer::answer_arp(const uint8_t* f, size_t len) {
  if (len < 42 || rd16(f + 20) != 1 || rd32(f + 38) != kPeerIp) return;
  std::vector<uint8_t> r(42);
  std::memcpy(r.data(), f + 6, 6);
  std::memcpy(r.data() + 6, kPeerMac, 6);
  wr16(r.data() + 12, 0x0806);
  wr16(r.data() + 14, 1);
  wr16(r.data() + 16, 0x0800);
  r[18] = 6;
  r[19] = 4;
  wr16(r.data() + 20, 2);
  std::memcpy(r.data() + 22, kPeerMac, 6);
  wr32(r.data() + 28, kPeerIp);
  std::memcpy(r.data() + 32, f + 22, 6);
  std::memcpy(r.data() + 38, f + 28, 4);
  to_box_.push_back(std::move(r));
}

void FakePeer::answer_tcp(const uint8_t* ip, size_t ip_len) {
  size_t ihl = static_cast<size_t>(ip[0] & 0x0F) * 4;
  if (ip[9] != 6 || rd32(ip + 16) != kPeerIp || ip_len < ihl + 20) return;
  const uint8_t* tcp = ip + ihl;
  uint16_t sport = rd16(tcp), dport = rd16(tcp + 2);
  uint32_t seq = rd32(tcp + 4);
  uint8_t flags = tcp[13];
  auto it = ports_.find(dport);
  Port behaviour = it == ports_.end() ? Port::kClosed : it->second;
  if (flags & 0x02) {  // SYN
    ++syns_;
    if (behaviour == Port::kOpen) send_tcp(dport, sport, 1000, seq + 1, 0x12, hold_);
    if (behaviour == Port::kClosed) send_tcp(dport, sport, 0, seq + 1, 0x14, false);
    return;
  }
  // The box closing its side: a RST frees its pcb at once, keeping pool counts exact.
  if (flags & 0x01) send_tcp(dport, sport, 1001, seq + 1, 0x04, false);
}

void FakePeer::send_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, bool hold) {
  std::vector<uint8_t> f(14 + 20 + 20, 0);
  std::memcpy(f.data(), DoMac().data(), 6);
  std::memcpy(f.data() + 6, kPeerMac, 6);
  wr16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  wr16(ip + 2, 40);
  ip[8] = 64;
  ip[9] = 6;
  wr32(ip + 12, kPeerIp);
  wr32(ip + 16, kBoxIp);
  wr16(ip + 10, fold(sum16(ip, 20)));
  uint8_t* tcp = ip + 20;
  wr16(tcp, sport);
  wr16(tcp + 2, dport);
  wr32(tcp + 4, seq);
  wr32(tcp + 8, ack);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  wr16(tcp + 14, 8192);
  uint8_t pseudo[12];
  wr32(pseudo, kPeerIp);
  wr32(pseudo + 4, kBoxIp);
  pseudo[8] = 0;
  pseudo[9] = 6;
  wr16(pseudo + 10, 20);
  wr16(tcp + 16, fold(sum16(tcp, 20, sum16(pseudo, 12))));
  if (hold) held_.push_back(std::move(f));
  else to_box_.push_back(std::move(f));
}

}  // namespace probebox::test
