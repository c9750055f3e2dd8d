#include "semihosting_flash.h"

#include <cstring>

#include "semihosting.h"

extern uint32_t __data_load, __data_start, __data_end;

namespace board {

bool SemihostingFlash::open(const char* path) {
  // The image ends with the .data initialisers; the flash region must lie above it.
  const uintptr_t image_end = reinterpret_cast<uintptr_t>(&__data_load) +
                              (reinterpret_cast<uintptr_t>(&__data_end) - reinterpret_cast<uintptr_t>(&__data_start));
  if (image_end > kMappedBase) return false;
  std::memset(region(), 0xFF, kSectors * kSectorSize);
  ready_ = true;
  handle_ = -1;
  if (path == nullptr) return true;
  handle_ = semihosting::open(path, true);
  if (handle_ < 0) return false;
  long length = semihosting::file_length(handle_);
  if (length < 0) return false;
  size_t want = static_cast<size_t>(length) < kSectors * kSectorSize ? static_cast<size_t>(length) : kSectors * kSectorSize;
  if (want == 0) return true;
  if (!semihosting::seek(handle_, 0)) return false;
  return semihosting::read(handle_, region(), want) == static_cast<long>(want);
}

SemihostingFlash::Result SemihostingFlash::persist(size_t address, size_t length) {
  if (handle_ < 0) return Result::kOk;  // volatile
  if (!semihosting::seek(handle_, address)) return Result::kIoError;
  return semihosting::write(handle_, region() + address, length) == static_cast<long>(length) ? Result::kOk
                                                                                              : Result::kIoError;
}

SemihostingFlash::Result SemihostingFlash::DoErase(size_t sector) {
  if (sector >= kSectors || !ready_) return Result::kOutOfRange;
  std::memset(region() + sector * kSectorSize, 0xFF, kSectorSize);
  return persist(sector * kSectorSize, kSectorSize);
}

SemihostingFlash::Result SemihostingFlash::DoRead(size_t address, std::span<uint8_t> out) {
  if (address + out.size() > kSectors * kSectorSize || !ready_) return Result::kOutOfRange;
  std::memcpy(out.data(), region() + address, out.size());
  return Result::kOk;
}

SemihostingFlash::Result SemihostingFlash::DoWrite(size_t address, std::span<const uint8_t> data) {
  if (address + data.size() > kSectors * kSectorSize || !ready_) return Result::kOutOfRange;
  // NOR rule: only erased bytes may be programmed.
  for (size_t i = 0; i < data.size(); ++i) {
    if (region()[address + i] != 0xFF) return Result::kNotErased;
  }
  std::memcpy(region() + address, data.data(), data.size());
  return persist(address, data.size());
}

std::span<const uint8_t> SemihostingFlash::DoMapped(size_t address, size_t length) const {
  if (!ready_) return {};
  return {region() + address, length};
}

}  // namespace board
