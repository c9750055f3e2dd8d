#include "net/rsa_r2_cache.h"

#include <cstring>

#include "mbedtls/bignum.h"
#include "mbedtls/rsa.h"

namespace probebox::net {
namespace {

// The RSA context of `pk`, or null for any other kind of key.
mbedtls_rsa_context* rsa_of(const mbedtls_pk_context& pk) {
  if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA) return nullptr;
  return mbedtls_pk_rsa(pk);
}

}  // namespace

RsaR2Cache::Entry* RsaR2Cache::find(const uint8_t* spki, size_t spki_len, size_t limbs) {
  for (Entry& e : entries_) {
    if (e.key_len != 0 && e.key_len == spki_len && e.limbs == limbs && std::memcmp(e.key, spki, spki_len) == 0) {
      return &e;
    }
  }
  return nullptr;
}

bool RsaR2Cache::load(const uint8_t* spki, size_t spki_len, mbedtls_pk_context& pk) {
  mbedtls_rsa_context* rsa = rsa_of(pk);
  if (kEntries == 0 || rsa == nullptr || spki == nullptr || spki_len == 0 || spki_len > kMaxKeyBytes) return false;
  mbedtls_mpi& rn = rsa->MBEDTLS_PRIVATE(RN);
  if (rn.MBEDTLS_PRIVATE(p) != nullptr) return false;  // mbedTLS has its own already
  // The modulus to the limbs it needs, while no R² was made for it (R depends on
  // the count): a DER INTEGER whose top bit is set starts with a zero byte (257
  // bytes for RSA-2048), which mbedTLS reads into one limb more (33 of 64 bits),
  // and every Montgomery multiplication of the verification then works on it:
  // 6 % of them on x86-64. The value is the same; on failure (memory) it stays as
  // it was.
  (void)mbedtls_mpi_shrink(&rsa->MBEDTLS_PRIVATE(N), 0);
  Entry* e = find(spki, spki_len, rsa->MBEDTLS_PRIVATE(N).MBEDTLS_PRIVATE(n));
  if (e == nullptr) {
    ++misses_;
    return false;
  }
  if (mbedtls_mpi_read_binary(&rn, e->r2, e->r2_len) != 0) {
    mbedtls_mpi_free(&rn);  // left empty: mbedTLS computes it as before
    return false;
  }
  e->last_use = ++clock_;
  ++hits_;
  return true;
}

bool RsaR2Cache::store(const uint8_t* spki, size_t spki_len, const mbedtls_pk_context& pk) {
  mbedtls_rsa_context* rsa = rsa_of(pk);
  if (kEntries == 0 || rsa == nullptr || spki == nullptr || spki_len == 0 || spki_len > kMaxKeyBytes) return false;
  const mbedtls_mpi& rn = rsa->MBEDTLS_PRIVATE(RN);
  size_t modulus_len = mbedtls_rsa_get_len(rsa);
  size_t limbs = rsa->MBEDTLS_PRIVATE(N).MBEDTLS_PRIVATE(n);
  if (rn.MBEDTLS_PRIVATE(p) == nullptr || modulus_len == 0 || modulus_len > kMaxModulusBytes || limbs > 0xFFFF) {
    return false;
  }
  if (find(spki, spki_len, limbs) != nullptr) return false;
  Entry* slot = &entries_[0];
  for (Entry& e : entries_) {
    if (e.key_len == 0) {
      slot = &e;
      break;
    }
    if (e.last_use < slot->last_use) slot = &e;
  }
  // R² mod N < N: it fits the modulus's length.
  if (mbedtls_mpi_write_binary(&rn, slot->r2, modulus_len) != 0) {
    slot->key_len = 0;
    return false;
  }
  std::memcpy(slot->key, spki, spki_len);
  slot->key_len = static_cast<uint16_t>(spki_len);
  slot->r2_len = static_cast<uint16_t>(modulus_len);
  slot->limbs = static_cast<uint16_t>(limbs);
  slot->last_use = ++clock_;
  return true;
}

void RsaR2Cache::clear() {
  for (Entry& e : entries_) e.key_len = 0;
  hits_ = 0;
  misses_ = 0;
}

size_t RsaR2Cache::size() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.key_len != 0 ? 1 : 0;
  return n;
}

}  // namespace probebox::net
