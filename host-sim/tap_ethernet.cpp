#include "tap_ethernet.h"
#include "wire_bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace probebox::sim {
namespace {

// The documentation ranges of RFC 5737, the only networks a lab may hold.
constexpr uint32_t kLabNets[] = {0xC0000200u /* 192.0.2.0 */, 0xC6336400u /* 198.51.100.0 */,
                                 0xCB007100u /* 203.0.113.0 */};

bool in_lab_ranges(uint32_t addr) {
  for (uint32_t net : kLabNets) {
    if ((addr & 0xFFFFFF00u) == net) return true;
  }
  return false;
}

}  // namespace

bool tap_egress_allowed(const uint8_t* frame, size_t len) {
  if (len < 14) return false;
  uint16_t ethertype = be16(frame + 12);
  if (ethertype == 0x0806) return true;  // ARP stays on the segment
  if (ethertype != 0x0800 || len < 34) return false;
  const uint8_t* ip = frame + 14;
  if ((ip[0] >> 4) != 4) return false;
  size_t ihl = static_cast<size_t>(ip[0] & 0x0F) * 4;
  uint32_t dst = be32(ip + 16);
  if (in_lab_ranges(dst)) return true;
  // The limited broadcast only for DHCP, client to server.
  if (dst == 0xFFFFFFFFu && ip[9] == 17 && len >= 14 + ihl + 8) {
    const uint8_t* udp = ip + ihl;
    return be16(udp) == 68 && be16(udp + 2) == 67;
  }
  return false;
}

hal::MacAddress tap_mac_for(const std::string& ifname) {
  uint32_t h = 2166136261u;  // FNV-1a over the name
  for (char c : ifname) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return {0x02, 0x70, 0x62, static_cast<uint8_t>(h >> 16), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

bool TapEthernet::open(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    std::fprintf(stderr, "probebox-sim: --net tap: needs an interface name of 1..%d characters\n", IFNAMSIZ - 1);
    return false;
  }
  // TUNSETIFF on a name that does not exist would create a fresh TAP attached to
  // nothing: the box would wait for DHCP forever. Only an existing device will do.
  if (if_nametoindex(ifname.c_str()) == 0) {
    std::fprintf(stderr,
                 "probebox-sim: no interface %s in this network namespace (create it first: "
                 "ip tuntap add dev %s mode tap)\n",
                 ifname.c_str(), ifname.c_str());
    return false;
  }
  fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    std::fprintf(stderr, "probebox-sim: cannot open /dev/net/tun: %s\n", std::strerror(errno));
    return false;
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  if (ioctl(fd_, TUNSETIFF, &ifr) != 0) {
    std::fprintf(stderr, "probebox-sim: cannot attach to TAP %s: %s (is it a tap device, and free?)\n",
                 ifname.c_str(), std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  // The host side of the TAP must be up for frames to flow; the lab normally did it.
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    ifreq flags{};
    std::memcpy(flags.ifr_name, ifname.data(), ifname.size());
    if (ioctl(sock, SIOCGIFFLAGS, &flags) == 0 && (flags.ifr_flags & IFF_UP) == 0) {
      flags.ifr_flags = static_cast<short>(flags.ifr_flags | IFF_UP);
      if (ioctl(sock, SIOCSIFFLAGS, &flags) != 0) {
        std::fprintf(stderr, "probebox-sim: TAP %s is down and cannot be set up: %s\n", ifname.c_str(),
                     std::strerror(errno));
      }
    }
    ::close(sock);
  }
  mac_ = tap_mac_for(ifname);
  return true;
}

TapEthernet::~TapEthernet() {
  if (fd_ >= 0) ::close(fd_);
}

bool TapEthernet::DoTransmit(std::span<const uint8_t> frame) {
  if (fd_ < 0) return false;
  if (!tap_egress_allowed(frame.data(), frame.size())) {
    ++stats_.dropped_by_guard;
    return true;  // dropped on the wire, as far as lwIP can tell
  }
  ssize_t n = ::write(fd_, frame.data(), frame.size());
  if (n != static_cast<ssize_t>(frame.size())) {
    ++stats_.tx_errors;  // EAGAIN (queue full) or EIO (no carrier): a lost frame
    return false;
  }
  ++stats_.frames_out;
  return true;
}

size_t TapEthernet::DoReceive(std::span<uint8_t> buffer) {
  if (fd_ < 0) return 0;
  // A bounded number of reads: an oversized frame is skipped, not returned as "none".
  for (int attempt = 0; attempt < 8; ++attempt) {
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n <= 0) return 0;  // EAGAIN: nothing waiting
    if (static_cast<size_t>(n) > buffer.size() || n < 14) continue;
    ++stats_.frames_in;
    return static_cast<size_t>(n);
  }
  return 0;
}

void TapEthernet::run_io(int timeout_ms) {
  if (fd_ < 0) return;
  pollfd p{fd_, POLLIN, 0};
  ::poll(&p, 1, timeout_ms);
}

}  // namespace probebox::sim
