// The simulator's UDP relay: the box's datagrams to 10.0.2.2 carried to 127.0.0.1,
// the answer carried back, and the host socket closed once answered.
#include "udp_relay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace probebox::sim {
namespace {

constexpr uint32_t kHost = 0x0A000202;   // 10.0.2.2
constexpr uint32_t kGuest = 0x0A00020F;  // 10.0.2.15

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

uint16_t checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (; n > 1; p += 2, n -= 2) sum += be16(p);
  if (n) sum += static_cast<uint32_t>(p[0]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A guest frame as lwIP sends it: 10.0.2.15:sport -> dst:dport.
std::vector<uint8_t> guest_frame(uint32_t dst, uint16_t sport, uint16_t dport, const std::string& payload) {
  GuestDatagram d;
  d.guest_mac = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};  // swapped back below
  d.host_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  d.guest_ip = dst;
  d.host_ip = kGuest;
  d.guest_port = dport;
  d.host_port = sport;
  std::vector<uint8_t> f(1514);
  size_t n = build_host_datagram(d, 7,
                                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), f);
  f.resize(n);
  return f;
}

TEST(UdpRelayFrames, ParsesAWholeUdpDatagramAndNothingElse) {
  auto f = guest_frame(kHost, 40001, 5353, "query");
  GuestDatagram d;
  ASSERT_TRUE(parse_guest_datagram(f, d));
  EXPECT_EQ(d.guest_ip, kGuest);
  EXPECT_EQ(d.host_ip, kHost);
  EXPECT_EQ(d.guest_port, 40001);
  EXPECT_EQ(d.host_port, 5353);
  EXPECT_EQ(std::string(d.payload.begin(), d.payload.end()), "query");
  EXPECT_EQ(d.guest_mac[0], 0x52);
  EXPECT_EQ(d.guest_mac[1], 0x54);  // the frame's source: the box

  auto tcp = f;
  tcp[14 + 9] = 6;
  EXPECT_FALSE(parse_guest_datagram(tcp, d));
  auto fragment = f;
  fragment[14 + 6] |= 0x20;  // more fragments
  EXPECT_FALSE(parse_guest_datagram(fragment, d));
  auto short_frame = f;
  short_frame.resize(f.size() - 3);  // the IP length says more than arrived
  EXPECT_FALSE(parse_guest_datagram(short_frame, d));
  auto long_udp = f;
  long_udp[14 + 20 + 5] += 1;  // UDP length past the IP payload
  EXPECT_FALSE(parse_guest_datagram(long_udp, d));
}

TEST(UdpRelayFrames, BuildsAReplyWithValidChecksumsToTheGuestsPort) {
  auto query = guest_frame(kHost, 40001, 5353, "q");
  GuestDatagram d;
  ASSERT_TRUE(parse_guest_datagram(query, d));
  const std::string answer = "an odd-length answer";
  std::vector<uint8_t> f(1514);
  size_t n = build_host_datagram(d, 9, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(answer.data()), answer.size()), f);
  ASSERT_EQ(n, 14 + 20 + 8 + answer.size());
  EXPECT_TRUE(std::equal(f.begin(), f.begin() + 6, query.begin() + 6));  // to the box's MAC
  const uint8_t* ip = f.data() + 14;
  EXPECT_EQ(checksum(ip, 20), 0);
  const uint8_t* udp = ip + 20;
  EXPECT_EQ(be16(udp), 5353);
  EXPECT_EQ(be16(udp + 2), 40001);
  uint32_t pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 17 + be16(udp + 4);
  EXPECT_EQ(checksum(udp, be16(udp + 4), pseudo), 0);
  GuestDatagram back;
  ASSERT_TRUE(parse_guest_datagram(f, back));
  EXPECT_EQ(back.host_ip, kGuest);  // addressed to the box
  EXPECT_EQ(back.guest_ip, kHost);  // from where the query went
  EXPECT_EQ(build_host_datagram(d, 9, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(answer.data()), answer.size()),
                                std::span<uint8_t>(f.data(), 40)),
            0u);
}

struct Delivered {
  std::vector<std::vector<uint8_t>> frames;
  static void take(std::span<const uint8_t> frame, void* self) {
    static_cast<Delivered*>(self)->frames.emplace_back(frame.begin(), frame.end());
  }
};

// A UDP server on 127.0.0.1 that the test answers from by hand.
struct HostServer {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  uint16_t port = 0;
  HostServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~HostServer() { close(fd); }
  // Receives one datagram and answers it with `reply`; returns what came.
  std::string echo(const std::string& reply) {
    char buf[1500];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return "<nothing>";
    sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    return std::string(buf, static_cast<size_t>(n));
  }
};

// Turns of the loop until something is delivered (bounded: 100 turns of 20 ms).
void turn_until_delivered(EpollWatch& watch, UdpRelay& relay, Delivered& got, size_t want) {
  for (int i = 0; i < 100 && got.frames.size() < want; ++i) {
    watch.begin();
    relay.watch(0);
    if (watch.wait(20) > 0) relay.poll(0);
  }
}

TEST(UdpRelay, CarriesAQueryToTheHostAndTheAnswerBackThenClosesTheFlow) {
  EpollWatch watch;
  Delivered got;
  UdpRelay relay(kHost, watch, Delivered::take, &got);
  HostServer server;
  ASSERT_GT(server.port, 0);
  ASSERT_TRUE(relay.send(guest_frame(kHost, 40001, server.port, "what time is it"), 0));
  EXPECT_EQ(relay.open_flows(), 1u);
  EXPECT_EQ(server.echo("noon"), "what time is it");
  turn_until_delivered(watch, relay, got, 1);
  ASSERT_EQ(got.frames.size(), 1u);
  const std::vector<uint8_t>& reply = got.frames[0];
  const uint8_t* udp = reply.data() + 14 + 20;
  EXPECT_EQ(be16(udp), server.port);
  EXPECT_EQ(be16(udp + 2), 40001);
  EXPECT_EQ(std::string(reply.begin() + 14 + 20 + 8, reply.end()), "noon");
  // Answered: the host socket is gone, not held for minutes as libslirp holds it.
  EXPECT_EQ(relay.open_flows(), 0u);
  EXPECT_EQ(relay.stats().replies, 1u);
}

TEST(UdpRelay, LeavesTheForwardedPortAndOtherTrafficToSlirp) {
  EpollWatch watch;
  Delivered got;
  UdpRelay relay(kHost, watch, Delivered::take, &got);
  relay.leave_to_slirp(161);
  EXPECT_FALSE(relay.send(guest_frame(kHost, 161, 40000, "snmp response"), 0));
  EXPECT_FALSE(relay.send(guest_frame(0x0A000203, 40001, 53, "dns"), 0));
  EXPECT_EQ(relay.open_flows(), 0u);
}

// A lab network given (lab_reach.h) is the relay's to carry, nothing beside it. Only
// the refusals are sent here: a lab address outside a lab's namespace may be this
// machine's own network (test_lab_reach carries one, inside a namespace of its own).
TEST(UdpRelay, CarriesOnlyTheLabNetworksItWasGiven) {
  EpollWatch watch;
  Delivered got;
  UdpRelay relay(kHost, watch, Delivered::take, &got);
  LabReach lab;
  LabNet net;
  ASSERT_TRUE(parse_lab_net("198.51.100.0/24", net));
  ASSERT_TRUE(lab.add(net));
  EXPECT_FALSE(relay.send(guest_frame(0xC6336505, 40001, 53, "dns"), 0));  // 198.51.101.5: before
  relay.reach_lab(&lab);
  EXPECT_FALSE(relay.send(guest_frame(0xC0000235, 40001, 53, "dns"), 0));  // 192.0.2.53: not given
  EXPECT_FALSE(relay.send(guest_frame(0xC6336505, 40001, 53, "dns"), 0));  // 198.51.101.5: next door
  EXPECT_EQ(relay.open_flows(), 0u);
}

TEST(UdpRelayFrames, AReplyFromALabServerComesFromItsOwnAddress) {
  auto query = guest_frame(0xC6336435, 40001, 53, "q");  // to 198.51.100.53
  GuestDatagram d;
  ASSERT_TRUE(parse_guest_datagram(query, d));
  std::vector<uint8_t> f(1514);
  const uint8_t answer[] = {1, 2, 3};
  ASSERT_GT(build_host_datagram(d, 1, answer, f), 0u);
  GuestDatagram back;
  ASSERT_TRUE(parse_guest_datagram(f, back));
  EXPECT_EQ(back.guest_ip, 0xC6336435u);
  EXPECT_EQ(back.host_ip, kGuest);
  EXPECT_EQ(back.guest_port, 53);
  EXPECT_EQ(back.host_port, 40001);
}

TEST(UdpRelay, AnUnansweredFlowClosesAfterItsIdleTimeAndFlowsAreBounded) {
  EpollWatch watch;
  Delivered got;
  UdpRelay relay(kHost, watch, Delivered::take, &got);
  HostServer server;  // listens, never answers
  for (uint16_t i = 0; i < UdpRelay::kMaxFlows + 10; ++i) {
    ASSERT_TRUE(relay.send(guest_frame(kHost, static_cast<uint16_t>(40000 + i), server.port, "syslog line"), i));
  }
  EXPECT_EQ(relay.open_flows(), UdpRelay::kMaxFlows);  // the longest idle gave way
  EXPECT_EQ(relay.stats().flows_opened, UdpRelay::kMaxFlows + 10);
  // The same flow again reuses its socket.
  ASSERT_TRUE(relay.send(guest_frame(kHost, static_cast<uint16_t>(40000 + UdpRelay::kMaxFlows + 9), server.port, "again"), 100));
  EXPECT_EQ(relay.stats().flows_opened, UdpRelay::kMaxFlows + 10);
  watch.begin();
  relay.watch(100 + UdpRelay::kIdleMs - 1);
  EXPECT_EQ(relay.open_flows(), 1u);  // only the one used at 100 ms is not idle yet
  watch.begin();
  relay.watch(100 + UdpRelay::kIdleMs);
  EXPECT_EQ(relay.open_flows(), 0u);
  EXPECT_TRUE(got.frames.empty());
}

}  // namespace
}  // namespace probebox::sim
