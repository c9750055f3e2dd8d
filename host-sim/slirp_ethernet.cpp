#include "slirp_ethernet.h"
#include "slirp_buffer_pool.h"
#include "wire_bytes.h"

#include "core/wake_slack.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <time.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace probebox::sim {
namespace {

constexpr uint32_t kHostLoopback = 0x0A000202;  // 10.0.2.2, the host's 127.0.0.1 inside

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// libslirp listens for a forwarded port with a backlog of 1: during a burst of
// connections (a browser opening six at once, an attacker's reconnect storm) the
// kernel drops further SYNs while the loop has not accepted yet, and a client then
// waits a whole SYN retransmission (1 s, then 3 s) before the box even sees it. A
// real box's listener is lwIP's, with no such queue; the simulator's own host
// socket, found by its address, is given a queue as deep as the kernel allows.
void deepen_listen_backlog(uint16_t port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (dirent* entry = readdir(fds)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(fds)) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_in addr{};
    len = sizeof addr;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.sin_family == AF_INET && ntohs(addr.sin_port) == port) listen(static_cast<int>(fd), SOMAXCONN);
  }
  closedir(fds);
}

short to_poll_events(int slirp_events) {
  short e = 0;
  if (slirp_events & SLIRP_POLL_IN) e |= POLLIN;
  if (slirp_events & SLIRP_POLL_OUT) e |= POLLOUT;
  if (slirp_events & SLIRP_POLL_PRI) e |= POLLPRI;
  return e;
}

int to_slirp_events(short revents) {
  int e = 0;
  if (revents & POLLIN) e |= SLIRP_POLL_IN;
  if (revents & POLLOUT) e |= SLIRP_POLL_OUT;
  if (revents & POLLPRI) e |= SLIRP_POLL_PRI;
  if (revents & POLLERR) e |= SLIRP_POLL_ERR;
  if (revents & POLLHUP) e |= SLIRP_POLL_HUP;
  return e;
}

}  // namespace

bool egress_allowed(const uint8_t* frame, size_t len, const LabReach& lab) {
  if (len < 14) return false;
  uint16_t ethertype = be16(frame + 12);
  if (ethertype == 0x0806) return true;  // ARP: slirp answers for its own addresses only
  if (ethertype != 0x0800 || len < 34) return false;
  const uint8_t* ip = frame + 14;
  if ((ip[0] >> 4) != 4) return false;
  size_t ihl = static_cast<size_t>(ip[0] & 0x0F) * 4;
  uint32_t dst = be32(ip + 16);
  if (dst == kHostLoopback || lab.contains(dst)) return true;
  // DHCP client -> server (broadcast or slirp's own address), nothing else.
  if (ip[9] == 17 && len >= 14 + ihl + 8) {
    const uint8_t* udp = ip + ihl;
    if (be16(udp) == 68 && be16(udp + 2) == 67) return true;
  }
  return false;
}

struct SlirpCallbacks {
  static ssize_t send_packet(const void* buf, size_t len, void* opaque) {
    static_cast<SlirpEthernet*>(opaque)->queue_for_guest(static_cast<const uint8_t*>(buf), len);
    return static_cast<ssize_t>(len);
  }
  static void relay_reply(std::span<const uint8_t> frame, void* opaque) {
    static_cast<SlirpEthernet*>(opaque)->queue_for_guest(frame.data(), frame.size());
  }
  static void guest_error(const char* msg, void*) { std::fprintf(stderr, "slirp: guest error: %s\n", msg); }
  static int64_t clock_get_ns(void*) { return monotonic_ns(); }
  static void* timer_new(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
    auto* self = static_cast<SlirpEthernet*>(opaque);
    auto* t = new SlirpEthernet::Timer{cb, cb_opaque, -1};
    self->timers_.push_back(t);
    return t;
  }
  static void timer_free(void* timer, void* opaque) {
    auto* self = static_cast<SlirpEthernet*>(opaque);
    auto* t = static_cast<SlirpEthernet::Timer*>(timer);
    std::erase(self->timers_, t);
    delete t;
  }
  static void timer_mod(void* timer, int64_t expire_ms, void*) {
    static_cast<SlirpEthernet::Timer*>(timer)->expire_ms = expire_ms;
  }
  // A new socket may reuse a closed one's number: whatever was known of it is stale.
  static void register_poll_fd(int fd, void* opaque) { static_cast<SlirpEthernet*>(opaque)->watch_.forget(fd); }
  static void unregister_poll_fd(int fd, void* opaque) { static_cast<SlirpEthernet*>(opaque)->watch_.forget(fd); }
  static void notify(void*) {}
  static int add_poll(int fd, int events, void* opaque) {
    return static_cast<SlirpEthernet*>(opaque)->watch_.want(fd, to_poll_events(events));
  }
  static int get_revents(int idx, void* opaque) {
    return to_slirp_events(static_cast<SlirpEthernet*>(opaque)->watch_.revents(idx));
  }
};

namespace {
const SlirpCb kCallbacks = {
    .send_packet = SlirpCallbacks::send_packet,
    .guest_error = SlirpCallbacks::guest_error,
    .clock_get_ns = SlirpCallbacks::clock_get_ns,
    .timer_new = SlirpCallbacks::timer_new,
    .timer_free = SlirpCallbacks::timer_free,
    .timer_mod = SlirpCallbacks::timer_mod,
    .register_poll_fd = SlirpCallbacks::register_poll_fd,
    .unregister_poll_fd = SlirpCallbacks::unregister_poll_fd,
    .notify = SlirpCallbacks::notify,
    .init_completed = nullptr,
    .timer_new_opaque = nullptr,
};
}  // namespace

SlirpEthernet::SlirpEthernet() : relay_(kHostLoopback, watch_, SlirpCallbacks::relay_reply, this) {
  relay_.leave_to_slirp(161);  // the SNMP agent answers through its forwarding
}

void SlirpEthernet::queue_for_guest(const uint8_t* bytes, size_t len) {
  if (rx_.size() >= kRxQueueFrames) {
    ++stats_.dropped_rx_full;  // as a full NIC FIFO would
    return;
  }
  rx_.push_back({monotonic_ns() / 1000, std::vector<uint8_t>(bytes, bytes + len)});
  ++stats_.frames_in;
}

bool SlirpEthernet::open(uint16_t http_port, uint16_t snmp_port, uint16_t https_port) {
  SlirpConfig cfg{};
  cfg.version = 4;
  cfg.restricted = 0;
  cfg.in_enabled = true;
  inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
  inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
  inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
  inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
  // slirp insists on a nameserver address; with disable_dns nothing answers there,
  // and the egress guard drops anything aimed at it.
  inet_pton(AF_INET, "10.0.2.2", &cfg.vnameserver);
  cfg.in6_enabled = false;
  cfg.vhostname = "probebox-sim";
  cfg.disable_host_loopback = false;
  cfg.disable_dns = true;
  cfg.if_mtu = 1500;
  cfg.if_mru = 1500;
  if (!watch_.ok()) return false;
  slirp_ = slirp_new(&cfg, &kCallbacks, this);
  if (slirp_ == nullptr) return false;
  if (http_port != 0 && !forward(Transport::kTcp, http_port, 80)) return false;
  if (https_port != 0 && !forward(Transport::kTcp, https_port, 443)) return false;
  if (snmp_port != 0 && !forward(Transport::kUdp, snmp_port, 161)) return false;
  return true;
}

bool SlirpEthernet::forward(Transport transport, uint16_t host_port, uint16_t guest_port) {
  const bool udp = transport == Transport::kUdp;
  in_addr host{}, guest{};
  inet_pton(AF_INET, "127.0.0.1", &host);
  inet_pton(AF_INET, "10.0.2.15", &guest);
  if (slirp_add_hostfwd(slirp_, udp ? 1 : 0, host, host_port, guest, guest_port) != 0) {
    std::fprintf(stderr, "probebox-sim: cannot forward %s 127.0.0.1:%u to the box's port %u (port in use?)\n",
                 udp ? "udp" : "tcp", host_port, guest_port);
    return false;
  }
  if (!udp) deepen_listen_backlog(host_port);
  return true;
}

SlirpEthernet::~SlirpEthernet() {
  if (slirp_ != nullptr) slirp_cleanup(slirp_);
  for (Timer* t : timers_) delete t;
}

bool SlirpEthernet::DoTransmit(std::span<const uint8_t> frame) {
  if (slirp_ == nullptr) return false;
  if (!egress_allowed(frame.data(), frame.size(), lab_)) {
    ++stats_.dropped_by_guard;
    return true;  // dropped on the wire, as far as lwIP can tell
  }
  ++stats_.frames_out;
  if (relay_.send(frame, monotonic_ns() / 1'000'000)) return true;
  slirp_input(slirp_, frame.data(), static_cast<int>(frame.size()));
  return true;
}

size_t SlirpEthernet::DoReceive(std::span<uint8_t> buffer) {
  last_arrival_ = kUnstamped;
  if (rx_.empty()) return 0;
  QueuedFrame frame = std::move(rx_.front());
  rx_.pop_front();
  if (frame.bytes.size() > buffer.size()) return 0;
  std::memcpy(buffer.data(), frame.bytes.data(), frame.bytes.size());
  last_arrival_ = frame.arrived_us;
  return frame.bytes.size();
}

void SlirpEthernet::run_io(int timeout_ms) {
  if (slirp_ == nullptr) return;
  // Backpressure: while the box has not drained what arrived, leave new data in the
  // host sockets' buffers instead of producing frames that would be dropped.
  if (rx_.size() >= kRxQueueFrames / 2) return;
  watch_.begin();
  relay_.watch(monotonic_ns() / 1'000'000);
  // libslirp lowers the timeout to its own: 2 ms while a delayed ACK waits (served
  // later, as a real peer would: slirp_wait_ms), else at most 499 ms while it has TCP
  // sockets. Asked on its own, it can share the box's wake-up when the two fall
  // within the slack.
  uint32_t slirp_timeout = 1000;
  slirp_pollfds_fill(slirp_, &slirp_timeout, SlirpCallbacks::add_poll, this);
  slirp_timeout = slirp_wait_ms(slirp_timeout);
  const int64_t shared_ms = shared_wake(timeout_ms, slirp_timeout, kWakeSlackUs / 1000);
  int wait = rx_.empty() ? static_cast<int>(shared_ms) : 0;
  int rc = watch_.wait(wait);
  slirp_pollfds_poll(slirp_, rc < 0, SlirpCallbacks::get_revents, this);
  int64_t now_ms = monotonic_ns() / 1'000'000;
  if (rc > 0) relay_.poll(now_ms);
  // Copy: a timer callback may arm or free timers.
  std::vector<Timer*> due;
  for (Timer* t : timers_) {
    if (t->expire_ms >= 0 && t->expire_ms <= now_ms) due.push_back(t);
  }
  for (Timer* t : due) {
    if (std::find(timers_.begin(), timers_.end(), t) == timers_.end()) continue;
    t->expire_ms = -1;
    t->cb(t->opaque);
  }
  slirp_buffer_pool().trim(now_ms);
}

}  // namespace probebox::sim
