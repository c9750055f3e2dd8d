// Runs a TLS probe short of TLS memory at a point the test chooses: TlsPoolFiller takes
// a pool's memory but `left` bytes (as near as its blocks allow) while alive, and
// sweep_client_pool() runs a probe with every amount left up to `up_to`.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <string_view>

#include "mbedtls/platform.h"
#include "net/tls_memory.h"
#include "probes/probe.h"

namespace probebox {

class TlsPoolFiller {
 public:
  TlsPoolFiller(net::TlsPool pool, size_t left) {
    const net::TlsPoolStats stats = net::tls_memory_stats().pools[static_cast<int>(pool)];
    const size_t free = stats.bytes - stats.in_use;
    if (free <= left) return;
    net::TlsPoolScope scope(pool);
    // The block's header comes out of the pool too: step down until one fits.
    for (size_t take = free - left; take > 0 && block_ == nullptr; take = take > 16 ? take - 16 : 0) {
      block_ = mbedtls_calloc(1, take);
    }
  }
  ~TlsPoolFiller() { mbedtls_free(block_); }
  TlsPoolFiller(const TlsPoolFiller&) = delete;
  TlsPoolFiller& operator=(const TlsPoolFiller&) = delete;

 private:
  void* block_ = nullptr;
};

// How the runs of a sweep ended.
struct ShortageTally {
  int at_setup = 0;      // no memory for the session itself
  int in_handshake = 0;  // ran out during the handshake
  int as_without = 0;    // memory enough: the verdict the probe gives with the whole pool
};

// The box's own shortage never becomes a verdict on the server: with any amount of the
// client pool left, `run()` (which sets up the server and runs the probe) ends as it
// does with the whole pool, or unknown for want of memory with one of the two
// summaries. Every KiB up to `up_to`: one session needs far less than 64 KiB.
template <class Run>
ShortageTally sweep_client_pool(Run run, std::string_view setup_summary, std::string_view handshake_summary,
                                size_t up_to = 64 * 1024) {
  const ProbeResult without = run();
  EXPECT_NE(without.reason, FailReason::kNoResources) << without.summary.c_str();
  ShortageTally tally;
  for (size_t left = 0; left <= up_to; left += 1024) {
    ProbeResult r;
    {
      TlsPoolFiller filler(net::TlsPool::kClient, left);
      r = run();
    }
    if (r.outcome == without.outcome && r.summary.view() == without.summary.view()) {
      ++tally.as_without;
      continue;
    }
    EXPECT_EQ(r.outcome, Outcome::kUnknown) << left << " bytes left: " << r.summary.c_str();
    EXPECT_EQ(r.reason, FailReason::kNoResources) << left << " bytes left: " << r.summary.c_str();
    if (r.summary.view() == setup_summary) ++tally.at_setup;
    else if (r.summary.view() == handshake_summary) ++tally.in_handshake;
    else ADD_FAILURE() << left << " bytes left: " << r.summary.c_str();
  }
  // The sweep reached each of the three.
  EXPECT_GT(tally.at_setup, 0);
  EXPECT_GT(tally.in_handshake, 0);
  EXPECT_GT(tally.as_without, 0);
  std::printf("client pool left 0..%zu KiB by 1 KiB: %d short at set-up, %d in the handshake, %d as with the whole pool\n",
              up_to / 1024, tally.at_setup, tally.in_handshake, tally.as_without);
  return tally;
}

}  // namespace probebox
