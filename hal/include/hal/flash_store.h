// NOR-flash-shaped storage (after pw_kvs::FlashMemory): sectors must be erased (to
// 0xFF) before they are written, and a write may only program erased bytes. The
// simulator's flash is a file, the QEMU board's a host file through semihosting.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace hal {

class FlashStore {
 public:
  enum class Result : uint8_t { kOk, kOutOfRange, kNotErased, kIoError };

  size_t sector_size() const { return DoSectorSize(); }
  size_t sector_count() const { return DoSectorCount(); }
  size_t size() const { return sector_size() * sector_count(); }
  Result erase(size_t sector) { return DoErase(sector); }
  Result read(size_t address, std::span<uint8_t> out) { return DoRead(address, out); }
  Result write(size_t address, std::span<const uint8_t> data) { return DoWrite(address, data); }

 protected:
  ~FlashStore() = default;

 private:
  virtual size_t DoSectorSize() const = 0;
  virtual size_t DoSectorCount() const = 0;
  virtual Result DoErase(size_t sector) = 0;
  virtual Result DoRead(size_t address, std::span<uint8_t> out) = 0;
  virtual Result DoWrite(size_t address, std::span<const uint8_t> data) = 0;
};

}  // namespace hal
