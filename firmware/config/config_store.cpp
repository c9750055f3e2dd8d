#include "config/config_store.h"

#include <cstring>

#include "config/config_view.h"
#include "core/crc32.h"
#include "core/fnv1a.h"
#include "core/limits.h"

namespace probebox {
namespace {

constexpr size_t kChunk = 256;  // bytes read at a time while checking a payload CRC

void encode(const uint32_t* fields, uint8_t* out) {
  for (int i = 0; i < 6; ++i) {
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(fields[i] >> (8 * b));
  }
}

// Sequence numbers wrap; "newer" is decided by the signed difference.
bool newer(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

}  // namespace

bool ConfigStore::valid_slot(int slot, Header& h, const char* expect) {
  uint8_t raw[kHeaderBytes];
  if (flash_.read(slot_address(slot), raw) != hal::FlashStore::Result::kOk) return false;
  uint32_t f[6];
  for (int i = 0; i < 6; ++i) {
    f[i] = static_cast<uint32_t>(raw[i * 4]) | static_cast<uint32_t>(raw[i * 4 + 1]) << 8 |
           static_cast<uint32_t>(raw[i * 4 + 2]) << 16 | static_cast<uint32_t>(raw[i * 4 + 3]) << 24;
  }
  h = {f[0], static_cast<uint16_t>(f[1]), static_cast<uint16_t>(f[1] >> 16), f[2], f[3], f[4], f[5]};
  if (h.magic != magic_ || h.version != kLayoutVersion || h.length > capacity()) return false;
  if (crc32({raw, 20}) != h.header_crc) return false;
  uint32_t crc = 0;
  uint8_t chunk[kChunk];
  for (size_t done = 0; done < h.length;) {
    size_t n = h.length - done < kChunk ? h.length - done : kChunk;
    if (flash_.read(slot_address(slot) + kHeaderBytes + done, {chunk, n}) != hal::FlashStore::Result::kOk) {
      return false;
    }
    if (expect != nullptr && std::memcmp(chunk, expect + done, n) != 0) return false;
    crc = crc32({chunk, n}, crc);
    done += n;
  }
  return crc == h.payload_crc;
}

int ConfigStore::newest_slot(Header& header) {
  Header a{}, b{};
  bool va = valid_slot(0, a);
  bool vb = valid_slot(1, b);
  if (va && (!vb || !newer(b.sequence, a.sequence))) {
    header = a;
    return 0;
  }
  if (vb) {
    header = b;
    return 1;
  }
  return -1;
}

Status ConfigStore::load(std::span<char> out, size_t& length) {
  if (flash_.size() < slot_address(2)) return StatusCode::kFailedPrecondition;
  Header h{};
  int slot = newest_slot(h);
  if (slot < 0) return StatusCode::kNotFound;
  return load_slot(slot, out, length);
}

int ConfigStore::valid_slots(int (&slots)[2]) {
  if (flash_.size() < slot_address(2)) return 0;
  Header newest{}, other{};
  int first = newest_slot(newest);
  if (first < 0) return 0;
  slots[0] = first;
  if (!valid_slot(1 - first, other)) return 1;
  slots[1] = 1 - first;
  return 2;
}

Status ConfigStore::discard_slot(int slot) {
  if ((slot != 0 && slot != 1) || flash_.size() < slot_address(2)) return StatusCode::kInvalidArgument;
  if (flash_.erase(first_sector_ + static_cast<size_t>(slot) * slot_sectors_) != hal::FlashStore::Result::kOk) {
    return StatusCode::kUnavailable;
  }
  return Status();
}

Status ConfigStore::load_slot(int slot, std::span<char> out, size_t& length) {
  Header h{};
  if ((slot != 0 && slot != 1) || flash_.size() < slot_address(2) || !valid_slot(slot, h)) {
    return StatusCode::kNotFound;
  }
  sequence_ = h.sequence;  // also when it does not fit: the caller names the slot
  if (h.length > out.size()) return StatusCode::kResourceExhausted;
  if (flash_.read(slot_address(slot) + kHeaderBytes, {reinterpret_cast<uint8_t*>(out.data()), h.length}) !=
      hal::FlashStore::Result::kOk) {
    return StatusCode::kDataLoss;
  }
  length = h.length;
  sequence_ = h.sequence;
  return Status();
}

Status ConfigStore::save(std::string_view json) {
  if (Status s = begin_write(json.size()); !s.ok()) return s;
  if (Status s = write_more(json); !s.ok()) return s;
  return commit();
}

Status ConfigStore::begin_write(size_t length, std::string_view running) {
  write_slot_ = -1;
  if (flash_.size() < slot_address(2)) return StatusCode::kFailedPrecondition;
  if (length > capacity()) return StatusCode::kResourceExhausted;
  Header current{};
  int in_use = newest_slot(current);
  int target = in_use == 0 ? 1 : 0;
  for (int slot = 0; slot < 2 && !running.empty(); ++slot) {
    std::span<const uint8_t> m = flash_.mapped(slot_address(slot), slot_sectors_ * flash_.sector_size());
    const auto at = reinterpret_cast<uintptr_t>(running.data());
    const auto base = reinterpret_cast<uintptr_t>(m.data());
    if (m.data() != nullptr && at >= base && at < base + m.size()) target = 1 - slot;
  }
  size_t used_sectors = (kHeaderBytes + length + flash_.sector_size() - 1) / flash_.sector_size();
  for (size_t s = 0; s < used_sectors; ++s) {
    if (flash_.erase(first_sector_ + target * slot_sectors_ + s) != hal::FlashStore::Result::kOk) return StatusCode::kUnavailable;
  }
  write_slot_ = target;
  write_length_ = length;
  write_done_ = 0;
  write_crc_ = 0;
  write_sequence_ = in_use < 0 ? 1 : current.sequence + 1;
  return Status();
}

Status ConfigStore::write_more(std::string_view bytes) {
  if (write_slot_ < 0) return StatusCode::kFailedPrecondition;
  if (bytes.size() > write_length_ - write_done_) return StatusCode::kOutOfRange;
  if (bytes.empty()) return Status();
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (flash_.write(slot_address(write_slot_) + kHeaderBytes + write_done_, {data, bytes.size()}) !=
      hal::FlashStore::Result::kOk) {
    write_slot_ = -1;
    return StatusCode::kUnavailable;
  }
  write_crc_ = crc32({data, bytes.size()}, write_crc_);
  write_done_ += bytes.size();
  return Status();
}

std::string_view ConfigStore::written() const {
  if (write_slot_ < 0) return {};
  std::span<const uint8_t> m = flash_.mapped(slot_address(write_slot_) + kHeaderBytes, write_done_);
  if (m.data() == nullptr) return {};
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

Status ConfigStore::commit() {
  if (write_slot_ < 0 || write_done_ != write_length_) return StatusCode::kFailedPrecondition;
  const int target = write_slot_;
  write_slot_ = -1;
  uint32_t fields[6] = {magic_, kLayoutVersion, write_sequence_, static_cast<uint32_t>(write_length_), write_crc_, 0};
  uint8_t raw[kHeaderBytes];
  encode(fields, raw);
  fields[5] = crc32({raw, 20});
  encode(fields, raw);
  // The header goes last: the slot only becomes valid once it is complete.
  if (flash_.write(slot_address(target), raw) != hal::FlashStore::Result::kOk) return StatusCode::kUnavailable;
  Header check{};
  if (!valid_slot(target, check)) return StatusCode::kDataLoss;
  sequence_ = write_sequence_;
  return Status();
}

Status ConfigStore::mapped_slot(int slot, std::string_view& json) {
  Header h{};
  if ((slot != 0 && slot != 1) || flash_.size() < slot_address(2) || !valid_slot(slot, h)) {
    return StatusCode::kNotFound;
  }
  sequence_ = h.sequence;
  std::span<const uint8_t> m = flash_.mapped(slot_address(slot) + kHeaderBytes, h.length);
  if (m.data() == nullptr) return StatusCode::kUnimplemented;
  json = {reinterpret_cast<const char*>(m.data()), m.size()};
  return Status();
}

Status ConfigStore::mapped(std::string_view& json) {
  if (flash_.size() < slot_address(2)) return StatusCode::kFailedPrecondition;
  Header h{};
  int slot = newest_slot(h);
  if (slot < 0) return StatusCode::kNotFound;
  return mapped_slot(slot, json);
}

bool ConfigStore::holds(std::string_view json) {
  if (flash_.size() < slot_address(2)) return false;
  Header h{};
  int slot = newest_slot(h);
  if (slot < 0) return false;
  sequence_ = h.sequence;  // as load() would set it
  return h.length == json.size() && valid_slot(slot, h, json.data());
}

Status ConfigStore::erase_all() {
  for (size_t s = 0; s < 2 * slot_sectors_; ++s) {
    if (flash_.erase(first_sector_ + s) != hal::FlashStore::Result::kOk) return StatusCode::kUnavailable;
  }
  sequence_ = 0;
  return Status();
}

Status FlashAppender::begin(size_t length) {
  started_ = false;
  if (flash_ == nullptr || first_sector_ + sectors_ > flash_->sector_count()) return StatusCode::kUnavailable;
  if (length > capacity()) return StatusCode::kResourceExhausted;
  const size_t used = (length + flash_->sector_size() - 1) / flash_->sector_size();
  for (size_t s = 0; s < used; ++s) {
    if (flash_->erase(first_sector_ + s) != hal::FlashStore::Result::kOk) return StatusCode::kUnavailable;
  }
  started_ = true;
  length_ = length;
  done_ = 0;
  return Status();
}

Status FlashAppender::append(std::string_view bytes) {
  if (!started_) return StatusCode::kFailedPrecondition;
  if (bytes.size() > length_ - done_) return StatusCode::kOutOfRange;
  if (bytes.empty()) return Status();
  if (flash_->write(first_sector_ * flash_->sector_size() + done_,
                   {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}) != hal::FlashStore::Result::kOk) {
    started_ = false;
    return StatusCode::kUnavailable;
  }
  done_ += bytes.size();
  return Status();
}

std::string_view FlashAppender::view() const {
  if (!started_) return {};
  std::span<const uint8_t> m = flash_->mapped(first_sector_ * flash_->sector_size(), done_);
  if (m.data() == nullptr) return {};
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

namespace {
// A window of the restored config (the stored secrets put back), for reading the
// values it holds where the placeholders were.
char g_restore_window[256];

}  // namespace

// The uploaded document, with every "********" secret put back from the running
// config (config_view.h's restore_secrets), written into the store's free slot with
// no RAM copy of either: the restored document equals the upload but where a
// placeholder string was, so the upload is copied from flash as it is up to each
// `"********"`, and what the restored document holds there (the stored value, or the
// placeholder when it was not one) is read from a small window of it, up to its
// closing quote. Its length and hash, measured first, must match what was written.
Status write_restoring_secrets(std::string_view incoming, std::string_view stored, ConfigStore& store, ConfigErrors& errors) {
  static constexpr std::string_view kQuoted = "\"********\"";
  static_assert(kQuoted.size() == kSecretPlaceholder.size() + 2, "the placeholder, quoted");
  if (incoming.find(kQuoted) == std::string_view::npos) {
    if (Status s = store.begin_write(incoming.size(), stored); !s.ok()) return s;
    return store.write_more(incoming);
  }
  SliceText measure(g_restore_window, 0, static_cast<size_t>(-1));  // counted and hashed, nothing kept
  if (Status s = restore_secrets(incoming, stored, measure, errors); !s.ok()) return s;
  const size_t length = measure.total();
  if (length > PROBEBOX_MAX_CONFIG_BYTES) return StatusCode::kResourceExhausted;
  if (Status s = store.begin_write(length, stored); !s.ok()) return s;
  uint64_t hash = kFnv1aBasis;
  size_t out = 0;
  auto copy = [&](std::string_view piece) {
    hash = fnv1a(hash, piece);
    out += piece.size();
    return store.write_more(piece);
  };
  size_t in = 0;
  for (size_t q = incoming.find(kQuoted); q != std::string_view::npos; q = incoming.find(kQuoted, q + 1)) {
    // Through the opening quote, as uploaded.
    if (Status s = copy({incoming.data() + in, q + 1 - in}); !s.ok()) return s;
    bool escaped = false, closed = false;
    while (!closed) {
      SliceText window(g_restore_window, sizeof(g_restore_window) - 1, out);
      if (Status s = restore_secrets(incoming, stored, window, errors); !s.ok()) return s;
      const std::string_view w = window.view();
      if (w.empty()) return StatusCode::kInternal;  // the same input renders the same output
      size_t n = 0;
      for (; n < w.size() && !closed; ++n) {
        if (escaped) escaped = false;
        else if (w[n] == '\\') escaped = true;
        else if (w[n] == '"') closed = true;
      }
      if (closed) --n;  // the closing quote comes with the next piece of the upload
      if (Status s = copy({w.data(), n}); !s.ok()) return s;
    }
    in = q + 1 + kSecretPlaceholder.size();
  }
  if (Status s = copy({incoming.data() + in, incoming.size() - in}); !s.ok()) return s;
  if (out != length || hash != measure.prefix_hash()) return StatusCode::kInternal;
  return Status();
}
}  // namespace probebox
