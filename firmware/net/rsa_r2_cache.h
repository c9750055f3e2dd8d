// R² mod N kept per RSA public key, so that verifying a signature with a key already
// seen does not recompute it (issue 20 item 4).
//
// mbedTLS's RSA public operation is a Montgomery exponentiation that needs R² mod N
// (R = 2^(limbs × limb bits)); it computes it on the first operation with a context
// and keeps it in that context (mbedtls_rsa_context's RN). A TLS client parses the
// server's certificate anew in every handshake, so every ServerKeyExchange (TLS 1.2)
// or CertificateVerify (1.3) signature pays for it again: one long division of a
// 4096-bit number by the modulus, about 0.195 M instructions on x86-64 for RSA-2048,
// 16 % of the verification — and a demo cycle verifies the same leaf's signature 8
// times. The signature itself is verified every time; only this constant is kept.
//
// Keyed by the certificate's SubjectPublicKeyInfo exactly as received (the DER bytes
// mbedTLS parsed the key from: the same bytes give the same modulus, parsed to the
// same number of limbs, which R depends on), compared byte for byte, and by that limb
// count too. A key of another length, another modulus or exponent, is another key.
// R² mod N depends on nothing else: not on the server, the name or the time.
//
// mbedTLS 3.6 has no accessor for RN: load() and store() reach it through
// MBEDTLS_PRIVATE, as TlsClientSession reads the handshake state. load() writes it
// only while it is empty (a context that never ran an operation); mbedTLS then uses
// it as its own (mbedtls_mpi_exp_mod_unsafe with a precomputed RR).
//
// Static storage, kEntries of at most kMaxModulusBytes (a larger key is simply not
// kept: its R² is computed as before), the least recently used replaced.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "mbedtls/pk.h"

// One entry on the target (578 bytes; issue 20's 256 KiB): the appliance's one
// certificate, served on every name and node. A second key seen each cycle (the SMTP
// relay's) then costs two recomputations a cycle; the simulator keeps 4
// (host-sim/board_limits.cmake).
#ifndef PROBEBOX_RSA_R2_CACHE
#define PROBEBOX_RSA_R2_CACHE 1
#endif
#ifndef PROBEBOX_RSA_R2_CACHE_MAX_BITS
#define PROBEBOX_RSA_R2_CACHE_MAX_BITS 2048
#endif

namespace probebox::net {

class RsaR2Cache {
 public:
  static constexpr size_t kEntries = PROBEBOX_RSA_R2_CACHE;
  static constexpr size_t kMaxModulusBytes = PROBEBOX_RSA_R2_CACHE_MAX_BITS / 8;
  // A SubjectPublicKeyInfo holds the modulus, the exponent and about 38 bytes of
  // DER around them (294 bytes for RSA-2048 with e = 65537).
  static constexpr size_t kMaxKeyBytes = kMaxModulusBytes + 48;

  // Before `pk` (parsed from the SubjectPublicKeyInfo `spki`) is used: when this key
  // was seen before and `pk` has no R² yet, gives it the kept one. True when given.
  // Either way, while `pk` has no R², its modulus is trimmed to the limbs it needs.
  bool load(const uint8_t* spki, size_t spki_len, mbedtls_pk_context& pk);
  // After `pk` was used: keeps the R² mbedTLS computed for it (false when there is
  // none, it is not RSA, too large, or already kept).
  bool store(const uint8_t* spki, size_t spki_len, const mbedtls_pk_context& pk);
  void clear();
  size_t size() const;
  uint32_t hits() const { return hits_; }
  uint32_t misses() const { return misses_; }

 private:
  struct Entry {
    uint32_t last_use = 0;
    uint16_t key_len = 0;  // 0: free
    uint16_t r2_len = 0;
    uint16_t limbs = 0;
    uint8_t key[kMaxKeyBytes];
    uint8_t r2[kMaxModulusBytes];
  };
  Entry* find(const uint8_t* spki, size_t spki_len, size_t limbs);

  std::array<Entry, kEntries> entries_{};
  uint32_t clock_ = 0;
  uint32_t hits_ = 0;
  uint32_t misses_ = 0;
};

}  // namespace probebox::net
