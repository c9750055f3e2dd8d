// The connection-slot policy under attack: a slow-loris never outlasts a client
// whose request is on its way, and live answers are never cut.
#include <gtest/gtest.h>

#include "web/slot_eviction.h"

namespace probebox {
namespace {

SlotFacts parked(int64_t since) { SlotFacts s; s.parked = true; s.since = since; return s; }
SlotFacts incomplete(int64_t since) { SlotFacts s; s.incomplete = true; s.since = since; return s; }
SlotFacts stalled(int64_t since) { SlotFacts s; s.stalled_reader = true; s.since = since; return s; }
SlotFacts answering(int64_t since) { SlotFacts s; s.since = since; return s; }

TEST(SlotEviction, AFreeSlotFirst) {
  SlotFacts slots[3] = {parked(1), SlotFacts{}, incomplete(0)};
  slots[1].free = true;
  EXPECT_EQ(slot_to_reuse(slots, 3), 1);
}

TEST(SlotEviction, AParkedKeepAliveBeforeAnyRequestInProgress) {
  SlotFacts slots[3] = {incomplete(1), parked(5), incomplete(2)};
  EXPECT_EQ(slot_to_reuse(slots, 3), 1);
}

TEST(SlotEviction, AClientThatJustConnectedOutlastsTheSlowLorises) {
  // Slot 2 was accepted at t=900 and its request has not arrived yet; slots 0 and 1
  // have dribbled a head since t=100 and t=400. The next connection takes slot 0,
  // then slot 1: the new client keeps its slot until its request is read.
  SlotFacts slots[3] = {incomplete(100), incomplete(400), incomplete(900)};
  EXPECT_EQ(slot_to_reuse(slots, 3), 0);
  slots[0] = incomplete(950);
  EXPECT_EQ(slot_to_reuse(slots, 3), 1);
}

TEST(SlotEviction, AStalledReaderOnlyWhenNothingCheaperIsLeft) {
  SlotFacts slots[3] = {stalled(1), answering(0), incomplete(50)};
  EXPECT_EQ(slot_to_reuse(slots, 3), 2);
  slots[2] = answering(2);
  EXPECT_EQ(slot_to_reuse(slots, 3), 0);
}

TEST(SlotEviction, NoneWhenEverySlotIsAnswering) {
  SlotFacts slots[2] = {answering(0), answering(1)};
  EXPECT_EQ(slot_to_reuse(slots, 2), -1);
  EXPECT_EQ(slot_to_reuse(slots, 0), -1);
}

}  // namespace
}  // namespace probebox
