#include "fake_peer.h"
#include "wire_bytes.h"

#include <algorithm>
#include <cstring>

namespace probebox::test {
using namespace wire;

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
  if (conversations_.count(dport) != 0) {
    size_t off = static_cast<size_t>(tcp[12] >> 4) * 4;
    size_t total = std::min<size_t>(rd16(ip + 2), ip_len);
    if (total < ihl + off) return;
    std::string_view payload(reinterpret_cast<const char*>(tcp + off), total - ihl - off);
    answer_stream(dport, sport, seq, flags, payload);
    return;
  }
  if (auto icmp = icmp_ports_.find(dport); icmp != icmp_ports_.end() && (flags & 0x02)) {
    ++syns_;
    // Type 3, quoting the IP header and the first 8 bytes of the segment.
    std::vector<uint8_t> message(8 + ihl + 8, 0);
    message[0] = 3;
    message[1] = icmp->second.code;
    std::memcpy(message.data() + 8, ip, ihl + 8);
    wr32(message.data() + 8 + ihl + 4, seq + icmp->second.seq_skew);
    wr16(message.data() + 2, fold(sum16(message.data(), message.size())));
    send_ip(1, kPeerIp, message);
    return;
  }
  auto it = ports_.find(dport);
  Port behaviour = it == ports_.end() ? Port::kClosed : it->second;
  if (flags & 0x02) {  // SYN
    ++syns_;
    if (behaviour == Port::kOpen) send_tcp(dport, sport, 1000, seq + 1, 0x12, hold_);
    if (behaviour == Port::kClosed) send_tcp(dport, sport, 0, seq + 1, 0x14, false);
    return;
  }
  if (behaviour == Port::kOpen && (flags & 0x04)) {
    ++resets_from_box_;
    return;
  }
  if (behaviour == Port::kOpen && (flags & 0x10)) ++handshake_acks_;
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

// --- TCP stream peer -----------------------------------------------------------

namespace {
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr size_t kSegmentBytes = 536;  // the default MSS: the box never sees more per frame
uint32_t stream_key(uint16_t port, uint16_t box_port) { return static_cast<uint32_t>(port) << 16 | box_port; }
}  // namespace

void FakePeer::set_conversation(uint16_t port, Conversation conversation) {
  conversations_[port] = std::move(conversation);
}

std::string FakePeer::received(uint16_t port) const {
  auto latest = latest_stream_.find(port);
  if (latest == latest_stream_.end()) return {};
  return streams_.at(latest->second).received;
}

int FakePeer::open_streams() const {
  int n = 0;
  for (const auto& [key, stream] : streams_) n += stream.closed ? 0 : 1;
  return n;
}

void FakePeer::answer_stream(uint16_t port, uint16_t box_port, uint32_t seq, uint8_t flags,
                             std::string_view payload) {
  uint32_t key = stream_key(port, box_port);
  if (flags & kSyn) {
    ++syns_;
    Stream fresh;
    fresh.peer_next = 5001;
    fresh.box_next = seq + 1;
    streams_[key] = fresh;
    latest_stream_[port] = key;
    size_t queued = to_box_.size();
    send_segment(port, box_port, 5000, seq + 1, kSyn | kAck, {});
    speak(port, box_port, streams_[key]);
    // Held back like a plain open port's SYN-ACK (hold_syn_acks), with what follows it.
    while (hold_ && to_box_.size() > queued) {
      held_.push_back(std::move(to_box_[queued]));
      to_box_.erase(to_box_.begin() + static_cast<std::ptrdiff_t>(queued));
    }
    return;
  }
  auto it = streams_.find(key);
  if (it == streams_.end() || it->second.closed) {
    if (!(flags & kRst)) send_segment(port, box_port, 0, seq + static_cast<uint32_t>(payload.size()), kRst | kAck, {});
    return;
  }
  Stream& s = it->second;
  if (flags & kRst) {
    ++resets_from_box_;
    s.closed = true;
    return;
  }
  // In-order data only; a retransmission of what we have is answered with an ACK.
  if (!payload.empty() && seq == s.box_next) {
    s.received.append(payload);
    s.box_next += static_cast<uint32_t>(payload.size());
    send_segment(port, box_port, s.peer_next, s.box_next, kAck, {});
    speak(port, box_port, s);
  } else if (!payload.empty()) {
    send_segment(port, box_port, s.peer_next, s.box_next, kAck, {});
  }
  // The box closing its side: a RST frees its pcb at once, keeping pool counts exact.
  if ((flags & kFin) && seq + payload.size() == s.box_next) {
    s.closed = true;
    send_segment(port, box_port, s.peer_next, s.box_next + 1, kRst, {});
  }
}

void FakePeer::speak(uint16_t port, uint16_t box_port, Stream& stream) {
  if (stream.peer_done) return;
  Reply reply = conversations_[port](stream.received);
  std::string_view rest(reply.data);
  while (!rest.empty()) {
    std::string_view chunk = rest.substr(0, kSegmentBytes);
    rest.remove_prefix(chunk.size());
    send_segment(port, box_port, stream.peer_next, stream.box_next, kAck, chunk);
    stream.peer_next += static_cast<uint32_t>(chunk.size());
  }
  if (reply.close == Reply::Close::kFin) {
    send_segment(port, box_port, stream.peer_next, stream.box_next, kFin | kAck, {});
    stream.peer_next += 1;
    stream.peer_done = true;
  } else if (reply.close == Reply::Close::kRst) {
    send_segment(port, box_port, stream.peer_next, stream.box_next, kRst | kAck, {});
    stream.peer_done = true;
    stream.closed = true;
  }
}

void FakePeer::send_segment(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                            std::string_view payload) {
  const size_t tcp_len = 20 + payload.size();
  std::vector<uint8_t> f(14 + 20 + tcp_len, 0);
  std::memcpy(f.data(), DoMac().data(), 6);
  std::memcpy(f.data() + 6, kPeerMac, 6);
  wr16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  wr16(ip + 2, static_cast<uint16_t>(20 + tcp_len));
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
  if (!payload.empty()) std::memcpy(tcp + 20, payload.data(), payload.size());
  uint8_t pseudo[12];
  wr32(pseudo, kPeerIp);
  wr32(pseudo + 4, kBoxIp);
  pseudo[8] = 0;
  pseudo[9] = 6;
  wr16(pseudo + 10, static_cast<uint16_t>(tcp_len));
  wr16(tcp + 16, fold(sum16(tcp, tcp_len, sum16(pseudo, 12))));
  to_box_.push_back(std::move(f));
}

}  // namespace probebox::test
