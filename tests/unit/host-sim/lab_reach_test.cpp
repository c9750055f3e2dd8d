// `--lab-net`: which networks a libslirp guest may be let reach, and where.
#include "lab_reach.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "slirp_ethernet.h"

namespace probebox::sim {
namespace {

TEST(LabReach, TakesOnlyDocumentationRangesOfAtLeastASlash24) {
  LabNet net;
  ASSERT_TRUE(parse_lab_net("192.0.2.0/24", net));
  EXPECT_EQ(net.base, 0xC0000200u);
  EXPECT_EQ(net.mask, 0xFFFFFF00u);
  EXPECT_TRUE(net.contains(0xC00002FE));
  EXPECT_FALSE(net.contains(0xC00003FE));
  ASSERT_TRUE(parse_lab_net("198.51.100.128/25", net));
  EXPECT_TRUE(net.contains(0xC6336481));
  EXPECT_FALSE(net.contains(0xC633647F));
  ASSERT_TRUE(parse_lab_net("203.0.113.10/32", net));
  EXPECT_TRUE(net.contains(0xCB00710A));
  EXPECT_FALSE(net.contains(0xCB00710B));

  for (const char* refused : {"10.0.0.0/8", "127.0.0.1/32", "192.0.0.0/16", "192.0.2.0/23", "198.51.101.0/24",
                              "203.0.113.1/24", "192.0.2.0", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/24x",
                              "192.0.2/24", "192.0.2.256/32", "192.0.02.0/24", " 192.0.2.0/24", "", "0.0.0.0/0"}) {
    EXPECT_FALSE(parse_lab_net(refused, net)) << refused;
  }
}

TEST(LabReach, HoldsAtMostThreeNetworks) {
  LabReach lab;
  LabNet a, b, c;
  ASSERT_TRUE(parse_lab_net("192.0.2.0/24", a));
  ASSERT_TRUE(parse_lab_net("198.51.100.0/24", b));
  ASSERT_TRUE(parse_lab_net("203.0.113.0/24", c));
  EXPECT_TRUE(lab.empty());
  EXPECT_TRUE(lab.add(a));
  EXPECT_TRUE(lab.add(b));
  EXPECT_TRUE(lab.add(c));
  EXPECT_FALSE(lab.add(a));
  EXPECT_TRUE(lab.contains(0xCB007101));
  EXPECT_FALSE(lab.contains(0x0A000202));
}

TEST(LabReach, FindsALiveDefaultRouteInEitherTable) {
  const char* v4_default =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  const char* v4_lab =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "e0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "e0\t006433C6\t010200C0\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  const char* v4_unreachable_default =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "*\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n";
  EXPECT_TRUE(ipv4_table_has_default(v4_default));
  EXPECT_FALSE(ipv4_table_has_default(v4_lab));
  EXPECT_FALSE(ipv4_table_has_default(v4_unreachable_default));
  EXPECT_FALSE(ipv4_table_has_default(""));

  const char* v6_default =
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n";
  // The kernel's own "unreachable" entry on lo, in every namespace: leads nowhere.
  const char* v6_lab =
      "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000000 00000001 00000000 80200001       lo\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  EXPECT_TRUE(ipv6_table_has_default(v6_default));
  EXPECT_FALSE(ipv6_table_has_default(v6_lab));
}

TEST(LabReach, IsRefusedOutsideALabsNamespaceOrWithARouteOut) {
  const char* v4_lab = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
                       "e0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n";
  const char* v4_out = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
                       "e0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n";
  const char* v6_out = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
                       "fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n";
  EXPECT_EQ(lab_reach_refusal_for(false, true, v4_lab, ""), nullptr);
  const char* own = lab_reach_refusal_for(true, true, v4_lab, "");
  ASSERT_NE(own, nullptr);
  EXPECT_NE(std::string(own).find("own network namespace"), std::string::npos);
  ASSERT_NE(lab_reach_refusal_for(false, false, "", ""), nullptr);
  const char* routed = lab_reach_refusal_for(false, true, v4_out, "");
  ASSERT_NE(routed, nullptr);
  EXPECT_NE(std::string(routed).find("default route"), std::string::npos);
  EXPECT_NE(lab_reach_refusal_for(false, true, v4_lab, v6_out), nullptr);
}

std::vector<uint8_t> tcp_frame(std::array<uint8_t, 4> dst) {
  std::vector<uint8_t> f(14 + 20 + 20, 0);
  f[12] = 0x08;
  f[14] = 0x45;
  f[14 + 9] = 6;
  for (int i = 0; i < 4; ++i) f[14 + 16 + i] = dst[i];
  return f;
}

TEST(LabReach, TheEgressGuardLetsThroughTheLabNetworksGivenOnly) {
  LabReach lab;
  LabNet net;
  ASSERT_TRUE(parse_lab_net("192.0.2.0/24", net));
  ASSERT_TRUE(lab.add(net));
  auto server = tcp_frame({192, 0, 2, 11});
  auto other_doc = tcp_frame({198, 51, 100, 11});
  auto host = tcp_frame({10, 0, 2, 2});
  auto forwarder = tcp_frame({10, 0, 2, 3});
  EXPECT_FALSE(egress_allowed(server.data(), server.size()));
  EXPECT_TRUE(egress_allowed(server.data(), server.size(), lab));
  EXPECT_FALSE(egress_allowed(other_doc.data(), other_doc.size(), lab));
  EXPECT_TRUE(egress_allowed(host.data(), host.size(), lab));
  EXPECT_FALSE(egress_allowed(forwarder.data(), forwarder.size(), lab));
}

}  // namespace
}  // namespace probebox::sim
