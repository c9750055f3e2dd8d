#include "net/tcp_link.h"

#include "core/lease_pool.h"
#include "net/tls_bio.h"

#include "lwip/pbuf.h"
#include "mbedtls/ssl.h"

namespace probebox::net {
namespace {

LeasePool<TlsClientSession, TlsSessions::kCount> g_tls_sessions;
TlsClientSession g_idle_session;

}  // namespace

TlsClientSession* TlsSessions::lease() { return g_tls_sessions.lease(); }

void TlsSessions::give_back(TlsClientSession* session) { g_tls_sessions.give_back(session); }

int TlsSessions::in_use() { return g_tls_sessions.in_use(); }

TlsClientSession& TlsSessions::idle() { return g_idle_session; }

void TcpLink::give_back_tls() {
  if (tls_ == nullptr) return;
  tls_->end();
  TlsSessions::give_back(tls_);
  tls_ = nullptr;
}

TcpLink::Open TcpLink::connect(const ip_addr_t& address, uint16_t port, LinkOwner& owner) {
  close();
  owner_ = &owner;
  error_ = ERR_OK;
  peer_closed_ = false;
  aborted_ = false;
  icmp_code_ = -1;
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) return Open::kNoPcb;
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_recv);
  // Every send is a whole message after which the probe waits for the server, so
  // Nagle could only hold back a flight's later records (ChangeCipherSpec then
  // Finished, Finished then the request) until an ACK: a server's delayed ACK added
  // to the latency the probe reports, and a wake-up for the ACK alone.
  tcp_nagle_disable(pcb_);
  error_ = tcp_connect(pcb_, &address, port, on_connected);
  // No memory for the SYN's segment or its buffer: the box's shortage, which passes
  // (a probe's TLS records or a slow web client hold them). Said as a route failure
  // it would be a critical "unreachable" that says nothing about the server.
  if (error_ == ERR_MEM || error_ == ERR_BUF) {
    close();
    return Open::kNoMemory;
  }
  if (error_ != ERR_OK) return Open::kFailed;
  // lwIP hands ICMP errors to no TCP pcb: the watch does, for this connect.
  icmp_ticket_ = IcmpWatch::watch(pcb_, this, on_icmp);
  return Open::kConnecting;
}

const char* TcpLink::shortage(Open open) {
  return open == Open::kNoMemory ? "no memory for the SYN (lwIP heap or segment pool exhausted)"
                                 : "no TCP connection free (lwIP pool exhausted)";
}

void TcpLink::unwatch_icmp() {
  IcmpWatch::unwatch(icmp_ticket_);
  icmp_ticket_ = -1;
}

void TcpLink::on_icmp(void* arg, const icmp::Unreachable& message) {
  // From lwIP's input path, not a callback of this pcb: the owner may close it.
  auto* link = static_cast<TcpLink*>(arg);
  link->icmp_ticket_ = -1;  // the watch delivers once and frees the slot itself
  link->icmp_code_ = message.code;
  link->error_ = ERR_RTE;
  link->owner_->process(LinkEvent::kFailed);
}

Status TcpLink::start_tls(TlsClientConfig& config, std::string_view server_name, TlsVersion version,
                          const TlsResumption* resume, ChainCheck check) {
  if (tls_ == nullptr) tls_ = TlsSessions::lease();
  if (tls_ == nullptr) return StatusCode::kUnavailable;  // not the arena: no session object free
  return tls_->begin(config, pcb_, server_name, version, resume, check);
}

err_t TcpLink::deliver(LinkEvent event) {
  owner_->process(event);
  return aborted_ ? ERR_ABRT : ERR_OK;
}

err_t TcpLink::on_connected(void* arg, struct tcp_pcb*, err_t err) {
  auto* link = static_cast<TcpLink*>(arg);
  if (link == nullptr) return ERR_OK;
  link->unwatch_icmp();
  link->error_ = err;
  return link->deliver(err == ERR_OK ? LinkEvent::kConnected : LinkEvent::kFailed);
}

err_t TcpLink::on_recv(void* arg, struct tcp_pcb*, struct pbuf* p, err_t) {
  auto* link = static_cast<TcpLink*>(arg);
  if (link == nullptr) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr) {
    link->peer_closed_ = true;
    if (link->tls_active()) link->tls_->peer_closed();
    return link->deliver(LinkEvent::kPeerClosed);
  }
  // The session takes the pbuf and acknowledges bytes as mbedTLS consumes them.
  if (link->tls_active()) return link->deliver(link->tls_->push(p) ? LinkEvent::kReceived : LinkEvent::kOverflow);
  // Taken in before it is read: a reply that ends the exchange closes the pcb from
  // the reader, and lwIP turns a close with unreceived data into a RST.
  tcp_recved(link->pcb_, p->tot_len);
  link->segment_ = p;
  err_t result = link->deliver(LinkEvent::kReceived);
  link->segment_ = nullptr;
  pbuf_free(p);
  return result;
}

void TcpLink::on_error(void* arg, err_t err) {
  // lwIP has already freed the pcb: forget it, never touch it.
  auto* link = static_cast<TcpLink*>(arg);
  if (link == nullptr) return;
  link->pcb_ = nullptr;
  link->unwatch_icmp();
  if (link->tls_ != nullptr) link->tls_->end();
  link->error_ = err;
  link->deliver(LinkEvent::kFailed);
}

TcpLink::Read TcpLink::read(Reader reader) {
  if (!tls_active()) {
    for (struct pbuf* q = segment_; q != nullptr && open(); q = q->next) {
      reader(*owner_, {static_cast<const uint8_t*>(q->payload), q->len});
    }
    return open() && peer_closed_ ? Read::kEnded : Read::kWait;
  }
  uint8_t plain[512];
  for (int rounds = 0; rounds < 64 && open(); ++rounds) {
    int n = tls_->read(plain, sizeof(plain));
    if (n > 0) {
      reader(*owner_, {plain, static_cast<size_t>(n)});
      continue;
    }
    return n == MBEDTLS_ERR_SSL_WANT_READ && !peer_closed_ ? Read::kWait : Read::kEnded;
  }
  return Read::kWait;
}

namespace {
// What a TLS record adds to its plaintext, at most, for tcp_room_for().
constexpr size_t kTlsRecordOverhead = 64;
}  // namespace

bool TcpLink::send(std::span<const uint8_t> bytes) {
  send_lacked_memory_ = false;
  if (pcb_ == nullptr) return false;
  if (tls_active()) {
    const bool room = tcp_room_for(pcb_, bytes.size() + kTlsRecordOverhead);
    const int written = tls_->write(bytes.data(), bytes.size());
    // WANT_WRITE: tls_bio could not queue the record.
    send_lacked_memory_ = written == MBEDTLS_ERR_SSL_WANT_WRITE && room;
    return written == static_cast<int>(bytes.size());
  }
  const bool room = tcp_room_for(pcb_, bytes.size());
  const err_t err = tcp_write(pcb_, bytes.data(), static_cast<u16_t>(bytes.size()), TCP_WRITE_FLAG_COPY);
  if (err != ERR_OK) {
    send_lacked_memory_ = err == ERR_MEM && room;
    return false;
  }
  tcp_output(pcb_);
  return true;
}

err_t TcpLink::close(Ending ending) {
  unwatch_icmp();
  if (tls_ != nullptr) tls_->end();
  if (pcb_ == nullptr) return aborted_ ? ERR_ABRT : ERR_OK;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  tcp_setprio(pcb_, TCP_PRIO_MIN);
  // In SYN_SENT tcp_close() drops the pcb without a segment; an RST there would go to
  // a host that has not answered.
  const bool reset = ending == Ending::kReset && pcb_->state != SYN_SENT && pcb_->state != CLOSED;
  if (reset || tcp_close(pcb_) != ERR_OK) {
    tcp_abort(pcb_);
    aborted_ = true;
  }
  pcb_ = nullptr;
  return aborted_ ? ERR_ABRT : ERR_OK;
}

UdpLink::Send UdpLink::send_to(const ip_addr_t& address, uint16_t port, std::span<const uint8_t> bytes,
                               LinkOwner& owner) {
  peer_ = address;
  port_ = port;
  owner_ = &owner;
  if (pcb_ == nullptr) {
    pcb_ = udp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb_ == nullptr) return Send::kNoPcb;
    udp_recv(pcb_, on_recv, this);
  }
  struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(bytes.size()), PBUF_RAM);
  if (p == nullptr) return Send::kNoBuffer;
  pbuf_take(p, bytes.data(), static_cast<u16_t>(bytes.size()));
  udp_sendto(pcb_, p, &peer_, port_);
  pbuf_free(p);
  return Send::kSent;
}

void UdpLink::on_recv(void* arg, struct udp_pcb*, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
  auto* link = static_cast<UdpLink*>(arg);
  if (link != nullptr && addr != nullptr && ip_addr_cmp(addr, &link->peer_) && port == link->port_) {
    link->datagram_ = p;
    link->owner_->process(LinkEvent::kDatagram);
    link->datagram_ = nullptr;
  }
  pbuf_free(p);
}

size_t UdpLink::take(std::span<uint8_t> out) const {
  if (datagram_ == nullptr) return 0;
  return pbuf_copy_partial(datagram_, out.data(), static_cast<u16_t>(out.size() < 0xFFFF ? out.size() : 0xFFFF), 0);
}

void UdpLink::close() {
  if (pcb_ == nullptr) return;
  udp_recv(pcb_, nullptr, nullptr);
  udp_remove(pcb_);
  pcb_ = nullptr;
}

}  // namespace probebox::net
