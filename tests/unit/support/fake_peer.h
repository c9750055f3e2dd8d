// A scripted peer on a fake Ethernet: it answers ARP for 10.0.2.2 and plays one TCP
// host whose ports are open (SYN-ACK), closed (RST), filtered (silence) or play a
// scripted TCP stream (a conversation), so probe tests run the real lwIP core
// deterministically, with no network at all.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hal/ethernet_port.h"

namespace probebox::test {

class FakePeer final : public hal::EthernetPort {
 public:
  enum class Port { kOpen, kClosed, kFiltered };
  static constexpr uint32_t kPeerIp = 0x0A000202;  // 10.0.2.2
  static constexpr uint32_t kBoxIp = 0x0A00020F;   // 10.0.2.15

  void set_port(uint16_t port, Port behaviour) { ports_[port] = behaviour; }
  // SYN-ACKs (a conversation's too) are held back until release_held() (to make connects slow).
  void hold_syn_acks(bool hold) { hold_ = hold; }
  void release_held();
  int syns_seen() const { return syns_; }
  // Every frame the box takes from now on says it arrived at `at` (a driver's
  // receive-interrupt stamp); kUnstamped, the default, says nothing.
  void stamp_arrivals(hal::MonoMicros at) { stamp_ = at; }
  // A router's answer for `port`: every SYN to it gets an ICMP destination
  // unreachable with `code`, quoting the SYN (with its sequence number moved by
  // `seq_skew`, to play an off-path forger who guessed wrong).
  void set_port_icmp(uint16_t port, uint8_t code, uint32_t seq_skew = 0) { icmp_ports_[port] = {code, seq_skew}; }

  // --- UDP (fake_peer_udp.cpp) ---
  // A datagram the box sent to the peer, as the responder sees it.
  struct UdpDatagram {
    uint16_t box_port = 0;   // the box's source port
    uint16_t peer_port = 0;  // the peer port it was sent to
    std::vector<uint8_t> payload;
    std::vector<uint8_t> ip_packet;  // the whole IP packet (quoted by ICMP errors)
  };
  // Called for each datagram to `port`; it answers with send_udp()/send_icmp_port_unreachable()
  // or stays silent. A port with no responder is silent.
  using UdpResponder = std::function<void(FakePeer&, const UdpDatagram&)>;
  void set_udp_responder(uint16_t port, UdpResponder responder) { udp_[port] = std::move(responder); }
  // Queues a datagram to the box (from `src_ip`, by default the peer's own address).
  void send_udp(uint16_t peer_port, uint16_t box_port, std::span<const uint8_t> payload, uint32_t src_ip = kPeerIp);
  // Queues an ICMP port unreachable quoting `d`.
  void send_icmp_port_unreachable(const UdpDatagram& d);
  int udp_seen(uint16_t port) const;
  // --- TCP stream peer ---------------------------------------------------------
  // A port with a conversation accepts connections and plays a minimal in-order TCP
  // stream: it ACKs every byte the box sends and, after the handshake (with nothing
  // received yet) and after each segment of data, asks the conversation what to send.
  // The conversation sees every byte the box sent on this connection so far and
  // returns only the new bytes, then optionally a FIN or a RST after them.
  struct Reply {
    enum class Close { kNone, kFin, kRst };
    std::string data;
    Close close = Close::kNone;
  };
  using Conversation = std::function<Reply(std::string_view received)>;
  void set_conversation(uint16_t port, Conversation conversation);
  // Drops every conversation (and what it holds, e.g. a TLS server session); their
  // ports go back to the plain behaviour of set_port.
  void clear_conversations() { conversations_.clear(); }
  // Every byte the box sent on the latest connection to `port`.
  std::string received(uint16_t port) const;
  // Connections to conversation ports the box has not closed or reset yet.
  int open_streams() const;
  // Resets the box sent on conversation ports (an abort, not a close).
  int resets_from_box() const { return resets_from_box_; }
  // Segments the box sent to a set_port() port acknowledging its SYN-ACK, RSTs left
  // out: a handshake completed, a connection a listener's accept() would see.
  int handshake_acks() const { return handshake_acks_; }

 private:
  hal::MacAddress DoMac() const override { return {0x02, 0, 0, 0, 0, 0x15}; }
  bool DoLinkUp() const override { return true; }
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;
  hal::MonoMicros DoArrival() const override { return stamp_; }

  void answer_arp(const uint8_t* f, size_t len);
  void answer_tcp(const uint8_t* ip, size_t ip_len);
  void answer_udp(const uint8_t* ip, size_t ip_len);
  void send_ip(uint8_t protocol, uint32_t src_ip, std::span<const uint8_t> l4);
  void send_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, bool hold);

  // TCP stream peer.
  struct Stream {
    uint32_t peer_next = 0;  // next sequence number the peer sends
    uint32_t box_next = 0;   // next sequence number expected from the box
    std::string received;
    bool peer_done = false;  // the peer sent its FIN or RST
    bool closed = false;
  };
  void answer_stream(uint16_t port, uint16_t box_port, uint32_t seq, uint8_t flags, std::string_view payload);
  void speak(uint16_t port, uint16_t box_port, Stream& stream);
  void send_segment(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                    std::string_view payload);
  std::map<uint16_t, Conversation> conversations_;
  std::map<uint32_t, Stream> streams_;  // by (port << 16 | box port)
  std::map<uint16_t, uint32_t> latest_stream_;
  int resets_from_box_ = 0;
  int handshake_acks_ = 0;

  std::map<uint16_t, Port> ports_;
  struct IcmpAnswer {
    uint8_t code;
    uint32_t seq_skew;
  };
  std::map<uint16_t, IcmpAnswer> icmp_ports_;
  std::deque<std::vector<uint8_t>> to_box_;
  std::vector<std::vector<uint8_t>> held_;
  bool hold_ = false;
  hal::MonoMicros stamp_ = kUnstamped;
  int syns_ = 0;
  std::map<uint16_t, UdpResponder> udp_;
  std::map<uint16_t, int> udp_seen_;
};

}  // namespace probebox::test
