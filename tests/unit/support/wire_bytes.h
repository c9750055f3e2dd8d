// Big-endian fields and the Internet checksum, for the fake peer's hand-built frames.
#pragma once
#include <cstddef>
#include <cstdint>

namespace probebox::test::wire {

inline uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
inline void wr16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8); p[1] = static_cast<uint8_t>(v); }
inline void wr32(uint8_t* p, uint32_t v) { wr16(p, static_cast<uint16_t>(v >> 16)); wr16(p + 2, static_cast<uint16_t>(v)); }

// One's-complement sum of 16-bit words (RFC 1071), then folded and inverted.
inline uint32_t sum16(const uint8_t* p, size_t len, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) acc += rd16(p + i);
  if (len & 1) acc += static_cast<uint32_t>(p[len - 1]) << 8;
  return acc;
}
inline uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

// The fake peer's own MAC (the box's is 02:00:00:00:00:15).
inline constexpr uint8_t kPeerMac[6] = {0x02, 0, 0, 0, 0, 0x02};

}  // namespace probebox::test::wire
