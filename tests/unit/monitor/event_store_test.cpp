#include "monitor/event_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "fake_flash.h"

namespace probebox {
namespace {

Event make_event(uint32_t n) {
  Event e;
  e.sequence = n;
  e.wall_unix_us = 1'790'000'000'000'000 + n;
  e.check_id.assign("prod.node1.7777");
  e.check_id.appendf("-%u", n);
  e.from = Outcome::kOk;
  e.to = n % 2 ? Outcome::kCritical : Outcome::kOk;
  e.maintenance = n % 3 == 0;
  e.confirmations = static_cast<uint16_t>(n % 5);
  // 47 characters: with the id, a record of the ring's average size (96 bytes).
  e.summary.assign("10.0.2.2:7777: connection refused after 3 tries");
  return e;
}

TEST(EventStore, RecordsRoundTrip) {
  uint8_t raw[EventStore::kSlotBytes];
  Event in = make_event(7);
  in.first = true;
  EventStore::encode(in, raw);
  Event out;
  ASSERT_TRUE(EventStore::decode(raw, out));
  EXPECT_EQ(out.sequence, 7u);
  EXPECT_EQ(out.wall_unix_us, in.wall_unix_us);
  EXPECT_EQ(out.check_id.view(), in.check_id.view());
  EXPECT_EQ(out.summary.view(), in.summary.view());
  EXPECT_EQ(out.to, Outcome::kCritical);
  EXPECT_TRUE(out.first);
  EXPECT_EQ(out.confirmations, 2);
  for (size_t i = 0; i < 40; ++i) {  // any flipped byte of the record is caught
    uint8_t bad[EventStore::kSlotBytes];
    std::memcpy(bad, raw, sizeof(raw));
    bad[i] ^= 0x10;
    EXPECT_FALSE(EventStore::decode(bad, out)) << i;
  }
}

TEST(EventStore, TheNewestEventsSurviveARestartAcrossWraps) {
  hal::FakeFlash flash(4096, 8);
  EventStore store(&flash, 2, 4);  // 64 slots: the ring wraps several times below
  for (uint32_t n = 0; n < 300; ++n) ASSERT_TRUE(store.append(make_event(n)).ok()) << n;
  EventLog log;
  EventStore restarted(&flash, 2, 4);
  size_t restored = restarted.load(log);
  // Entering a sector erases it: between 3 and 4 sectors' worth remain.
  EXPECT_GE(restored, 48u);
  ASSERT_EQ(log.size(), restored);
  EXPECT_EQ(log.newest(0).sequence, 299u);
  EXPECT_TRUE(log.newest(0).previous_boot);
  for (size_t i = 1; i < log.size(); ++i) EXPECT_EQ(log.newest(i).sequence + 1, log.newest(i - 1).sequence);
  EXPECT_EQ(log.total(), 300u) << "numbering continues after the restored events";
  // And the restarted store appends after them.
  ASSERT_TRUE(restarted.append(make_event(300)).ok());
  EventLog again;
  EventStore(&flash, 2, 4).load(again);
  EXPECT_EQ(again.newest(0).sequence, 300u);
}

TEST(EventStore, PowerLossDuringAnAppendLosesAtMostThatEvent) {
  for (size_t cut = 0; cut < 300; cut += 7) {
    hal::FakeFlash flash(4096, 4);
    EventStore store(&flash, 0, 4);
    for (uint32_t n = 0; n < 20; ++n) ASSERT_TRUE(store.append(make_event(n)).ok());
    flash.cut_power_after(cut);
    (void)store.append(make_event(20));  // may fail: the power is cut mid-write
    flash.restore_power();
    EventLog log;
    EventStore after(&flash, 0, 4);
    after.load(log);
    ASSERT_GE(log.size(), 20u) << "cut after " << cut;
    EXPECT_TRUE(log.newest(0).sequence == 19 || log.newest(0).sequence == 20) << cut;
    // Appending after the cut works and is found next time.
    ASSERT_TRUE(after.append(make_event(21)).ok());
    EventLog next;
    EventStore(&flash, 0, 4).load(next);
    EXPECT_EQ(next.newest(0).sequence, 21u) << cut;
  }
}

// load() keeps no table of the records (issue 20: it had a static one of 512
// entries, 4 KiB, and ignored every slot past it): a bigger ring restores its newest.
TEST(EventStore, ARingOfMoreThanFiveHundredTwelveSlotsRestoresItsNewest) {
  hal::FakeFlash flash(4096, 40);
  EventStore store(&flash, 0, 40);  // 640 slots
  ASSERT_EQ(store.slot_count(), 640u);
  for (uint32_t n = 0; n < 560; ++n) ASSERT_TRUE(store.append(make_event(n)).ok()) << n;
  EventLog log;
  EventStore restarted(&flash, 0, 40);
  EXPECT_EQ(restarted.load(log), EventLog::kCapacity);
  EXPECT_EQ(log.size(), EventLog::kCapacity);
  EXPECT_EQ(log.newest(0).sequence, 559u);
  for (size_t i = 1; i < log.size(); ++i) EXPECT_EQ(log.newest(i).sequence + 1, log.newest(i - 1).sequence);
  ASSERT_TRUE(restarted.append(make_event(560)).ok());
  EventLog again;
  EventStore(&flash, 0, 40).load(again);
  EXPECT_EQ(again.newest(0).sequence, 560u) << "appended after the newest, not over it";
}

// One record near the top of the sequence space (written by a box that has run a
// long time, or planted): numbering wraps through 0 and every reader keeps up.
TEST(EventStore, ASequenceNearTheWrapIsContinuedAndReadInOrder) {
  hal::FakeFlash flash(4096, 4);
  EventStore store(&flash, 0, 4);
  ASSERT_TRUE(store.append(make_event(0xFFFFFFFEu)).ok());
  EventLog log;
  ASSERT_EQ(EventStore(&flash, 0, 4).load(log), 1u);
  EXPECT_EQ(log.total(), 0xFFFFFFFFu);
  uint32_t reader = log.total();  // what the alerters start from after a restart
  for (uint32_t n = 0; n < 5; ++n) log.push(make_event(0));
  EXPECT_EQ(log.total(), 4u) << "0xFFFFFFFF, 0, 1, 2, 3";
  EXPECT_EQ(log.catch_up(reader), 0u);
  std::vector<uint32_t> read;
  for (; log.readable(reader); ++reader) read.push_back(log.at_sequence(reader).sequence);
  EXPECT_EQ(read, (std::vector<uint32_t>{0xFFFFFFFFu, 0, 1, 2, 3}));
  EXPECT_FALSE(log.at_sequence(0xFFFFFFFFu).previous_boot);
  EXPECT_TRUE(log.at_sequence(0xFFFFFFFEu).previous_boot);
  // Written after the wrap, the newest is still found next time (the store sorts
  // by serial number, so 3 is newer than 0xFFFFFFFE).
  EventStore again(&flash, 0, 4);
  EventLog scratch;
  again.load(scratch);
  for (uint32_t s = 0xFFFFFFFFu; s != 4; ++s) ASSERT_TRUE(again.append(log.at_sequence(s)).ok());
  EventLog restarted;
  EventStore(&flash, 0, 4).load(restarted);
  EXPECT_EQ(restarted.newest(0).sequence, 3u);
  EXPECT_EQ(restarted.newest(5).sequence, 0xFFFFFFFEu);
  EXPECT_EQ(restarted.total(), 4u);
}

TEST(EventLog, SerialArithmeticAcrossTheWrap) {
  EXPECT_TRUE(EventLog::before(0xFFFFFFFEu, 0xFFFFFFFFu));
  EXPECT_TRUE(EventLog::before(0xFFFFFFFFu, 0));
  EXPECT_TRUE(EventLog::before(0xFFFFFFF0u, 5));
  EXPECT_FALSE(EventLog::before(5, 0xFFFFFFF0u));
  EXPECT_FALSE(EventLog::before(7, 7));
}

TEST(EventLog, AReaderThatFellBehindAcrossTheWrapCountsWhatItMissed) {
  EventLog log;
  Event e = make_event(0xFFFFFFF0u);
  log.restore(e);
  uint32_t reader = log.total();  // 0xFFFFFFF1
  for (size_t n = 0; n < EventLog::kCapacity + 20; ++n) log.push(make_event(0));
  // The ring holds the newest kCapacity; the first 20 (and the restored one) are gone.
  EXPECT_EQ(log.catch_up(reader), 20u);
  EXPECT_EQ(reader, log.oldest_kept());
  size_t readable = 0;
  for (; log.readable(reader); ++reader) ++readable;
  EXPECT_EQ(readable, EventLog::kCapacity);
  // A cursor standing past the newest (stale, or from a bad record) comes back
  // to total() instead of waiting ~2^32 events.
  uint32_t ahead = log.total() + 1000;
  EXPECT_EQ(log.catch_up(ahead), 0u);
  EXPECT_EQ(ahead, log.total());
}

}  // namespace
}  // namespace probebox
