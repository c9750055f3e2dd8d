// Where one pass of the main loop spent its time, phase by phase.
//
// The scheduler's steps (core/step_times.h) are only one phase of a pass: a probe's
// TLS handshake runs in lwIP's receive callbacks, i.e. in the network phase, and the
// HTTPS server's in its own. What holds the loop (the panel, the web UI, every
// other probe's timing) is the whole pass; the longest one is kept with its phases
// so it says which part made it long, and every pass is counted by its length.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/duration_buckets.h"

namespace probebox {

struct LoopAnatomy {
  // In the order App::step runs them.
  enum class Phase : uint8_t {
    kNetwork,   // frames in: lwIP's input, and the probes' callbacks it calls
    kTimers,    // lwIP's timers (retransmits, TIME_WAIT, DHCP, ARP)
    kChecks,    // the scheduler's step: polls, starts, results
    kServices,  // SNTP, syslog, mail, SNMP
    kEvents,    // the event log into flash
    kHttps,     // the HTTPS server's sessions
    kWeb,       // the web server's requests and documents
    kPanel,     // LEDs and LCD
  };
  static constexpr int kPhases = 8;

  static constexpr std::string_view phase_name(Phase phase) {
    constexpr std::string_view kNames[kPhases] = {"network", "timers", "checks", "services",
                                                  "events",  "https",  "web",    "panel"};
    return kNames[static_cast<std::size_t>(phase)];
  }
  // The phase that took longest (the first, on a tie).
  Phase slowest() const {
    std::size_t best = 0;
    for (std::size_t p = 1; p < phase_us.size(); ++p) {
      if (phase_us[p] > phase_us[best]) best = p;
    }
    return static_cast<Phase>(best);
  }

  int64_t total_us = 0;
  std::array<int64_t, kPhases> phase_us{};
};

// Every pass by its length, and the longest one's phases: 112 bytes.
struct LoopTimes {
  DurationBuckets passes;
  LoopAnatomy longest;
};

// Times one pass phase by phase (a local of the loop): one clock read per phase,
// each phase timed from the end of the one before.
class LoopPass {
 public:
  explicit LoopPass(int64_t began_us) : began_(began_us), mark_(began_us) {}
  void end_phase(LoopAnatomy::Phase phase, int64_t now_us) {
    const int64_t took = now_us - mark_;
    if (took > 0) anatomy_.phase_us[static_cast<std::size_t>(phase)] += took;
    mark_ = now_us;
  }
  int64_t began() const { return began_; }
  int64_t ended() const { return mark_; }
  // Counts this pass, and keeps it as the longest if it is.
  void record(LoopTimes& times) {
    anatomy_.total_us = mark_ - began_;
    times.passes.record(anatomy_.total_us);
    if (anatomy_.total_us > times.longest.total_us) times.longest = anatomy_;
  }

 private:
  LoopAnatomy anatomy_;
  int64_t began_;
  int64_t mark_;
};

}  // namespace probebox
