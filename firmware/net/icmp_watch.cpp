#include "net/icmp_watch.h"

#include <array>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"

namespace probebox::net {
namespace {

// Enough of the datagram for the outer header, the ICMP header, the quoted IPv4
// header with options and 8 bytes of TCP.
constexpr uint16_t kCopyBytes = 60 + 8 + 60 + 8;

struct Watcher {
  bool used = false;
  uint32_t local_ip = 0;  // host byte order
  uint32_t remote_ip = 0;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  uint32_t syn_seq = 0;
  void* owner = nullptr;
  IcmpWatch::Handler handler = nullptr;
};

std::array<Watcher, PROBEBOX_MAX_IN_FLIGHT> g_watchers;
raw_pcb* g_pcb = nullptr;
uint32_t g_seen = 0;
uint32_t g_delivered = 0;

u8_t on_icmp(void* /*arg*/, raw_pcb* /*pcb*/, pbuf* p, const ip_addr_t* /*from*/) {
  std::array<uint8_t, kCopyBytes> bytes;
  uint16_t n = pbuf_copy_partial(p, bytes.data(), kCopyBytes, 0);
  icmp::Unreachable message;
  if (!icmp::parse_unreachable(std::span<const uint8_t>(bytes.data(), n), message).ok()) return 0;
  ++g_seen;
  for (Watcher& w : g_watchers) {
    if (!w.used || w.remote_ip != message.quoted_dst || w.local_ip != message.quoted_src ||
        w.remote_port != message.quoted_dst_port || w.local_port != message.quoted_src_port ||
        w.syn_seq != message.quoted_seq) {
      continue;
    }
    w.used = false;  // at most once; the handler may tear the probe down
    ++g_delivered;
    w.handler(w.owner, message);
    break;
  }
  return 0;  // not eaten: icmp_input still answers echo requests
}

bool ensure_pcb() {
  if (g_pcb != nullptr) return true;
  g_pcb = raw_new(IP_PROTO_ICMP);
  if (g_pcb == nullptr) return false;
  raw_recv(g_pcb, on_icmp, nullptr);
  return true;
}

}  // namespace

int IcmpWatch::watch(const tcp_pcb* pcb, void* owner, Handler handler) {
  if (pcb == nullptr || handler == nullptr || !IP_IS_V4(&pcb->remote_ip) || !ensure_pcb()) return -1;
  for (size_t i = 0; i < g_watchers.size(); ++i) {
    Watcher& w = g_watchers[i];
    if (w.used) continue;
    w = Watcher{true,
                lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip))),
                lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))),
                pcb->local_port,
                pcb->remote_port,
                pcb->lastack,  // in SYN_SENT: the SYN's sequence number (iss)
                owner,
                handler};
    return static_cast<int>(i);
  }
  return -1;
}

void IcmpWatch::unwatch(int ticket) {
  if (ticket >= 0 && static_cast<size_t>(ticket) < g_watchers.size()) g_watchers[static_cast<size_t>(ticket)].used = false;
}

uint32_t IcmpWatch::seen() { return g_seen; }
uint32_t IcmpWatch::delivered() { return g_delivered; }

}  // namespace probebox::net
