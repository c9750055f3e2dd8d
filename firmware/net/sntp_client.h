// The box's own clock keeper: an SNTP client (RFC 4330) against `network.ntp`,
// independent of the `ntp` checks. Certificates' dates, maintenance windows and
// event times all read the wall clock, so it must come from servers the operator
// named, be corrected periodically, and not be taken from whichever check answers
// first (issue 19). Until it has a trustworthy answer the wall clock stays unset
// and the date rules say unknown.
//
// One request in flight at a time, to one server; a silent or unsynchronised
// server hands over to the next. Polls every kFastPollS until the first good
// answer, then every kPollS.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "hal/clock.h"
#include "lwip/ip_addr.h"
#include "protocols/sntp_packet.h"

struct udp_pcb;
struct pbuf;

namespace probebox::net {

class SntpClient {
 public:
  static constexpr size_t kMaxServers = 4;
  static constexpr int64_t kFastPollS = 16;
  static constexpr int64_t kPollS = 1024;
  static constexpr int64_t kReplyTimeoutMs = 2000;
  // A step larger than this corrects the wall clock; smaller offsets are only shown.
  static constexpr int64_t kStepThresholdUs = 100'000;

  struct Server {
    uint32_t ipv4 = 0;  // host byte order
    uint16_t port = 123;
  };

  // Starts over with these servers (none: the client stays idle).
  void configure(std::span<const Server> servers, hal::MonoMicros now);
  void step(hal::Clock& clock, hal::MonoMicros now);
  void stop();

  // When step() has something to do: the reply's timeout while one is awaited,
  // else the next request (INT64_MAX: no server).
  hal::MonoMicros next_due() const;
  bool synced() const { return synced_; }              // a good answer since configure()
  int64_t offset_us() const { return offset_us_; }     // the latest measured offset
  hal::MonoMicros last_sync_mono() const { return last_sync_mono_; }
  uint8_t stratum() const { return stratum_; }
  const Server* current_server() const { return count_ ? &servers_[current_] : nullptr; }
  uint32_t answers() const { return answers_; }
  uint32_t failures() const { return failures_; }

 private:
  static void on_datagram(void* arg, udp_pcb* pcb, pbuf* p, const ip_addr_t* addr, u16_t port);
  void send(hal::Clock& clock, hal::MonoMicros now);
  void give_up_on_server(hal::MonoMicros now);
  void accept(const sntp::SntpReply& reply, hal::MonoMicros t4_mono);

  std::array<Server, kMaxServers> servers_{};
  size_t count_ = 0;
  size_t current_ = 0;
  udp_pcb* pcb_ = nullptr;
  hal::Clock* clock_ = nullptr;
  bool waiting_ = false;
  hal::MonoMicros sent_mono_ = 0;
  sntp::NtpTimestamp sent_transmit_{};
  hal::MonoMicros next_poll_mono_ = 0;
  bool synced_ = false;
  int64_t offset_us_ = 0;
  hal::MonoMicros last_sync_mono_ = 0;
  uint8_t stratum_ = 0;
  uint32_t answers_ = 0;
  uint32_t failures_ = 0;
};

}  // namespace probebox::net
