#include "lab_reach.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace probebox::sim {
namespace {

// RFC 5737: TEST-NET-1, -2 and -3, the only networks a lab may use.
constexpr std::array<uint32_t, 3> kDocumentationNets = {0xC0000200, 0xC6336400, 0xCB007100};
constexpr uint32_t kDocumentationMask = 0xFFFFFF00;
constexpr unsigned long kRouteUp = 0x0001;
constexpr unsigned long kRouteReject = 0x0200;  // an "unreachable" route leads nowhere

bool parse_decimal(std::string_view& text, uint32_t max, uint32_t& out) {
  size_t n = 0;
  uint32_t v = 0;
  while (n < text.size() && n < 3 && text[n] >= '0' && text[n] <= '9') {
    v = v * 10 + static_cast<uint32_t>(text[n] - '0');
    ++n;
  }
  if (n == 0 || v > max || (n > 1 && text[0] == '0')) return false;
  text.remove_prefix(n);
  out = v;
  return true;
}

// Each line's whitespace-separated fields, the header line included (it never matches).
template <typename Fn>
void for_each_line(std::string_view table, Fn fn) {
  while (!table.empty()) {
    size_t end = table.find('\n');
    std::string_view line = table.substr(0, end);
    table.remove_prefix(end == std::string_view::npos ? table.size() : end + 1);
    std::array<std::string_view, 12> fields{};
    size_t count = 0;
    size_t i = 0;
    while (i < line.size() && count < fields.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields[count++] = line.substr(start, i - start);
    }
    fn(fields, count);
  }
}

bool all_zero(std::string_view hex) {
  if (hex.empty()) return false;
  for (char c : hex) {
    if (c != '0') return false;
  }
  return true;
}

bool live_route(std::string_view flags_hex) {
  unsigned long flags = std::strtoul(std::string(flags_hex).c_str(), nullptr, 16);
  return (flags & kRouteUp) != 0 && (flags & kRouteReject) == 0;
}

// The machine's own network namespace has a fixed inode (the kernel's
// PROC_NET_INIT_INO); init's namespace, where it may be read, is compared as well
// (a container's own). Unknown counts as the machine's own.
constexpr ino_t kInitialNetNamespaceInode = 0xEFFFFFF9;

bool in_initial_net_namespace() {
  struct stat self{}, init{};
  if (stat("/proc/self/ns/net", &self) != 0) return true;
  if (self.st_ino == kInitialNetNamespaceInode) return true;
  return stat("/proc/1/ns/net", &init) == 0 && init.st_dev == self.st_dev && init.st_ino == self.st_ino;
}

std::string read_all(const char* path, bool& ok) {
  std::string text;
  FILE* f = std::fopen(path, "r");
  ok = f != nullptr;
  if (f == nullptr) return text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1u << 20)) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace

bool parse_lab_net(std::string_view text, LabNet& out) {
  const size_t slash = text.find('/');
  char address[INET_ADDRSTRLEN] = {};
  if (slash == std::string_view::npos || slash >= sizeof address) return false;
  text.copy(address, slash);
  in_addr parsed{};
  if (inet_pton(AF_INET, address, &parsed) != 1) return false;  // four decimal octets, no leading zeros
  std::string_view prefix = text.substr(slash + 1);
  uint32_t len = 0;
  if (!parse_decimal(prefix, 32, len) || !prefix.empty() || len < 24) return false;
  const uint32_t ip = ntohl(parsed.s_addr);
  const uint32_t mask = len == 32 ? 0xFFFFFFFF : ~(0xFFFFFFFFu >> len);
  if ((ip & ~mask) != 0) return false;
  for (uint32_t doc : kDocumentationNets) {
    if ((ip & kDocumentationMask) == doc) {
      out = LabNet{ip, mask};
      return true;
    }
  }
  return false;
}

bool ipv4_table_has_default(std::string_view proc_net_route) {
  bool found = false;
  // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
  for_each_line(proc_net_route, [&](const auto& f, size_t n) {
    if (n >= 8 && f[1] == "00000000" && f[7] == "00000000" && live_route(f[3])) found = true;
  });
  return found;
}

bool ipv6_table_has_default(std::string_view proc_net_ipv6_route) {
  bool found = false;
  // destination prefix-length source source-length next-hop metric refcnt use flags device
  for_each_line(proc_net_ipv6_route, [&](const auto& f, size_t n) {
    if (n >= 10 && f[0].size() == 32 && all_zero(f[0]) && f[1] == "00" && live_route(f[8])) found = true;
  });
  return found;
}

bool LabReach::add(const LabNet& net) {
  if (count_ == nets_.size()) return false;
  nets_[count_++] = net;
  return true;
}

bool LabReach::contains(uint32_t ip) const {
  for (size_t i = 0; i < count_; ++i) {
    if (nets_[i].contains(ip)) return true;
  }
  return false;
}

const char* lab_reach_refusal_for(bool machines_own_namespace, bool ipv4_table_read, std::string_view ipv4_table,
                                  std::string_view ipv6_table) {
  if (machines_own_namespace) {
    return "it runs in the machine's own network namespace (a lab's namespace is required)";
  }
  if (!ipv4_table_read) return "its routing table cannot be read (/proc/net/route)";
  if (ipv4_table_has_default(ipv4_table) || ipv6_table_has_default(ipv6_table)) {
    return "its network namespace has a default route (a lab has no route out)";
  }
  return nullptr;
}

const char* lab_reach_refusal() {
  bool v4_read = false, v6_read = false;
  const std::string v4 = read_all("/proc/net/route", v4_read);
  const std::string v6 = read_all("/proc/net/ipv6_route", v6_read);  // absent without IPv6: no route
  return lab_reach_refusal_for(in_initial_net_namespace(), v4_read, v4, v6);
}

}  // namespace probebox::sim
