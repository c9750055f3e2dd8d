#include "net/verified_chain_cache.h"

#include "mbedtls/sha256.h"

namespace probebox::net {

bool chain_key(const mbedtls_x509_crt* chain, ChainKey& out) {
  if (chain == nullptr || chain->raw.p == nullptr) return false;
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  bool ok = mbedtls_sha256_starts(&sha, 0) == 0;
  for (const mbedtls_x509_crt* c = chain; ok && c != nullptr && c->raw.p != nullptr; c = c->next) {
    const uint8_t length[3] = {static_cast<uint8_t>(c->raw.len >> 16), static_cast<uint8_t>(c->raw.len >> 8),
                               static_cast<uint8_t>(c->raw.len)};
    ok = mbedtls_sha256_update(&sha, length, sizeof(length)) == 0 &&
         mbedtls_sha256_update(&sha, c->raw.p, c->raw.len) == 0;
  }
  ok = ok && mbedtls_sha256_finish(&sha, out.sha256.data()) == 0;
  mbedtls_sha256_free(&sha);
  return ok;
}

const VerifiedChain* VerifiedChainCache::find(const ChainKey& key, ChainContext context, int64_t now_us) {
  for (Entry& e : entries_) {
    if (!e.used || !(e.key == key) || !(e.context == context)) continue;
    // A clock that went backwards, or an entry too old: verified again.
    if (now_us < e.stored_us || now_us - e.stored_us > kMaxAgeMicros) {
      e.used = false;
      break;
    }
    e.last_use = ++clock_;
    ++hits_;
    return &e.chain;
  }
  ++misses_;
  return nullptr;
}

bool VerifiedChainCache::insert(const ChainKey& key, ChainContext context, int64_t now_us,
                                const VerifiedChain& chain) {
  if (chain.chain.trusted != x509::Trust::kYes || entries_.empty()) return false;
  Entry* slot = nullptr;
  for (Entry& e : entries_) {
    if (e.used && e.key == key && e.context == context) {
      slot = &e;
      break;
    }
  }
  for (Entry& e : entries_) {
    if (slot != nullptr) break;
    if (!e.used) slot = &e;
  }
  if (slot == nullptr) {
    slot = &entries_[0];
    for (Entry& e : entries_) {
      if (e.last_use < slot->last_use) slot = &e;
    }
  }
  slot->used = true;
  slot->key = key;
  slot->context = context;
  slot->stored_us = now_us;
  slot->last_use = ++clock_;
  slot->chain = chain;
  return true;
}

void VerifiedChainCache::clear() {
  for (Entry& e : entries_) e.used = false;
}

size_t VerifiedChainCache::size() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.used ? 1 : 0;
  return n;
}

}  // namespace probebox::net
