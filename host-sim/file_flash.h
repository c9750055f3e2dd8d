// The simulator's flash chip: a file, erased to 0xFF, with NOR rules enforced (a
// write may only program erased bytes) so the sim finds the bugs a real part would.
// The file is also mapped read-only (MAP_SHARED, so it shows every write at once):
// mapped() reads it in place, like a part's memory-mapped flash.
#pragma once
#include <string>

#include "hal/flash_store.h"

namespace probebox::sim {

class FileFlash final : public hal::FlashStore {
 public:
  static constexpr size_t kSectorSize = 4096;
  static constexpr size_t kSectors = 128;  // 512 KiB: config/flash_layout.h

  bool open(const std::string& path);
  ~FileFlash();

 private:
  size_t DoSectorSize() const override { return kSectorSize; }
  size_t DoSectorCount() const override { return kSectors; }
  Result DoErase(size_t sector) override;
  Result DoRead(size_t address, std::span<uint8_t> out) override;
  Result DoWrite(size_t address, std::span<const uint8_t> data) override;
  std::span<const uint8_t> DoMapped(size_t address, size_t length) const override;

  int fd_ = -1;
  const uint8_t* map_ = nullptr;
};

}  // namespace probebox::sim
