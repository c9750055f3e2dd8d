// The board's flash chip as a host file through semihosting, with the same geometry
// as the simulator's (4 KiB sectors, 64 of them), so one image file serves both and
// `probebox-sim --store-only` writes it. A short file reads as erased.
#pragma once
#include "hal/flash_store.h"

namespace board {

class SemihostingFlash final : public hal::FlashStore {
 public:
  static constexpr size_t kSectorSize = 4096;
  static constexpr size_t kSectors = 64;
  bool open(const char* path);

 private:
  size_t DoSectorSize() const override { return kSectorSize; }
  size_t DoSectorCount() const override { return kSectors; }
  Result DoErase(size_t sector) override;
  Result DoRead(size_t address, std::span<uint8_t> out) override;
  Result DoWrite(size_t address, std::span<const uint8_t> data) override;
  int handle_ = -1;
};

}  // namespace board
