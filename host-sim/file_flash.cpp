#include "file_flash.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace probebox::sim {

bool FileFlash::open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd_ < 0) return false;
  struct stat st {};
  if (fstat(fd_, &st) != 0) return false;
  if (static_cast<size_t>(st.st_size) < kSectors * kSectorSize) {
    // A new (or short) chip comes erased.
    std::vector<uint8_t> erased(kSectors * kSectorSize - static_cast<size_t>(st.st_size), 0xFF);
    if (pwrite(fd_, erased.data(), erased.size(), st.st_size) != static_cast<ssize_t>(erased.size())) return false;
  }
  void* map = mmap(nullptr, kSectors * kSectorSize, PROT_READ, MAP_SHARED, fd_, 0);
  if (map == MAP_FAILED) return false;
  map_ = static_cast<const uint8_t*>(map);
  return true;
}

FileFlash::~FileFlash() {
  if (map_ != nullptr) munmap(const_cast<uint8_t*>(map_), kSectors * kSectorSize);
  if (fd_ >= 0) ::close(fd_);
}

std::span<const uint8_t> FileFlash::DoMapped(size_t address, size_t length) const {
  if (map_ == nullptr) return {};
  return {map_ + address, length};
}

FileFlash::Result FileFlash::DoErase(size_t sector) {
  if (sector >= kSectors) return Result::kOutOfRange;
  std::vector<uint8_t> erased(kSectorSize, 0xFF);
  ssize_t n = pwrite(fd_, erased.data(), kSectorSize, static_cast<off_t>(sector * kSectorSize));
  return n == static_cast<ssize_t>(kSectorSize) ? Result::kOk : Result::kIoError;
}

FileFlash::Result FileFlash::DoRead(size_t address, std::span<uint8_t> out) {
  if (address + out.size() > kSectors * kSectorSize) return Result::kOutOfRange;
  ssize_t n = pread(fd_, out.data(), out.size(), static_cast<off_t>(address));
  return n == static_cast<ssize_t>(out.size()) ? Result::kOk : Result::kIoError;
}

FileFlash::Result FileFlash::DoWrite(size_t address, std::span<const uint8_t> data) {
  if (address + data.size() > kSectors * kSectorSize) return Result::kOutOfRange;
  std::vector<uint8_t> current(data.size());
  if (pread(fd_, current.data(), current.size(), static_cast<off_t>(address)) != static_cast<ssize_t>(current.size())) {
    return Result::kIoError;
  }
  for (uint8_t b : current) {
    if (b != 0xFF) return Result::kNotErased;
  }
  ssize_t n = pwrite(fd_, data.data(), data.size(), static_cast<off_t>(address));
  return n == static_cast<ssize_t>(data.size()) ? Result::kOk : Result::kIoError;
}

}  // namespace probebox::sim
