// SNMPv3 User-based Security Model pieces that are pure computation: the engine ID
// (RFC 3411's format 3, enterprise + MAC) and the localized keys of RFC 3414 A.2.2
// (SHA-1 password-to-key, then localized to the engine ID). A key costs 1 MiB of
// SHA-1, far too long for one main-loop step on the board, so the localizer runs
// in bounded slices. The AES-128 privacy key is the first 16 octets of the
// priv_password's localized SHA key (RFC 3826 3.1.2.1).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mbedtls/sha1.h"

namespace probebox::snmp_usm {

inline constexpr size_t kKeyBytes = 20;  // SHA-1
inline constexpr size_t kMaxEngineIdBytes = 32;
using Key = std::array<uint8_t, kKeyBytes>;

struct EngineId {
  std::array<uint8_t, kMaxEngineIdBytes> bytes{};
  uint8_t length = 0;
  std::span<const uint8_t> view() const { return {bytes.data(), length}; }
};

// 0x80|enterprise (4 octets), format 3 (MAC address), the 6 MAC octets: 11 octets.
EngineId engine_id_from_mac(uint32_t enterprise, const std::array<uint8_t, 6>& mac);

// RFC 3414 A.2.2 in slices. begin(), then step() until it returns true.
class KeyLocalizer {
 public:
  static constexpr size_t kHashedBytes = 1048576;
  static constexpr size_t kMaxPasswordBytes = 64;

  // An empty password or one longer than kMaxPasswordBytes is not started.
  bool begin(std::string_view password, const EngineId& engine);
  // Hashes at most `budget` more bytes of the expanded password; true once the key is done.
  bool step(size_t budget);
  bool done() const { return state_ == State::kDone; }
  const Key& key() const { return key_; }
  void clear();

 private:
  enum class State { kIdle, kHashing, kDone };
  State state_ = State::kIdle;
  mbedtls_sha1_context sha_{};
  std::array<uint8_t, kMaxPasswordBytes> password_{};
  size_t password_length_ = 0;
  size_t hashed_ = 0;
  EngineId engine_;
  Key key_{};
};

// The whole computation at once, for tests and host tools.
Key localize_key(std::string_view password, const EngineId& engine);

}  // namespace probebox::snmp_usm
