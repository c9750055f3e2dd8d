#include "web/pbkdf2.h"

#include "mbedtls/platform_util.h"

namespace probebox {

bool Pbkdf2Sha256::start(std::string_view password, const uint8_t* salt, size_t salt_length, uint32_t iterations,
                         size_t output_length) {
  cancel();
  if (iterations == 0 || output_length == 0 || output_length > kMaxOutputBytes || salt_length > kMaxSaltBytes ||
      (salt == nullptr && salt_length > 0)) {
    return false;
  }
  for (size_t i = 0; i < salt_length; ++i) salt_[i] = salt[i];
  salt_length_ = salt_length;
  iterations_ = iterations;
  output_length_ = output_length;
  produced_ = 0;
  block_ = 1;
  mbedtls_md_init(&md_);
  md_ready_ = true;  // freed by end() whatever happens next
  if (mbedtls_md_setup(&md_, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0 ||
      mbedtls_md_hmac_starts(&md_, reinterpret_cast<const unsigned char*>(password.data()), password.size()) != 0) {
    end(State::kFailed);
    return false;
  }
  state_ = State::kRunning;
  if (!begin_block()) {
    end(State::kFailed);
    return false;
  }
  return true;
}

// U1 = HMAC(P, S || INT(i)); T = U1.
bool Pbkdf2Sha256::begin_block() {
  const uint8_t index[4] = {static_cast<uint8_t>(block_ >> 24), static_cast<uint8_t>(block_ >> 16),
                            static_cast<uint8_t>(block_ >> 8), static_cast<uint8_t>(block_)};
  if (mbedtls_md_hmac_reset(&md_) != 0 || mbedtls_md_hmac_update(&md_, salt_.data(), salt_length_) != 0 ||
      mbedtls_md_hmac_update(&md_, index, sizeof(index)) != 0 || mbedtls_md_hmac_finish(&md_, u_.data()) != 0) {
    return false;
  }
  t_ = u_;
  iteration_ = 1;
  return true;
}

bool Pbkdf2Sha256::step(uint32_t max_iterations) {
  if (state_ != State::kRunning) return true;
  uint32_t budget = max_iterations == 0 ? 1 : max_iterations;
  while (budget > 0) {
    if (iteration_ < iterations_) {
      // U_j = HMAC(P, U_{j-1}); T ^= U_j.
      if (mbedtls_md_hmac_reset(&md_) != 0 || mbedtls_md_hmac_update(&md_, u_.data(), u_.size()) != 0 ||
          mbedtls_md_hmac_finish(&md_, u_.data()) != 0) {
        end(State::kFailed);
        return true;
      }
      for (size_t i = 0; i < kBlockBytes; ++i) t_[i] ^= u_[i];
      ++iteration_;
      --budget;
      continue;
    }
    size_t take = output_length_ - produced_;
    if (take > kBlockBytes) take = kBlockBytes;
    for (size_t i = 0; i < take; ++i) output_[produced_ + i] = t_[i];
    produced_ += take;
    if (produced_ == output_length_) {
      end(State::kDone);
      return true;
    }
    ++block_;
    if (!begin_block()) {
      end(State::kFailed);
      return true;
    }
    --budget;
  }
  return false;
}

void Pbkdf2Sha256::end(State state) {
  if (md_ready_) {
    mbedtls_md_free(&md_);  // also wipes the HMAC key pads
    md_ready_ = false;
  }
  mbedtls_platform_zeroize(u_.data(), u_.size());
  mbedtls_platform_zeroize(t_.data(), t_.size());
  state_ = state;
}

void Pbkdf2Sha256::cancel() {
  end(State::kIdle);
  mbedtls_platform_zeroize(output_.data(), output_.size());
  mbedtls_platform_zeroize(salt_.data(), salt_.size());
  output_length_ = 0;
  produced_ = 0;
}

}  // namespace probebox
