// The board's flash chip. On a real part it is memory-mapped flash; under QEMU it is
// the top of the 4 MB code SSRAM (where the image itself sits at 0, below the 1 MiB
// flash budget), which the firmware reads in place (mapped(): the config text is never
// copied to RAM) and this class writes like a flash controller would, NOR rules
// enforced. What is written also goes to a host file through semihosting, read back
// into the region at open(), with the same geometry as the simulator's (4 KiB
// sectors, 128 of them), so one image file serves both and `probebox-sim
// --store-only` writes it; a short file reads as erased. Without a file
// (open(nullptr)) the flash is volatile: changes last until the next start.
#pragma once
#include <cstdint>

#include "hal/flash_store.h"

namespace board {

class SemihostingFlash final : public hal::FlashStore {
 public:
  static constexpr size_t kSectorSize = 4096;
  static constexpr size_t kSectors = 128;
  // Code SSRAM from 2 MiB up: above the image (checked at open()), below 4 MiB.
  static constexpr uintptr_t kMappedBase = 0x00200000;
  // Erases the region, then reads the file at `path` over it (nullptr: no file).
  // False when the file cannot be opened or read, or the image reaches the region.
  bool open(const char* path);

 private:
  size_t DoSectorSize() const override { return kSectorSize; }
  size_t DoSectorCount() const override { return kSectors; }
  Result DoErase(size_t sector) override;
  Result DoRead(size_t address, std::span<uint8_t> out) override;
  Result DoWrite(size_t address, std::span<const uint8_t> data) override;
  std::span<const uint8_t> DoMapped(size_t address, size_t length) const override;
  // Sends [address, address + length) of the region to the file.
  Result persist(size_t address, size_t length);
  uint8_t* region() const { return reinterpret_cast<uint8_t*>(kMappedBase); }
  bool ready_ = false;
  int handle_ = -1;
};

}  // namespace board
