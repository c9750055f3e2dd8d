// The SNMP agent for the operators' NMS (System Center, Tivoli, OpenView): lwIP's
// agent with MIB-2 (system, interfaces, ip, tcp, udp) and the probebox MIB
// (docs/PROBEBOX-MIB.txt): the overall state and a table of checks — id, type,
// group, hard state, last latency, summary, certificate days left. A trap
// (checkStateChange) on every hard state change goes to each alerts.snmp.trap_to.
// UDP is fire-and-forget: an unreachable receiver delays nothing.
//
// Off unless configured: without alerts.snmp.community no SNMPv1/v2c request is
// answered, without alerts.snmp.v3 no SNMPv3 one. Read-only always (a set is never
// applied). SNMPv3 is USM authPriv with HMAC-SHA-96 and AES-128-CFB; its keys are
// localized (RFC 3414) in slices over the main-loop steps after each configure(),
// and until they are ready v3 requests go unanswered.
#pragma once
#include <cstdint>

#include "config/config_model.h"
#include "hal/clock.h"
#include "hal/ethernet_port.h"
#include "monitor/event_log.h"
#include "monitor/health_model.h"

namespace probebox {

class SnmpAgent {
 public:
  static constexpr uint16_t kAgentPort = 161;
  static constexpr int kMaxTrapTargets = 4;

  // While SNMPv3 keys are being localized (1 MiB of SHA-1 each): time spent per
  // main-loop step, in slices of this many bytes.
  static constexpr int64_t kKeyMicrosPerStep = 5000;
  static constexpr size_t kKeyBytesPerSlice = 4096;

  // Once, after lwIP is up. engine_boots: how many times the box has started
  // (persisted by the caller, RFC 3414's snmpEngineBoots); the MAC makes the
  // engine ID.
  void start(const HealthModel& health, const hal::Clock& clock, uint32_t engine_boots, const hal::MacAddress& mac);
  // What answers, the communities, the v3 user and the trap receivers, from
  // alerts.snmp (nothing answers and no trap goes out by default).
  void configure(const Config& config);
  void skip_to(uint32_t sequence) { next_sequence_ = sequence; }
  // Sends traps for new events and advances the v3 key localization.
  void step(const EventLog& log);
  bool v2c_enabled() const;
  // Configured and its keys ready.
  bool v3_ready() const;
  // Nothing left for step(): every event's trap sent, no key being localized.
  bool idle(const EventLog& log) const;
  bool localizing_keys() const;
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
// Days left from a tls_cert check's last result (its typed details), or -1.
int32_t cert_days_left(const CheckHealth& h, CheckType type);
int32_t cert_days_left(const DetailsView& details, CheckType type);
}  // namespace snmp_mib

}  // namespace probebox
