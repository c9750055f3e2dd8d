// Runs a probe short of the box's own memory at a point the test chooses, and holds it
// to one rule: the box's shortage never becomes a verdict on the server.
// TlsPoolFiller takes a TLS pool's memory but `left` bytes while alive (lwip_fixture.h
// has the same for lwIP: TcpSegmentsTaken, LwipHeapTaken); sweep_shortage() runs the
// probe with every amount left in a range.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <string>
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

// With each amount `left` from `from` to `to` by `step`, `short_of(left)` makes the
// shortage (an object that lasts the run) and `run()` sets up the server and runs the
// probe. Each run must end as it does with nothing taken, or unknown for want of
// memory (reason no_resources) with one of `shortage_summaries`; and the sweep must
// reach each of those summaries and the unconstrained verdict at least once.
template <class Run, class ShortOf>
void sweep_shortage(const char* what, Run run, ShortOf short_of, size_t from, size_t to, size_t step,
                    std::initializer_list<std::string_view> shortage_summaries) {
  const ProbeResult without = run();
  ASSERT_NE(without.reason, FailReason::kNoResources) << without.summary.c_str();
  std::map<std::string, int> seen;
  int as_without = 0;
  for (size_t left = from; left <= to; left += step) {
    ProbeResult r;
    {
      auto shortage = short_of(left);
      r = run();
    }
    if (r.outcome == without.outcome && r.summary.view() == without.summary.view()) {
      ++as_without;
      continue;
    }
    EXPECT_EQ(r.outcome, Outcome::kUnknown) << what << ", " << left << " left: " << r.summary.c_str();
    EXPECT_EQ(r.reason, FailReason::kNoResources) << what << ", " << left << " left: " << r.summary.c_str();
    bool known = false;
    for (std::string_view s : shortage_summaries) known = known || r.summary.view() == s;
    EXPECT_TRUE(known) << what << ", " << left << " left: " << r.summary.c_str();
    ++seen[std::string(r.summary.view())];
  }
  EXPECT_GT(as_without, 0) << what;
  std::printf("%s left %zu..%zu by %zu: %d runs as with all of it", what, from, to, step, as_without);
  for (std::string_view s : shortage_summaries) {
    const int n = seen[std::string(s)];
    EXPECT_GT(n, 0) << what << ": the sweep never reached \"" << s << "\"";
    std::printf("; %d \"%.*s\"", n, static_cast<int>(s.size()), s.data());
  }
  std::printf("\n");
}

}  // namespace probebox
