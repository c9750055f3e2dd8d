// Flash in RAM that can lose power: after `budget` operations (one per byte written,
// one per sector erased) every further operation does nothing, as if the supply had
// dropped mid-write. Tests then "reboot" on what is left.
#pragma once
#include <cstring>
#include <limits>
#include <vector>

#include "hal/flash_store.h"

namespace hal {

class FakeFlash final : public FlashStore {
 public:
  FakeFlash(size_t sector_size, size_t sectors) : sector_size_(sector_size), bytes_(sector_size * sectors, 0xFF) {}

  void cut_power_after(size_t operations) { budget_ = operations; }
  void restore_power() { budget_ = std::numeric_limits<size_t>::max(); }
  size_t operations() const { return operations_; }
  bool power_lost() const { return budget_ == 0; }
  std::vector<uint8_t>& raw() { return bytes_; }
  // A part whose flash is read by command only (mapped() is then empty).
  void set_memory_mapped(bool mapped) { mapped_ = mapped; }

 private:
  bool spend() {
    ++operations_;
    if (budget_ == 0) return false;
    if (budget_ != std::numeric_limits<size_t>::max()) --budget_;
    return true;
  }
  size_t DoSectorSize() const override { return sector_size_; }
  size_t DoSectorCount() const override { return bytes_.size() / sector_size_; }
  Result DoErase(size_t sector) override {
    if (sector >= DoSectorCount()) return Result::kOutOfRange;
    if (!spend()) return Result::kIoError;
    std::memset(bytes_.data() + sector * sector_size_, 0xFF, sector_size_);
    return Result::kOk;
  }
  Result DoRead(size_t address, std::span<uint8_t> out) override {
    if (address + out.size() > bytes_.size()) return Result::kOutOfRange;
    std::memcpy(out.data(), bytes_.data() + address, out.size());
    return Result::kOk;
  }
  Result DoWrite(size_t address, std::span<const uint8_t> data) override {
    if (address + data.size() > bytes_.size()) return Result::kOutOfRange;
    for (size_t i = 0; i < data.size(); ++i) {
      if (bytes_[address + i] != 0xFF) return Result::kNotErased;
      if (!spend()) return Result::kIoError;
      bytes_[address + i] = data[i];
    }
    return Result::kOk;
  }

  std::span<const uint8_t> DoMapped(size_t address, size_t length) const override {
    if (!mapped_) return {};
    return {bytes_.data() + address, length};
  }

  size_t sector_size_;
  std::vector<uint8_t> bytes_;
  bool mapped_ = true;
  size_t budget_ = std::numeric_limits<size_t>::max();
  size_t operations_ = 0;
};

}  // namespace hal
