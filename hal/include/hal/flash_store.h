// NOR-flash-shaped storage (after pw_kvs::FlashMemory): sectors must be erased (to
// 0xFF) before they are written, and a write may only program erased bytes. The
// simulator's flash is a file, the QEMU board's a host file through semihosting.
//
// Memory-mapped reads (mapped()): internal flash and QSPI NOR in execute-in-place
// mode appear in the CPU's address space, so a record can be read where it lies,
// with no RAM copy: the box's config text is only ever read that way (the parser,
// GET /api/config and a PUT's validation all run on the mapped slot). A board whose
// flash is NOT memory-mapped (an SPI/I2C part read by command) returns an empty
// span; the config store then reports kUnimplemented and such a board cannot run
// on a stored config: it must give its FlashStore a mapped window of its own (a RAM
// cache of the two config slots and the upload area, some 210 KiB), i.e. the cost
// this interface keeps out of the firmware moves into that board.
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
  // The `length` bytes at `address` as the CPU reads them, valid until that range is
  // next erased or written; empty when the range is outside the chip or the flash
  // is not memory-mapped (see above).
  std::span<const uint8_t> mapped(size_t address, size_t length) const {
    if (address > size() || length > size() - address) return {};
    return DoMapped(address, length);
  }

 protected:
  ~FlashStore() = default;

 private:
  virtual size_t DoSectorSize() const = 0;
  virtual size_t DoSectorCount() const = 0;
  virtual Result DoErase(size_t sector) = 0;
  virtual Result DoRead(size_t address, std::span<uint8_t> out) = 0;
  virtual Result DoWrite(size_t address, std::span<const uint8_t> data) = 0;
  // Flash that is not memory-mapped keeps this default.
  virtual std::span<const uint8_t> DoMapped(size_t /*address*/, size_t /*length*/) const { return {}; }
};

}  // namespace hal
