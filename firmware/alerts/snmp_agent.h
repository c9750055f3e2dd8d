// The SNMPv2c agent for the operators' NMS (System Center, Tivoli, OpenView):
// lwIP's agent with MIB-2 (system, interfaces, ip, tcp, udp) and the probebox MIB
// (docs/PROBEBOX-MIB.txt): the overall state and a table of checks — id, type,
// group, hard state, last latency, summary, certificate days left. A trap
// (checkStateChange) on every hard state change goes to each alerts.snmp.trap_to.
// UDP is fire-and-forget: an unreachable receiver delays nothing.
#pragma once
#include <cstdint>

#include "config/config_model.h"
#include "monitor/event_log.h"
#include "monitor/health_model.h"

namespace probebox {

class SnmpAgent {
 public:
  static constexpr uint16_t kAgentPort = 161;
  static constexpr int kMaxTrapTargets = 4;

  // Once, after lwIP is up.
  void start(const HealthModel& health);
  // Community and trap receivers from alerts.snmp (public / none by default).
  void configure(const Config& config);
  void skip_to(uint32_t sequence) { next_sequence_ = sequence; }
  void step(const EventLog& log);
  uint32_t traps_sent() const { return traps_sent_; }
  uint32_t traps_failed() const { return traps_failed_; }

 private:
  const Config* config_ = nullptr;
  bool started_ = false;
  int targets_ = 0;
  uint32_t next_sequence_ = 0;
  uint32_t traps_sent_ = 0;
  uint32_t traps_failed_ = 0;
};

// The MIB's view of the box, for the table callbacks (one agent per box).
namespace snmp_mib {
// Nagios order, as the MIB's CheckState: ok(0) warning(1) critical(2) unknown(3).
int32_t state_code(Outcome o);
// Days left from a tls_cert check's last details, or -1.
int32_t cert_days_left(const CheckHealth& h, CheckType type);
}  // namespace snmp_mib

}  // namespace probebox
