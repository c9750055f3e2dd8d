// The simulator's wait for libslirp: its 2 ms delayed-ACK poll becomes a real peer's
// delayed ACK; every other wait it asks for is kept.
#include <gtest/gtest.h>

#include "slirp_ethernet.h"

namespace probebox::sim {
namespace {

TEST(SlirpWait, ItsDelayedAckPollWaitsAsARealPeersDelayedAck) {
  EXPECT_EQ(slirp_wait_ms(kSlirpDelayedAckAskMs), kGuestDelayedAckMs);
  EXPECT_EQ(slirp_wait_ms(2), 40u);
}

TEST(SlirpWait, ItsOtherWaitsAreKept) {
  EXPECT_EQ(slirp_wait_ms(499), 499u);  // the slow timer while it has TCP sockets
  EXPECT_EQ(slirp_wait_ms(1000), 1000u);  // nothing of its own: the caller's
  EXPECT_EQ(slirp_wait_ms(1), 1u);
  EXPECT_EQ(slirp_wait_ms(0), 0u);
}

}  // namespace
}  // namespace probebox::sim
