// Why the box last stopped, kept across the restart: the fatal report (a fault, the
// stack guard, the watchdog) writes it into RAM the reset code leaves alone (.noinit),
// and the next boot turns it into an event, so the event log, syslog, mail and SNMP
// say the box restarted and why, not only the console nobody was watching. A cold
// start finds noise there, which the magic and the check reject; power loss loses it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace board::fault_record {

// Called by the fatal report just before the reset.
void save(const char* what, uint32_t pc);
// The record from before this boot, as one line ("watchdog: ... (pc 0000abcd)"), once:
// the record is cleared. False when there was none (a cold start, or a clean restart).
bool take(char* line, size_t size);

}  // namespace board::fault_record
