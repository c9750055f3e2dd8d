// Lab networks a libslirp guest may reach besides the host's 127.0.0.1 (TEST ONLY:
// `--lab-net`).
//
// A simulator run inside a lab's own network namespace (tests/netlab: haproxy,
// nginx, postfix... on documentation-range addresses, no route out) can then aim at
// the servers' own addresses and names, as a box on that network would and as
// blackbox_exporter beside it does, instead of at 10.0.2.2 ports that the namespace
// rewrites to them with NAT. The egress guard widens to those networks only, and
// only where they cannot lead anywhere else: RFC 5737's three /24s, in a network
// namespace other than the machine's own, with no default route.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace probebox::sim {

struct LabNet {
  uint32_t base = 0;  // host order, already masked
  uint32_t mask = 0;
  bool contains(uint32_t ip) const { return (ip & mask) == base; }
};

// Pure: "a.b.c.d/len" (len 24..32) lying wholly inside 192.0.2.0/24, 198.51.100.0/24
// or 203.0.113.0/24, host bits zero. False for anything else.
bool parse_lab_net(std::string_view text, LabNet& out);

// Pure: whether a routing table as Linux prints it has a default route
// (/proc/net/route: destination and mask 00000000; /proc/net/ipv6_route: ::/0).
bool ipv4_table_has_default(std::string_view proc_net_route);
bool ipv6_table_has_default(std::string_view proc_net_ipv6_route);

class LabReach {
 public:
  static constexpr size_t kMaxNets = 3;

  bool add(const LabNet& net);  // false when full
  bool empty() const { return count_ == 0; }
  bool contains(uint32_t ip) const;

 private:
  std::array<LabNet, kMaxNets> nets_{};
  size_t count_ = 0;
};

// Pure: why a process may not reach lab networks, or nullptr when it may, from what
// its system says: it must run in a network namespace other than the machine's own,
// whose IPv4 routing table could be read and has no default route (nor the IPv6 one).
const char* lab_reach_refusal_for(bool machines_own_namespace, bool ipv4_table_read, std::string_view ipv4_table,
                                  std::string_view ipv6_table);

// The same for this process (its namespace and /proc/net's tables).
const char* lab_reach_refusal();

}  // namespace probebox::sim
