// The TAP backend: its egress guard (the lab's documentation ranges only), its MAC,
// and that it never creates a TAP of its own for a name that does not exist.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "sim_ethernet.h"
#include "tap_ethernet.h"

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

TEST(TapEgressGuard, OnlyTheDocumentationRangesDhcpAndArpPass) {
  for (auto dst : {std::array<uint8_t, 4>{192, 0, 2, 10}, std::array<uint8_t, 4>{198, 51, 100, 20},
                   std::array<uint8_t, 4>{203, 0, 113, 10}, std::array<uint8_t, 4>{192, 0, 2, 255}}) {
    auto f = ipv4_frame(dst, 6, 40000, 443);
    EXPECT_TRUE(tap_egress_allowed(f.data(), f.size())) << int(dst[0]) << "." << int(dst[3]);
  }
  auto dhcp = ipv4_frame({255, 255, 255, 255}, 17, 68, 67);
  EXPECT_TRUE(tap_egress_allowed(dhcp.data(), dhcp.size()));
  // Neighbours of the ranges, private networks, the host's loopback, other broadcasts: dropped.
  for (auto dst : {std::array<uint8_t, 4>{192, 0, 3, 10}, std::array<uint8_t, 4>{198, 51, 101, 1},
                   std::array<uint8_t, 4>{203, 0, 112, 1}, std::array<uint8_t, 4>{10, 0, 2, 2},
                   std::array<uint8_t, 4>{127, 0, 0, 1}, std::array<uint8_t, 4>{8, 8, 8, 8}}) {
    auto f = ipv4_frame(dst, 17, 40000, 53);
    EXPECT_FALSE(tap_egress_allowed(f.data(), f.size())) << int(dst[0]) << "." << int(dst[3]);
  }
  auto netbios = ipv4_frame({255, 255, 255, 255}, 17, 40000, 137);
  EXPECT_FALSE(tap_egress_allowed(netbios.data(), netbios.size()));
  std::vector<uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_TRUE(tap_egress_allowed(arp.data(), arp.size()));
  std::vector<uint8_t> ipv6(60, 0);
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  EXPECT_FALSE(tap_egress_allowed(ipv6.data(), ipv6.size()));
  auto lab = ipv4_frame({192, 0, 2, 10}, 6, 40000, 443);
  EXPECT_FALSE(tap_egress_allowed(lab.data(), 20));
}

TEST(TapEthernet, MacIsLocallyAdministeredStableAndPerName) {
  hal::MacAddress a = tap_mac_for("pbnl1tap0");
  EXPECT_EQ(a, tap_mac_for("pbnl1tap0"));
  EXPECT_NE(a, tap_mac_for("pbnl2tap0"));
  EXPECT_EQ(a[0] & 0x03, 0x02);  // unicast, locally administered
}

TEST(TapEthernet, RefusesANameThatIsNotThere) {
  // TUNSETIFF would make a new TAP for an unknown name, bridged to nothing.
  TapEthernet tap;
  EXPECT_FALSE(tap.open("pbnl-nosuchtap"));
  EXPECT_FALSE(tap.open(""));
  EXPECT_FALSE(tap.open("a-name-longer-than-ifnamsiz"));
}

TEST(SimEthernet, NetOptionIsSlirpOrTapWithAName) {
  SimEthernet e;
  EXPECT_TRUE(e.select("slirp"));
  EXPECT_FALSE(e.is_tap());
  EXPECT_TRUE(e.select("tap:pbnl1tap0"));
  EXPECT_TRUE(e.is_tap());
  EXPECT_EQ(e.tap_name(), "pbnl1tap0");
  EXPECT_FALSE(e.select("tap:"));
  EXPECT_FALSE(e.select("tun:x"));
  EXPECT_FALSE(e.select(""));
}

}  // namespace
}  // namespace probebox::sim
