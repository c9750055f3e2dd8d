#include "udp_relay.h"
#include "wire_bytes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace probebox::sim {
namespace {

constexpr size_t kEth = 14;
constexpr size_t kIp = 20;
constexpr size_t kUdp = 8;

// RFC 1071 ones' complement sum, not yet folded or inverted.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum) {
  for (; n > 1; p += 2, n -= 2) sum += be16(p);
  if (n == 1) sum += static_cast<uint32_t>(p[0]) << 8;
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

bool parse_guest_datagram(std::span<const uint8_t> frame, GuestDatagram& out) {
  if (frame.size() < kEth + kIp + kUdp || be16(frame.data() + 12) != 0x0800) return false;
  const uint8_t* ip = frame.data() + kEth;
  size_t ihl = static_cast<size_t>(ip[0] & 0x0F) * 4;
  if ((ip[0] >> 4) != 4 || ihl < kIp || ip[9] != 17) return false;
  if ((be16(ip + 6) & 0x3FFF) != 0) return false;  // a fragment: libslirp reassembles
  size_t ip_len = be16(ip + 2);
  if (ip_len < ihl + kUdp || kEth + ip_len > frame.size()) return false;
  const uint8_t* udp = ip + ihl;
  size_t udp_len = be16(udp + 4);
  if (udp_len < kUdp || udp_len > ip_len - ihl) return false;
  std::memcpy(out.guest_mac.data(), frame.data() + 6, 6);
  std::memcpy(out.host_mac.data(), frame.data(), 6);
  out.guest_ip = be32(ip + 12);
  out.host_ip = be32(ip + 16);
  out.guest_port = be16(udp);
  out.host_port = be16(udp + 2);
  out.payload = std::span<const uint8_t>(udp + kUdp, udp_len - kUdp);
  return true;
}

size_t build_host_datagram(const GuestDatagram& flow, uint16_t ip_id, std::span<const uint8_t> payload,
                           std::span<uint8_t> out) {
  const size_t total = kEth + kIp + kUdp + payload.size();
  if (total > out.size()) return 0;
  uint8_t* f = out.data();
  std::memcpy(f, flow.guest_mac.data(), 6);
  std::memcpy(f + 6, flow.host_mac.data(), 6);
  put16(f + 12, 0x0800);
  uint8_t* ip = f + kEth;
  ip[0] = 0x45;
  ip[1] = 0;
  put16(ip + 2, static_cast<uint16_t>(kIp + kUdp + payload.size()));
  put16(ip + 4, ip_id);
  put16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;
  ip[9] = 17;
  put16(ip + 10, 0);
  put32(ip + 12, flow.host_ip);
  put32(ip + 16, flow.guest_ip);
  put16(ip + 10, fold(sum16(ip, kIp, 0)));
  uint8_t* udp = ip + kIp;
  const uint16_t udp_len = static_cast<uint16_t>(kUdp + payload.size());
  put16(udp, flow.host_port);
  put16(udp + 2, flow.guest_port);
  put16(udp + 4, udp_len);
  put16(udp + 6, 0);
  std::memcpy(udp + kUdp, payload.data(), payload.size());
  uint32_t sum = sum16(ip + 12, 8, 0) + 17 + udp_len;  // pseudo-header
  uint16_t check = fold(sum16(udp, udp_len, sum));
  put16(udp + 6, check == 0 ? 0xFFFF : check);  // 0 would mean "no checksum"
  return total;
}

UdpRelay::~UdpRelay() {
  for (Flow& f : flows_) close(f);
}

UdpRelay::Flow* UdpRelay::find(const GuestDatagram& d) {
  for (Flow& f : flows_) {
    if (f.fd >= 0 && f.head.guest_ip == d.guest_ip && f.head.guest_port == d.guest_port &&
        f.head.host_ip == d.host_ip && f.head.host_port == d.host_port) {
      return &f;
    }
  }
  return nullptr;
}

UdpRelay::Flow* UdpRelay::open(const GuestDatagram& d, int64_t now_ms) {
  Flow* slot = nullptr;
  for (Flow& f : flows_) {
    if (f.fd < 0) {
      slot = &f;
      break;
    }
    if (slot == nullptr || f.last_ms < slot->last_ms) slot = &f;  // the longest idle gives way
  }
  close(*slot);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  sockaddr_in host{};
  host.sin_family = AF_INET;
  host.sin_port = htons(d.host_port);
  // 10.0.2.2 inside is the host's 127.0.0.1; a lab address is itself.
  host.sin_addr.s_addr = htonl(d.host_ip == host_ip_ ? INADDR_LOOPBACK : d.host_ip);
  if (connect(fd, reinterpret_cast<sockaddr*>(&host), sizeof host) != 0) {
    ::close(fd);
    return nullptr;
  }
  slot->fd = fd;
  slot->head = d;
  slot->head.payload = {};
  slot->last_ms = now_ms;
  ++stats_.flows_opened;
  return slot;
}

void UdpRelay::close(Flow& f) {
  if (f.fd < 0) return;
  // A later socket may reuse the number: the watch must register it afresh.
  watch_.forget(f.fd);
  ::close(f.fd);
  f.fd = -1;
}

bool UdpRelay::send(std::span<const uint8_t> frame, int64_t now_ms) {
  GuestDatagram d;
  if (!parse_guest_datagram(frame, d)) return false;
  if (d.host_ip != host_ip_ && (lab_ == nullptr || !lab_->contains(d.host_ip))) return false;
  if (forwarded_port_ != 0 && d.guest_port == forwarded_port_) return false;
  Flow* f = find(d);
  if (f == nullptr) f = open(d, now_ms);
  if (f == nullptr || ::send(f->fd, d.payload.data(), d.payload.size(), 0) < 0) {
    ++stats_.dropped;
    return true;
  }
  f->last_ms = now_ms;
  return true;
}

void UdpRelay::watch(int64_t now_ms) {
  for (Flow& f : flows_) {
    if (f.fd < 0) continue;
    if (now_ms - f.last_ms >= kIdleMs) {
      close(f);
      continue;
    }
    watch_.want(f.fd, POLLIN);
  }
}

void UdpRelay::poll(int64_t now_ms) {
  uint8_t datagram[kMaxFrame];
  uint8_t frame[kMaxFrame];
  for (Flow& f : flows_) {
    if (f.fd < 0 || watch_.revents(f.fd) == 0) continue;
    bool answered = false;
    for (int i = 0; i < 16; ++i) {  // what has queued up, within reason
      ssize_t n = recv(f.fd, datagram, sizeof datagram, 0);
      if (n < 0) {
        // ECONNREFUSED: nothing listens on the host's port. The query goes
        // unanswered, as through libslirp, and the probe's timeout says so.
        if (errno != EAGAIN && errno != EWOULDBLOCK) answered = true;
        break;
      }
      size_t len = build_host_datagram(f.head, next_ip_id_++, std::span<const uint8_t>(datagram, static_cast<size_t>(n)), frame);
      if (len == 0) {
        ++stats_.dropped;  // larger than one frame: the box's queries ask for less
        continue;
      }
      ++stats_.replies;
      deliver_(std::span<const uint8_t>(frame, len), opaque_);
      answered = true;
    }
    f.last_ms = now_ms;
    // An answered query's flow is done: the next query comes from a new port.
    if (answered) close(f);
  }
}

size_t UdpRelay::open_flows() const {
  size_t n = 0;
  for (const Flow& f : flows_) n += f.fd >= 0 ? 1 : 0;
  return n;
}

}  // namespace probebox::sim
