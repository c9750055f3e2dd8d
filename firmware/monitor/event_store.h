// The recent events in flash, so a restart (or a power cut) does not wipe what
// happened before it. An append-only ring of fixed 256-byte slots over a few
// sectors: each record carries its event sequence and a CRC, a record cut by power
// loss fails its CRC and is skipped, and entering a sector erases it first (it holds
// the oldest records). Boot reads every valid record and restores the newest
// EventLog::kCapacity in order.
#pragma once
#include <cstddef>
#include <cstdint>

#include "monitor/event_log.h"
#include "core/status.h"
#include "hal/flash_store.h"

namespace probebox {

class EventStore {
 public:
  static constexpr size_t kSlotBytes = 256;
  static constexpr uint32_t kMagic = 0x56454250;  // "PBEV"

  // A null flash (a board without one) stores nothing and restores nothing.
  EventStore(hal::FlashStore* flash, size_t first_sector, size_t sectors)
      : flash_(flash), first_sector_(first_sector), sectors_(sectors) {}

  // Restores the newest events into `log` (oldest first); returns how many.
  size_t load(EventLog& log);
  Status append(const Event& e);
  size_t slot_count() const { return flash_ == nullptr ? 0 : sectors_ * slots_per_sector(); }
  uint32_t appended() const { return appended_; }
  uint32_t failed() const { return failed_; }

  // The record format, pure: exposed for tests.
  static size_t encode(const Event& e, uint8_t (&out)[kSlotBytes]);
  static bool decode(const uint8_t (&in)[kSlotBytes], Event& e);

 private:
  size_t slots_per_sector() const { return flash_->sector_size() / kSlotBytes; }
  size_t slot_address(size_t slot) const { return first_sector_ * flash_->sector_size() + slot * kSlotBytes; }
  bool slot_erased(size_t slot);
  Status write_record(const Event& e);

  hal::FlashStore* flash_;
  size_t first_sector_;
  size_t sectors_;
  size_t next_slot_ = 0;
  uint32_t appended_ = 0;
  uint32_t failed_ = 0;
};

}  // namespace probebox
