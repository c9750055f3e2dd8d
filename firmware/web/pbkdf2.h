// PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) computed a slice at a time, so a login's
// password check never holds the main loop for the whole derivation: mbedTLS does
// each HMAC, this keeps the iteration count and the XOR of the U values between
// slices. One derivation at a time per object; the HMAC context lives only while
// a derivation runs (set up in start(), freed at the end or by cancel()).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "mbedtls/md.h"

namespace probebox {

class Pbkdf2Sha256 {
 public:
  static constexpr size_t kBlockBytes = 32;
  static constexpr size_t kMaxOutputBytes = 64;
  static constexpr size_t kMaxSaltBytes = 64;

  // Trivially destructible: it lives in static objects, which the board never
  // destroys (no atexit there). Whoever drops one mid-derivation calls cancel().
  Pbkdf2Sha256() { mbedtls_md_init(&md_); }
  Pbkdf2Sha256(const Pbkdf2Sha256&) = delete;
  Pbkdf2Sha256& operator=(const Pbkdf2Sha256&) = delete;

  // False (and nothing running) on bad parameters or when mbedTLS has no memory.
  bool start(std::string_view password, const uint8_t* salt, size_t salt_length, uint32_t iterations,
             size_t output_length);
  // Runs at most `max_iterations` HMAC computations; true once the derivation has
  // ended (see ok()), false while more slices are needed.
  bool step(uint32_t max_iterations);
  bool running() const { return state_ == State::kRunning; }
  bool ok() const { return state_ == State::kDone; }
  // The derived key, valid once ok().
  const uint8_t* output() const { return output_.data(); }
  size_t output_length() const { return output_length_; }
  // Stops a derivation (if any), frees the HMAC context and wipes every secret.
  void cancel();

 private:
  enum class State : uint8_t { kIdle, kRunning, kDone, kFailed };
  bool begin_block();
  void end(State state);

  mbedtls_md_context_t md_;
  bool md_ready_ = false;
  State state_ = State::kIdle;
  std::array<uint8_t, kMaxSaltBytes> salt_{};
  size_t salt_length_ = 0;
  uint32_t iterations_ = 0;
  uint32_t block_ = 0;      // 1-based index of the output block being derived
  uint32_t iteration_ = 0;  // U values of this block computed so far
  std::array<uint8_t, kBlockBytes> u_{};
  std::array<uint8_t, kBlockBytes> t_{};
  std::array<uint8_t, kMaxOutputBytes> output_{};
  size_t output_length_ = 0;
  size_t produced_ = 0;
};
static_assert(std::is_trivially_destructible_v<Pbkdf2Sha256>);

}  // namespace probebox
