// The config in flash, safe against power loss at any instant: two alternating
// slots, each a header (magic, layout version, sequence, length, CRC-32 of the JSON,
// CRC-32 of the header) followed by the JSON. A save erases and writes only the slot
// NOT holding the newest valid config, payload first and header last, so until the
// header's last byte lands the old config is what boots. Boot takes the valid slot
// with the higher sequence.
//
// The text is never copied out to be used: mapped() gives it where it lies in
// memory-mapped flash (hal::FlashStore::mapped()), and a new config is written a
// piece at a time into the slot not in use (begin_write/write_more), checked there
// (written()), and only then made the newest (commit()).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "hal/flash_store.h"

namespace probebox {

class ConfigStore {
 public:
  static constexpr uint32_t kMagic = 0x46434250;  // "PBCF"
  static constexpr uint16_t kLayoutVersion = 1;
  static constexpr size_t kHeaderBytes = 24;

  // `slot_sectors * 2` sectors from `first_sector` hold the two slots. The same
  // layout keeps other small records (the admin credentials) under their own magic.
  ConfigStore(hal::FlashStore& flash, size_t slot_sectors, size_t first_sector = 0, uint32_t magic = kMagic)
      : flash_(flash), slot_sectors_(slot_sectors), first_sector_(first_sector), magic_(magic) {}

  // Copies the newest valid config into `out`; kNotFound when neither slot is valid.
  Status load(std::span<char> out, size_t& length);
  // The slots that pass their CRCs, newest first, in `slots`; returns how many (0..2).
  int valid_slots(int (&slots)[2]);
  // Copies slot `slot` (one valid_slots() named) into `out`; sequence() becomes its
  // (also on kResourceExhausted, when it does not fit `out`).
  Status load_slot(int slot, std::span<char> out, size_t& length);
  // Makes a slot invalid (erases its first sector, where the header is): for a
  // config that passed its CRC but cannot be used, so the next save() writes there
  // and never over the older slot the box runs on.
  Status discard_slot(int slot);
  Status save(std::string_view json);
  // The newest valid config where it lies (no copy); sequence() becomes its. kNotFound
  // when neither slot is valid; kUnimplemented when the flash is not memory-mapped.
  // Valid until the next write to this store.
  Status mapped(std::string_view& json);
  Status mapped_slot(int slot, std::string_view& json);
  // A new config of `length` bytes, written as it arrives into the slot NOT holding
  // the newest valid config (its sectors erased first), then read back in place with
  // written() to be validated, then made the newest by commit(): the header goes last,
  // so until commit() ends the old config is what boots, and a write that is given
  // up (a connection closed mid-body, a document that does not validate) leaves the
  // newest slot untouched. kResourceExhausted past capacity(), kOutOfRange past
  // `length`, kFailedPrecondition for a commit() before all of it was written.
  // `running`: the text the box runs on, when it lies in one of the slots (a box that
  // booted from the older slot): that slot is never the one written.
  Status begin_write(size_t length, std::string_view running = {});
  Status write_more(std::string_view bytes);
  std::string_view written() const;
  Status commit();
  // True when the newest valid slot holds exactly `json` (a save would change nothing).
  bool holds(std::string_view json);
  // Erases both slots (factory reset).
  Status erase_all();
  size_t capacity() const { return slot_sectors_ * flash_.sector_size() - kHeaderBytes; }
  uint32_t sequence() const { return sequence_; }

 private:
  struct Header {
    uint32_t magic;
    uint16_t version;
    uint16_t reserved;
    uint32_t sequence;
    uint32_t length;
    uint32_t payload_crc;
    uint32_t header_crc;
  };
  // Reads and fully validates a slot (header and payload CRC); with `expect`, the
  // payload must also equal its first header.length bytes.
  bool valid_slot(int slot, Header& header, const char* expect = nullptr);
  size_t slot_address(int slot) const {
    return (first_sector_ + static_cast<size_t>(slot) * slot_sectors_) * flash_.sector_size();
  }
  int newest_slot(Header& header);

  hal::FlashStore& flash_;
  size_t slot_sectors_;
  size_t first_sector_;
  uint32_t magic_;
  uint32_t sequence_ = 0;
  // The write under way (begin_write): its slot (-1: none), size, progress and CRC.
  int write_slot_ = -1;
  size_t write_length_ = 0;
  size_t write_done_ = 0;
  uint32_t write_crc_ = 0;
  uint32_t write_sequence_ = 0;
};

// An uploaded config document written into `store`'s free slot (begin_write,
// write_more; the caller validates written() and commits) with every "********"
// secret put back from `stored`, the running text (config_view.h's restore_secrets:
// the same statuses and errors), and no RAM copy of either: the upload is copied as
// it is up to each quoted placeholder, and what the restored document holds there is
// read from a 256-byte window of it; its length and hash, measured first, must match
// what was written (kInternal otherwise). A document without a placeholder is copied.
Status write_restoring_secrets(std::string_view incoming, std::string_view stored, ConfigStore& store,
                               class ConfigErrors& errors);

// A flash region written front to back as bytes arrive (a request body) and read in
// place: hal::FlashStore::mapped(). Nothing in it is trusted: what reads it checks it.
class FlashAppender {
 public:
  // `flash` null: a board without flash, where begin() is kUnavailable.
  FlashAppender(hal::FlashStore* flash, size_t first_sector, size_t sectors)
      : flash_(flash), first_sector_(first_sector), sectors_(sectors) {}
  // Erases the sectors `length` bytes need: kResourceExhausted past capacity(),
  // kUnavailable without flash or when it fails.
  Status begin(size_t length);
  // kOutOfRange past the length begun with, kUnavailable on a flash error.
  Status append(std::string_view bytes);
  bool complete() const { return started_ && done_ == length_; }
  // What was appended so far, mapped (empty when the flash is not memory-mapped).
  std::string_view view() const;
  size_t capacity() const { return flash_ == nullptr ? 0 : sectors_ * flash_->sector_size(); }
  // Forgets the body (the next begin() starts over).
  void reset() { started_ = false; }

 private:
  hal::FlashStore* flash_;
  size_t first_sector_;
  size_t sectors_;
  bool started_ = false;
  size_t length_ = 0;
  size_t done_ = 0;
};

}  // namespace probebox
