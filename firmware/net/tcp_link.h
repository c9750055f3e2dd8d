// The transport every probe shares: one TCP connection (the pcb and, when asked, a
// TLS session over it) or one UDP socket, each bound to an owner that gets every
// lwIP callback as one LinkEvent. The lwIP callbacks live here, not in the probes:
// they hand the event to the owner and return what lwIP must be told, ERR_ABRT when
// the owner's handling aborted the pcb. close() is the one teardown.
//
// An owner's shape (after lwIP's apps/smtp/smtp.c): an `enum class State` and one
// `process(LinkEvent)` that switches on it.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/limits.h"
#include "core/status.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/icmp_watch.h"
#include "net/tls_client.h"

namespace probebox::net {

enum class LinkEvent : uint8_t {
  kResolved,    // the host has an address (HostResolver)
  kUnresolved,  // it has none
  kConnected,   // TCP handshake done
  kReceived,    // bytes arrived: TcpLink::read() hands them over
  kPeerClosed,  // the peer's FIN; read() still hands over what TLS holds
  kOverflow,    // TLS: the peer sent more than TlsClientSession::kMaxPending (dropped)
  kFailed,      // lwIP gave up the connection (refused, reset, ...): error() says why;
                // an ICMP destination unreachable answering the connect is ERR_RTE
                // with TcpLink::icmp_code() (net/icmp_watch)
  kDatagram,    // UdpLink: a datagram from the peer, UdpLink::take() copies it
  kRetry,       // the owner's timer: half its timeout has passed (UDP sends again)
};

// Whoever owns a link (a probe, the SMTP session): every lwIP callback reaches it as
// one process(event); the links call nothing else of it.
class LinkOwner {
 public:
  virtual void process(LinkEvent event) = 0;

 protected:
  ~LinkOwner() = default;
};

// The TLS client sessions the links lease (an mbedTLS context each: 252 bytes on the
// Cortex-M4 that a plain connection need not carry): one per TLS probe the scheduler
// lets run at once (PROBEBOX_MAX_TLS_IN_FLIGHT) and one for the mail alerts, which
// run beside them. A link leases one at its first start_tls() and keeps it, through
// reconnections, until its owner gives it back (give_back_tls(), from the probe's
// destructor: a link in a static stays trivially destructible), so what the session
// learnt stays readable after close().
class TlsSessions {
 public:
  static constexpr int kCount = PROBEBOX_MAX_TLS_IN_FLIGHT + 1;
  // nullptr when all are leased.
  static TlsClientSession* lease();
  static void give_back(TlsClientSession* session);
  static int in_use();
  // The session of a link that has none: never begun, so it reads as idle.
  static TlsClientSession& idle();
};

class TcpLink {
 public:
  // kNoPcb and kNoMemory are the box's own shortage (its result is unknown, never the
  // network's fault); kFailed is lwIP's refusal for the network's reason (no route).
  enum class Open : uint8_t { kConnecting, kNoPcb, kNoMemory, kFailed };
  // A summary for kNoPcb or kNoMemory.
  static const char* shortage(Open open);
  enum class Read : uint8_t { kWait, kEnded };
  using Reader = void (*)(LinkOwner& owner, std::span<const uint8_t> bytes);

  TcpLink() = default;
  TcpLink(const TcpLink&) = delete;
  TcpLink& operator=(const TcpLink&) = delete;

  // Closes any previous connection, then a new pcb connects to address:port.
  // kNoPcb: lwIP's pool is exhausted; kFailed: tcp_connect refused (error()).
  Open connect(const ip_addr_t& address, uint16_t port, LinkOwner& owner);
  // A TLS client session on the connected pcb (at once, or after STARTTLS): from
  // here on received bytes go to it and send() goes through it. The handshake is
  // the owner's to step (tls().handshake()). kUnavailable: no TlsSessions session
  // is free (the scheduler's TLS limit keeps that from happening); kResourceExhausted:
  // the TLS arena could not hold it.
  Status start_tls(TlsClientConfig& config, std::string_view server_name, TlsVersion version = TlsVersion::k12,
                   const TlsResumption* resume = nullptr, ChainCheck check = ChainCheck::kInHandshake);
  // The link's TLS session (TlsSessions::idle() before its first start_tls()).
  TlsClientSession& tls() { return tls_ != nullptr ? *tls_ : TlsSessions::idle(); }
  bool tls_active() const { return tls_ != nullptr && tls_->active(); }

  // Hands what has arrived to `reader`, in order, until the owner closes the link:
  // in clear the segments of the pbuf being received (already acknowledged, so a
  // close from the reader is a FIN, not a RST), over TLS the plaintext the session
  // has (at most 64 reads of 512 bytes a call). kEnded, while the link is open: no
  // more will come (the peer closed; TLS: close_notify, EOF or an error).
  Read read(Reader reader);
  // Queues bytes, in clear or through TLS, and pushes them out; false if they could not
  // be: the connection is gone, or (send_lacked_memory()) lwIP had no segment or buffer
  // for them, the box's own shortage.
  bool send(std::span<const uint8_t> bytes);
  bool send(std::string_view text) { return send({reinterpret_cast<const uint8_t*>(text.data()), text.size()}); }

  // How a connection ends. kGraceful: a FIN, and lwIP finishes the close (the peer's
  // FIN acknowledged, TIME_WAIT) on its own. kReset, for a probe that has its answer:
  // an RST once the connection is established (a connect still pending is dropped as
  // kGraceful drops it). The box then neither wakes for the server's FIN nor holds a
  // TIME_WAIT pcb, and a tcp check's connection never reaches the service's accept()
  // (no log line on the appliance per check), as HAProxy's health checks end theirs.
  // SMTP keeps the FIN: a relay logs an aborted session (HAProxy's issues 187, 254).
  enum class Ending : uint8_t { kGraceful, kReset };
  // The one teardown: ends TLS, detaches every callback and closes the pcb (left to
  // lwIP at the lowest priority, so lingering closes never starve a new probe), or
  // aborts it when the close cannot be queued or kReset asks. Returns what an lwIP
  // callback must return after it: ERR_ABRT when the pcb was aborted (then the link
  // must not connect again from that callback). Idempotent.
  err_t close(Ending ending = Ending::kGraceful);
  // Ends the TLS session and returns it to TlsSessions (after close(); the link reads
  // TlsSessions::idle() again). Every owner that started TLS calls it at its end.
  void give_back_tls();

  bool open() const { return pcb_ != nullptr; }
  bool peer_closed() const { return peer_closed_; }
  err_t error() const { return error_; }
  // The last send() failed for want of lwIP memory, not because the connection was gone.
  bool send_lacked_memory() const { return send_lacked_memory_; }
  // Bytes are waiting that lwIP had no memory for: the last send lacked it, or the TLS
  // session's last write (a handshake's own) did. At a probe's deadline this makes the
  // silence the box's shortage.
  bool starved_for_memory() const {
    return send_lacked_memory_ || (tls_ != nullptr && tls_->write_starved());
  }
  // The summary for a send() that lacked memory.
  static const char* send_shortage() { return "no memory to send (lwIP heap or segment pool exhausted)"; }
  // The ICMP unreachable code that ended the connect, or -1.
  int icmp_code() const { return icmp_code_; }

 private:
  static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_error(void* arg, err_t err);
  static void on_icmp(void* arg, const icmp::Unreachable& message);
  void unwatch_icmp();
  // Hands `event` to the owner; what the callback that got it must return.
  err_t deliver(LinkEvent event);

  struct tcp_pcb* pcb_ = nullptr;
  struct pbuf* segment_ = nullptr;  // the clear pbuf being delivered
  TlsClientSession* tls_ = nullptr;  // leased from TlsSessions at the first start_tls()
  LinkOwner* owner_ = nullptr;
  err_t error_ = ERR_OK;
  bool peer_closed_ = false;
  bool aborted_ = false;
  bool send_lacked_memory_ = false;
  int icmp_ticket_ = -1;
  int icmp_code_ = -1;
};

// One UDP socket to one peer: datagrams go to address:port, and only datagrams from
// there reach the owner (RFC 5452: anyone else is not even a suspect).
class UdpLink {
 public:
  enum class Send : uint8_t { kSent, kNoPcb, kNoBuffer };

  UdpLink() = default;
  UdpLink(const UdpLink&) = delete;
  UdpLink& operator=(const UdpLink&) = delete;

  // Opens the socket on first use, then sends one datagram.
  Send send_to(const ip_addr_t& address, uint16_t port, std::span<const uint8_t> bytes, LinkOwner& owner);
  // During kDatagram: copies up to out.size() bytes of it; the byte count.
  size_t take(std::span<uint8_t> out) const;
  void close();
  bool open() const { return pcb_ != nullptr; }

 private:
  static void on_recv(void* arg, struct udp_pcb* pcb, struct pbuf* p, const ip_addr_t* addr, u16_t port);

  struct udp_pcb* pcb_ = nullptr;
  struct pbuf* datagram_ = nullptr;  // the datagram being delivered
  ip_addr_t peer_{};
  uint16_t port_ = 0;
  LinkOwner* owner_ = nullptr;
};

}  // namespace probebox::net
