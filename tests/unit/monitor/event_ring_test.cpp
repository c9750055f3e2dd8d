// The event ring keeps variable-length records (issue 20): what it reads back is
// what was pushed, the oldest go first when the bytes or the slots run out, and a
// record that is not one is refused, never read past.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "monitor/event_log.h"

namespace probebox {
namespace {

Event make(std::mt19937& rng, size_t id_len, size_t summary_len) {
  Event e;
  std::string id, summary;
  for (size_t i = 0; i < id_len; ++i) id.push_back(static_cast<char>('a' + rng() % 26));
  for (size_t i = 0; i < summary_len; ++i) summary.push_back(static_cast<char>(' ' + rng() % 95));
  e.check_id.assign(id);
  e.summary.assign(summary);
  e.from = static_cast<Outcome>(rng() % 4);
  e.to = static_cast<Outcome>(rng() % 4);
  e.first = rng() % 2;
  e.maintenance = rng() % 2;
  e.confirmations = static_cast<uint16_t>(rng());
  e.wall_unix_us = rng() % 3 == 0 ? 0 : static_cast<int64_t>(1'790'000'000 + rng() % 100'000) * 1'000'000;
  e.mono_us = static_cast<int64_t>(rng()) * 1000 + rng() % 1000;
  return e;
}

void expect_same(const Event& got, const Event& want, uint32_t sequence) {
  EXPECT_EQ(got.sequence, sequence);
  EXPECT_EQ(got.check_id.view(), want.check_id.view());
  EXPECT_EQ(got.summary.view(), want.summary.view());
  EXPECT_EQ(got.from, want.from);
  EXPECT_EQ(got.to, want.to);
  EXPECT_EQ(got.first, want.first);
  EXPECT_EQ(got.maintenance, want.maintenance);
  EXPECT_EQ(got.confirmations, want.confirmations);
  EXPECT_EQ(got.wall_unix_us, want.wall_unix_us) << "whole seconds are kept as they are";
  EXPECT_EQ(got.mono_us, want.mono_us);
  EXPECT_FALSE(got.previous_boot);
}

TEST(EventRing, ReadsBackWhatWasPushedAndDropsTheOldestByBytesOrSlots) {
  std::mt19937 rng(20);
  auto log = std::make_unique<EventLog>();
  std::deque<std::pair<Event, size_t>> model;  // the event and its record's bytes
  size_t model_bytes = 0;
  uint32_t dropped = 0;
  for (uint32_t n = 0; n < 2000; ++n) {
    // Short and long texts mixed, so that wrapping records and both limits happen.
    const bool longest = rng() % 5 == 0;
    Event e = make(rng, longest ? 32 : rng() % 33, longest ? 120 : rng() % 121);
    const size_t bytes = EventLog::kHeadBytes + e.check_id.size() + e.summary.size();
    const Event kept = log->push(e);
    EXPECT_EQ(kept.sequence, n);
    model.emplace_back(e, bytes);
    model_bytes += bytes;
    while (model.size() > EventLog::kCapacity || model_bytes > EventLog::kBytes) {
      model_bytes -= model.front().second;
      model.pop_front();
      ++dropped;
    }
    ASSERT_EQ(log->size(), model.size()) << n;
    ASSERT_EQ(log->bytes_used(), model_bytes) << n;
    ASSERT_EQ(log->overwritten(), dropped) << n;
    if (n % 97 == 0 || n > 1990) {
      for (size_t i = 0; i < log->size(); ++i) {
        expect_same(log->newest(i), model[model.size() - 1 - i].first, n - static_cast<uint32_t>(i));
        expect_same(log->at_sequence(n - static_cast<uint32_t>(i)), model[model.size() - 1 - i].first,
                    n - static_cast<uint32_t>(i));
      }
    }
  }
  EXPECT_GT(dropped, 0u);
}

TEST(EventRing, KeepsSixtyFourEventsOfUsualSizeAndTheLongestStillFit) {
  std::mt19937 rng(1);
  auto log = std::make_unique<EventLog>();
  // An id of 26 and a summary of 50 characters: 95 bytes with the head, within the
  // ring's average of 96 (the full appliance's events average 58).
  for (int n = 0; n < 200; ++n) log->push(make(rng, 26, 50));
  EXPECT_EQ(log->size(), EventLog::kCapacity);
  log->clear();
  for (int n = 0; n < 200; ++n) log->push(make(rng, 32, 120));
  EXPECT_EQ(log->size(), EventLog::kBytes / EventLog::kMaxRecordBytes);
  EXPECT_EQ(log->newest(0).summary.size(), 120u);
}

TEST(EventRing, ARecordThatIsNotOneIsRefused) {
  std::mt19937 rng(7);
  uint8_t record[EventLog::kMaxRecordBytes];
  Event e = make(rng, 10, 40);
  const size_t n = EventLog::encode(e, record);
  ASSERT_EQ(n, EventLog::kHeadBytes + 50);
  Event out;
  EXPECT_TRUE(EventLog::decode(record, n, out));
  EXPECT_FALSE(EventLog::decode(record, n - 1, out)) << "lengths that do not add up";
  EXPECT_FALSE(EventLog::decode(record, EventLog::kHeadBytes - 1, out));
  // Random bytes of every size decode or are refused, and never read past the record
  // (ASan would say): a decoded one always re-encodes to the same size.
  for (int round = 0; round < 20000; ++round) {
    const size_t size = rng() % (EventLog::kMaxRecordBytes + 1);
    for (size_t i = 0; i < size; ++i) record[i] = static_cast<uint8_t>(rng());
    if (round % 3 == 0 && size >= EventLog::kHeadBytes) {
      // Plausible lengths, so that the texts are read too.
      record[EventLog::kHeadBytes - 2] = static_cast<uint8_t>(rng() % 33);
      record[EventLog::kHeadBytes - 1] = static_cast<uint8_t>(size - EventLog::kHeadBytes - record[EventLog::kHeadBytes - 2]);
    }
    auto bytes = std::make_unique<uint8_t[]>(size + 1);
    std::memcpy(bytes.get(), record, size);
    if (EventLog::decode(bytes.get(), size, out)) {
      uint8_t again[EventLog::kMaxRecordBytes];
      EXPECT_EQ(EventLog::encode(out, again), size);
    }
  }
}

TEST(EventRing, TimesOutsideTheirFieldsAreClampedNotWrapped) {
  auto log = std::make_unique<EventLog>();
  Event e;
  e.wall_unix_us = 500'000;  // set, but within the first second
  e.mono_us = -5;
  log->push(e);
  EXPECT_NE(log->newest(0).wall_unix_us, 0) << "a wall time that was set still reads as set";
  EXPECT_EQ(log->newest(0).mono_us, 0);
  e.wall_unix_us = 0;
  e.mono_us = int64_t{1} << 50;
  log->push(e);
  EXPECT_EQ(log->newest(0).wall_unix_us, 0);
  EXPECT_EQ(log->newest(0).mono_us, (int64_t{1} << 48) - 1);
}

}  // namespace
}  // namespace probebox
