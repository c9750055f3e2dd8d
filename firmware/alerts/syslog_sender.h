// Sends one RFC 5424 message per hard-state change over UDP to alerts.syslog.server.
// It reads the event log by sequence number, so nothing is sent twice and a burst
// beyond what one step sends is caught up on the next; events the ring overwrote
// before they could be sent are counted, not silently lost. UDP never blocks: an
// unreachable server cannot delay a probe.
#pragma once
#include <cstdint>

#include "config/config_model.h"
#include "monitor/event_log.h"
#include "hal/clock.h"
#include "lwip/udp.h"
#include "net/host_resolver.h"

namespace probebox {

class SyslogSender {
 public:
  static constexpr int kMaxPerStep = 8;

  void configure(const Config& config);
  void step(const EventLog& log);
  // Events up to `sequence` (restored from flash) were dealt with before a restart.
  void skip_to(uint32_t sequence) { next_sequence_ = sequence; }
  void send_config_change(int64_t wall_unix_us, uint32_t sequence, std::string_view source);
  // The stored config's lint findings, one line each (none when it has none).
  void send_config_warnings(int64_t wall_unix_us, uint32_t sequence);
  uint32_t sent() const { return sent_; }
  uint32_t failed() const { return failed_; }
  uint32_t missed() const { return missed_; }
  // Every event of the log dealt with (a burst beyond kMaxPerStep, or a server still
  // being resolved, leaves some for the next steps). Sequences wrap: equality, never
  // an order.
  bool caught_up(const EventLog& log) const { return next_sequence_ == log.total(); }
  bool enabled() const { return enabled_; }

 private:
  bool send(std::string_view line);
  std::string_view group_of(std::string_view check_id) const;

  const Config* config_ = nullptr;
  bool enabled_ = false;
  struct udp_pcb* pcb_ = nullptr;
  HostResolver resolver_;
  uint16_t port_ = 514;
  uint32_t next_sequence_ = 0;
  uint32_t sent_ = 0;
  uint32_t failed_ = 0;
  uint32_t missed_ = 0;
};

}  // namespace probebox
