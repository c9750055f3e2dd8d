// When results wait for a reader. The web server renders a large document again,
// slice by slice, as its client drains it (no RAM holds a whole document), so a
// result that lands mid-stream would change the bytes still to come, and the server
// would have to cut the answer (a Prometheus scrape or the status page failing
// whenever a check reports). While a document streams, results wait in their
// probe's slot instead (Scheduler::step's hold_results), but never longer than
// kMaxHoldUs from the start of a hold: then they are reported (a reader that slow
// may see its answer cut), and the next hold begins at the next step. A held
// result keeps its probe's slot, so while a due check waits for a slot (or a TLS
// session) a hold lasts at most kMaxBlockedUs more: a reader that never goes away
// cannot throttle the checks below a slotful every kMaxBlockedUs.
#pragma once
#include <cstdint>

#include "hal/clock.h"

namespace probebox {

class ResultHold {
 public:
  // A detection late by this much is invisible next to check intervals of tens of
  // seconds. The largest document (/api/status of 128 checks, 44 KB) costs the
  // Cortex-M4 18.6 M instructions, 0.11 s at 168 MHz (tests/bench/document_cost.py):
  // only a client that reads slowly meets the limit.
  static constexpr int64_t kMaxHoldUs = 2'000'000;
  // Long enough for a document to stream while a config's new checks queue for
  // slots; a slotful every 250 ms (64 probes a second on the target) outruns any
  // schedule the config allows.
  static constexpr int64_t kMaxBlockedUs = 250'000;

  // Whether results wait this step: `reader` says a document is being streamed,
  // `start_blocked` that a due check waits for a slot (Scheduler::start_blocked).
  bool hold(bool reader, bool start_blocked, hal::MonoMicros now);
  // Holds that reached one of the limits with the reader still there.
  uint32_t expired() const { return expired_; }

 private:
  void release();

  hal::MonoMicros since_ = -1;          // -1: no hold
  hal::MonoMicros blocked_since_ = -1;  // -1: no start waiting during this hold
  uint32_t expired_ = 0;
};

}  // namespace probebox
