// The simulator's egress guard: only ARP, DHCP and IPv4 to 10.0.2.2 may leave.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "slirp_ethernet.h"

namespace probebox::sim {
namespace {

std::vector<uint8_t> ipv4_frame(std::array<uint8_t, 4> dst, uint8_t proto, uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> f(14 + 20 + 8, 0);
  f[12] = 0x08;
  f[13] = 0x00;
  f[14] = 0x45;
  f[14 + 9] = proto;
  for (int i = 0; i < 4; ++i) f[14 + 16 + i] = dst[i];
  f[34] = static_cast<uint8_t>(sport >> 8);
  f[35] = static_cast<uint8_t>(sport);
  f[36] = static_cast<uint8_t>(dport >> 8);
  f[37] = static_cast<uint8_t>(dport);
  return f;
}

TEST(EgressGuard, OnlyTheHostLoopbackDhcpAndArpPass) {
  auto host = ipv4_frame({10, 0, 2, 2}, 6, 40000, 7777);
  EXPECT_TRUE(egress_allowed(host.data(), host.size()));
  auto dhcp = ipv4_frame({255, 255, 255, 255}, 17, 68, 67);
  EXPECT_TRUE(egress_allowed(dhcp.data(), dhcp.size()));
  // slirp's DNS forwarder address and anything else in the virtual network: dropped.
  auto forwarder = ipv4_frame({10, 0, 2, 3}, 17, 40000, 53);
  EXPECT_FALSE(egress_allowed(forwarder.data(), forwarder.size()));
  auto other = ipv4_frame({10, 0, 2, 4}, 6, 40000, 80);
  EXPECT_FALSE(egress_allowed(other.data(), other.size()));
  auto udp_broadcast = ipv4_frame({255, 255, 255, 255}, 17, 40000, 137);
  EXPECT_FALSE(egress_allowed(udp_broadcast.data(), udp_broadcast.size()));
  std::vector<uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_TRUE(egress_allowed(arp.data(), arp.size()));
  std::vector<uint8_t> ipv6(60, 0);
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  EXPECT_FALSE(egress_allowed(ipv6.data(), ipv6.size()));
  EXPECT_FALSE(egress_allowed(host.data(), 20));
}

}  // namespace
}  // namespace probebox::sim
