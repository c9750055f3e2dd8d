// The web server's share of lwIP's heap: the probes' reserve is never written into.
#include <gtest/gtest.h>

#include "web/send_room.h"

namespace probebox {
namespace {

constexpr size_t kHeap = 8192;
constexpr size_t kReserve = 3072;
constexpr size_t kOverhead = 1556;

TEST(WebSendRoom, AnIdleHeapLeavesTheReserveAndOneWritesOverhead) {
  EXPECT_EQ(web_send_room({kHeap, 0}, kReserve, kOverhead), kHeap - kReserve - kOverhead);
}

TEST(WebSendRoom, WhatTheProbesHoldComesOffTheServersRoom) {
  EXPECT_EQ(web_send_room({kHeap, 1000}, kReserve, kOverhead), kHeap - 1000 - kReserve - kOverhead);
}

TEST(WebSendRoom, NothingOnceOnlyTheReserveAndAWritesOverheadAreFree) {
  const size_t used = kHeap - kReserve - kOverhead;
  EXPECT_EQ(web_send_room({kHeap, used}, kReserve, kOverhead), 0u);
  EXPECT_EQ(web_send_room({kHeap, used - 1}, kReserve, kOverhead), 1u);
  EXPECT_EQ(web_send_room({kHeap, used + 1}, kReserve, kOverhead), 0u);
}

TEST(WebSendRoom, AFullOrOverReportedHeapIsNoRoomNotAWrapAround) {
  EXPECT_EQ(web_send_room({kHeap, kHeap}, kReserve, kOverhead), 0u);
  EXPECT_EQ(web_send_room({kHeap, kHeap + 40}, kReserve, kOverhead), 0u);
}

TEST(WebSendRoom, AWriteOfTheWholeRoomStillLeavesTheReserve) {
  // The worst case of a write: its bytes and the overhead, all from the heap.
  for (size_t used = 0; used <= kHeap; used += 64) {
    const size_t room = web_send_room({kHeap, used}, kReserve, kOverhead);
    if (room == 0) continue;
    EXPECT_GE(kHeap - used - room - kOverhead, kReserve) << used;
  }
}

}  // namespace
}  // namespace probebox
