// CRC-32 (IEEE 802.3, reflected, as zlib): guards what is stored in flash.
#pragma once
#include <cstdint>
#include <span>

namespace probebox {

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace probebox
