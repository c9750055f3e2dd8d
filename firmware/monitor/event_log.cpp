#include "monitor/event_log.h"

namespace probebox {
namespace {

// A record (host byte order: the ring never leaves RAM): sequence u32, the wall
// clock in whole seconds u32 (every reader shows seconds; 0: not set; clamped to
// 1970..2106), the monotonic time in microseconds in 48 bits (8.9 years of uptime;
// only an age in seconds is read from it), confirmations u16, one byte of from (2
// bits), to (2 bits) and the flags (first, maintenance, previous_boot), the id's
// length u8, the summary's length u8; then the id and the summary.
constexpr uint8_t kFirst = 0x10;
constexpr uint8_t kMaintenance = 0x20;
constexpr uint8_t kPreviousBoot = 0x40;
constexpr int64_t kMonoMax = (int64_t{1} << 48) - 1;

template <typename T>
void put(uint8_t*& p, T v) {
  std::memcpy(p, &v, sizeof v);
  p += sizeof v;
}
template <typename T>
T get(const uint8_t*& p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}

}  // namespace

size_t EventLog::encode(const Event& e, uint8_t (&out)[kMaxRecordBytes]) {
  uint8_t* p = out;
  put<uint32_t>(p, e.sequence);
  const int64_t wall_s = e.wall_unix_us / 1'000'000;
  // A wall time set but before the first second still reads as set.
  put<uint32_t>(p, e.wall_unix_us == 0 ? 0
                   : wall_s <= 0        ? 1
                   : wall_s >= UINT32_MAX ? UINT32_MAX
                                          : static_cast<uint32_t>(wall_s));
  const uint64_t mono = static_cast<uint64_t>(e.mono_us < 0 ? 0 : e.mono_us > kMonoMax ? kMonoMax : e.mono_us);
  put<uint32_t>(p, static_cast<uint32_t>(mono));
  put<uint16_t>(p, static_cast<uint16_t>(mono >> 32));
  put<uint16_t>(p, e.confirmations);
  put<uint8_t>(p, static_cast<uint8_t>(static_cast<uint8_t>(e.from) | static_cast<uint8_t>(e.to) << 2 |
                                       (e.first ? kFirst : 0) | (e.maintenance ? kMaintenance : 0) |
                                       (e.previous_boot ? kPreviousBoot : 0)));
  std::string_view id = e.check_id.view();
  std::string_view summary = e.summary.view();
  put<uint8_t>(p, static_cast<uint8_t>(id.size()));
  put<uint8_t>(p, static_cast<uint8_t>(summary.size()));
  if (!id.empty()) std::memcpy(p, id.data(), id.size());
  p += id.size();
  if (!summary.empty()) std::memcpy(p, summary.data(), summary.size());
  p += summary.size();
  return static_cast<size_t>(p - out);
}

bool EventLog::decode(const uint8_t* in, size_t size, Event& e) {
  if (size < kHeadBytes) return false;
  const uint8_t* p = in;
  e = Event{};
  e.sequence = get<uint32_t>(p);
  e.wall_unix_us = static_cast<int64_t>(get<uint32_t>(p)) * 1'000'000;
  const uint64_t mono_low = get<uint32_t>(p);
  e.mono_us = static_cast<int64_t>(mono_low | static_cast<uint64_t>(get<uint16_t>(p)) << 32);
  e.confirmations = get<uint16_t>(p);
  const uint8_t bits = get<uint8_t>(p);
  const size_t id_len = get<uint8_t>(p);
  const size_t summary_len = get<uint8_t>(p);
  if ((bits & 0x80) != 0 || id_len > 32 || summary_len > 120 || kHeadBytes + id_len + summary_len != size) {
    return false;
  }
  e.from = static_cast<Outcome>(bits & 3);
  e.to = static_cast<Outcome>((bits >> 2) & 3);
  e.first = (bits & kFirst) != 0;
  e.maintenance = (bits & kMaintenance) != 0;
  e.previous_boot = (bits & kPreviousBoot) != 0;
  e.check_id.assign({reinterpret_cast<const char*>(p), id_len});
  e.summary.assign({reinterpret_cast<const char*>(p + id_len), summary_len});
  return true;
}

void EventLog::copy_out(size_t at, uint8_t* to, size_t n) const {
  const size_t part = n <= kBytes - at ? n : kBytes - at;
  std::memcpy(to, bytes_ + at, part);
  if (part < n) std::memcpy(to + part, bytes_, n - part);
}

size_t EventLog::record_size(size_t slot) const {
  uint8_t lengths[2];
  copy_out((start_[slot] + kHeadBytes - 2) % kBytes, lengths, 2);
  return kHeadBytes + lengths[0] + lengths[1];
}

void EventLog::add(const Event& e) {
  uint8_t record[kMaxRecordBytes];
  const size_t n = encode(e, record);
  // Room: the oldest events go until the new one fits and a slot is free.
  while (size_ > 0 && (size_ == kCapacity || kBytes - used_ < n)) {
    used_ -= record_size((head_ + kCapacity - size_) % kCapacity);
    --size_;
    ++overwritten_;
  }
  const size_t at = size_ == 0 ? 0 : (start_[(head_ + kCapacity - size_) % kCapacity] + used_) % kBytes;
  const size_t part = n <= kBytes - at ? n : kBytes - at;
  std::memcpy(bytes_ + at, record, part);
  if (part < n) std::memcpy(bytes_, record + part, n - part);
  start_[head_] = static_cast<uint16_t>(at);
  head_ = (head_ + 1) % kCapacity;
  ++size_;
  used_ += n;
}

Event EventLog::push(const Event& e) {
  Event kept = e;
  kept.sequence = next_sequence_++;
  add(kept);
  return kept;
}

void EventLog::restore(const Event& e) {
  Event kept = e;
  kept.previous_boot = true;
  add(kept);
  next_sequence_ = e.sequence + 1;
}

Event EventLog::newest(size_t i) const {
  Event e;
  if (i >= size_) return e;
  const size_t slot = (head_ + kCapacity - 1 - i) % kCapacity;
  uint8_t record[kMaxRecordBytes];
  const size_t n = record_size(slot);
  copy_out(start_[slot], record, n);
  (void)decode(record, n, e);
  return e;
}

uint32_t EventLog::catch_up(uint32_t& next) const {
  const uint32_t oldest = oldest_kept();
  if (before(next, oldest)) {
    uint32_t missed = oldest - next;
    next = oldest;
    return missed;
  }
  if (before(next_sequence_, next)) next = next_sequence_;  // ahead of the log: nothing to wait for there
  return 0;
}

}  // namespace probebox
