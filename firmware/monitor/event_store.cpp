#include "monitor/event_store.h"

#include <cstring>

#include "core/crc32.h"

namespace probebox {
namespace {

// Header: magic u32, sequence u32, payload length u16, CRC-32 u32 (of sequence,
// length and payload). Then the payload.
constexpr size_t kHeaderBytes = 14;

void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

size_t EventStore::encode(const Event& e, uint8_t (&out)[kSlotBytes]) {
  std::memset(out, 0xFF, sizeof(out));
  uint8_t* p = out + kHeaderBytes;
  uint64_t wall = static_cast<uint64_t>(e.wall_unix_us);
  put_u32(p, static_cast<uint32_t>(wall));
  put_u32(p + 4, static_cast<uint32_t>(wall >> 32));
  p[8] = static_cast<uint8_t>(e.from);
  p[9] = static_cast<uint8_t>(e.to);
  p[10] = static_cast<uint8_t>((e.first ? 1 : 0) | (e.maintenance ? 2 : 0));
  put_u16(p + 11, e.confirmations);
  p += 13;
  std::string_view id = e.check_id.view();
  std::string_view summary = e.summary.view();
  *p++ = static_cast<uint8_t>(id.size());
  std::memcpy(p, id.data(), id.size());
  p += id.size();
  *p++ = static_cast<uint8_t>(summary.size());
  std::memcpy(p, summary.data(), summary.size());
  p += summary.size();
  size_t payload = static_cast<size_t>(p - (out + kHeaderBytes));
  put_u32(out, kMagic);
  put_u32(out + 4, e.sequence);
  put_u16(out + 8, static_cast<uint16_t>(payload));
  put_u32(out + 10, crc32({out + 4, 6}, crc32({out + kHeaderBytes, payload})));
  return kHeaderBytes + payload;
}

bool EventStore::decode(const uint8_t (&in)[kSlotBytes], Event& e) {
  if (get_u32(in) != kMagic) return false;
  uint16_t payload = get_u16(in + 8);
  if (payload < 15 || payload > kSlotBytes - kHeaderBytes) return false;
  if (crc32({in + 4, 6}, crc32({in + kHeaderBytes, payload})) != get_u32(in + 10)) return false;
  const uint8_t* p = in + kHeaderBytes;
  const uint8_t* end = p + payload;
  e = Event{};
  e.sequence = get_u32(in + 4);
  e.wall_unix_us = static_cast<int64_t>(static_cast<uint64_t>(get_u32(p)) | static_cast<uint64_t>(get_u32(p + 4)) << 32);
  if (p[8] > 3 || p[9] > 3) return false;
  e.from = static_cast<Outcome>(p[8]);
  e.to = static_cast<Outcome>(p[9]);
  e.first = (p[10] & 1) != 0;
  e.maintenance = (p[10] & 2) != 0;
  e.confirmations = get_u16(p + 11);
  p += 13;
  size_t id_len = *p++;
  if (p + id_len + 1 > end) return false;
  e.check_id.assign({reinterpret_cast<const char*>(p), id_len});
  p += id_len;
  size_t summary_len = *p++;
  if (p + summary_len != end) return false;
  e.summary.assign({reinterpret_cast<const char*>(p), summary_len});
  return !e.check_id.overflowed() && !e.summary.overflowed();
}

bool EventStore::slot_erased(size_t slot) {
  uint8_t raw[kSlotBytes];
  if (flash_->read(slot_address(slot), raw) != hal::FlashStore::Result::kOk) return false;
  for (uint8_t b : raw) {
    if (b != 0xFF) return false;
  }
  return true;
}

// Two passes over the slots and no table: the writer fills the slots in ring order,
// one sequence after the other, so the records read from the slot after the newest
// one, around the ring, come oldest first. The first pass counts the valid records
// and finds the newest (by serial number); the second restores them in slot order,
// the newest EventLog can remember, passing over any record whose sequence does not
// follow the last one restored (a ring that does not read in order).
size_t EventStore::load(EventLog& log) {
  if (flash_ == nullptr) return 0;
  const size_t slots = slot_count();
  uint8_t raw[kSlotBytes];
  Event e;
  size_t n = 0;
  size_t newest_slot = 0;
  uint32_t newest = 0;
  for (size_t s = 0; s < slots; ++s) {
    if (flash_->read(slot_address(s), raw) != hal::FlashStore::Result::kOk || !decode(raw, e)) continue;
    if (n == 0 || EventLog::before(newest, e.sequence)) {
      newest = e.sequence;
      newest_slot = s;
    }
    ++n;
  }
  if (n == 0) {
    next_slot_ = 0;
    return 0;
  }
  next_slot_ = (newest_slot + 1) % slots;
  size_t skip = n > EventLog::kCapacity ? n - EventLog::kCapacity : 0;
  size_t restored = 0;
  bool any = false;
  uint32_t last = 0;
  for (size_t k = 0; k < slots; ++k) {
    const size_t s = (next_slot_ + k) % slots;
    if (flash_->read(slot_address(s), raw) != hal::FlashStore::Result::kOk || !decode(raw, e)) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    if (any && !EventLog::before(last, e.sequence)) continue;
    log.restore(e);
    last = e.sequence;
    any = true;
    ++restored;
  }
  return restored;
}

Status EventStore::append(const Event& e) {
  if (flash_ == nullptr) return StatusCode::kFailedPrecondition;
  Status s = write_record(e);
  if (s.ok()) ++appended_;
  else ++failed_;
  return s;
}

Status EventStore::write_record(const Event& e) {
  uint8_t raw[kSlotBytes];
  size_t length = encode(e, raw);
  size_t slots = slot_count();
  // A slot left dirty by a cut write is skipped; the loop is bounded by the ring.
  for (size_t tries = 0; tries < slots; ++tries) {
    size_t slot = next_slot_;
    next_slot_ = (next_slot_ + 1) % slots;
    if (slot % slots_per_sector() == 0) {
      if (flash_->erase(first_sector_ + slot / slots_per_sector()) != hal::FlashStore::Result::kOk) {
        return StatusCode::kUnavailable;
      }
    } else if (!slot_erased(slot)) {
      continue;
    }
    if (flash_->write(slot_address(slot), {raw, length}) != hal::FlashStore::Result::kOk) return StatusCode::kUnavailable;
    return Status();
  }
  return StatusCode::kResourceExhausted;
}

}  // namespace probebox
