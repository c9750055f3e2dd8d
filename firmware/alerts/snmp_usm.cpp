#include "alerts/snmp_usm.h"

#include <cstring>

namespace probebox::snmp_usm {

EngineId engine_id_from_mac(uint32_t enterprise, const std::array<uint8_t, 6>& mac) {
  EngineId id;
  id.bytes[0] = static_cast<uint8_t>(0x80 | ((enterprise >> 24) & 0x7F));
  id.bytes[1] = static_cast<uint8_t>(enterprise >> 16);
  id.bytes[2] = static_cast<uint8_t>(enterprise >> 8);
  id.bytes[3] = static_cast<uint8_t>(enterprise);
  id.bytes[4] = 3;  // RFC 3411: the remaining octets are a MAC address
  std::memcpy(&id.bytes[5], mac.data(), mac.size());
  id.length = 11;
  return id;
}

void KeyLocalizer::clear() {
  if (state_ == State::kHashing) mbedtls_sha1_free(&sha_);
  state_ = State::kIdle;
  password_.fill(0);
  password_length_ = 0;
  hashed_ = 0;
  key_.fill(0);
}

bool KeyLocalizer::begin(std::string_view password, const EngineId& engine) {
  clear();
  if (password.empty() || password.size() > kMaxPasswordBytes) return false;
  std::memcpy(password_.data(), password.data(), password.size());
  password_length_ = password.size();
  engine_ = engine;
  mbedtls_sha1_init(&sha_);
  if (mbedtls_sha1_starts(&sha_) != 0) {
    mbedtls_sha1_free(&sha_);
    return false;
  }
  state_ = State::kHashing;
  return true;
}

bool KeyLocalizer::step(size_t budget) {
  if (state_ != State::kHashing) return state_ == State::kDone;
  // Ku = SHA-1 over the password repeated to 1 MiB, fed in 64-octet blocks.
  uint8_t block[64];
  while (hashed_ < kHashedBytes && budget >= sizeof(block)) {
    size_t at = hashed_ % password_length_;
    for (uint8_t& b : block) {
      b = password_[at];
      at = at + 1 == password_length_ ? 0 : at + 1;
    }
    mbedtls_sha1_update(&sha_, block, sizeof(block));
    hashed_ += sizeof(block);
    budget -= sizeof(block);
  }
  if (hashed_ < kHashedBytes) return false;
  Key ku;
  mbedtls_sha1_finish(&sha_, ku.data());
  // Kul = SHA-1(Ku || engineID || Ku).
  mbedtls_sha1_starts(&sha_);
  mbedtls_sha1_update(&sha_, ku.data(), ku.size());
  mbedtls_sha1_update(&sha_, engine_.bytes.data(), engine_.length);
  mbedtls_sha1_update(&sha_, ku.data(), ku.size());
  mbedtls_sha1_finish(&sha_, key_.data());
  mbedtls_sha1_free(&sha_);
  ku.fill(0);
  password_.fill(0);
  state_ = State::kDone;
  return true;
}

Key localize_key(std::string_view password, const EngineId& engine) {
  KeyLocalizer k;
  if (!k.begin(password, engine)) return {};
  k.step(KeyLocalizer::kHashedBytes);
  return k.key();
}

}  // namespace probebox::snmp_usm
