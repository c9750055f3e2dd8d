#include "semihosting_flash.h"

#include <cstring>

#include "semihosting.h"

namespace board {

bool SemihostingFlash::open(const char* path) {
  handle_ = semihosting::open(path, true);
  return handle_ >= 0;
}

SemihostingFlash::Result SemihostingFlash::DoErase(size_t sector) {
  if (sector >= kSectors || handle_ < 0) return Result::kOutOfRange;
  static uint8_t erased[kSectorSize];
  std::memset(erased, 0xFF, sizeof(erased));
  if (!semihosting::seek(handle_, sector * kSectorSize)) return Result::kIoError;
  return semihosting::write(handle_, erased, kSectorSize) == static_cast<long>(kSectorSize) ? Result::kOk
                                                                                              : Result::kIoError;
}

SemihostingFlash::Result SemihostingFlash::DoRead(size_t address, std::span<uint8_t> out) {
  if (address + out.size() > kSectors * kSectorSize || handle_ < 0) return Result::kOutOfRange;
  std::memset(out.data(), 0xFF, out.size());
  long length = semihosting::file_length(handle_);
  if (length <= static_cast<long>(address)) return Result::kOk;  // beyond the file: erased
  if (!semihosting::seek(handle_, address)) return Result::kIoError;
  size_t want = out.size();
  if (static_cast<long>(address + want) > length) want = static_cast<size_t>(length) - address;
  return semihosting::read(handle_, out.data(), want) == static_cast<long>(want) ? Result::kOk : Result::kIoError;
}

SemihostingFlash::Result SemihostingFlash::DoWrite(size_t address, std::span<const uint8_t> data) {
  if (address + data.size() > kSectors * kSectorSize || handle_ < 0) return Result::kOutOfRange;
  // NOR rule: only erased bytes may be programmed.
  uint8_t current[256];
  for (size_t done = 0; done < data.size(); done += sizeof(current)) {
    size_t n = data.size() - done < sizeof(current) ? data.size() - done : sizeof(current);
    if (DoRead(address + done, {current, n}) != Result::kOk) return Result::kIoError;
    for (size_t i = 0; i < n; ++i) {
      if (current[i] != 0xFF) return Result::kNotErased;
    }
  }
  if (!semihosting::seek(handle_, address)) return Result::kIoError;
  return semihosting::write(handle_, data.data(), data.size()) == static_cast<long>(data.size()) ? Result::kOk
                                                                                                 : Result::kIoError;
}

}  // namespace board
